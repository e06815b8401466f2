"""``python -m sso.standin <command>``: manage.py of the stand-in portal project."""

import os
import sys


def main() -> None:
    # Always the stand-in's own settings, even when the shell exports the app's (the Makefile does).
    os.environ["DJANGO_SETTINGS_MODULE"] = "sso.standin.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m sso.standin", *sys.argv[1:]])


if __name__ == "__main__":
    main()
