"""The English name of the leave behind each absence, for the seeded leave types (leave's 0004 names them)."""

from django.db import migrations

NAMES = {
    "事假": "Personal leave", "家庭照顧假": "Family care leave", "身心調適假": "Wellbeing leave",
    "病假": "Sick leave", "生理假": "Menstrual leave", "延長病假": "Extended sick leave", "婚假": "Marriage leave",
    "產前假": "Prenatal leave", "娩假": "Maternity leave", "流產假": "Miscarriage leave",
    "陪產檢及陪產假": "Prenatal check-up and paternity leave", "喪假": "Bereavement leave",
    "公假": "Official leave", "公傷假": "Work injury leave", "休假": "Annual leave", "補休": "Compensatory time off",
    "代課教師缺課": "Hourly substitute's absence",
}


def fill(apps, schema_editor):
    Absence = apps.get_model("substitutes", "Absence")
    for zh, en in NAMES.items():
        Absence.objects.filter(leave_type_name=zh, leave_type_name_en="").update(leave_type_name_en=en)


def empty(apps, schema_editor):
    apps.get_model("substitutes", "Absence").objects.update(leave_type_name_en="")


class Migration(migrations.Migration):
    dependencies = [("substitutes", "0005_english_names")]
    operations = [migrations.RunPython(fill, empty)]
