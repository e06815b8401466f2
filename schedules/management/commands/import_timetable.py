"""Import a semester's timetable from a timetabling system's CSV export (all rows or none)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schedules.models import Semester
from schedules.timetables_services import TimetableError, timetable_import


class Command(BaseCommand):
    help = "Replace a semester's timetable with a CSV file: one row per teacher-period (UTF-8 or Big5)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--school", required=True, help="school code, e.g. 563401")
        parser.add_argument("--semester", required=True, help="school year and term, e.g. 114-1")

    def handle(self, *args, path: Path, school: str, semester: str, **options):
        try:
            year, term = (int(x) for x in semester.split("-", 1))
        except ValueError as exc:
            raise CommandError("--semester looks like 114-1") from exc
        target = (
            Semester.objects.filter(school__code=school, school_year=year, term=term).select_related("school").first()
        )
        if target is None:
            raise CommandError(f"no semester {semester} at school {school}")
        try:
            result = timetable_import(semester=target, data=path.read_bytes())
        except TimetableError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.school.name} {target}: {result.created} periods, {result.teachers} teachers, "
                f"{len(result.classes)} classes (replaced {result.replaced})"
            )
        )
