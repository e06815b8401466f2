"""The 18:00 reminder: everyone whose day still lacks a punch is told once (in-app + email)."""

import datetime as dt

from attendance.models import PunchKind, PunchReminder
from attendance.services import missing_punch_reminders_send
from attendance.tasks import send_missing_punch_reminders
from notifications.models import EmailOutbox, Notification
from staff.models import StaffCategory
from tests.attendance.conftest import WORKDAY, at, punch
from tests.factories import make_staff


def _reminded() -> dict[str, str]:
    return {
        n.recipient.staff.name: n.title
        for n in Notification.objects.filter(kind="attendance.missing_punch").select_related("recipient__staff")
    }


def test_each_person_with_a_missing_punch_is_told_once(people, clock):
    make_staff(people["school"], category=StaffCategory.HOURLY_SUBSTITUTE, name="代課甲")  # no duty: not told
    clock(at(WORKDAY, "07:25:00"))
    punch(staff=people["personnel"], kind=PunchKind.IN, ip="10.0.0.1")
    punch(staff=people["teacher"], kind=PunchKind.IN, ip="10.0.0.1")
    clock(at(WORKDAY, "16:40:00"))
    punch(staff=people["personnel"], kind=PunchKind.OUT, ip="10.0.0.1")
    punch(staff=people["other_teacher"], kind=PunchKind.OUT, ip="10.0.0.1")

    clock(at(WORKDAY, "18:00:00"))
    sent = send_missing_punch_reminders.delay().get()
    reminded = _reminded()
    # Everyone on duty without both punches: the teacher (no 下班), the homeroom teacher (no 上班), the
    # ones with no punch at all — here and at the other school; not the clerk who punched both, not 代課甲.
    assert set(reminded) == {"王老師", "李導師", "陳主任", "林主任", "黃校長", "吳組長", "外校人事"}
    assert sent == 7
    assert reminded["王老師"] == "缺卡提醒：114/10/08 未刷下班卡"
    assert reminded["李導師"] == "缺卡提醒：114/10/08 未刷上班卡"
    assert reminded["陳主任"] == "缺卡提醒：114/10/08 缺勤"
    assert EmailOutbox.objects.filter(to=people["teacher"].email).count() == 1
    body = Notification.objects.get(recipient=people["teacher"].user).body
    assert "忘了刷卡" in body and "上班 07:25" in body

    # Again (a retried task, a second beat): nobody is told twice.
    assert missing_punch_reminders_send() == 0
    assert Notification.objects.filter(kind="attendance.missing_punch").count() == 7
    assert PunchReminder.objects.filter(date=WORKDAY).count() == 7


def test_a_correction_made_before_18_00_means_no_reminder(people, clock):
    clock(at(WORKDAY, "07:25:00"))
    punch(staff=people["teacher"], kind=PunchKind.IN, ip="10.0.0.1")
    clock(at(WORKDAY, "16:05:00"))
    punch(staff=people["teacher"], kind=PunchKind.OUT, ip="10.0.0.1")
    clock(at(WORKDAY, "18:00:00"))
    missing_punch_reminders_send()
    assert "王老師" not in _reminded()


def test_nobody_is_reminded_on_a_holiday(people, clock):
    clock(at(dt.date(2025, 10, 10), "18:00:00"))  # 國慶日
    assert missing_punch_reminders_send() == 0
    assert not Notification.objects.filter(kind="attendance.missing_punch").exists()


def test_reminder_in_english_for_an_english_reader(people, clock):
    user = people["teacher"].user
    user.language = "en"
    user.save()
    clock(at(WORKDAY, "18:00:00"))
    missing_punch_reminders_send()
    notice = Notification.objects.get(recipient=user)
    assert notice.title == "Missing punch on 08 Oct 2025"  # the English date style (docs/style.md)


def test_the_job_writes_in_batches_of_constant_statements(people, clock, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock(at(WORKDAY, "18:00:00"))

    def run(batch: int) -> tuple[int, list[str]]:
        PunchReminder.objects.all().delete()
        Notification.objects.filter(kind="attendance.missing_punch").delete()
        settings.ATTENDANCE_REMINDER_BATCH = batch
        with CaptureQueriesContext(connection) as log:
            sent = missing_punch_reminders_send()
        return sent, [q["sql"] for q in log.captured_queries]

    sent, one = run(100)
    assert sent >= 7  # nobody punched: everyone on duty at both schools
    again, pairs = run(2)
    batches = (sent + 1) // 2
    assert again == sent and batches >= 4

    def count(sql: list[str], table: str) -> int:
        return sum(q.startswith(f'INSERT INTO "{table}"') for q in sql)

    for table in ("attendance_punchreminder", "notifications_notification", "notifications_emailoutbox"):
        assert (count(one, table), count(pairs, table)) == (1, batches), table
    # Each further batch costs the same few statements (its savepoint, the three INSERTs, its release),
    # whatever the number of people in it: nothing per person.
    assert len(pairs) - len(one) == (batches - 1) * 5
    assert len(_reminded()) == sent


def test_the_days_results_are_recomputed_a_few_schools_at_a_time(people, clock, settings):
    """No statement of the 18:00 job grows with the city: the day's results are written per batch of
    ATTENDANCE_SCHOOLS_PER_TASK schools, and everyone of every batch is still reminded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staff.models import School
    from tests.attendance.test_city_jobs import RESULT_WRITE, written_school_ids

    settings.ATTENDANCE_SCHOOLS_PER_TASK = 1
    clock(at(WORKDAY, "18:00:00"))
    schools = School.objects.count()
    assert schools >= 2
    with CaptureQueriesContext(connection) as log:
        sent = missing_punch_reminders_send()
    writes = [q["sql"] for q in log.captured_queries if q["sql"].startswith(RESULT_WRITE)]
    assert len(writes) == schools
    for sql in writes:
        assert len(written_school_ids(sql)) == 1, sql[:300]
    # Who to remind is one read, by school and day (the results' (school, date, status) index, probed per school),
    # not by the day alone (a scan of that index over every year of results kept); its text names no school.
    reads = [q["sql"] for q in log.captured_queries
             if q["sql"].startswith("SELECT") and 'FROM "attendance_dailyresult"' in q["sql"]
             and "attendance_punchreminder" in q["sql"]]
    assert len(reads) == 1 and '"attendance_dailyresult"."school_id" IN (SELECT' in reads[0], reads
    assert sent >= 7 and len(_reminded()) == sent  # nobody punched: everyone on duty at both schools
