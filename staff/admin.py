from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from staff.models import RoleAssignment, School, StaffMember, Unit, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("介面", {"fields": ("language",)}))
    list_display = ["username", "email", "first_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "email", "first_name", "last_name", "staff__name", "staff__employee_no"]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["name", "kind", "parent", "head"]
    autocomplete_fields = ["head", "parent"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "has_senior_division", "has_junior_division", "enforce_punch_networks"]
    search_fields = ["code", "name"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "school", "parent", "head"]
    list_filter = ["school", "kind"]
    search_fields = ["name", "school__name"]
    autocomplete_fields = ["head", "parent"]
    list_select_related = ["school", "parent", "head"]


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "school", "unit", "title", "category", "hire_date", "is_active"]
    list_filter = ["school", "category", "is_active", "unit", "roles__role"]
    search_fields = ["employee_no", "name", "email", "title", "user__username"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["school", "unit"]
    inlines = [RoleInline]
    date_hierarchy = "hire_date"


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["staff", "role"]
    list_filter = ["role", "staff__school"]
    search_fields = ["staff__name", "staff__employee_no"]
    autocomplete_fields = ["staff"]
