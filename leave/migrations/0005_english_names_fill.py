"""Give the seeded leave types, rules, event options and approval chains their English names.

Only rows that still carry the seeded Chinese name are filled (a name the personnel office changed is
theirs to translate in the admin). The names are written here rather than read from leave/seed.py so
the migration means the same thing whatever the seed becomes.
"""

from django.db import migrations

TYPES = {
    "事假": "Personal leave", "家庭照顧假": "Family care leave", "身心調適假": "Wellbeing leave",
    "病假": "Sick leave", "生理假": "Menstrual leave", "延長病假": "Extended sick leave", "婚假": "Marriage leave",
    "產前假": "Prenatal leave", "娩假": "Maternity leave", "流產假": "Miscarriage leave",
    "陪產檢及陪產假": "Prenatal check-up and paternity leave", "喪假": "Bereavement leave",
    "公假": "Official leave", "公傷假": "Work injury leave", "休假": "Annual leave", "補休": "Compensatory time off",
}
AUDIENCES = {"教師": "Teachers", "職員": "Staff"}
CHAINS = {"一日以內": "Up to 1 day", "逾一日至三日": "Over 1 day, up to 3 days", "逾三日": "Over 3 days"}
LABELS = {
    "奉派出席會議、研習或考察": "Sent to a meeting, training or study visit",
    "參加政府舉辦與職務有關之考試": "A government examination related to the post",
    "依法參加投票": "Voting as the law provides",
    "奉召服兵役、教育召集或點閱召集": "Called up for military service, training or muster",
    "代表學校參加或帶領學生參加活動、比賽": "Representing the school or leading students at an event or competition",
    "依法應出庭作證或擔任陪審": "Summoned to court as a witness or lay judge",
    "天災或重大事故經主管機關核准": "Natural disaster or major accident, approved by the authority",
    "其他依法令規定之公假事由": "Other grounds for official leave set by law",
    "結婚（結婚登記日）": "Marriage (date of registration)",
    "懷孕（預產期）": "Pregnancy (due date)",
    "分娩（分娩日）": "Giving birth (date of birth)",
    "懷孕 20 週以上流產": "Miscarriage at 20 weeks or later",
    "懷孕 12 週以上未滿 20 週流產": "Miscarriage at 12 to 20 weeks",
    "懷孕未滿 12 週流產": "Miscarriage before 12 weeks",
    "配偶懷孕、分娩（預產期或分娩日）": "Spouse's pregnancy or birth (due date or date of birth)",
    "父母、配偶喪亡": "Death of a parent or spouse",
    "繼父母、配偶之父母、子女喪亡": "Death of a step-parent, parent-in-law or child",
    "曾祖父母、祖父母、配偶之祖父母、兄弟姊妹喪亡": "Death of a great-grandparent, grandparent, spouse's grandparent or sibling",
}


def fill(apps, schema_editor):
    LeaveType = apps.get_model("leave", "LeaveType")
    LeaveRule = apps.get_model("leave", "LeaveRule")
    ApprovalChain = apps.get_model("leave", "ApprovalChain")
    LeaveRequest = apps.get_model("leave", "LeaveRequest")
    for zh, en in TYPES.items():
        LeaveType.objects.filter(name=zh, name_en="").update(name_en=en)
    for zh, en in AUDIENCES.items():
        LeaveRule.objects.filter(audience=zh, audience_en="").update(audience_en=en)
    for zh, en in CHAINS.items():
        ApprovalChain.objects.filter(name=zh, name_en="").update(name_en=en)
        LeaveRequest.objects.filter(chain_name=zh, chain_name_en="").update(chain_name_en=en)
    for rule in LeaveRule.objects.exclude(event_options=[]).only("id", "event_options"):
        options = rule.event_options if isinstance(rule.event_options, list) else []
        changed = False
        for option in options:
            if isinstance(option, dict) and not option.get("label_en") and option.get("label") in LABELS:
                option["label_en"] = LABELS[option["label"]]
                changed = True
        if changed:
            LeaveRule.objects.filter(pk=rule.pk).update(event_options=options)


def empty(apps, schema_editor):
    apps.get_model("leave", "LeaveType").objects.update(name_en="")
    apps.get_model("leave", "LeaveRule").objects.update(audience_en="")
    apps.get_model("leave", "ApprovalChain").objects.update(name_en="")
    apps.get_model("leave", "LeaveRequest").objects.update(chain_name_en="")
    LeaveRule = apps.get_model("leave", "LeaveRule")
    for rule in LeaveRule.objects.exclude(event_options=[]).only("id", "event_options"):
        options = rule.event_options if isinstance(rule.event_options, list) else []
        for option in options:
            if isinstance(option, dict):
                option.pop("label_en", None)
        LeaveRule.objects.filter(pk=rule.pk).update(event_options=options)


class Migration(migrations.Migration):
    dependencies = [("leave", "0004_english_names")]
    operations = [migrations.RunPython(fill, empty)]
