"""Races on PostgreSQL: the poller and an upload reading the same alert, two people confirming one proposal."""

from pathlib import Path

import pytest

from schedules import cap_services
from schedules.cap import CapError
from schedules.models import AlertDecision, DisasterAlert, TyphoonDay
from staff.models import District, Role, StaffCategory
from tests.concurrency import at_once, require_postgres
from tests.factories import make_school, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SAMPLE = (Path(__file__).parent / "cap_samples" / "actual_two_districts.xml").read_bytes()


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def test_the_same_alert_read_twice_at_once_is_stored_and_proposed_once():
    make_school(district=District.objects.create(name="苓雅區"))
    outcomes = at_once(lambda: cap_services.cap_alert_import(actor=None, content=SAMPLE).outcomes[0].outcome)
    assert sorted(outcomes) == ["duplicate", "proposed"]
    assert DisasterAlert.objects.count() == 1


def test_two_administrators_confirming_at_once_declare_once():
    school = make_school(district=District.objects.create(name="苓雅區"))
    admins = [make_staff(school, category=StaffCategory.CIVIL_STAFF, roles=(Role.SYSTEM_ADMIN,)) for _ in range(2)]
    cap_services.cap_alert_import(actor=None, content=SAMPLE)
    alert = DisasterAlert.objects.get()
    turn = iter(admins)

    def confirm():
        admin = next(turn)
        return cap_services.disaster_alert_confirm(actor=admin.user, alert=alert, scope=cap_services.Scope(None))

    outcomes = at_once(confirm)
    assert sum(isinstance(o, TyphoonDay) for o in outcomes) == 1
    [refused] = [o for o in outcomes if not isinstance(o, TyphoonDay)]
    assert isinstance(refused, CapError) and refused.code == "cap_not_pending"
    assert TyphoonDay.objects.count() == 1 and AlertDecision.objects.count() == 1
