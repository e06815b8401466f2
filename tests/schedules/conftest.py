import pytest
from django.db import connection

from schedules.events import calendar_changed
from staff.models import Role
from tests.factories import make_staff


@pytest.fixture
def calendar_events():
    """Every calendar_changed sent during the test: its kwargs, plus whether it came inside a transaction."""
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append({"sender": sender, "in_transaction": connection.in_atomic_block, **kwargs})

    calendar_changed.connect(receiver, weak=False, dispatch_uid="test-calendar-events")
    yield sent
    calendar_changed.disconnect(dispatch_uid="test-calendar-events")



@pytest.fixture
def sysadmin(people):
    """The school's system admin (資訊組長), who may declare disaster stops for any scope."""
    return make_staff(people["school"], name="資訊組長", username="sysadmin", roles=(Role.SYSTEM_ADMIN,))
