"""A school's coverage rules: the defaults until the school saves its own, and limits that make sense."""

import pytest
from django.db import IntegrityError, transaction

from substitutes.models import CoverageSettings
from substitutes.selectors import coverage_settings

pytestmark = pytest.mark.django_db


def test_a_school_without_its_own_rules_gets_the_defaults_and_nothing_is_written(people):
    rules = coverage_settings(school_id=people["school"].pk)
    assert rules.pk is None
    assert (rules.max_cover_per_day, rules.max_cover_per_week, rules.max_consecutive_periods) == (2, 6, 4)
    assert not CoverageSettings.objects.exists()


def test_a_school_reads_its_own_rules_and_never_another_schools(people):
    CoverageSettings.objects.create(
        school=people["school"], max_cover_per_day=1, max_cover_per_week=3, max_consecutive_periods=2
    )
    mine = coverage_settings(school_id=people["school"].pk)
    assert (mine.max_cover_per_day, mine.max_cover_per_week, mine.max_consecutive_periods) == (1, 3, 2)
    assert coverage_settings(school_id=people["outsider"].school_id).max_cover_per_day == 2


@pytest.mark.parametrize(
    ("day", "week", "run"), [(0, 6, 4), (3, 2, 4), (2, 6, 0)], ids=["no-cover-a-day", "week-under-day", "no-run"]
)
def test_limits_that_make_no_sense_are_refused_by_the_database(people, day, week, run):
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageSettings.objects.create(
            school=people["school"], max_cover_per_day=day, max_cover_per_week=week, max_consecutive_periods=run
        )
