from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schedules.services import OfficeCalendarImportError, office_calendar_import


class Command(BaseCommand):
    help = "匯入「中華民國政府行政機關辦公日曆表」CSV（Big5 或 UTF-8）；同一年度再次匯入會整年取代。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="CSV file(s) from data.gov.tw dataset 14718")
        parser.add_argument("--dry-run", action="store_true", help="check the files, write nothing")

    def handle(self, *args, files: list[Path], dry_run: bool, **options):
        for path in files:
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc}") from exc
            try:
                with transaction.atomic():
                    imported = office_calendar_import(actor=None, content=content, source_name=path.name)
                    if dry_run:
                        transaction.set_rollback(True)
            except OfficeCalendarImportError as exc:
                for error in exc.errors:
                    self.stderr.write(f"{path.name}: {error}")
                raise CommandError(f"{path.name}: {exc.message}") from exc
            years = ", ".join(str(c.year) for c in imported)
            verb = "checked (dry run)" if dry_run else "imported"
            self.stdout.write(self.style.SUCCESS(f"{path.name}: {verb} {years}"))
