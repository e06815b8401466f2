import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from schedules.defaults import SEED_EFFECTIVE_FROM
from schedules.services import work_schedules_seed_defaults
from staff.selectors import schools as school_list


class Command(BaseCommand):
    help = "為學校建立預設班別（行政 07:30–16:30、導師與專任 08:00–16:00、國中部導師早自習 07:30、代課免打卡）。"

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="school codes (學校代碼)")
        parser.add_argument("--all", dest="all_schools", action="store_true", help="every school")
        parser.add_argument(
            "--from", dest="effective_from", type=dt.date.fromisoformat, default=SEED_EFFECTIVE_FROM,
            help="effective date of the category rules (YYYY-MM-DD)",
        )

    def handle(self, *args, codes: list[str], all_schools: bool, effective_from: dt.date, **options):
        if all_schools == bool(codes):
            raise CommandError("give school codes or --all")
        schools = school_list() if all_schools else school_list(codes=codes)
        missing = set(codes) - {s.code for s in schools}
        if missing:
            raise CommandError(f"unknown school code(s): {', '.join(sorted(missing))}")
        for school in schools:
            created = work_schedules_seed_defaults(school=school, effective_from=effective_from)
            self.stdout.write(f"{school.code} {school.name}: {len(created)} categories seeded")
