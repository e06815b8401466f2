from django.contrib import admin

from staff.admin import SchoolScopedAdmin, SchoolScopedTabularInline
from substitutes.models import (
    Absence,
    AbsenceSpan,
    CoverageAssignment,
    CoverageNeed,
    CoverageSettings,
    HourlyRate,
    SubstituteProfile,
)


class AbsenceSpanInline(SchoolScopedTabularInline):
    model = AbsenceSpan
    extra = 0
    fields = ["start", "end"]
    readonly_fields = ["start", "end"]


@admin.register(Absence)
class AbsenceAdmin(SchoolScopedAdmin):
    list_display = ["teacher", "source", "leave_type_name", "status", "paid_by", "leave_request_id", "created_at"]
    list_filter = ["school", "source", "status", "paid_by"]
    search_fields = ["teacher__name", "teacher__employee_no", "leave_type_name", "reason"]
    list_select_related = ["teacher"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["teacher", "recorded_by"]
    inlines = [AbsenceSpanInline]


@admin.register(CoverageNeed)
class CoverageNeedAdmin(SchoolScopedAdmin):
    list_display = ["date", "period_label", "class_name", "subject", "teacher", "status"]
    list_filter = ["school", "status", "division", "date"]
    search_fields = ["teacher__name", "class_name", "subject"]
    date_hierarchy = "date"
    list_select_related = ["teacher"]
    raw_id_fields = ["teacher", "absence"]


@admin.register(CoverageAssignment)
class CoverageAssignmentAdmin(SchoolScopedAdmin):
    list_display = ["date", "period_number", "substitute", "kind", "paid_by", "status", "need"]
    list_filter = ["school", "kind", "status", "paid_by", "division"]
    search_fields = ["substitute__name", "need__teacher__name", "need__class_name"]
    date_hierarchy = "date"
    list_select_related = ["substitute", "need", "need__teacher"]
    raw_id_fields = ["need", "substitute", "assigned_by"]


@admin.register(HourlyRate)
class HourlyRateAdmin(SchoolScopedAdmin):
    list_display = ["division", "effective_from", "amount", "school"]
    list_filter = ["division", "school"]
    ordering = ["division", "-effective_from"]


@admin.register(SubstituteProfile)
class SubstituteProfileAdmin(SchoolScopedAdmin):
    list_display = ["staff", "subjects", "phone", "is_available"]
    list_filter = ["is_available", "staff__school"]
    search_fields = ["staff__name", "subjects"]
    autocomplete_fields = ["staff"]


@admin.register(CoverageSettings)
class CoverageSettingsAdmin(SchoolScopedAdmin):
    list_display = ["school", "max_cover_per_day", "max_cover_per_week", "max_consecutive_periods"]
