"""The data the URL and API sweeps run against: the standing school plus one object of every kind.

Every record that belongs to a person belongs to 王老師 (``teacher``): so ``other_teacher`` (another unit),
``other_head`` (head of another unit) and ``outsider`` (another school's personnel) must be refused it, while
``unit_head``, ``personnel`` and ``principal`` may see it. School-wide objects (semesters, school days, typhoon
days) belong to the standing school, so only ``outsider`` must be refused them.

Built once per test module inside a transaction that is rolled back at the end of the module (as Django's
``TestCase.setUpTestData`` does), with time frozen on Wednesday 8 October 2025, 09:00 in Taipei.
"""

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings

from attendance.models import PunchCorrection
from attendance.services import daily_results_recompute, punch_correction_request
from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_types_seed, overtime_submit
from notifications.models import Notification, PushSubscription
from schedules.cap_services import cap_alert_import
from schedules.models import BellPeriod, DisasterStopClaim, Division, Semester, TimetableEntry
from schedules.services import school_day_create, typhoon_day_declare, work_schedules_seed_defaults
from schedules.timetables_services import bell_schedule_ensure_standard
from sso.models import PortalIdentity
from staff.models import District, StaffCategory
from substitutes.models import CoverageNeed, SubstituteProfile
from substitutes.services import absence_record, coverage_assign
from tests.clock import at
from tests.factories import make_staff, make_standing_school

ROLES = ("teacher", "unit_head", "other_teacher", "other_head", "personnel", "principal", "academic", "outsider")
NOW = at(2025, 10, 8, 9)  # a Wednesday in term time
THU = dt.date(2025, 10, 9)
CAP_SAMPLE = Path(__file__).parent / "schedules" / "cap_samples" / "actual_two_districts.xml"



@dataclass
class World:
    people: dict
    objects: dict = field(default_factory=dict)  # kind -> pk, e.g. objects["leave_request"]
    media_root: object = None  # where the leave attachment is stored

    def staff(self, role: str):
        return self.people[role]


def _lesson(semester, teacher, weekday, number, class_name, subject):
    period = BellPeriod.objects.get(school=semester.school, division=Division.SENIOR, number=number)
    return TimetableEntry.objects.create(
        semester=semester, teacher=teacher, weekday=weekday, period=period, class_name=class_name, subject=subject
    )


def build_world(media_root) -> World:
    people = make_standing_school()
    school, teacher = people["school"], people["teacher"]
    objects: dict[str, int] = {"school": school.pk}  # the city's read-only pages name a school
    objects["unit"] = teacher.unit_id  # the unit's calendar names a unit: the teacher's (教務處)
    # schedules: clock-in rules, the semester, bells, a timetable, a school day and a typhoon day.
    work_schedules_seed_defaults(school=school)
    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(
        school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20)
    )
    objects["semester"] = semester.pk
    hourly = make_staff(school, category=StaffCategory.HOURLY_SUBSTITUTE, name="趙代課", username="hourly")
    SubstituteProfile.objects.create(staff=hourly, subjects="國文")
    _lesson(semester, teacher, 4, 1, "高一 3 班", "國文")
    _lesson(semester, teacher, 4, 3, "高一 5 班", "國文")
    _lesson(semester, people["other_teacher"], 4, 2, "高二 1 班", "國文")
    _lesson(semester, hourly, 4, 4, "高一 3 班", "國文")
    objects["school_day"] = school_day_create(
        actor=None, school=school, day=dt.date(2025, 11, 25), kind="exam", label="第二次期中考"
    ).pk
    objects["typhoon"] = typhoon_day_declare(
        actor=None, day=dt.date(2025, 10, 20), school=school, label="示範高中颱風停課"
    ).pk
    # An official announcement for the school's district (苓雅區), waiting for confirmation.
    school.district = District.objects.create(name="苓雅區", code="6400800")
    school.save(update_fields=["district"])
    alert = cap_alert_import(actor=None, content=CAP_SAMPLE.read_bytes(), source=CAP_SAMPLE.name)
    objects["cap_alert"] = alert.outcomes[0].alert.pk
    # The teacher's own 停班停課登記 for an earlier day, waiting for the principal.
    objects["disaster_claim"] = DisasterStopClaim.objects.create(
        staff=teacher, date=dt.date(2025, 10, 21), reason="住家道路淹水無法通行"
    ).pk
    # leave: the teacher's request for Thursday morning (with an attachment) and an overtime request.
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    personal = LeaveType.objects.get(school=school, code="personal")
    with override_settings(MEDIA_ROOT=media_root):
        request = leave_request_submit(
            applicant=teacher, leave_type=personal, start=at(THU, "08:00"), end=at(THU, "12:00"),
            deputy=people["unit_head"], reason="家中有事", class_arrangement="請教學組安排代課",
            attachments=[SimpleUploadedFile("證明.pdf", b"%PDF-1.4 proof", content_type="application/pdf")],
        )
    objects["leave_request"] = request.pk
    objects["leave_step"] = request.steps.get(status="current").pk
    objects["leave_attachment"] = request.attachments.get().pk
    objects["overtime"] = overtime_submit(
        staff=teacher, planned_start=at(THU, "17:00"), planned_end=at(THU, "19:00"), reason="校慶場地布置"
    ).pk
    # substitutes: the leave made needs for the teacher's Thursday classes; give one to the hourly teacher.
    needs = list(CoverageNeed.objects.filter(absence__teacher=teacher).order_by("pk"))
    assert needs, "the teacher's leave should have made coverage needs"
    objects["need"] = needs[-1].pk
    objects["assignment"] = coverage_assign(actor=people["academic"], need_id=needs[0].pk, substitute_id=hourly.pk).pk
    change = absence_record(actor=people["academic"], teacher=hourly, start=at(THU, "11:00"), end=at(THU, "17:00"))
    objects["absence"] = change.absence.pk
    # attendance: a pending 補登 for Tuesday's forgotten 下班.
    daily_results_recompute(school=school, start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 7))
    objects["correction"] = punch_correction_request(
        staff=teacher, date=dt.date(2025, 10, 7), kind="out", time=dt.time(16, 40), reason="忘記刷下班卡"
    ).pk
    # notifications and sso: a notice and a portal identity of the teacher.
    objects["notification"] = Notification.objects.create(recipient=teacher.user, kind="test", title="測試通知").pk
    # one of the teacher's devices that receive Web Push (docs/pwa.md)
    objects["push_device"] = PushSubscription.objects.create(
        user=teacher.user, endpoint="https://fcm.googleapis.com/fcm/send/sweep-teacher", device="Android · Chrome",
        p256dh="B" + "A" * 86, auth="A" * 22,
    ).pk
    # the teacher's calendar address (config/feeds.py): its token, which the address carries
    from staff.services import calendar_feed_issue

    objects["calendar_token"] = calendar_feed_issue(staff=teacher)
    objects["identity"] = PortalIdentity.objects.create(
        issuer="https://portal.test.example", sub="teacher-sub", user=teacher.user, school=school, name="王老師",
        bound_at=NOW, bound_method="self",
    ).pk
    assert PunchCorrection.objects.filter(pk=objects["correction"]).exists()
    people["hourly"] = hourly
    return World(people=people, objects=objects, media_root=media_root)


@contextmanager
def world_in_transaction(django_db_blocker, media_root):
    """Build the world in an outer transaction (each test's own runs nested in it); roll it all back after."""
    traveller = time_machine.travel(NOW, tick=False)
    traveller.start()
    try:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                    world = build_world(media_root)
                yield world
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
    finally:
        traveller.stop()


def teacher_markers(world) -> list[str]:
    """The teacher's name, number and the words of their records: must not reach another unit."""
    teacher = world.staff("teacher")
    return [teacher.name, teacher.employee_no, "家中有事", "忘記刷下班卡", "校慶場地布置", "測試通知"]


def school_markers(world) -> list[str]:
    """Anything of the standing school: must not reach another school's personnel."""
    school = world.people["school"]
    names = [world.staff(r).name for r in ROLES if r != "outsider"] + [world.staff("hourly").name]
    return [school.name, f'"{school.code}"', *names, "示範高中颱風停課", "第二次期中考", *teacher_markers(world)]


def fixtures():
    """``world, as_role = fixtures()`` in a sweep module: its own world, built once for the module."""
    return pytest.fixture(scope="module", name="world")(_world), pytest.fixture(name="as_role")(_as_role)


def _world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The sweep's world, built once per module (import this fixture into the module)."""
    with world_in_transaction(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        yield built


def _as_role(world, db, settings):
    """as_role("teacher") -> a test client signed in as that person; as_role(None) -> anonymous."""
    settings.MEDIA_ROOT = world.media_root

    def client(role: str | None) -> Client:
        c = Client(raise_request_exception=False)
        if role:
            c.force_login(world.staff(role).user, backend="staff.backends.AccountBackend")
        return c

    return client
