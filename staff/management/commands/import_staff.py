"""manage.py import_staff FILE.csv --school 563401: import the personnel office's roster (all rows or none)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staff.models import School, User
from staff.services import RosterImportError, roster_import


class Command(BaseCommand):
    help = "匯入教職員名冊（CSV 或 .xlsx；UTF-8 或 Big5）。有任何錯誤則整份不匯入，並列出每一列的錯誤。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名冊檔（.csv 或 .xlsx）")
        parser.add_argument("--school", required=True, help="學校代碼，例如 563401")
        parser.add_argument("--actor", help="記入稽核紀錄的操作者帳號（預設：無，表示由系統指令匯入）")
        parser.add_argument("--dry-run", action="store_true", help="只檢查，不寫入")

    def handle(self, *args, file: str, school: str, actor: str | None, dry_run: bool, **options):
        try:
            target = School.objects.get(code=school)
        except School.DoesNotExist as exc:
            raise CommandError(f"找不到學校代碼 {school}") from exc
        actor_user = None
        if actor:
            actor_user = User.objects.filter(username=actor).first()
            if actor_user is None:
                raise CommandError(f"找不到帳號 {actor}")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"無法讀取 {file}：{exc.strerror}") from exc

        try:
            result = roster_import(school=target, data=data, actor=actor_user, filename=path.name, dry_run=dry_run)
        except RosterImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc)) from exc
        prefix = "（僅檢查，未寫入）" if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{target.name}：{result.summary()}"))
