import pytest
import time_machine

from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_types_seed
from tests.clock import at


@pytest.fixture
def school(people):
    """The standing school with the seeded leave types and default chains."""
    leave_types_seed(school=people["school"])
    approval_chains_seed(school=people["school"])
    return people


@pytest.fixture
def types(school):
    """Leave types by code: types["personal"] is 事假."""
    return {t.code: t for t in LeaveType.objects.filter(school=school["school"])}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The standing school signs up eight people; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_1_september_2025():
    """Monday 1 September 2025, 09:00 in Taipei: the first school day of school year 114."""
    with time_machine.travel(at(2025, 9, 1, 9), tick=False):
        yield
