# Data: a typhoon day recorded before scopes existed is a school's when it names one, else the city's.

from django.db import migrations


def backfill_scope(apps, schema_editor):
    TyphoonDay = apps.get_model("schedules", "TyphoonDay")
    TyphoonDay.objects.filter(school__isnull=False).update(scope="school")


def clear_scope(apps, schema_editor):
    """Going back: the old model knows only school or city, which the school column already says."""


class Migration(migrations.Migration):
    dependencies = [("schedules", "0004_typhoon_day_scope_and_part")]

    operations = [migrations.RunPython(backfill_scope, clear_scope)]
