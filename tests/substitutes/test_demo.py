import datetime as dt

import pytest
import time_machine
from django.db.models import Count

from schedules.models import BellPeriod, TimetableEntry
from substitutes import demo
from substitutes.models import Absence, CoverageNeed

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2025, 10, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_demo_load_is_idempotent_and_consistent(people):
    school = people["school"]
    demo.load(school)
    counts = (BellPeriod.objects.count(), TimetableEntry.objects.count(), Absence.objects.count())
    demo.load(school)
    assert (BellPeriod.objects.count(), TimetableEntry.objects.count(), Absence.objects.count()) == counts
    assert counts[0] == 19 and counts[1] > 40
    # No class has two teachers in one slot, and the recorded absence made needs.
    clashes = (
        TimetableEntry.objects.values("semester", "class_name", "weekday", "period")
        .annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not clashes.exists()
    assert CoverageNeed.objects.filter(teacher__name="趙代課").exists()
