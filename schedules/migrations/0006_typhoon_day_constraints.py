# The disaster stop's invariants, once every row has its scope (0005).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("schedules", "0005_typhoon_day_scope_backfill")]

    operations = [
        migrations.AddConstraint(
            model_name='typhoonday',
            constraint=models.UniqueConstraint(condition=models.Q(('scope', 'city')), fields=('date',), name='typhoon_day_unique_city'),
        ),
        migrations.AddConstraint(
            model_name='typhoonday',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('school__isnull', False), ('scope', 'school')), models.Q(models.Q(('scope', 'school'), _negated=True), ('school__isnull', True)), _connector='OR'), name='typhoon_day_school_matches_scope'),
        ),
        migrations.AddConstraint(
            model_name='typhoonday',
            constraint=models.CheckConstraint(condition=models.Q(('start_time__isnull', True), ('end_time__isnull', True), ('start_time__lt', models.F('end_time')), _connector='OR'), name='typhoon_day_start_before_end'),
        ),
        migrations.AddConstraint(
            model_name='typhoonday',
            constraint=models.CheckConstraint(condition=models.Q(('stops_work', True), ('stops_classes', True), _connector='OR'), name='typhoon_day_stops_something'),
        ),
    ]
