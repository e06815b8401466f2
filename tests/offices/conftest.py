import pytest

from tests.leave.conftest import on_1_september_2025, school, types  # noqa: F401  (the leave app's fixtures)

# the substitutes app's timetable and its stand-in for leave's event (the calendars' cover duties)
from tests.substitutes.conftest import leave as published_leave  # noqa: F401
from tests.substitutes.conftest import school_setup  # noqa: F401


@pytest.fixture(autouse=True)
def _corrections_allowed(settings):
    """Room for many 補登 in one month and a month back, so a test can fill an inbox."""
    settings.ATTENDANCE_MAX_CORRECTIONS_PER_MONTH = 100
    settings.ATTENDANCE_CORRECTION_MAX_AGE_DAYS = 60
