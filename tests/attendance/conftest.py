import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

TAIPEI = ZoneInfo("Asia/Taipei")

# A plain Wednesday in term time: no national holiday (10/06 中秋節 and 10/10 國慶日 are around it).
WORKDAY = dt.date(2025, 10, 8)


def at(day: dt.date, hhmmss: str) -> dt.datetime:
    """An aware Taipei time on ``day``: at(WORKDAY, "07:30:59")."""
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmmss), tzinfo=TAIPEI)


@pytest.fixture
def clock():
    """clock(moment) freezes the server's time at ``moment`` until the next call or the end of the test."""
    travellers = []

    def _set(moment: dt.datetime):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield _set
    for traveller in travellers:
        traveller.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_standing_school creates ten accounts per test; PBKDF2 makes that seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
