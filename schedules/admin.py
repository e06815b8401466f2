"""Admin for schedules and the calendar. Every save and delete goes through schedules.services, so
the admin audits and announces changes like the pages do. Staff users who are not superusers see
only their own school's rows."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schedules import services
from schedules.models import (
    CategorySchedule,
    OfficeCalendarDay,
    OfficeCalendarYear,
    PersonalSchedule,
    SchoolDay,
    Semester,
    TyphoonDay,
    WorkSchedule,
)
from schedules.permissions import can_declare_typhoon
from staff.admin import SchoolScopedAdmin as StaffSchoolScopedAdmin
from staff.admin import SchoolScopedTabularInline, admin_school_id
from staff.selectors import schools

TIMING_FIELDS = (
    "has_duty", "start", "end", "grace_minutes", "school_day_arrival", "break_start", "break_end", "weekdays",
)


class SchoolScopedAdmin(StaffSchoolScopedAdmin):
    """Non-superusers work on their own school only (rows and choices)."""

    school_scoped_models = (WorkSchedule,)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CategoryScheduleInline(SchoolScopedTabularInline):
    model = CategorySchedule
    extra = 0
    fields = readonly_fields = ("category", "effective_from")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkSchedule)
class WorkScheduleAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "window_text", "grace_minutes", "school_day_arrival", "break_start",
                    "break_end", "weekdays", "has_duty"]
    list_filter = ["school", "has_duty"]
    search_fields = ["name", "school__name", "note"]
    list_select_related = ["school"]
    inlines = [CategoryScheduleInline]

    @admin.display(description=_("上下班時間"))
    def window_text(self, obj):
        return obj.window_text

    def get_readonly_fields(self, request, obj=None):
        # Once a schedule has decided a past day, its times are history (make a new schedule instead).
        if obj is not None and services.work_schedule_in_effect_before(obj, timezone.localdate()):
            return ("school", *TIMING_FIELDS)
        return ()

    def save_model(self, request, obj, form, change):
        services.work_schedule_save(actor=request.user, schedule=obj)

    def delete_model(self, request, obj):
        obj.delete()  # PROTECT keeps a schedule that is assigned anywhere


@admin.register(CategorySchedule)
class CategoryScheduleAdmin(SchoolScopedAdmin):
    """A rule change is a new row from its date; an existing row is not edited (only removed)."""

    fields = ["school", "category", "schedule", "effective_from"]
    list_display = ["category", "schedule", "effective_from", "school"]
    list_filter = ["school", "category"]
    search_fields = ["schedule__name", "school__name"]
    list_select_related = ["school", "schedule"]
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request, obj=None):
        return ("school", "category", "schedule", "effective_from") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            services.category_schedule_assign(
                actor=request.user, school=obj.school, category=obj.category, schedule=obj.schedule,
                effective_from=obj.effective_from,
            )

    def delete_model(self, request, obj):
        services.category_schedule_delete(actor=request.user, assignment=obj)


@admin.register(PersonalSchedule)
class PersonalScheduleAdmin(SchoolScopedAdmin):
    school_path = "staff__school"
    list_display = ["staff", "schedule", "start_date", "end_date", "reason"]
    list_filter = ["staff__school", "schedule"]
    search_fields = ["staff__name", "staff__employee_no", "reason"]
    autocomplete_fields = ["staff"]
    list_select_related = ["staff", "schedule"]
    date_hierarchy = "start_date"
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        services.personal_schedule_save(actor=request.user, override=obj)

    def delete_model(self, request, obj):
        services.personal_schedule_delete(actor=request.user, override=obj)


@admin.register(Semester)
class SemesterAdmin(SchoolScopedAdmin):
    list_display = ["__str__", "school", "start_date", "end_date"]
    list_filter = ["school", "school_year"]
    search_fields = ["school__name"]
    list_select_related = ["school"]

    def save_model(self, request, obj, form, change):
        services.semester_save(actor=request.user, semester=obj)

    def delete_model(self, request, obj):
        services.semester_delete(actor=request.user, semester=obj)


class SchoolDayForm(forms.ModelForm):
    class Meta:
        model = SchoolDay
        fields = ["school", "date", "kind", "label"]

    def clean(self):
        data = super().clean()
        if data.get("school") and data.get("date") and data.get("kind"):
            try:
                services.school_day_check(
                    school=data["school"], day=data["date"], kind=data["kind"], label=data.get("label") or "",
                    exclude_pk=self.instance.pk,
                )
            except services.ScheduleError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
        return data


@admin.register(SchoolDay)
class SchoolDayAdmin(SchoolScopedAdmin):
    form = SchoolDayForm
    list_display = ["date", "label", "kind", "school"]
    list_filter = ["school", "kind"]
    search_fields = ["label", "school__name"]
    list_select_related = ["school"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.school_day_update(actor=request.user, school_day=obj, day=data["date"], kind=data["kind"],
                                       label=data["label"])
        else:
            created = services.school_day_create(actor=request.user, school=data["school"], day=data["date"],
                                                 kind=data["kind"], label=data["label"])
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.school_day_delete(actor=request.user, school_day=obj)


class TyphoonDayForm(forms.ModelForm):
    class Meta:
        model = TyphoonDay
        fields = ["date", "school", "label"]

    request = None  # set by TyphoonDayAdmin.get_form

    def clean(self):
        data = super().clean()
        if self.request is not None and not can_declare_typhoon(self.request.user, data.get("school")):
            raise ValidationError(_("您只能為自己的學校登錄停班停課；全市停班停課由系統管理者登錄"), code="forbidden")
        if data.get("date"):
            try:
                school = data.get("school")
                scope = TyphoonDay.Scope.SCHOOL if school else TyphoonDay.Scope.CITY
                services.typhoon_day_check(services.Declaration(day=data["date"], scope=scope, school=school))
            except services.ScheduleError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
        return data


@admin.register(TyphoonDay)
class TyphoonDayAdmin(admin.ModelAdmin):
    """Declared, never edited: to correct one, withdraw it and declare again."""

    form = TyphoonDayForm
    list_display = ["date", "label", "scope", "declared_by", "declared_at"]
    list_filter = [("school", admin.EmptyFieldListFilter), "school"]
    search_fields = ["label", "school__name"]
    list_select_related = ["school", "declared_by"]
    date_hierarchy = "date"

    @admin.display(description=_("範圍"))
    def scope(self, obj):
        return obj.scope_text

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        school_id = admin_school_id(request)
        reach = TyphoonDay.objects.filter(
            Q(scope=TyphoonDay.Scope.CITY) | Q(school_id=school_id) | Q(districts__schools=school_id)
        )
        return qs.filter(pk__in=reach.values("pk"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "school" and not can_declare_typhoon(request.user, None):
            kwargs["queryset"] = schools(ids=[admin_school_id(request)])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not can_declare_typhoon(request.user, obj.school):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not can_declare_typhoon(request.user, obj.school):
            raise PermissionDenied
        created = services.typhoon_day_declare(actor=request.user, day=obj.date, school=obj.school, label=obj.label)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.typhoon_day_withdraw(actor=request.user, typhoon=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            if can_declare_typhoon(request.user, obj.school):
                self.delete_model(request, obj)
            else:
                messages.warning(request, _("無權撤銷：%(day)s") % {"day": obj})


@admin.register(OfficeCalendarYear)
class OfficeCalendarYearAdmin(admin.ModelAdmin):
    """Imported from the personnel page or ``manage.py import_office_calendar``; here for reading."""

    list_display = ["year", "source_name", "encoding", "imported_by", "imported_at"]
    readonly_fields = ["year", "source_name", "encoding", "imported_by", "imported_at"]

    def has_add_permission(self, request):
        return False


@admin.register(OfficeCalendarDay)
class OfficeCalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_day_off", "note"]
    list_filter = ["calendar", "is_day_off"]
    search_fields = ["note"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Bell schedules and timetables have their own module.
from schedules import timetable_admin  # noqa: E402, F401
