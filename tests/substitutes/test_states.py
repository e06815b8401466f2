"""The status tables of coverage needs and assignments (substitutes/states.py): every transition the
table allows and every one it refuses, in the table and through the services; and the pages and the API
offer exactly the actions the tables allow."""

import itertools

import pytest

from common.states import StateMachine
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.services import (
    CoverageError,
    coverage_assign,
    coverage_assign_many,
    coverage_offers_answer,
    coverage_policy_set,
    coverage_unassign,
)
from substitutes.states import ASSIGNMENT, NEED, NEED_REFUSAL_CODES
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

# The tables as the documentation (docs/substitutes.md) states them: action -> (from, to).
TABLES = [
    (NEED, {
        "assign": ({"open"}, "covered"),
        "offer": ({"open"}, "offered"),
        "accept": ({"offered"}, "covered"),
        "decline": ({"offered"}, "open"),
        "unassign": ({"covered", "offered"}, "open"),
        "cancel": ({"open", "offered", "covered"}, "cancelled"),
    }),
    (ASSIGNMENT, {
        "accept": ({"offered"}, "active"),
        "decline": ({"offered"}, "declined"),
        "cancel": ({"offered", "active"}, "cancelled"),
    }),
]


@pytest.mark.parametrize(("machine", "table"), TABLES, ids=[m.name for m, _t in TABLES])
def test_every_pair_of_status_and_action_is_allowed_or_refused_as_written(machine: StateMachine, table):
    assert set(machine.transitions) == set(table)
    for status, action in itertools.product(sorted(machine.states), table):
        sources, target = table[action]
        allowed = status in sources
        assert machine.allows(status, action) is allowed, (machine.name, status, action)
        assert (action in machine.actions(status)) is allowed
        if allowed:
            assert machine.require(status, action, lambda: AssertionError("refused")) == target
        else:
            with pytest.raises(LookupError):
                machine.require(status, action, LookupError)


def test_every_status_the_need_cannot_be_assigned_from_has_its_refusal_code():
    refused = {s for s in NEED.states if not NEED.allows(s, "assign")}
    assert set(NEED_REFUSAL_CODES) == refused


# --- The services enforce the tables, from every status -------------------------------------------


@pytest.fixture
def p1(school_setup, leave):
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(THU, "17:00"))])
    return CoverageNeed.objects.get(teacher=school_setup["teacher"], date=THU, period_number=1)


@pytest.mark.parametrize("status", CoverageNeed.Status.values)
def test_assigning_a_need_from_each_status(school_setup, p1, status):
    CoverageNeed.objects.filter(pk=p1.pk).update(status=status)
    kwargs = {"actor": school_setup["academic"], "need_id": p1.pk, "substitute_id": school_setup["other_head"].pk}
    if NEED.allows(status, "assign"):
        coverage_assign(**kwargs)
        assert CoverageNeed.objects.get(pk=p1.pk).status == NEED.target("assign")
        return
    with pytest.raises(CoverageError) as caught:
        coverage_assign(**kwargs)
    assert caught.value.code == NEED_REFUSAL_CODES[status]
    assert CoverageNeed.objects.get(pk=p1.pk).status == status and not CoverageAssignment.objects.exists()


@pytest.mark.parametrize("status", CoverageNeed.Status.values)
def test_assigning_many_needs_refuses_each_need_its_table_refuses(school_setup, p1, status):
    CoverageNeed.objects.filter(pk=p1.pk).update(status=status)
    result = coverage_assign_many(actor=school_setup["academic"], need_ids=[p1.pk],
                                  substitute_id=school_setup["other_head"].pk)
    if NEED.allows(status, "assign"):
        assert [a.need_id for a in result.assigned] == [p1.pk]
    else:
        assert [(r.need.pk, r.code) for r in result.refused] == [(p1.pk, NEED_REFUSAL_CODES[status])]
        assert not result.assigned


@pytest.mark.parametrize("status", CoverageAssignment.Status.values)
def test_taking_an_assignment_back_from_each_status(school_setup, p1, status):
    academic = school_setup["academic"]
    assignment = coverage_assign(actor=academic, need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    CoverageAssignment.objects.filter(pk=assignment.pk).update(status=status)
    if ASSIGNMENT.allows(status, "cancel"):
        assert coverage_unassign(actor=academic, assignment_id=assignment.pk).status == ASSIGNMENT.target("cancel")
        assert CoverageNeed.objects.get(pk=p1.pk).status == NEED.target("unassign")
        return
    with pytest.raises(CoverageError) as caught:
        coverage_unassign(actor=academic, assignment_id=assignment.pk)
    assert caught.value.code == "already_cancelled"
    assert CoverageAssignment.objects.get(pk=assignment.pk).status == status
    assert CoverageNeed.objects.get(pk=p1.pk).status == "covered"


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize("status", CoverageAssignment.Status.values)
def test_answering_an_offer_from_each_status(school_setup, p1, status, action):
    coverage_policy_set(actor=school_setup["academic"], offers_enabled=True)
    sub = school_setup["other_head"]
    offer = coverage_assign(actor=school_setup["academic"], need_id=p1.pk, substitute_id=sub.pk)
    assert (offer.status, CoverageNeed.objects.get(pk=p1.pk).status) == ("offered", NEED.target("offer"))
    CoverageAssignment.objects.filter(pk=offer.pk).update(status=status)
    answer = {"actor": sub, "assignment_ids": [offer.pk], "accept": action == "accept", "reason": "研習"}
    if ASSIGNMENT.allows(status, action):
        coverage_offers_answer(**answer)
        assert CoverageAssignment.objects.get(pk=offer.pk).status == ASSIGNMENT.target(action)
        assert CoverageNeed.objects.get(pk=p1.pk).status == NEED.target(action)
        return
    with pytest.raises(CoverageError) as caught:
        coverage_offers_answer(**answer)
    assert caught.value.code == "not_offered"
    assert CoverageAssignment.objects.get(pk=offer.pk).status == status
    assert CoverageNeed.objects.get(pk=p1.pk).status == "offered"


@pytest.mark.parametrize("covered", [False, True], ids=["open", "covered"])
def test_a_withdrawn_leave_cancels_its_needs_open_or_covered(school_setup, p1, leave, covered):
    if covered:
        coverage_assign(actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    leave(school_setup["teacher"], [], action="withdrawn")
    p1.refresh_from_db()
    assert p1.status == NEED.target("cancel")
    assert set(CoverageAssignment.objects.values_list("status", flat=True)) == (
        {ASSIGNMENT.target("cancel")} if covered else set()
    )


# --- Pages and the API offer what the tables allow ----------------------------------------------


def test_the_need_page_offers_candidates_only_when_the_table_allows_assigning(school_setup, p1, client_for):
    client = client_for(school_setup["academic"])
    page = client.get(f"/substitutes/needs/{p1.pk}/").content.decode()
    assert 'data-testid="candidate"' in page
    assignment = coverage_assign(actor=school_setup["academic"], need_id=p1.pk,
                                 substitute_id=school_setup["other_head"].pk)
    page = client.get(f"/substitutes/needs/{p1.pk}/").content.decode()
    assert 'data-testid="candidate"' not in page and 'data-testid="assignment-cancel"' in page
    coverage_unassign(actor=school_setup["academic"], assignment_id=assignment.pk)
    page = client.get(f"/substitutes/needs/{p1.pk}/").content.decode()
    assert 'data-testid="candidate"' in page and 'data-testid="assignment-cancel"' not in page


def test_the_api_lists_the_actions_of_needs_and_assignments(school_setup, p1, client_for):
    client = client_for(school_setup["academic"])
    [row] = [n for n in client.get("/api/substitutes/needs/").json()["results"] if n["id"] == p1.pk]
    assert row["actions"] == NEED.actions("open") == ["assign", "offer", "cancel"]
    coverage_assign(actor=school_setup["academic"], need_id=p1.pk, substitute_id=school_setup["other_head"].pk)
    [row] = [n for n in client.get("/api/substitutes/needs/").json()["results"] if n["id"] == p1.pk]
    assert row["actions"] == ["unassign", "cancel"] and row["assignment"]["actions"] == ["cancel"]
