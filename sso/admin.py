from django.contrib import admin

from sso.models import PortalIdentity, PortalPreRegistration, SchoolPortalPolicy
from staff.admin import SchoolScopedAdmin


@admin.register(PortalIdentity)
class PortalIdentityAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "user", "bound_method", "bound_at", "last_login_at", "issuer"]
    list_filter = ["school", "issuer", "bound_method"]
    search_fields = ["name", "email", "sub", "user__username", "user__staff__name", "user__staff__employee_no"]
    list_select_related = ["school", "user"]
    # Bindings change only through the audited pages (sso:profile, sso:bindings), never here.
    readonly_fields = [
        "issuer",
        "sub",
        "user",
        "school",
        "claims",
        "first_seen_at",
        "last_login_at",
        "bound_at",
        "bound_by",
        "bound_method",
    ]
    date_hierarchy = "first_seen_at"

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PortalPreRegistration)
class PortalPreRegistrationAdmin(SchoolScopedAdmin):
    list_display = ["staff", "portal_email", "created_by", "created_at"]
    list_filter = ["staff__school"]
    search_fields = ["staff__name", "staff__employee_no", "portal_email"]
    list_select_related = ["staff", "created_by"]
    autocomplete_fields = ["staff"]


@admin.register(SchoolPortalPolicy)
class SchoolPortalPolicyAdmin(SchoolScopedAdmin):
    list_display = ["school", "allow_preregistered_match"]
    list_filter = ["allow_preregistered_match"]
    search_fields = ["school__name", "school__code"]
