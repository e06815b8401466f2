"""Every environment variable the settings read is documented in .env.example."""

import re
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
