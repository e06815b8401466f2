"""The English leave names of the daily results already computed (seeded leave types; the next recompute
writes every result's from the leave types themselves)."""

from django.db import migrations

NAMES = {
    "事假": "Personal leave", "家庭照顧假": "Family care leave", "身心調適假": "Wellbeing leave",
    "病假": "Sick leave", "生理假": "Menstrual leave", "延長病假": "Extended sick leave", "婚假": "Marriage leave",
    "產前假": "Prenatal leave", "娩假": "Maternity leave", "流產假": "Miscarriage leave",
    "陪產檢及陪產假": "Prenatal check-up and paternity leave", "喪假": "Bereavement leave",
    "公假": "Official leave", "公傷假": "Work injury leave", "休假": "Annual leave", "補休": "Compensatory time off",
}


def fill(apps, schema_editor):
    DailyResult = apps.get_model("attendance", "DailyResult")
    labels = DailyResult.objects.exclude(leave_label="").filter(leave_label_en="")
    for label in labels.values_list("leave_label", flat=True).distinct():
        english = ", ".join(NAMES.get(part, part) for part in label.split("、"))[:200]
        DailyResult.objects.filter(leave_label=label, leave_label_en="").update(leave_label_en=english)


def empty(apps, schema_editor):
    apps.get_model("attendance", "DailyResult").objects.update(leave_label_en="")


class Migration(migrations.Migration):
    dependencies = [("attendance", "0003_english_names")]
    operations = [migrations.RunPython(fill, empty)]
