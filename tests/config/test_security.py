"""Secure by default in production: the documented production settings pass `check --deploy` with no
warning, a missing/short/example SECRET_KEY stops start-up, the stand-in portal's OAuth app is absent,
a Content-Security-Policy without 'unsafe-inline' (and templates with no inline script to need it),
API throttling and expiring tokens, sessions fit for shared school computers."""

import datetime as dt
import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework.authtoken.models import Token

BASE = Path(settings.BASE_DIR)


def documented_production_env(**overrides) -> dict[str, str]:
    """The environment .env.example documents for production (its uncommented KEY=value lines), with a
    real secret key instead of its placeholder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DEBUG"))}
    for line in (BASE / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            env[match.group(1)] = match.group(2).strip('"')
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=180
    )


def test_check_deploy_has_no_warning_on_the_documented_production_settings():
    env = documented_production_env()
    assert env["DEBUG"] == "0" and env["BEHIND_PROXY"] == "1"
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "key",
    [
        "",
        "change-me",  # .env.example's placeholder
        "short-but-random-Zx81",
        # Fixed values (not drawn per run): parallel test processes must collect the same test ids.
        "Qm3vT9xLr2Wc8ZpKd4NfY7hJs1BgEa6UoRt0XiVyMlHn5wCqP",  # random-looking, but 49 characters
        "a" * 60,  # long, but not random
        "django-insecure-Rk8wT2mQ9vLx4ZcN7pJd1YfH6sBgEa3UoWt0XiVyMlHn5qCrPz",  # Django's generated placeholder
    ],
)
def test_production_refuses_to_start_with_a_bad_secret_key(monkeypatch, key):
    import config.settings as settings_module

    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", key)
    try:
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
            importlib.reload(settings_module)
        monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
        importlib.reload(settings_module)  # a real key starts
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


def test_the_example_key_stops_the_real_start_up():
    """The whole start-up path (manage.py), with .env.example's own SECRET_KEY."""
    example = dict(re.findall(r"^(SECRET_KEY)=(.*)$", (BASE / ".env.example").read_text(encoding="utf-8"), re.M))
    result = manage("check", env=documented_production_env(SECRET_KEY=example["SECRET_KEY"]))
    assert result.returncode != 0
    assert "SECRET_KEY is the example value" in result.stderr


def test_production_settings_leave_out_the_stand_in_portals_oauth_app(monkeypatch):
    import config.settings as settings_module

    for name, value in documented_production_env().items():
        monkeypatch.setenv(name, value)
    try:
        production = importlib.reload(settings_module)
        assert "oauth2_provider" not in production.INSTALLED_APPS
        assert production.SECURE_SSL_REDIRECT and production.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        monkeypatch.setenv("DEBUG", "1")
        monkeypatch.setenv("STANDIN_PORTAL_ENABLED", "1")
        assert "oauth2_provider" in importlib.reload(settings_module).INSTALLED_APPS  # the demo's
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


# --- Content-Security-Policy ---------------------------------------------------------------------
def template_files() -> list[Path]:
    roots = [BASE / "templates", *BASE.glob("*/templates")]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html") if ".venv" not in path.parts)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_has_inline_script_handlers_or_javascript_urls():
    files = template_files()
    assert len(files) > 50  # the sweep sees the project's templates, not an empty list
    offenders = [
        f"{path.relative_to(BASE)}: {pattern.pattern}"
        for path in files
        for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE, JAVASCRIPT_URL)
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_scan_would_catch_each_kind():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert HANDLER_ATTRIBUTE.search('<select name="x"\n  onchange="this.form.submit()">')
    assert not HANDLER_ATTRIBUTE.search('<select name="x" data-autosubmit>')
    assert JAVASCRIPT_URL.search('<a href="javascript:void(0)">')


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/attendance/", "/api/docs/", "/admin/"])
def test_pages_carry_a_policy_without_unsafe_inline(client_for, people, path):
    response = client_for(people["teacher"]).get(path, follow=True)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "frame-ancestors" in directives and "object-src" in directives
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


# --- API: throttling and expiring tokens ---------------------------------------------------------
@pytest.mark.django_db
def test_api_throttles_each_account_and_each_anonymous_address(client, client_for, people, settings, monkeypatch):
    from common.api import AnonRateThrottle, UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"})
    # All inside one minute's window: the counters are per window (common/api.py).
    minute = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    clock = time_machine.travel(minute + dt.timedelta(seconds=5), tick=False)
    clock.start()
    try:
        teacher = client_for(people["teacher"])
        answers = [teacher.get("/api/notifications/unread-count/").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        client.logout()
        head = client_for(people["unit_head"])
        assert head.get("/api/notifications/unread-count/").status_code == 200  # another account is not affected
        head.logout()

        # Anonymous callers reach only the open endpoints (the schema); DRF refuses the rest before counting.
        settings.TRUSTED_PROXY_COUNT = 1
        via_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
        anonymous = [client.get("/api/schema/", **via_proxy).status_code for _ in range(3)]
        assert anonymous == [200, 200, 429]
        other = client.get("/api/schema/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.64.10.5")
        assert other.status_code == 200  # counted per client address, not per proxy
    finally:
        clock.stop()


@pytest.mark.django_db
def test_on_redis_the_api_throttle_costs_one_round_trip_a_request(client, people, settings, monkeypatch):
    """Production's cache: each API request adds to its window's counter in one pipelined round trip (DRF's
    sliding log took two: read the pickled list, write it back); over the rate, 429 until the window ends."""
    import redis

    from common.api import AnonRateThrottle, UserRateThrottle

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL), as production's CACHE_URL")
    settings.CACHES = {"default": {"BACKEND": "common.cache.RedisCache",
                                   "LOCATION": settings.CELERY_BROKER_URL, "KEY_PREFIX": secrets.token_hex(8)}}
    for throttle in (UserRateThrottle, AnonRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"})
    sent: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(connection, command, *args, **kwargs):
        sent.append(command)
        return send(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    token = Token.objects.create(user=people["teacher"].user)
    headers = {"Authorization": f"Token {token.key}"}
    from django.core.cache import cache

    cache.get("warm")  # the connection's own set-up (its handshake commands) before anything is counted
    minute = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    answers, trips = [], []
    with time_machine.travel(minute + dt.timedelta(seconds=20), tick=False):
        for _ in range(4):
            before = len(sent)
            answers.append(client.get("/api/notifications/unread-count/", headers=headers))
            trips.append(len(sent) - before)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert trips == [1, 1, 1, 1]
    assert answers[-1]["Retry-After"] == "40"  # the rest of the minute
    with time_machine.travel(minute + dt.timedelta(seconds=61), tick=False):
        assert client.get("/api/notifications/unread-count/", headers=headers).status_code == 200  # a new window


@pytest.mark.django_db
def test_api_tokens_expire_and_a_new_one_replaces_them(client, people, settings):
    user = people["teacher"].user
    token = Token.objects.create(user=user)
    url = "/api/notifications/unread-count/"
    assert client.get(url, headers={"Authorization": f"Token {token.key}"}).status_code == 200
    later = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        expired = client.get(url, headers={"Authorization": f"Token {token.key}"})
        assert expired.status_code in (401, 403)
        assert "過期" in expired.json()["detail"]
        # Rotation: the old token deleted, a new one issued (the admin's Tokens › Add does this).
        token.delete()
        fresh = Token.objects.create(user=user)
        assert client.get(url, headers={"Authorization": f"Token {fresh.key}"}).status_code == 200
        assert client.get(url, headers={"Authorization": f"Token {token.key}"}).status_code in (401, 403)


# --- Sessions on shared computers ------------------------------------------------------------------
@pytest.mark.django_db
def test_the_session_cookie_ends_with_the_browser(client, people, password, settings):
    response = client.post("/accounts/login/", {"username": "teacher", "password": password})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
