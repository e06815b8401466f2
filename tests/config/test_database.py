"""PostgreSQL binds the parameters and prepares the statements a connection runs again (config/settings.py)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from staff.models import StaffMember

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _prepared_statements_about(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if table in row[0]]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared statements are PostgreSQL's")
def test_a_statement_run_again_on_a_connection_is_prepared_once():
    table = StaffMember._meta.db_table
    assert _prepared_statements_about(table) == []
    StaffMember.objects.filter(pk=-1).exists()
    assert _prepared_statements_about(table) == []  # once: not yet worth preparing
    StaffMember.objects.filter(pk=-2).exists()  # the same statement, another value
    StaffMember.objects.filter(pk=-3).exists()
    prepared = _prepared_statements_about(table)
    assert len(prepared) == 1
    assert "$1" in prepared[0]  # the value travels as a parameter, not in the text


def _database_options(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, check=True, timeout=60)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_threshold_is_read_from_the_environment_and_off_turns_preparing_off():
    url = "postgres://someone@127.0.0.1:5432/somewhere"
    assert _database_options(DATABASE_URL=url) == {"server_side_binding": True, "prepare_threshold": 2}
    assert _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="5")["prepare_threshold"] == 5
    assert _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="off") == {
        "server_side_binding": True, "prepare_threshold": None,
    }
    assert "prepare_threshold" not in _database_options(DATABASE_URL="sqlite:///unused.sqlite3")
