"""Admin for the personnel office and system admins: the rules, chains, requests and balances."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from leave.models import (
    ApprovalChain,
    ApprovalChainStep,
    ApprovalStep,
    BalanceAdjustment,
    ClosedMonth,
    LeaveAttachment,
    LeaveDay,
    LeaveRequest,
    LeaveRule,
    LeaveType,
    OvertimeRequest,
)
from leave.services import leave_charges_recompute
from staff.admin import SchoolScopedAdmin as StaffSchoolScopedAdmin
from staff.admin import SchoolScopedStackedInline, SchoolScopedTabularInline
from staff.models import StaffCategory
from staff.selectors import people_of_schools


class SchoolScopedAdmin(StaffSchoolScopedAdmin):
    """The personnel office (staff users, not superusers) sees and picks only its own school's rows."""

    school_scoped_models = (LeaveType,)


class CategoriesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=StaffCategory.choices, widget=forms.CheckboxSelectMultiple, **kwargs)


class LeaveRuleForm(forms.ModelForm):
    categories = CategoriesField(label=_("適用人員類別"))

    class Meta:
        model = LeaveRule
        fields = [
            "leave_type", "audience", "categories", "effective_from", "effective_to", "grant_kind", "quota_days",
            "prorate_first_period", "seniority_steps", "event_options", "event_window_before_days",
            "event_window_after_days", "single_block", "period", "monthly_cap_days", "unit", "counts_non_working_days",
            "proof_required", "proof_from_days", "may_refuse", "over_quota", "overflow_to", "draws_from",
            "draws_from_free_days", "substitute_payer", "school_pays_from_days", "school_pays_beyond_quota",
        ]


class ApprovalChainForm(forms.ModelForm):
    categories = CategoriesField(label=_("適用人員類別"), required=False, help_text=_("不勾選表示全部"))

    class Meta:
        model = ApprovalChain
        fields = ["school", "name", "priority", "categories", "leave_types", "min_days", "max_days", "is_active"]


class LeaveRuleInline(SchoolScopedStackedInline):
    model = LeaveRule
    form = LeaveRuleForm
    fk_name = "leave_type"
    extra = 0
    autocomplete_fields = ["overflow_to", "draws_from"]


@admin.register(LeaveType)
class LeaveTypeAdmin(SchoolScopedAdmin):
    list_display = ["name", "name_en", "code", "school", "sort_order", "is_active"]
    list_filter = ["school", "is_active"]
    search_fields = ["name", "name_en", "code"]
    list_editable = ["sort_order", "is_active"]
    inlines = [LeaveRuleInline]
    actions = ["recompute_charges"]

    @admin.action(description=_("依目前規則重新計算本學年度起的額度扣抵"))
    def recompute_charges(self, request, queryset):
        school_ids = set(queryset.values_list("school_id", flat=True))
        people = people_of_schools(school_ids=school_ids)
        today = timezone.localdate()
        count = leave_charges_recompute(staff_members=people, since=today, actor=request.user)
        done = ngettext("已重新計算 %(count)s 人。", "已重新計算 %(count)s 人。", count) % {"count": count}
        self.message_user(request, done)


@admin.register(LeaveRule)
class LeaveRuleAdmin(SchoolScopedAdmin):
    school_path = "leave_type__school"
    form = LeaveRuleForm
    list_display = ["leave_type", "audience", "grant_kind", "quota_days", "period", "unit", "effective_from",
                    "effective_to", "over_quota", "may_refuse", "substitute_payer"]
    list_filter = ["leave_type__school", "grant_kind", "period", "unit", "may_refuse"]
    search_fields = ["leave_type__name", "leave_type__code", "audience"]
    list_select_related = ["leave_type"]
    autocomplete_fields = ["leave_type", "overflow_to", "draws_from"]


class ApprovalChainStepInline(SchoolScopedTabularInline):
    model = ApprovalChainStep
    extra = 0


@admin.register(ApprovalChain)
class ApprovalChainAdmin(SchoolScopedAdmin):
    form = ApprovalChainForm
    list_display = ["name", "name_en", "school", "priority", "min_days", "max_days", "is_active"]
    list_filter = ["school", "is_active"]
    search_fields = ["name", "name_en"]
    filter_horizontal = ["leave_types"]
    inlines = [ApprovalChainStepInline]


class LeaveDayInline(SchoolScopedTabularInline):
    model = LeaveDay
    extra = 0
    can_delete = False
    readonly_fields = ["day", "hours"]


class ApprovalStepInline(SchoolScopedTabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    fields = ["order", "role", "status", "assignee", "acted_by", "on_behalf_of", "comment", "activated_at", "acted_at"]
    readonly_fields = ["order", "role", "status", "acted_by", "on_behalf_of", "comment", "activated_at", "acted_at"]
    autocomplete_fields = ["assignee"]


class LeaveAttachmentInline(SchoolScopedTabularInline):
    model = LeaveAttachment
    extra = 0
    readonly_fields = ["uploaded_at"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(SchoolScopedAdmin):
    """Read-mostly: requests change through the pages (services), which keep balances and chains right."""

    list_display = ["applicant", "leave_type", "kind", "start", "end", "hours", "unpaid_hours", "status", "deputy",
                    "submitted_at"]
    list_filter = ["school", "status", "kind", "leave_type__name", "applicant__category"]
    search_fields = ["applicant__name", "applicant__employee_no", "deputy__name", "reason"]
    list_select_related = ["applicant", "leave_type", "deputy"]
    date_hierarchy = "start"
    readonly_fields = [f.name for f in LeaveRequest._meta.fields]
    inlines = [LeaveDayInline, ApprovalStepInline, LeaveAttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(BalanceAdjustment)
class BalanceAdjustmentAdmin(SchoolScopedAdmin):
    school_path = "staff__school"
    list_display = ["staff", "leave_type", "period_start", "hours", "reason", "created_by", "created_at"]
    list_filter = ["leave_type__school", "leave_type__name", "period_start"]
    search_fields = ["staff__name", "staff__employee_no", "reason"]
    list_select_related = ["staff", "leave_type", "created_by"]
    autocomplete_fields = ["staff", "leave_type"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        # The quota changed: recompute which hours are within it.
        leave_charges_recompute(staff_members=[obj.staff], since=obj.period_start, actor=request.user)


@admin.register(ClosedMonth)
class ClosedMonthAdmin(SchoolScopedAdmin):
    list_display = ["school", "month", "closed_by", "closed_at"]
    list_filter = ["school"]
    readonly_fields = ["closed_by", "closed_at"]

    def save_model(self, request, obj, form, change):
        obj.closed_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(OvertimeRequest)
class OvertimeRequestAdmin(SchoolScopedAdmin):
    list_display = ["staff", "work_date", "planned_start", "planned_end", "compensation", "status", "approver",
                    "credited_hours", "expires_on"]
    list_filter = ["school", "status", "compensation"]
    search_fields = ["staff__name", "staff__employee_no", "reason"]
    list_select_related = ["staff", "approver"]
    date_hierarchy = "work_date"
    readonly_fields = ["credited_hours", "settled_at", "expires_on", "decided_by", "decided_at", "submitted_at"]
