"""The settings: every environment variable they read is documented in .env.example; the demo's in-process tasks."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

READERS = r"(?:os\.getenv|os\.environ\.get|envbool|envint|envsecret|envlist)"


def test_every_environment_variable_is_in_env_example():
    base = Path(settings.BASE_DIR)
    source = (base / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(READERS + r'\(\s*"([A-Z][A-Z0-9_]*)"', source))
    secrets = set(re.findall(r'envsecret\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= names

    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (base / ".env.example").read_text(encoding="utf-8"), re.M))
    assert sorted(names - documented) == []
    assert sorted(f"{name}_FILE" for name in secrets if f"{name}_FILE" not in documented) == []


def test_without_a_broker_tasks_run_in_process_quietly():
    """The demo (no broker): a task started by a task runs in-process without Celery warning that no broker host
    was named, and without a "Task … succeeded" line per task in the server's console; errors still show."""
    code = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "@app.task\n"
        "def inner(n): return n + 1\n"
        "@app.task\n"
        "def outer(n): return inner.delay(n).result\n"
        "@app.task\n"
        "def broken(): raise ValueError('shown')\n"
        "print('result', outer.delay(41).result)\n"
        "broken.delay()\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL"}}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, check=True, timeout=60)
    assert "result 42" in done.stdout
    assert "No hostname" not in done.stderr and "succeeded in" not in done.stderr, done.stderr
    assert "ValueError" in done.stderr and "shown" in done.stderr  # a failing task is still logged
