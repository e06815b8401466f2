import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from attendance.models import RecomputeJob
from attendance.services import recompute_job_start
from staff.selectors import schools as all_schools


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = (
        "重算出勤結果：每所學校（或 --school）自 --start 至 --end（預設今天），"
        "拆成每批數所學校、每段至多一個月的背景工作。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", help="last day, YYYY-MM-DD (default: today; later days are skipped)")
        parser.add_argument("--school", action="append", default=[], help="a school code (repeatable; default: all)")
        parser.add_argument("--progress", action="store_true", help="follow the tasks with a progress bar")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to follow before giving up")

    def handle(self, *args, start: str, end: str | None, school: list[str], progress: bool, timeout: float, **opts):
        first = _date(start)
        last = _date(end) if end else timezone.localdate()
        if last < first:
            raise CommandError("--end is before --start")
        school_ids = None
        if school:
            found = dict(all_schools(codes=school).values_list("code", "pk"))
            missing = sorted(set(school) - set(found))
            if missing:
                raise CommandError(f"unknown school code(s): {', '.join(missing)}")
            school_ids = list(found.values())
        with transaction.atomic():
            job = recompute_job_start(reason="command", start=first, end=last, school_ids=school_ids)
        if job is None:
            self.stdout.write("nothing to recompute: the range lies in the future")
            return
        self.stdout.write(f"recompute job {job.pk} queued ({job.start} – {job.end})")
        if not progress:
            return
        deadline = time.monotonic() + timeout
        while True:
            job = RecomputeJob.objects.get(pk=job.pk)
            done, total = job.batches_done, job.batches_total
            filled = int(30 * job.percent / 100)
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {job.percent:3d}%  "
                f"tasks {done}/{total}  schools {job.schools_done}/{job.schools_total}",
                ending="",
            )
            self.stdout.flush()
            if job.finished_at is not None:
                self.stdout.write("")
                took = (job.finished_at - job.created_at).total_seconds()
                self.stdout.write(self.style.SUCCESS(f"done in {took:.1f} s"))
                return
            if time.monotonic() > deadline:
                self.stdout.write("")
                raise CommandError(f"job {job.pk} not finished after {timeout:.0f} s (are workers running?)")
            time.sleep(0.5)
