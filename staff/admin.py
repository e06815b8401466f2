from functools import cache

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from staff.forms import RosterImportForm
from staff.models import District, Role, RoleAssignment, School, StaffMember, Unit, User
from staff.permissions import can_import_roster, outranking_q, outranks
from staff.selectors import staff_for_request
from staff.services import RosterImportError, roster_import


def admin_school_id(request) -> int | None:
    """The school a non-superuser works on in the admin: their own (None without a staff record)."""
    staff = staff_for_request(request)
    return staff.school_id if staff is not None else None


# Models that belong to no school (the same for the whole city): their choices are not scoped.
SHARED_MODELS: set[tuple[str, str]] = {
    ("auth", "group"),
    ("auth", "permission"),
    ("contenttypes", "contenttype"),
    ("schedules", "officecalendaryear"),
    ("schedules", "officecalendarday"),
    ("staff", "district"),
}


@cache
def school_path_of(model: type[Model]) -> str | None:
    """How rows of ``model`` reach their school, as a lookup (``"school"``, ``"staff__school"``,
    ``"leave_type__school"``); ``"pk"`` for School itself; None for a model with no school.

    Found by following foreign keys (a ``school`` field first, then the others, three steps at most),
    so a new model is scoped the day it is added to an admin form.
    """
    if (model._meta.app_label, model._meta.model_name) in SHARED_MODELS:
        return None
    if model is School:
        return "pk"
    if model is User:
        return "staff__school"
    through_account = None  # an author's or recipient's account: used only when nothing else leads to a school
    frontier: list[tuple[type[Model], str]] = [(model, "")]
    for _depth in range(3):
        following: list[tuple[type[Model], str]] = []
        for current, prefix in frontier:
            links = [
                (f.name, f.related_model)
                for f in current._meta.concrete_fields
                if (f.many_to_one or f.one_to_one) and f.related_model is not None
            ]
            for name, related in sorted(links, key=lambda link: link[0] != "school"):
                if related is School:
                    return f"{prefix}{name}"
            for name, related in links:
                if related is User and through_account is None:
                    through_account = f"{prefix}{name}__staff__school"
            following.extend(
                (related, f"{prefix}{name}__") for name, related in links if related not in (current, User)
            )
        frontier = following
    return through_account


def school_choices(model, request) -> QuerySet | None:
    """The choices of a foreign key or many-to-many to ``model`` for the admin user: None for a
    superuser (unscoped) or a model shared by the city; otherwise rows of their own school only
    (none without a staff record). Accounts (``User``) of people who outrank them are left out:
    binding an account to a person is theirs to do only for accounts they may change."""
    if request.user.is_superuser:
        return None
    path = school_path_of(model)
    if path is None:
        if (model._meta.app_label, model._meta.model_name) in SHARED_MODELS:
            return None
        return model._default_manager.none()  # unknown: offer nothing rather than another school's rows
    school_id = admin_school_id(request)
    if school_id is None:
        return model._default_manager.none()
    choices = model._default_manager.filter(**{path: school_id})
    if model is User:
        choices = choices.exclude(outranking_q(request.user, accounts=True))
    return choices


class SchoolChoicesMixin:
    """Every foreign-key and many-to-many choice stays within the admin user's school (ModelAdmin and inline)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = school_choices(db_field.related_model, request)
        if choices is not None:
            current = kwargs.get("queryset")
            kwargs["queryset"] = choices if current is None else current & choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = school_choices(db_field.related_model, request)
        if choices is not None:
            current = kwargs.get("queryset")
            kwargs["queryset"] = choices if current is None else current & choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SchoolScopedTabularInline(SchoolChoicesMixin, admin.TabularInline):
    pass


class SchoolScopedStackedInline(SchoolChoicesMixin, admin.StackedInline):
    pass


class SchoolScopedAdmin(SchoolChoicesMixin, admin.ModelAdmin):
    """Superusers see every school; anyone else in the admin (the personnel office) sees their own
    school's rows, and picks every foreign key and many-to-many of it only (``school_choices``).

    ``school_path`` reaches the row's school from the model (``"school"``, ``"staff__school"``);
    by default it is found by ``school_path_of``. Every app's admin builds on this one class, and
    inlines on ``SchoolScopedTabularInline`` / ``SchoolScopedStackedInline``.
    """

    school_path: str | None = None
    # Kept for the apps' subclasses; every model with a school is scoped now (school_path_of).
    school_scoped_models: tuple[type, ...] = ()

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school_id = admin_school_id(request)
        model: type[Model] = self.model
        path = self.school_path or school_path_of(model)
        if school_id is None or path is None:
            return qs.none()
        return qs.filter(**{path: school_id})

    def school_choices(self, model, request) -> QuerySet | None:
        return school_choices(model, request)


class PowerGuardMixin:
    """Nobody changes or deletes the account, person or role of someone who outranks them
    (``staff.permissions.outranks``): the change form is read-only, the password form and a
    POST are refused (403)."""

    def power_subject(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        if obj is not None and outranks(self.power_subject(obj), request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and outranks(self.power_subject(obj), request.user):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(PowerGuardMixin, SchoolChoicesMixin, DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("介面"), {"fields": ("language",)}))
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


class UnitInline(SchoolScopedTabularInline):
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
    # Set on the attendance page (/attendance/start-date/): changing it also clears the results before it.
    readonly_fields = ["attendance_start"]


@admin.register(Unit)
class UnitAdmin(SchoolScopedAdmin):
    list_display = ["name", "kind", "school", "parent", "head"]
    list_filter = ["school", "kind"]
    search_fields = ["name", "school__name"]
    autocomplete_fields = ["head", "parent"]
    list_select_related = ["school", "parent", "head"]


# Roles beyond one school: the system's and the city's (the education bureau reads every school).
SUPERUSER_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.CITY})


class RoleChoicesMixin:
    """Only superusers hand out the system-admin and city roles: personnel manage their school's roles, not the
    system's nor the city's."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value not in SUPERUSER_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class RoleInline(RoleChoicesMixin, SchoolScopedTabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(PowerGuardMixin, SchoolScopedAdmin):
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
class RoleAssignmentAdmin(PowerGuardMixin, RoleChoicesMixin, SchoolScopedAdmin):
    school_path = "staff__school"
    list_display = ["staff", "role"]
    list_filter = ["role", "staff__school"]
    search_fields = ["staff__name", "staff__employee_no"]
    autocomplete_fields = ["staff"]

    def power_subject(self, obj):
        return obj.staff

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Giving or taking roles of someone who outranks you is not yours to do: they are not offered.
        if db_field.name == "staff" and not request.user.is_superuser:
            kwargs["queryset"] = StaffMember.objects.exclude(outranking_q(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SuperusersOnlyMixin:
    """The admin pages of the libraries (API tokens, OAuth applications, sign-in attempts, groups)
    are the system's, not a school's: superusers only."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def _libraries_for_superusers_only() -> None:
    """Re-register what the libraries installed before this app (auth, authtoken, oauth2_provider,
    axes) so that only superusers reach it."""
    for model, model_admin in list(admin.site._registry.items()):
        if model._meta.app_label == "staff" or isinstance(model_admin, SuperusersOnlyMixin):
            continue
        admin.site.unregister(model)
        admin.site.register(model, type(type(model_admin).__name__, (SuperusersOnlyMixin, type(model_admin)), {}))


_libraries_for_superusers_only()
