from django.contrib import admin

from audit.models import AuditEntry
from staff.admin import SchoolScopedAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(SchoolScopedAdmin):
    list_display = ["created_at", "action", "actor", "target_repr", "school", "ip_address"]
    list_filter = ["action", "school"]
    search_fields = ["action", "target_repr", "actor__username", "actor__staff__name", "ip_address", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "school"]

    # The personnel office reads its own school's trail (SchoolScopedAdmin); superusers read every school's.

    # The trail is append-only: visible, never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
