"""DailyResult's two keys lose their own indexes: (school, date, status) and the unique (staff, date) begin with
them. Only the indexes are dropped — Django's AlterField would also drop and re-add both foreign keys, re-checking
every stored result. The names are Django's for these columns, the same on PostgreSQL and SQLite."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "attendance_dailyresult_school_id_ecbfc60d": "school_id",
    "attendance_dailyresult_staff_id_05e2703b": "staff_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0005_pending_result"),
        ("staff", "0005_calendar_feed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dailyresult",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                        to="staff.school", verbose_name="學校",
                    ),
                ),
                migrations.AlterField(
                    model_name="dailyresult",
                    name="staff",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="daily_results",
                        to="staff.staffmember", verbose_name="人員",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "attendance_dailyresult" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
