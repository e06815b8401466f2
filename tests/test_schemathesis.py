"""Schemathesis over the whole OpenAPI schema, as a teacher, a unit head, personnel and 教學組.

A bounded run (a few generated requests per operation and person, ``MAX_EXAMPLES``) against the
Django app itself (WSGI, in-process, on the test database: SQLite by default, PostgreSQL in CI),
signed in with each person's API token. Every answer must be a non-server error or a success that
matches the schema the API publishes (``/api/schema/``): 0 server errors, 0 non-conforming
responses. Failures are collected over every operation and person and reported together.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as examples
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from tests.sweep_world import fixtures

world, as_role = fixtures()

ROLES = ("teacher", "unit_head", "personnel", "academic")
MAX_EXAMPLES = 5  # per operation and person: a bounded run (about two minutes on an idle machine)


def _explore(operation, headers: dict[str, str], statuses: Counter) -> None:
    @examples(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        statuses[response.status_code // 100 * 100 if response.status_code != 401 else 401] += 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()


@pytest.fixture(scope="module")
def _connection_kept():
    """The app is called over WSGI, not through Django's test client: keep the test's database connection
    (and its transaction) across requests, as the test client does (PostgreSQL would close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema(world, _connection_kept):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.mark.django_db
def test_the_api_matches_its_schema_and_never_fails(world, schema, _connection_kept):
    failures: list[str] = []
    operations = 0
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for role in ROLES:
            token, _ = Token.objects.get_or_create(user=world.staff(role).user)
            try:
                _explore(operation, {"Authorization": f"Token {token.key}"}, statuses)
            except (Exception, BaseExceptionGroup) as exc:  # each failure is reported below, with who met it
                failures.append(f"{operation.method.upper()} {operation.path} as {role}: {exc}"[:2000])
    assert operations >= 20
    # Signed in (no 401), and the run reached the views: successes and refusals of bad input alike.
    assert statuses[401] == 0 and statuses[200] > 100 and statuses[400] > 0, statuses
    assert not failures, "\n\n".join(failures)
