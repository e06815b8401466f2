"""Offers (提供): with the school's switch on, an assignment is first offered; the substitute accepts, or
declines with a reason and the periods go back on the open list, at the top. Only the person offered
answers; with the switch off (the default) cover is assigned directly as before."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from audit.models import AuditEntry
from notifications.models import Notification
from substitutes.models import CoverageAssignment, CoverageNeed, CoverageSettings
from substitutes.selectors import cover_board, coverage_dashboard
from substitutes.services import (
    CoverageError,
    coverage_assign,
    coverage_assign_many,
    coverage_offers_answer,
    coverage_policy_set,
    coverage_unassign,
)
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)
WED_BEFORE = dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def week(school_setup, leave):
    """王老師 away Thu 10/9 – Mon 10/13: Thu P1 高一 3 班, Thu P3 高一 5 班, Mon P1 高一 3 班; offers on."""
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(MON, "17:00"))])
    needs = list(CoverageNeed.objects.filter(teacher=school_setup["teacher"]).order_by("starts_at"))
    coverage_policy_set(actor=school_setup["academic"], offers_enabled=True)
    Notification.objects.all().delete()
    return {**school_setup, "needs": needs}


def kinds(staff) -> list[str]:
    return list(Notification.objects.filter(recipient=staff.user).values_list("kind", flat=True))


def test_the_default_is_direct_assignment_as_before(school_setup, leave):
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(THU, "17:00"))])
    need = CoverageNeed.objects.get(teacher=school_setup["teacher"], period_number=1)
    assert not CoverageSettings.objects.exists()
    assignment = coverage_assign(actor=school_setup["academic"], need_id=need.pk,
                                 substitute_id=school_setup["other_head"].pk)
    need.refresh_from_db()
    assert (assignment.status, need.status) == ("active", "covered")
    assert kinds(school_setup["other_head"]) == ["substitutes.assigned"]


def test_offers_switched_off_again_assign_directly(week):
    coverage_policy_set(actor=week["academic"], offers_enabled=False)
    result = coverage_assign_many(actor=week["academic"], need_ids=[week["needs"][0].pk],
                                  substitute_id=week["other_head"].pk)
    assert not result.offered and result.assigned[0].status == "active"
    assert AuditEntry.objects.filter(action="substitutes.policy_changed").count() == 2


def test_offer_then_accept(week):
    academic, sub, teacher = week["academic"], week["other_head"], week["teacher"]
    thu1, _thu3, mon1 = week["needs"]
    result = coverage_assign_many(actor=academic, need_ids=[thu1.pk, mon1.pk], substitute_id=sub.pk)
    assert result.offered and {a.status for a in result.assigned} == {"offered"}
    assert set(CoverageNeed.objects.filter(pk__in=[thu1.pk, mon1.pk]).values_list("status", flat=True)) == {"offered"}
    # The substitute is asked once, listing both; the absent teacher hears nothing yet; the board shows nothing.
    assert kinds(sub) == ["substitutes.offered"] and kinds(teacher) == []
    [offer] = Notification.objects.filter(recipient=sub.user)
    assert "2 節" in offer.title and offer.body.count("高一 3 班") == 2
    assert offer.url.endswith("/substitutes/mine/#offers")
    with time_machine.travel(at(THU, "07:00")):
        assert all(not day.rows for day in cover_board(school=sub.school, today=THU))

    answer = coverage_offers_answer(actor=sub, assignment_ids=[a.pk for a in result.assigned], accept=True)
    assert answer.accepted and [a.need_id for a in answer.assignments] == [thu1.pk, mon1.pk]
    assert set(CoverageAssignment.objects.values_list("status", flat=True)) == {"active"}
    assert set(CoverageNeed.objects.filter(pk__in=[thu1.pk, mon1.pk]).values_list("status", flat=True)) == {"covered"}
    assert kinds(teacher) == ["substitutes.covered_many"]  # once, both periods
    assert kinds(academic) == ["substitutes.offer_answered"]
    assert AuditEntry.objects.filter(action="substitutes.offer_accepted").count() == 2
    with time_machine.travel(at(THU, "07:00")):
        assert [r.covering for r in cover_board(school=sub.school, today=THU)[0].rows] == [sub.name]


def test_offer_then_decline_puts_the_periods_back_at_the_top(week):
    academic, sub, teacher = week["academic"], week["other_head"], week["teacher"]
    thu1, thu3, mon1 = week["needs"]
    offer = coverage_assign(actor=academic, need_id=mon1.pk, substitute_id=sub.pk)
    assert offer.status == "offered"
    with pytest.raises(CoverageError) as caught:  # a decline needs its reason
        coverage_offers_answer(actor=sub, assignment_ids=[offer.pk], accept=False, reason="  ")
    assert caught.value.code == "reason_required"

    coverage_offers_answer(actor=sub, assignment_ids=[offer.pk], accept=False, reason="當天要帶隊比賽")
    offer.refresh_from_db()
    mon1.refresh_from_db()
    assert (offer.status, offer.decline_reason, mon1.status) == ("declined", "當天要帶隊比賽", "open")
    assert mon1.declined_at is not None
    [told] = Notification.objects.filter(recipient=academic.user)
    assert told.kind == "substitutes.offer_answered" and "當天要帶隊比賽" in told.body
    assert kinds(teacher) == []

    with time_machine.travel(WED_BEFORE):
        board = coverage_dashboard(school=academic.school, today=WED_BEFORE.date())
    assert [n.pk for n in board.declined] == [mon1.pk]  # at the top, though the latest of the three
    assert [n.pk for d in board.days for n in d.needs] == [thu1.pk, thu3.pk, mon1.pk]
    # The page lists it first, with who declined and why.
    client = APIClient()
    client.force_authenticate(academic.user)
    rows = client.get("/api/substitutes/needs/", {"status": "open"}).json()["results"]
    assert [r["id"] for r in rows] == [mon1.pk, thu1.pk, thu3.pk] and rows[0]["declined_at"]
    # Offered again to someone else: no longer "declined" at the top.
    coverage_assign(actor=academic, need_id=mon1.pk, substitute_id=week["other_teacher"].pk)
    mon1.refresh_from_db()
    assert (mon1.status, mon1.declined_at) == ("offered", None)


def test_who_has_not_answered_is_shown_to_academic_affairs(week, client_for):
    academic, sub = week["academic"], week["other_head"]
    thu1 = week["needs"][0]
    coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=sub.pk)
    with time_machine.travel(WED_BEFORE):
        board = coverage_dashboard(school=academic.school, today=WED_BEFORE.date(), only_open=True)
        page = client_for(academic).get("/substitutes/").content.decode()
    assert [n.pk for n in board.offered] == [thu1.pk]  # still "to arrange" until answered
    assert 'data-testid="not-answered"' in page and sub.name in page


def test_only_the_offered_substitute_answers(week):
    academic, sub = week["academic"], week["other_head"]
    offer = coverage_assign(actor=academic, need_id=week["needs"][0].pk, substitute_id=sub.pk)
    for someone in (academic, week["teacher"], week["other_teacher"]):
        with pytest.raises(CoverageError) as caught:
            coverage_offers_answer(actor=someone, assignment_ids=[offer.pk], accept=True)
        assert caught.value.code == "forbidden"
    with pytest.raises(CoverageError) as caught:  # one of two not theirs: nothing is answered
        other = coverage_assign(actor=academic, need_id=week["needs"][2].pk, substitute_id=week["other_teacher"].pk)
        coverage_offers_answer(actor=sub, assignment_ids=[offer.pk, other.pk], accept=True)
    assert caught.value.code == "forbidden"
    assert CoverageAssignment.objects.get(pk=offer.pk).status == "offered"


def test_an_answered_or_withdrawn_offer_cannot_be_answered_again(week):
    academic, sub = week["academic"], week["other_head"]
    thu1, _thu3, mon1 = week["needs"]
    accepted = coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=sub.pk)
    coverage_offers_answer(actor=sub, assignment_ids=[accepted.pk], accept=True)
    withdrawn = coverage_assign(actor=academic, need_id=mon1.pk, substitute_id=sub.pk)
    coverage_unassign(actor=academic, assignment_id=withdrawn.pk, reason="改請別人")
    assert CoverageNeed.objects.get(pk=mon1.pk).status == "open"
    for pk, accept in ((accepted.pk, False), (withdrawn.pk, True)):
        with pytest.raises(CoverageError) as caught:
            coverage_offers_answer(actor=sub, assignment_ids=[pk], accept=accept, reason="不行")
        assert caught.value.code == "not_offered"
    # Withdrawing an offer tells the substitute only (the absent teacher was never told of it).
    assert kinds(week["teacher"]) == ["substitutes.covered_many"]


def test_an_offer_holds_the_period_and_the_need(week, leave):
    academic, sub = week["academic"], week["other_head"]
    thu1 = week["needs"][0]
    coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=sub.pk)
    with pytest.raises(CoverageError) as caught:
        coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=week["other_teacher"].pk)
    assert caught.value.code == "already_offered"
    # 陳主任 away too at Thu P1: the substitute, offered that period, is not free for his class.
    leave(week["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    other = CoverageNeed.objects.get(teacher=week["unit_head"])
    with pytest.raises(CoverageError) as caught:
        coverage_assign(actor=academic, need_id=other.pk, substitute_id=sub.pk)
    assert caught.value.code == "covering"


def test_a_cancelled_leave_withdraws_its_offers(week, leave):
    sub = week["other_head"]
    offer = coverage_assign(actor=week["academic"], need_id=week["needs"][0].pk, substitute_id=sub.pk)
    leave(week["teacher"], [], action="withdrawn")
    offer.refresh_from_db()
    assert offer.status == "cancelled"
    assert "substitutes.assignment_cancelled" in kinds(sub)


def test_swaps_are_never_offered(week):
    # 李導師 takes 王老師's Thu P1; 王老師 teaches her 高二 1 班 on Thursday 10/16 P2 in return.
    swap = coverage_assign(actor=week["academic"], need_id=week["needs"][0].pk, substitute_id=week["other_teacher"].pk,
                           kind="swap", swap_date=dt.date(2025, 10, 16), swap_period_number=2)
    assert swap.status == "active" and CoverageNeed.objects.get(pk=week["needs"][0].pk).status == "covered"


# --- Pages and API twins --------------------------------------------------------------------------


def test_the_substitute_answers_from_the_page(week, client_for):
    academic, sub = week["academic"], week["other_head"]
    thu1, _thu3, mon1 = week["needs"]
    first = coverage_assign(actor=academic, need_id=thu1.pk, substitute_id=sub.pk)
    second = coverage_assign(actor=academic, need_id=mon1.pk, substitute_id=sub.pk)
    client = client_for(sub)
    with time_machine.travel(WED_BEFORE):
        page = client.get("/substitutes/mine/").content.decode()
        assert page.count('data-testid="offer"') == 2
        home = client.get("/").content.decode()
        assert home.count('data-testid="home-offer"') == 2
        # A decline without a reason is refused, changing nothing.
        r = client.post("/substitutes/offers/answer/", {"assignment": [first.pk], "answer": "decline"}, follow=True)
        assert "請說明婉拒的原因" in r.content.decode()
        assert CoverageAssignment.objects.get(pk=first.pk).status == "offered"
        r = client.post("/substitutes/offers/answer/", {"assignment": [first.pk], "answer": "accept", "back": "home"})
        assert r.status_code == 302 and r["Location"] == "/"
        r = client.post("/substitutes/offers/answer/",
                        {"assignment": [second.pk], "answer": "decline", "reason": "家裡有事"})
        assert r.status_code == 302 and r["Location"] == "/substitutes/mine/"
    assert dict(CoverageAssignment.objects.values_list("pk", "status")) == {first.pk: "active", second.pk: "declined"}
    # Someone else answering gets 404 (not theirs), the academic office included.
    third = coverage_assign(actor=academic, need_id=mon1.pk, substitute_id=week["other_teacher"].pk)
    assert client_for(academic).post("/substitutes/offers/answer/",
                                     {"assignment": [third.pk], "answer": "accept"}).status_code == 404


def test_nobody_but_the_substitute_sees_an_offer(week, client_for):
    """An offer is the substitute's and 教學組's business: other teachers see nothing of it, the absent teacher only
    that cover is being arranged, and no teacher opens the dashboard that lists it."""
    academic, sub = week["academic"], week["other_head"]
    coverage_assign(actor=academic, need_id=week["needs"][0].pk, substitute_id=sub.pk)
    with time_machine.travel(WED_BEFORE):
        assert 'data-testid="home-offer"' in client_for(sub).get("/").content.decode()
        for who in ("teacher", "other_teacher", "unit_head", "hourly", "personnel", "principal"):
            client = client_for(week[who])
            mine, home = client.get("/substitutes/mine/").content.decode(), client.get("/").content.decode()
            assert 'data-testid="offer"' not in mine and 'data-testid="home-offer"' not in home, who
            assert sub.name not in mine, who
            assert client.get("/substitutes/").status_code == 403, who
        assert "教學組安排中" in client_for(week["teacher"]).get("/substitutes/mine/").content.decode()


def test_the_switch_from_the_dashboard(week, client_for):
    assert client_for(week["teacher"]).post("/substitutes/policy/", {"offers_enabled": "on"}).status_code == 403
    assert client_for(week["teacher"]).get("/substitutes/policy/").status_code == 403
    client = client_for(week["academic"])
    assert 'name="offers_enabled" checked' in client.get("/substitutes/policy/").content.decode()
    assert client.post("/substitutes/policy/", {}).status_code == 302
    assert not CoverageSettings.objects.get(school=week["school"]).offers_enabled
    client.post("/substitutes/policy/", {"offers_enabled": "on"})
    assert CoverageSettings.objects.get(school=week["school"]).offers_enabled


def test_api_twins(week):
    academic, sub = week["academic"], week["other_head"]
    thu1, _thu3, mon1 = week["needs"]
    arranger, substitute, other = APIClient(), APIClient(), APIClient()
    arranger.force_authenticate(academic.user)
    substitute.force_authenticate(sub.user)
    other.force_authenticate(week["other_teacher"].user)
    assert arranger.get("/api/substitutes/policy/").json() == {"offers_enabled": True}
    assert substitute.get("/api/substitutes/policy/").status_code == 403
    r = arranger.post("/api/substitutes/assign-many/", {"need_ids": [thu1.pk, mon1.pk], "substitute_id": sub.pk},
                      format="json")
    assert r.json()["offered"] is True and [a["actions"] for a in r.json()["assigned"]] == [
        ["accept", "decline", "cancel"]] * 2
    offers = substitute.get("/api/substitutes/offers/").json()["results"]
    assert [(o["class_name"], o["status"], o["teacher"]["name"]) for o in offers] == [
        ("高一 3 班", "offered", "王老師"), ("高一 3 班", "offered", "王老師")]
    assert other.get("/api/substitutes/offers/").json()["count"] == 0
    ids = [o["id"] for o in offers]
    denied = other.post("/api/substitutes/offers/answer/", {"assignment_ids": ids, "accept": True}, format="json")
    assert denied.status_code == 400 and denied.json()["code"] == "forbidden"
    no_reason = substitute.post("/api/substitutes/offers/answer/", {"assignment_ids": ids[:1], "accept": False},
                                format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    ok = substitute.post("/api/substitutes/offers/answer/",
                         {"assignment_ids": ids[:1], "accept": False, "reason": "研習"}, format="json")
    assert ok.status_code == 200 and ok.json()["assignments"][0]["status"] == "declined"
    ok = substitute.post("/api/substitutes/offers/answer/", {"assignment_ids": ids[1:], "accept": True}, format="json")
    assert ok.json()["assignments"][0]["status"] == "active"
    again = substitute.post("/api/substitutes/offers/answer/", {"assignment_ids": ids[1:], "accept": True},
                            format="json")
    assert again.status_code == 400 and again.json()["code"] == "not_offered"
    assert arranger.post("/api/substitutes/policy/", {"offers_enabled": False}, format="json").json() == {
        "offers_enabled": False}
