import pytest
import time_machine

from leave import demo
from leave.models import ApprovalChain, LeaveRequest, LeaveRule, LeaveStatus, OvertimeRequest
from staff.models import StaffCategory
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = pytest.mark.django_db


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_demo_loads_requests_in_every_state_once(people):
    school = people["school"]
    for n in range(6):
        make_staff(school, unit=people["units"]["academic"], name=f"示範老師{n}")
    make_staff(school, unit=people["units"]["personnel"], category=StaffCategory.CIVIL_STAFF, name="示範幹事")
    demo.load(school)
    statuses = sorted(LeaveRequest.objects.filter(school=school).values_list("status", flat=True))
    assert statuses.count(LeaveStatus.APPROVED) == 2
    assert statuses.count(LeaveStatus.PENDING) == 2
    assert LeaveStatus.REJECTED in statuses and LeaveStatus.WITHDRAWN in statuses
    assert OvertimeRequest.objects.filter(school=school, status="approved").count() == 1
    counts = (LeaveRequest.objects.count(), LeaveRule.objects.count(), ApprovalChain.objects.count())
    demo.load(school)
    assert (LeaveRequest.objects.count(), LeaveRule.objects.count(), ApprovalChain.objects.count()) == counts
