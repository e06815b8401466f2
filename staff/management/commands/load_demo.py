"""manage.py load_demo: the demo school with its people, then each app's demo data; prints how to sign in.

Each app may provide ``<app>/demo.py`` with ``load(school) -> None`` (idempotent); the sso app
may also provide ``sign_in_help() -> str | list[str]``, printed after the local accounts.
"""

import importlib
import unicodedata
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from staff import demo

# substitutes before leave: the timetable must exist when the sample leave is filed, so it makes coverage needs.
# attendance after leave: no punches on an approved leave day, and the daily results are recomputed once
# everything they read (calendar, leave, punches) exists.
DEMO_APPS = ("schedules", "substitutes", "leave", "attendance", "sso")


def demo_module(app: str) -> ModuleType | None:
    """``<app>.demo`` if the app has one. An import error inside an existing module is not hidden."""
    name = f"{app}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _columns(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Command(BaseCommand):
    help = "建立或更新示範學校（563401）與約 40 位教職員，並載入各模組的示範資料。可重複執行。"

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL, help="印在登入說明中的網址")
        parser.add_argument(
            "--force", action="store_true", help="DEBUG 關閉時仍執行（會設定公開的示範密碼，只用於測試機）"
        )

    def handle(self, *args, url: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("load_demo sets a published password on every demo account; refusing with DEBUG off.")
        # The sample requests notify people; their emails go to files, not over the sign-in help.
        mail_dir = Path(settings.BASE_DIR) / "var" / "mail" / "demo-load"
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir)
        ), transaction.atomic():
            school = demo.load()
            loaded = ["staff"]
            for app in DEMO_APPS:
                module = demo_module(app)
                if module is not None:
                    module.load(school)
                    loaded.append(app)
        people = school.staff.count()
        self.stdout.write(self.style.SUCCESS(f"示範資料已就緒：{school}，{people} 位教職員（{', '.join(loaded)}）"))
        self.stdout.write(f"  示範資料產生的通知信 Demo emails: {mail_dir}/")
        self.stdout.write(self.sign_in_help(url))

    def sign_in_help(self, url: str) -> str:
        width = max(_columns(label) for label, _ in demo.SIGN_IN_EXAMPLES)
        lines = [
            "",
            f"  登入 Sign in: {url.rstrip('/')}/accounts/login/",
            f"  密碼 Password (every demo account): {demo.DEMO_PASSWORD}",
            "",
        ]
        lines += [
            f"    {label}{' ' * (width - _columns(label))}  {username}" for label, username in demo.SIGN_IN_EXAMPLES
        ]
        lines += [
            "",
            "    more: teacher01-10, homeroom01-05, junior01-05, sub01-03, hourly01-02, clerk01-04,",
            "          personnel-clerk, head-student, head-general, head-counseling, head-library, accounting",
            f"  管理後台 Admin: {url.rstrip('/')}/admin/  (admin / {demo.DEMO_PASSWORD})",
        ]
        sso = demo_module("sso")
        extra = getattr(sso, "sign_in_help", None) if sso is not None else None
        if extra is not None:
            more = extra()
            lines += ["", *([more] if isinstance(more, str) else list(more))]
        return "\n".join([*lines, ""])
