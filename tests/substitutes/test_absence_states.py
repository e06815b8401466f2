"""The status tables of absences (substitutes/states.py) and disaster-stop claims (schedules/states.py)
through their services, from every status: what the table allows happens, what it refuses is refused
with the service's code and changes nothing. The tables themselves are walked in
tests/leave/test_states.py."""

import datetime as dt

import pytest
import time_machine

from schedules.models import DisasterStopClaim
from schedules.services import (
    ScheduleError,
    disaster_stop_claim_decide,
    disaster_stop_claim_submit,
    disaster_stop_claim_withdraw,
)
from schedules.states import DISASTER_STOP_CLAIM
from substitutes.models import Absence
from substitutes.services import CoverageError, absence_cancel, absence_record
from substitutes.states import ABSENCE, LEAVE_EVENT_ACTIONS, absence_follow_leave
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", Absence.Status.values)
def test_cancelling_a_recorded_absence_from_each_status(school_setup, status):
    academic = school_setup["academic"]
    change = absence_record(actor=academic, teacher=school_setup["hourly"], start=at(THU, "08:00"),
                            end=at(THU, "17:00"))
    assert change.absence.status == ABSENCE.target("record")
    Absence.objects.filter(pk=change.absence.pk).update(status=status)
    absence = Absence.objects.get(pk=change.absence.pk)
    if ABSENCE.allows(status, "cancel"):
        absence_cancel(actor=academic, absence=absence)
        assert Absence.objects.get(pk=absence.pk).status == ABSENCE.target("cancel")
        return
    with pytest.raises(CoverageError) as caught:
        absence_cancel(actor=academic, absence=absence)
    assert caught.value.code == "already_cancelled"
    assert Absence.objects.get(pk=absence.pk).status == status


@pytest.mark.parametrize("status", Absence.Status.values)
@pytest.mark.parametrize("action", [*LEAVE_EVENT_ACTIONS, "changed"])
def test_an_absence_follows_its_leave_from_each_status(school_setup, leave, status, action):
    teacher = school_setup["teacher"]
    spans = [(at(THU, "08:00"), at(THU, "12:00"))]
    leave(teacher, spans, action="submitted")
    absence = Absence.objects.get(leave_request_id=101)
    assert absence.status == ABSENCE.target("leave_pending")
    Absence.objects.filter(pk=absence.pk).update(status=status)
    ends = LEAVE_EVENT_ACTIONS.get(action) == "leave_ended"
    kept = [] if ends else spans
    step = absence_follow_leave(status, action, has_spans=bool(kept))
    if ABSENCE.allows(status, step):
        leave(teacher, kept, action=action, previous=spans)
        assert Absence.objects.get(pk=absence.pk).status == ABSENCE.target(step)
        return
    with pytest.raises(CoverageError) as caught:
        leave(teacher, kept, action=action, previous=spans)
    assert caught.value.code == "not_from_leave"
    assert Absence.objects.get(pk=absence.pk).status == status


def test_a_leave_changed_again_after_it_ended_makes_its_absence_pending_once_more(school_setup, leave):
    teacher, spans = school_setup["teacher"], [(at(THU, "08:00"), at(THU, "12:00"))]
    leave(teacher, spans, action="approved")
    leave(teacher, [], action="withdrawn", previous=spans)
    assert Absence.objects.get(leave_request_id=101).status == Absence.Status.CANCELLED
    leave(teacher, spans, action="changed")
    assert Absence.objects.get(leave_request_id=101).status == Absence.Status.PENDING


@pytest.mark.parametrize("status", DisasterStopClaim.Status.values)
def test_moving_a_disaster_stop_claim_from_each_status(school_setup, status):
    s = school_setup
    with time_machine.travel(at(THU + dt.timedelta(days=4), "09:00"), tick=False):
        for action, move in (
            ("grant", lambda c: disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)),
            ("refuse", lambda c: disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=False,
                                                            comment="道路可通行")),
            ("withdraw", lambda c: disaster_stop_claim_withdraw(actor=s["teacher"], claim=c)),
        ):
            DisasterStopClaim.objects.filter(staff=s["teacher"]).delete()
            claim = disaster_stop_claim_submit(staff=s["teacher"], day=THU, reason="住家道路淹水無法通行")
            DisasterStopClaim.objects.filter(pk=claim.pk).update(status=status)
            claim.refresh_from_db()
            if DISASTER_STOP_CLAIM.allows(status, action):
                move(claim)
                assert DisasterStopClaim.objects.get(pk=claim.pk).status == DISASTER_STOP_CLAIM.target(action)
                continue
            with pytest.raises(ScheduleError) as caught:
                move(claim)
            assert caught.value.code == "claim_not_pending", action
            assert DisasterStopClaim.objects.get(pk=claim.pk).status == status
