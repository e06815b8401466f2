"""The leave types and default approval chains a school starts with (docs/domain.md's tables as data).

leave.services.leave_types_seed() copies these into a school's LeaveType/LeaveRule rows; from then
on the personnel office edits the rows, not this file. Days here; the services count in hours.
"""

import datetime as dt
from typing import NotRequired, TypedDict

from leave.models import ApprovalRole, GrantKind, LeaveUnit, OverQuota, Payer, Period
from staff.models import StaffCategory

# Everyone on the teachers' rules: 代課教師 (hourly substitutes) are not on the leave system at all.
TEACHERS = [
    StaffCategory.ADMIN_TEACHER,
    StaffCategory.HOMEROOM_SENIOR,
    StaffCategory.HOMEROOM_JUNIOR,
    StaffCategory.SUBJECT_TEACHER,
    StaffCategory.LONG_TERM_SUBSTITUTE,
]
STAFF = [StaffCategory.CIVIL_STAFF]
SINCE = dt.date(2000, 1, 1)  # "always": the rules as they stand, until the office adds a new version

AUDIENCES = {
    "teachers": {"audience": "教師", "audience_en": "Teachers", "categories": TEACHERS, "period": Period.SCHOOL_YEAR},
    "staff": {"audience": "職員", "audience_en": "Staff", "categories": STAFF, "period": Period.CALENDAR_YEAR},
}

OFFICIAL_GROUNDS = [
    {"key": "meeting", "label": "奉派出席會議、研習或考察",
     "label_en": "Sent to a meeting, training or study visit"},
    {"key": "exam", "label": "參加政府舉辦與職務有關之考試",
     "label_en": "A government examination related to the post"},
    {"key": "election", "label": "依法參加投票", "label_en": "Voting as the law provides"},
    {"key": "military", "label": "奉召服兵役、教育召集或點閱召集",
     "label_en": "Called up for military service, training or muster"},
    {"key": "school_activity", "label": "代表學校參加或帶領學生參加活動、比賽",
     "label_en": "Representing the school or leading students at an event or competition"},
    {"key": "court", "label": "依法應出庭作證或擔任陪審",
     "label_en": "Summoned to court as a witness or lay judge"},
    {"key": "disaster", "label": "天災或重大事故經主管機關核准",
     "label_en": "Natural disaster or major accident, approved by the authority"},
    {"key": "other", "label": "其他依法令規定之公假事由",
     "label_en": "Other grounds for official leave set by law"},
]

# code, name (and its English name_en), sort order, rule fields shared by teachers and 職員
# (None: the audience's default).
LEAVE_TYPES: list[dict] = [
    {
        "code": "personal", "name": "事假", "name_en": "Personal leave", "sort_order": 10,
        "rule": {"grant_kind": GrantKind.FIXED, "quota_days": 7, "over_quota": OverQuota.UNPAID,
                 "school_pays_beyond_quota": True},
    },
    {
        "code": "family_care", "name": "家庭照顧假", "name_en": "Family care leave", "sort_order": 20,
        "rule": {"grant_kind": GrantKind.FIXED, "quota_days": 7, "draws_from": "personal", "may_refuse": False},
    },
    {
        "code": "wellbeing", "name": "身心調適假", "name_en": "Wellbeing leave", "sort_order": 25,
        "rule": {"grant_kind": GrantKind.FIXED, "quota_days": 3, "draws_from": "personal", "may_refuse": False,
                 "substitute_payer": Payer.SCHOOL, "effective_from": dt.date(2025, 10, 1)},
    },
    {
        "code": "sick", "name": "病假", "name_en": "Sick leave", "sort_order": 30,
        "rule": {"grant_kind": GrantKind.FIXED, "quota_days": 28, "over_quota": OverQuota.OVERFLOW,
                 "overflow_to": "personal", "proof_required": True, "proof_from_days": 2,
                 "school_pays_from_days": 3},
    },
    {
        "code": "menstrual", "name": "生理假", "name_en": "Menstrual leave", "sort_order": 35,
        "rule": {"grant_kind": GrantKind.AS_APPROVED, "monthly_cap_days": 1, "draws_from": "sick",
                 "draws_from_free_days": 3, "may_refuse": False},
    },
    {
        "code": "extended_sick", "name": "延長病假", "name_en": "Extended sick leave", "sort_order": 40,
        "rule": {"grant_kind": GrantKind.AS_APPROVED, "unit": LeaveUnit.DAY, "counts_non_working_days": True,
                 "proof_required": True, "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "marriage", "name": "婚假", "name_en": "Marriage leave", "sort_order": 50,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [{"key": "marriage", "label": "結婚（結婚登記日）",
                                    "label_en": "Marriage (date of registration)", "days": 14}],
                 "event_window_before_days": 10, "event_window_after_days": 90,
                 "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "prenatal", "name": "產前假", "name_en": "Prenatal leave", "sort_order": 60,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [{"key": "pregnancy", "label": "懷孕（預產期）",
                                    "label_en": "Pregnancy (due date)", "days": 8}],
                 "event_window_after_days": 0, "may_refuse": False, "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "maternity", "name": "娩假", "name_en": "Maternity leave", "sort_order": 61,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [{"key": "birth", "label": "分娩（分娩日）",
                                    "label_en": "Giving birth (date of birth)", "days": 42}],
                 "unit": LeaveUnit.DAY, "counts_non_working_days": True, "single_block": True,
                 "proof_required": True, "may_refuse": False, "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "miscarriage", "name": "流產假", "name_en": "Miscarriage leave", "sort_order": 62,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [
                     {"key": "20w", "label": "懷孕 20 週以上流產",
                      "label_en": "Miscarriage at 20 weeks or later", "days": 42},
                     {"key": "12w", "label": "懷孕 12 週以上未滿 20 週流產",
                      "label_en": "Miscarriage at 12 to 20 weeks", "days": 21},
                     {"key": "under12w", "label": "懷孕未滿 12 週流產",
                      "label_en": "Miscarriage before 12 weeks", "days": 14},
                 ],
                 "unit": LeaveUnit.DAY, "proof_required": True, "may_refuse": False,
                 "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "paternity", "name": "陪產檢及陪產假", "name_en": "Prenatal check-up and paternity leave",
        "sort_order": 63,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [{"key": "birth", "label": "配偶懷孕、分娩（預產期或分娩日）",
                                    "label_en": "Spouse's pregnancy or birth (due date or date of birth)", "days": 7}],
                 "event_window_after_days": 15, "proof_required": True, "may_refuse": False,
                 "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "bereavement", "name": "喪假", "name_en": "Bereavement leave", "sort_order": 70,
        "rule": {"grant_kind": GrantKind.PER_EVENT,
                 "event_options": [
                     {"key": "parent_spouse", "label": "父母、配偶喪亡",
                      "label_en": "Death of a parent or spouse", "days": 15},
                     {"key": "stepparent_inlaw_child", "label": "繼父母、配偶之父母、子女喪亡",
                      "label_en": "Death of a step-parent, parent-in-law or child", "days": 10},
                     {"key": "grandparent_sibling",
                      "label": "曾祖父母、祖父母、配偶之祖父母、兄弟姊妹喪亡",
                      "label_en": "Death of a great-grandparent, grandparent, spouse's grandparent or sibling",
                      "days": 5},
                 ],
                 "event_window_before_days": 0, "event_window_after_days": 100,
                 "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "official", "name": "公假", "name_en": "Official leave", "sort_order": 80,
        "rule": {"grant_kind": GrantKind.AS_APPROVED, "event_options": OFFICIAL_GROUNDS,
                 "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "work_injury", "name": "公傷假", "name_en": "Work injury leave", "sort_order": 81,
        "rule": {"grant_kind": GrantKind.AS_APPROVED, "unit": LeaveUnit.DAY, "counts_non_working_days": True,
                 "proof_required": True, "substitute_payer": Payer.SCHOOL},
    },
    {
        "code": "vacation", "name": "休假", "name_en": "Annual leave", "sort_order": 90,
        "rule": {"grant_kind": GrantKind.SENIORITY, "seniority_steps": [[1, 7], [3, 14], [6, 21], [9, 28], [14, 30]]},
        # Among teachers only those with an administrative post (docs/domain.md, "Seniority").
        "teachers": {"categories": [StaffCategory.ADMIN_TEACHER]},
    },
    {
        "code": "comp_time", "name": "補休", "name_en": "Compensatory time off", "sort_order": 95,
        "rule": {"grant_kind": GrantKind.OVERTIME},
    },
]

RULE_DEFAULTS = {
    "unit": LeaveUnit.HOUR,
    "over_quota": OverQuota.REFUSE,
    "may_refuse": True,
    "substitute_payer": Payer.TEACHER,
    "effective_from": SINCE,
}

# Default chains (docs/domain.md, "Approval flow": the principal's step differs between schools, which edit these).
class ChainSpec(TypedDict):
    name: str
    name_en: str
    priority: int
    max_days: NotRequired[int]
    min_days: NotRequired[int]
    steps: list[ApprovalRole]


APPROVAL_CHAINS: list[ChainSpec] = [
    {"name": "一日以內", "name_en": "Up to 1 day", "priority": 10, "max_days": 1,
     "steps": [ApprovalRole.DEPUTY, ApprovalRole.UNIT_HEAD]},
    {"name": "逾一日至三日", "name_en": "Over 1 day, up to 3 days", "priority": 20, "max_days": 3,
     "steps": [ApprovalRole.DEPUTY, ApprovalRole.UNIT_HEAD, ApprovalRole.PERSONNEL]},
    {"name": "逾三日", "name_en": "Over 3 days", "priority": 30,
     "steps": [ApprovalRole.DEPUTY, ApprovalRole.UNIT_HEAD, ApprovalRole.PERSONNEL, ApprovalRole.PRINCIPAL]},
]
