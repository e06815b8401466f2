"""Several periods to one substitute at once: each checked as coverage_assign checks it, clashes listed with
their code while the others are assigned, one notice to the substitute, queries constant in the number of needs."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from notifications.models import Notification
from staff.models import Role, StaffMember
from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.selectors import busy_reasons, busy_reasons_during
from substitutes.services import CoverageError, coverage_assign, coverage_assign_many
from tests.factories import make_staff
from tests.substitutes.conftest import THU, add_class, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)
WED_BEFORE = dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def week(school_setup, leave):
    """王老師 away Thu 10/9 – Mon 10/13 (Friday is 國慶日): Thu P1 高一 3 班, Thu P3 高一 5 班, Mon P1 高一 3 班."""
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(MON, "17:00"))])
    needs = list(CoverageNeed.objects.filter(teacher=school_setup["teacher"]).order_by("starts_at"))
    assert [(n.date, n.period_number) for n in needs] == [(THU, 1), (THU, 3), (MON, 1)]
    return {**school_setup, "needs": needs}


def refused(code, **kwargs):
    with pytest.raises(CoverageError) as exc:
        coverage_assign_many(**kwargs)
    assert exc.value.code == code
    return exc.value


def test_the_free_periods_are_assigned_and_the_clash_is_listed_with_its_code(week):
    academic, sub, teacher = week["academic"], week["other_teacher"], week["teacher"]
    thu1, thu3, mon1 = week["needs"]
    # 李導師 teaches 高二 1 班 on Thursday P3: that period clashes, the other two are free.
    result = coverage_assign_many(actor=academic, need_ids=[mon1.pk, thu3.pk, thu1.pk], substitute_id=sub.pk)

    assert [a.need_id for a in result.assigned] == [thu1.pk, mon1.pk]
    assert [(r.need.pk, r.code) for r in result.refused] == [(thu3.pk, "teaching")]
    assert "李導師" in result.refused[0].message
    statuses = dict(CoverageNeed.objects.values_list("pk", "status"))
    assert (statuses[thu1.pk], statuses[thu3.pk], statuses[mon1.pk]) == ("covered", "open", "covered")
    assert set(CoverageAssignment.objects.values_list("need_id", "substitute_id", "kind", "paid_by")) == {
        (thu1.pk, sub.pk, "substitute", "school"), (mon1.pk, sub.pk, "substitute", "school"),
    }
    # Told once, every period listed; no per-period notices.
    [notice] = Notification.objects.filter(recipient=sub.user)
    assert notice.kind == "substitutes.assigned_many"
    assert "2 節" in notice.title
    assert notice.body.count("高一 3 班") == 2 and "高一 5 班" not in notice.body and "王老師" in notice.body
    [told] = Notification.objects.filter(recipient=teacher.user, kind__startswith="substitutes.covered")
    assert told.kind == "substitutes.covered_many" and "李導師" in told.title
    audited = AuditEntry.objects.filter(action="substitutes.substitute_assigned")
    assert sorted(audited.values_list("target_id", flat=True)) == sorted(str(a.pk) for a in result.assigned)


def test_each_refusal_code_of_a_single_assignment_applies_period_by_period(week, leave):
    academic, free = week["academic"], week["other_head"]
    thu1, thu3, mon1 = week["needs"]
    # 陳主任 is away Thursday P1 too: his 高三 2 班 needs cover at the same time as 王老師's 高一 3 班.
    leave(week["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    head_p1 = CoverageNeed.objects.get(teacher=week["unit_head"])
    # 林主任 is on leave Monday morning; 王老師's Thu P3 is already covered by 李導師's colleague 趙代課.
    leave(free, [(at(MON, "07:30"), at(MON, "12:00"))], request_id=301)
    coverage_assign(actor=academic, need_id=thu3.pk, substitute_id=week["hourly"].pk)

    result = coverage_assign_many(
        actor=academic, need_ids=[thu1.pk, head_p1.pk, thu3.pk, mon1.pk], substitute_id=free.pk
    )
    assert [a.need_id for a in result.assigned] == [thu1.pk]
    assert {r.need.pk: r.code for r in result.refused} == {
        head_p1.pk: "covering",  # the same time as another period of this very request
        thu3.pk: "already_covered",
        mon1.pk: "on_leave",
    }

    # The absent teacher cannot cover their own class; a cancelled need is refused as such.
    head_p1_result = coverage_assign_many(actor=academic, need_ids=[head_p1.pk], substitute_id=week["unit_head"].pk)
    assert [(r.code, r.need.pk) for r in head_p1_result.refused] == [("same_teacher", head_p1.pk)]
    leave(week["unit_head"], [], action="withdrawn", request_id=300)
    gone = coverage_assign_many(actor=academic, need_ids=[head_p1.pk], substitute_id=week["other_teacher"].pk)
    assert [r.code for r in gone.refused] == ["need_cancelled"] and gone.assigned == []
    # Nothing assigned: nobody told.
    assert not Notification.objects.filter(recipient=week["other_teacher"].user).exists()

    # Someone already covering that period (from an earlier request) is refused it.
    again = coverage_assign_many(actor=academic, need_ids=[thu1.pk], substitute_id=free.pk)
    assert [r.code for r in again.refused] == ["already_covered"]
    coverage_assign_many(actor=academic, need_ids=[thu1.pk], substitute_id=free.pk)
    assert CoverageAssignment.objects.filter(substitute=free, status="active").count() == 1


def _nothing_changed():
    return not CoverageAssignment.objects.exists() and not CoverageNeed.objects.filter(status="covered").exists()


def test_the_whole_request_is_refused_when_it_may_not_be_made(week):
    academic, sub = week["academic"], week["other_teacher"]
    ids = [n.pk for n in week["needs"]]
    # Not academic affairs.
    for who in ("teacher", "unit_head", "personnel", "principal", "outsider"):
        refused("forbidden", actor=week[who], need_ids=ids, substitute_id=sub.pk)
    # Academic affairs of another school.
    other_academic = make_staff(week["outsider"].school, roles=(Role.ACADEMIC_AFFAIRS,), username="otheraa")
    refused("forbidden", actor=other_academic, need_ids=ids, substitute_id=sub.pk)
    # One need of another school among ours: nothing at all is assigned.
    stranger = make_staff(week["outsider"].school, username="stranger")
    absence = Absence.objects.create(school=stranger.school, teacher=stranger, source="recorded", status="recorded")
    foreign = CoverageNeed.objects.create(
        school=stranger.school, absence=absence, teacher=stranger, date=THU, division="senior", period_number=5,
        period_label="第五節", starts_at=at(THU, "13:10"), ends_at=at(THU, "14:00"), class_name="高一 1 班",
        subject="國文",
    )
    refused("forbidden", actor=academic, need_ids=[*ids, foreign.pk], substitute_id=sub.pk)
    refused("forbidden", actor=academic, need_ids=[*ids, 999_999], substitute_id=sub.pk)
    # The substitute: of another school, unknown, not a teacher.
    refused("unknown_substitute", actor=academic, need_ids=ids, substitute_id=stranger.pk)
    refused("unknown_substitute", actor=academic, need_ids=ids, substitute_id=999_999)
    refused("not_teacher", actor=academic, need_ids=ids, substitute_id=week["personnel"].pk)
    refused("no_needs", actor=academic, need_ids=[], substitute_id=sub.pk)
    refused("too_many", actor=academic, need_ids=range(1, 202), substitute_id=sub.pk)
    assert _nothing_changed()
    assert not Notification.objects.filter(kind__startswith="substitutes.assigned").exists()


def test_queries_do_not_grow_with_the_number_of_needs(school_setup, leave):
    academic, head, free = school_setup["academic"], school_setup["unit_head"], school_setup["other_head"]
    for n in range(4, 9):
        add_class(school_setup["semester"], head, 4, n, f"高三 {n} 班", "數學")
    leave(head, [(at(THU, "07:30"), at(MON, "17:00"))], request_id=300)
    needs = list(CoverageNeed.objects.filter(teacher=head).order_by("starts_at").values_list("pk", flat=True))
    assert len(needs) == 6

    def count(ids):
        with CaptureQueriesContext(connection) as ctx:
            result = coverage_assign_many(actor=academic, need_ids=ids, substitute_id=free.pk)
        assert len(result.assigned) == len(ids) and not result.refused
        return len(ctx.captured_queries)

    count(needs[:1])  # warms the per-process caches (the actor's roles, content types)
    one, four = count(needs[1:2]), count(needs[2:])
    assert one == four, (one, four)
    # Savepoint (1); the needs and the substitute, locked (2); recorded absences, leave, timetable,
    # assignments overlapping, periods already held (5); the insert in its savepoint (3); the needs'
    # update (1); the audit entries in one INSERT (1); a notice and its email for the substitute, whose
    # account came with the lock (2), and for the absent teacher, with their account (3); release (1).
    assert four == 19, four


@pytest.mark.parametrize("teacher_key", ["teacher", "other_teacher", "unit_head", "other_head", "hourly"])
def test_the_bulk_conflict_rule_is_the_single_one_for_every_period_and_person(week, leave, teacher_key):
    """busy_reasons_during(person, periods) == busy_reasons(period, [person]) for each period, in a world
    with leave, recorded leave, teaching, covering and a swap's return leg."""
    academic = week["academic"]
    leave(week["unit_head"], [(at(THU, "08:00"), at(THU, "12:00"))], request_id=300)
    leave(week["other_head"], [(at(MON, "07:30"), at(MON, "09:00"))], request_id=301)
    thu1, thu3, _mon1 = week["needs"]
    coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=week["other_head"].pk)
    coverage_assign(actor=academic, need_id=thu3.pk, substitute_id=week["hourly"].pk)
    needs = list(CoverageNeed.objects.exclude(status="cancelled").select_related("school"))
    person = week[teacher_key]
    bulk = busy_reasons_during(
        school=person.school, staff_id=person.pk, windows=[(n.pk, n.starts_at, n.ends_at) for n in needs]
    )
    single = {}
    for n in needs:
        reasons = busy_reasons(school=n.school, staff_ids=[person.pk], starts_at=n.starts_at, ends_at=n.ends_at)
        if person.pk in reasons:
            single[n.pk] = reasons[person.pk]
    assert bulk == single
    assert StaffMember.objects.filter(pk=person.pk).exists()


@time_machine.travel(WED_BEFORE, tick=False)
def test_the_dashboard_ticks_a_whole_absence_and_the_post_assigns_it(week, client_for):
    client = client_for(week["academic"])
    thu1, thu3, mon1 = week["needs"]
    r = client.get(f"/substitutes/?absence={thu1.absence_id}&open=1")
    html = r.content.decode()
    assert html.count('data-testid="pick"') == 3 and html.count(" checked ") + html.count(" checked>") >= 3
    assert f'<option value="{week["other_teacher"].pk}">' in html
    # Bad narrowing values are ignored, not a 500.
    assert client.get("/substitutes/?absence=abc&date=2025-13-45").status_code == 200

    r = client.post("/substitutes/needs/assign/", {
        "need": [thu1.pk, thu3.pk, mon1.pk], "substitute": week["other_teacher"].pk,
        "absence": thu1.absence_id, "open": "1",
    }, follow=True)
    assert r.redirect_chain[-1][0] == f"/substitutes/?absence={thu1.absence_id}&open=1"
    shown = [str(m) for m in r.context["messages"]]
    assert any("已安排 李導師 代課 2 節" in m for m in shown)
    assert any("高一 5 班" in m and "自己有課" in m for m in shown)
    assert CoverageAssignment.objects.count() == 2


@time_machine.travel(WED_BEFORE, tick=False)
def test_the_page_refuses_strangers_and_bad_input(week, client_for):
    ids = [n.pk for n in week["needs"]]
    for who in ("teacher", "unit_head", "personnel"):
        r = client_for(week[who]).post("/substitutes/needs/assign/", {"need": ids, "substitute": week["other_head"].pk})
        assert r.status_code == 403, who
    other_academic = make_staff(week["outsider"].school, roles=(Role.ACADEMIC_AFFAIRS,), username="otheraa")
    r = client_for(other_academic).post(
        "/substitutes/needs/assign/", {"need": ids, "substitute": week["other_head"].pk}
    )
    assert r.status_code == 404
    client = client_for(week["academic"])
    for data in ({}, {"need": ["x"], "substitute": "y"}, {"need": ids}, {"substitute": week["other_head"].pk}):
        r = client.post("/substitutes/needs/assign/", data, follow=True)
        assert r.status_code == 200 and any(m.level_tag == "error" for m in r.context["messages"]), data
    assert _nothing_changed()


def test_the_api_twin(week, client_for):
    thu1, thu3, mon1 = week["needs"]
    client = client_for(week["academic"])
    r = client.post("/api/substitutes/assign-many/", {
        "need_ids": [thu1.pk, thu3.pk, mon1.pk], "substitute_id": week["other_teacher"].pk,
    }, content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [a["need"] for a in body["assigned"]] == [thu1.pk, mon1.pk]
    assert [(x["need"], x["code"]) for x in body["refused"]] == [(thu3.pk, "teaching")]
    assert body["substitute"]["id"] == week["other_teacher"].pk

    other_academic = make_staff(week["outsider"].school, roles=(Role.ACADEMIC_AFFAIRS,), username="otheraa")
    r = client_for(other_academic).post("/api/substitutes/assign-many/", {
        "need_ids": [thu3.pk], "substitute_id": week["other_head"].pk,
    }, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "forbidden"
    r = client_for(week["teacher"]).post("/api/substitutes/assign-many/", {
        "need_ids": [thu3.pk], "substitute_id": week["other_head"].pk,
    }, content_type="application/json")
    assert r.status_code == 403
    r = client_for(week["academic"]).post("/api/substitutes/assign-many/", {"need_ids": [], "substitute_id": 1},
                                          content_type="application/json")
    assert r.status_code == 400
    thu3.refresh_from_db()
    assert thu3.status == "open" and CoverageAssignment.objects.count() == 2
