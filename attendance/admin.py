"""Admin: for looking things up. Punches, results and corrections change only through the
services (the clock, the 補登 approval), so that the rules, the recomputation and the audit
trail always apply; here they are read-only."""

from django.contrib import admin

from attendance.models import DailyResult, Punch, PunchCorrection, PunchRefusal, PunchReminder
from staff.admin import SchoolScopedAdmin


class ReadOnlyAdmin(SchoolScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdmin):
    list_display = ["staff", "work_date", "kind", "at", "is_correction", "source_ip"]
    list_filter = ["kind", "is_correction", "staff__school", "work_date"]
    search_fields = ["staff__name", "staff__employee_no", "source_ip"]
    date_hierarchy = "work_date"
    list_select_related = ["staff"]


@admin.register(PunchRefusal)
class PunchRefusalAdmin(ReadOnlyAdmin):
    list_display = ["staff", "school", "kind", "at", "source_ip", "reason"]
    list_filter = ["school", "reason", "kind"]
    search_fields = ["staff__name", "staff__employee_no", "source_ip"]
    date_hierarchy = "at"
    list_select_related = ["staff", "school"]


@admin.register(PunchCorrection)
class PunchCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["staff", "date", "kind", "time", "status", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status", "kind", "school"]
    search_fields = ["staff__name", "staff__employee_no", "reason"]
    date_hierarchy = "date"
    list_select_related = ["staff", "decided_by"]


@admin.register(DailyResult)
class DailyResultAdmin(ReadOnlyAdmin):
    list_display = ["staff", "date", "status", "late_minutes", "early_minutes", "leave_minutes", "first_in", "last_out"]
    list_filter = ["status", "school", "staff__category", "staff__unit"]
    search_fields = ["staff__name", "staff__employee_no"]
    date_hierarchy = "date"
    list_select_related = ["staff"]


@admin.register(PunchReminder)
class PunchReminderAdmin(ReadOnlyAdmin):
    list_display = ["staff", "date", "kind", "status", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["staff__name", "staff__employee_no"]
    date_hierarchy = "date"
    list_select_related = ["staff"]
