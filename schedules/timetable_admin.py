"""Admin for bell schedules and timetables (imported at the end of schedules/admin.py)."""

from django.contrib import admin

from schedules.models import BellPeriod, TimetableEntry
from staff.admin import SchoolScopedAdmin


@admin.register(BellPeriod)
class BellPeriodAdmin(SchoolScopedAdmin):
    list_display = ["school", "division", "number", "display_label", "kind", "start", "end"]
    list_filter = ["school", "division", "kind"]
    list_editable = ["start", "end"]
    search_fields = ["school__name", "label"]
    ordering = ["school", "division", "start"]
    list_select_related = ["school"]


@admin.register(TimetableEntry)
class TimetableEntryAdmin(SchoolScopedAdmin):
    list_display = ["semester", "teacher", "weekday", "period", "class_name", "subject", "room"]
    list_filter = ["semester__school", "semester", "weekday", "period__division", "subject"]
    search_fields = ["teacher__name", "teacher__employee_no", "class_name", "subject", "room"]
    autocomplete_fields = ["teacher"]
    list_select_related = ["semester", "teacher", "period"]
