from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sso.standin.accounts import load_accounts_file, register_client


class Command(BaseCommand):
    help = "Set up (migrate, load the demo accounts, register the app) and run the stand-in portal."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8001")

    def handle(self, *args, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if settings.ACCOUNTS_FILE.exists():
            count = load_accounts_file(settings.ACCOUNTS_FILE)
            self.stdout.write(f"stand-in portal: {count} demo accounts from {settings.ACCOUNTS_FILE}")
        else:
            self.stdout.write(f"stand-in portal: no {settings.ACCOUNTS_FILE} yet (make demo writes it)")
        register_client(client_id=settings.CLIENT_ID, client_secret=settings.CLIENT_SECRET, app_urls=settings.APP_URLS)
        self.stdout.write(f"stand-in portal: issuer {settings.OAUTH2_PROVIDER['OIDC_ISS_ENDPOINT']}")
        call_command("runserver", addrport, use_reloader=False)
