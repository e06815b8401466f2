"""Sessions suited to shared school computers: gone when the browser closes, and at most one working day."""

import os
import subprocess
import sys

import time_machine
from django.conf import settings as django_settings
from django.urls import reverse

from tests.clock import at

PRODUCTION_LIFETIME = 10 * 60 * 60


def test_the_configured_lifetime_is_one_working_day():
    env = {key: value for key, value in os.environ.items() if key != "SESSION_COOKIE_AGE"}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SESSION_COOKIE_AGE, "
         "settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, cwd=django_settings.BASE_DIR,
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert out == [str(PRODUCTION_LIFETIME), "True"]


def test_a_session_left_open_is_signed_out_after_the_working_day(people, client, settings, password):
    settings.SESSION_COOKIE_AGE = PRODUCTION_LIFETIME
    teacher = people["teacher"]
    with time_machine.travel(at(2026, 3, 2, 7, 0), tick=False):
        response = client.post(reverse("login"), {"username": teacher.user.username, "password": password})
        assert response.status_code == 302
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        # No Max-Age / Expires: the browser drops it when it closes.
        assert not cookie["max-age"] and not cookie["expires"]
    with time_machine.travel(at(2026, 3, 2, 16, 59), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(at(2026, 3, 2, 17, 1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
