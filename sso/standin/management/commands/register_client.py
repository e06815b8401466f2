from django.conf import settings
from django.core.management.base import BaseCommand

from sso.standin.accounts import register_client


class Command(BaseCommand):
    help = "Register (or update) the app as a client of the stand-in portal."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", default=settings.CLIENT_ID)
        parser.add_argument("--client-secret", default=settings.CLIENT_SECRET)
        parser.add_argument("--app-url", action="append", dest="app_urls", help="the app's base URL (repeatable)")

    def handle(self, *args, client_id, client_secret, app_urls, **options):
        urls = [u.rstrip("/") for u in app_urls] if app_urls else settings.APP_URLS
        register_client(client_id=client_id, client_secret=client_secret, app_urls=urls)
        self.stdout.write(f"stand-in portal: client {client_id} → {', '.join(urls)}")
