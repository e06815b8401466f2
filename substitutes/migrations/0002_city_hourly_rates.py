"""Data: the city-wide pay per substitute period (docs/domain.md, "Class coverage and pay"), before and from 2025-09-01.

Kept apart from the schema migration, with a reverse. The personnel office edits or adds rows
in the admin when the rates change again; a school's own row overrides the city's.
"""

import datetime as dt

from django.db import migrations

RATES = [
    # division, effective from, NTD per period
    ("senior", dt.date(2000, 1, 1), 420),
    ("junior", dt.date(2000, 1, 1), 378),
    ("elementary", dt.date(2000, 1, 1), 336),
    ("senior", dt.date(2025, 9, 1), 505),
    ("junior", dt.date(2025, 9, 1), 455),
    ("elementary", dt.date(2025, 9, 1), 405),
]


def add_rates(apps, schema_editor):
    HourlyRate = apps.get_model("substitutes", "HourlyRate")
    for division, effective_from, amount in RATES:
        HourlyRate.objects.get_or_create(
            school=None, division=division, effective_from=effective_from, defaults={"amount": amount}
        )


def remove_rates(apps, schema_editor):
    HourlyRate = apps.get_model("substitutes", "HourlyRate")
    for division, effective_from, _amount in RATES:
        HourlyRate.objects.filter(school=None, division=division, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [("substitutes", "0001_initial")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
