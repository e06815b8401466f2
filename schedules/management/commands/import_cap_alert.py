from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schedules.cap import CapError
from schedules.cap_services import cap_alert_import, cap_alert_import_url


class Command(BaseCommand):
    help = (
        "匯入人事行政總處的停班停課警報（CAP 1.2 XML 檔或網址；網址也可以是連到警報的 Atom 訊息來源）。"
        "實際宣布的警報成為待確認的停班停課提議；測試、演習、草稿警報不採用。"
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", help="CAP alert file(s) or http(s) URL(s)")

    def handle(self, *args, sources: list[str], **options):
        failed = False
        for source in sources:
            try:
                if source.startswith(("http://", "https://")):
                    report = cap_alert_import_url(actor=None, url=source)
                else:
                    try:
                        content = Path(source).read_bytes()
                    except OSError as exc:
                        raise CommandError(f"{source}: {exc}") from exc
                    report = cap_alert_import(actor=None, content=content, source=Path(source).name)
            except CapError as exc:
                self.stderr.write(f"{source}: {exc.message} [{exc.code}]")
                failed = True
                continue
            for outcome in report.outcomes:
                line = f"{source}: {outcome.identifier}: {outcome.message}"
                self.stdout.write(self.style.SUCCESS(line) if outcome.outcome != "error" else self.style.ERROR(line))
        if failed:
            raise CommandError("some sources could not be read; nothing was imported from them")
