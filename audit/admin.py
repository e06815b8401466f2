from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "target_repr", "school"]
    list_filter = ["action", "school"]
    search_fields = ["action", "target_repr", "actor__username", "actor__staff__name"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "school"]

    def get_queryset(self, request):
        # The personnel office reads its own school's trail; superusers read every school's.
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        staff = request.user.staff_or_none
        return qs.filter(school_id=staff.school_id) if staff is not None else qs.none()

    # The trail is append-only: visible, never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
