from django.core.management.base import BaseCommand

from sso.standin.accounts import load_accounts_file


class Command(BaseCommand):
    help = "Load stand-in portal accounts from a JSON list (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        count = load_accounts_file(path)
        self.stdout.write(f"stand-in portal: {count} accounts loaded from {path}")
