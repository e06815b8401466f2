from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from staff.forms import RosterImportForm
from staff.models import District, Role, RoleAssignment, School, StaffMember, Unit, User
from staff.permissions import can_import_roster
from staff.selectors import staff_for_request
from staff.services import RosterImportError, roster_import


def admin_school_id(request) -> int | None:
    """The school a non-superuser works on in the admin: their own (None without a staff record)."""
    staff = staff_for_request(request)
    return staff.school_id if staff is not None else None


class SchoolScopedAdmin(admin.ModelAdmin):
    """Superusers see every school; anyone else in the admin (the personnel office) sees their own
    school's rows, and picks schools, units, people (and ``school_scoped_models``) of it only.

    ``school_path`` reaches the row's school from the model (``"school"``, ``"staff__school"``).
    Every app's admin builds on this one class.
    """

    school_path = "school"
    # Further foreign-key targets with a ``school`` field whose choices stay within the school.
    school_scoped_models: tuple[type, ...] = ()

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school_id = admin_school_id(request)
        if school_id is None:
            return qs.none()
        return qs.filter(**{self.school_path: school_id})

    def school_choices(self, model, request) -> QuerySet | None:
        """The choices of a foreign key or many-to-many to ``model`` for a non-superuser, or None (unscoped)."""
        if request.user.is_superuser:
            return None
        school_id = admin_school_id(request)
        if model is School:
            return School.objects.filter(pk=school_id)
        if model in (Unit, StaffMember, *self.school_scoped_models):
            return model.objects.filter(school_id=school_id)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.school_choices(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self.school_choices(db_field.related_model, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("介面"), {"fields": ("language",)}))
    list_display = ["username", "email", "first_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "staff__school"]
    search_fields = ["username", "email", "first_name", "last_name", "staff__name", "staff__employee_no"]

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # The personnel office sees its own school's accounts, never an administrator's.
        staff = request.user.staff_or_none
        if staff is None:
            return qs.none()
        return qs.filter(staff__school_id=staff.school_id, is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # They may set a password and correct names; who administers the system is for superusers.
        return [(name, opts) for name, opts in fieldsets if "is_superuser" not in opts.get("fields", ())]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]


class UnitInline(admin.TabularInline):
    model = Unit
    fk_name = "school"
    extra = 0
    fields = ["name", "kind", "parent", "head"]
    autocomplete_fields = ["head", "parent"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    """The city's districts are city data: only superusers change them; schools pick theirs."""

    list_display = ["name", "code"]
    search_fields = ["name", "code"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    list_display = ["code", "name", "district", "has_senior_division", "has_junior_division", "enforce_punch_networks"]
    search_fields = ["code", "name"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(SchoolScopedAdmin):
    list_display = ["name", "kind", "school", "parent", "head"]
    list_filter = ["school", "kind"]
    search_fields = ["name", "school__name"]
    autocomplete_fields = ["head", "parent"]
    list_select_related = ["school", "parent", "head"]


class RoleChoicesMixin:
    """Only superusers hand out the system-admin role: personnel manage their school's roles, not the system."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value != Role.SYSTEM_ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class RoleInline(RoleChoicesMixin, admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(SchoolScopedAdmin):
    list_display = ["employee_no", "name", "school", "unit", "title", "category", "hire_date", "is_active"]
    list_filter = ["school", "category", "is_active", "unit", "roles__role"]
    search_fields = ["employee_no", "name", "email", "title", "user__username"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["school", "unit"]
    inlines = [RoleInline]
    date_hierarchy = "hire_date"
    change_list_template = "admin/staff/staffmember/change_list.html"

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="staff_staffmember_import"),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_roster": can_import_roster(request.user)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """匯入名冊: upload a file; either every row is imported or none, with every bad row listed."""
        if not can_import_roster(request.user):
            raise PermissionDenied
        form = RosterImportForm(request.POST or None, request.FILES or None, user=request.user)
        failure = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = roster_import(
                    school=form.cleaned_data["school"],
                    data=upload.read(),
                    actor=request.user,
                    filename=upload.name,
                    dry_run=dry_run,
                )
            except RosterImportError as exc:
                failure = exc
            else:
                if dry_run:
                    messages.info(request, _("檢查通過（未寫入）：%(summary)s") % {"summary": result.summary()})
                else:
                    messages.success(request, _("名冊已匯入：%(summary)s") % {"summary": result.summary()})
                    if self.has_view_permission(request):
                        return redirect(reverse("admin:staff_staffmember_changelist"))
                    return redirect(reverse("admin:staff_staffmember_import"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("匯入教職員名冊"),
            "form": form,
            "failure": failure,
        }
        return TemplateResponse(request, "admin/staff/staffmember/import.html", context)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleChoicesMixin, SchoolScopedAdmin):
    school_path = "staff__school"
    list_display = ["staff", "role"]
    list_filter = ["role", "staff__school"]
    search_fields = ["staff__name", "staff__employee_no"]
    autocomplete_fields = ["staff"]
