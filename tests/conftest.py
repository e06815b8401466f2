import importlib

import pytest
from django.apps import apps as django_apps

from config.celery import app as celery_app
from tests.factories import PASSWORD, make_standing_school
from tests.grouping import BrokerGroupFirst, mark_broker_group

pytest_plugins = ["tests.celery_worker"]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the group marks
def pytest_collection_modifyitems(config, items):
    mark_broker_group(config, items)


def pytest_configure(config):
    config.pluginmanager.register(BrokerGroupFirst(), "broker-group-first")


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process unless a test is about the real broker and worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


# Rows the migrations write (the city's pay rates per period) that a transactional test's flush removes with the
# rest: written again after such a test, so that the tests after it in the same process see the database as
# migrated. (Django runs transactional tests last for this reason; pytest-xdist's groups need not.)
MIGRATION_DATA = [("substitutes.migrations.0002_city_hourly_rates", "add_rates")]


def migration_data_restore() -> None:
    for module, function in MIGRATION_DATA:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture(autouse=True)
def _migration_data_survives_a_flush(request, django_db_blocker):
    # Autouse: set up before the test's database fixture, so torn down after its flush.
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            migration_data_restore()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (cached duty windows, coalescing marks, rate-limit counters):
    ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test makes several accounts; the production hasher would spend most of a second on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_reset():
    """A test that switches the thread's language (a page in English, a notice rendered for an English
    reader) leaves the next test in the default language, whatever order the tests run in."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _sessions_outlast_the_test(settings):
    # Many tests sign someone in on one day and move the clock to later days to follow a case through
    # a month; a working-day session (10 h, config.settings) would sign them out on the way. The
    # lifetime itself is tested with its real value in tests/config/test_session_lifetime.py.
    settings.SESSION_COOKIE_AGE = 400 * 24 * 60 * 60


@pytest.fixture(autouse=True)
def _email_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True, scope="session")
def _translations_compiled():
    """`make test` compiles the catalogues first; a bare `pytest` compiles any that are missing or stale,
    before any test loads a language (Django caches a loaded catalogue for the whole process)."""
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.BASE_DIR)
    tops = [top for top in root.iterdir() if top.is_dir() and top.name not in {".venv", ".git", "node_modules"}]
    catalogues = [po for top in tops for po in top.glob("**/LC_MESSAGES/*.po")]

    def stale(po: Path) -> bool:
        mo = po.with_suffix(".mo")
        return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime

    if any(stale(po) for po in catalogues):
        call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
        from django.test.signals import language_changed

        language_changed(setting="LOCALE_PATHS")  # forget any catalogue loaded before it was compiled


@pytest.fixture
def people(db):
    """One person per role in one school, plus an outsider at another school (see tests/factories.py)."""
    return make_standing_school()


@pytest.fixture
def client_for(client):
    """client_for(staff) -> a test client signed in as that person."""

    def sign_in(staff):
        client.force_login(staff.user, backend="staff.backends.AccountBackend")
        return client

    return sign_in


@pytest.fixture
def password():
    return PASSWORD
