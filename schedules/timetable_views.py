"""Timetable pages: the import for academic affairs, and weekly timetables per teacher and per class.

Who sees what: timetables are posted at school, so anyone of the school may read any teacher's
or class's timetable; only academic affairs (教學組) import them. Other schools see nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.inputs import id_or_none
from schedules.models import Semester
from schedules.timetable_forms import TimetableImportForm
from schedules.timetables_selectors import (
    bell_schedule,
    semester_current,
    timetable_classes,
    timetable_for_class,
    timetable_for_teacher,
    timetable_teachers,
)
from schedules.timetables_services import TimetableError, timetable_import
from staff.models import Role, StaffMember
from staff.selectors import person_in_school, staff_required_for


def _semester(request, me: StaffMember) -> Semester | None:
    pk = id_or_none(request.GET.get("semester"))
    if pk:
        semester = Semester.objects.filter(pk=pk, school_id=me.school_id).first()
        if semester is None:
            raise Http404
        return semester
    return semester_current(school=me.school)


@login_required
def timetables(request):
    me = staff_required_for(request)
    semester = _semester(request, me)
    context = {
        "semester": semester,
        "semesters": Semester.objects.filter(school=me.school).order_by("-start_date"),
        "teachers": list(timetable_teachers(semester=semester)) if semester else [],
        "classes": timetable_classes(semester=semester) if semester else [],
        "bells": bell_schedule(school=me.school),
        "can_import": me.has_role(Role.ACADEMIC_AFFAIRS),
    }
    return render(request, "schedules/timetable_index.html", context)


@login_required
def timetable_teacher(request, pk: int):
    me = staff_required_for(request)
    teacher = person_in_school(staff_id=pk, school_id=me.school_id)
    if teacher is None:
        raise Http404
    semester = _semester(request, me)
    grid = timetable_for_teacher(teacher=teacher, semester=semester) if semester else None
    return render(
        request, "schedules/timetable_grid.html",
        {"semester": semester, "grid": grid, "heading": teacher.name, "kind": "teacher"},
    )


@login_required
def timetable_class(request):
    me = staff_required_for(request)
    semester = _semester(request, me)
    name = request.GET.get("name", "").strip()
    if not name or "\x00" in name or semester is None:  # PostgreSQL refuses a NUL in a query: no such class
        raise Http404
    grid = timetable_for_class(semester=semester, class_name=name)
    if not grid.count:
        raise Http404
    return render(
        request, "schedules/timetable_grid.html", {"semester": semester, "grid": grid, "heading": name, "kind": "class"}
    )


@login_required
def timetable_import_page(request):
    me = staff_required_for(request)
    if not me.has_role(Role.ACADEMIC_AFFAIRS):
        raise PermissionDenied
    form = TimetableImportForm(request.POST or None, request.FILES or None, school=me.school)
    errors = []
    if request.method == "POST" and form.is_valid():
        semester = form.cleaned_data["semester"]
        try:
            result = timetable_import(semester=semester, data=form.cleaned_data["file"].read(), actor=request.user)
        except TimetableError as exc:
            form.add_error(None, exc.message)
            errors = exc.errors
        else:
            messages.success(
                request,
                _("已匯入 %(semester)s 課表：%(rows)s、%(teachers)s、%(classes)s") % {
                    "semester": semester,
                    "rows": ngettext("%(n)d 節", "%(n)d 節", result.created) % {"n": result.created},
                    "teachers": ngettext("%(n)d 位教師", "%(n)d 位教師", result.teachers) % {"n": result.teachers},
                    "classes": ngettext("%(n)d 個班級", "%(n)d 個班級", len(result.classes))
                    % {"n": len(result.classes)},
                },
            )
            return redirect(f"{reverse('schedules:timetables')}?semester={semester.pk}")
    return render(request, "schedules/timetable_import.html", {"form": form, "errors": errors})
