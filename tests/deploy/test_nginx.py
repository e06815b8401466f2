"""The README's production set-up, for real: Debian's nginx with the kit's site file (deploy/nginx/)
on loopback, in front of gunicorn (deploy/gunicorn.conf.py) running the documented production settings
against the test database. Clients are told apart by their real source address: A = 127.0.0.2,
B = 127.0.0.3 (all of 127/8 is loopback), exactly what nginx then forwards.

Five failed sign-ins from A lock A only; a teacher from B signs in; the clock-in network rule sees B;
the audit trail and the log lines record B.
"""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import urllib3
from django.conf import global_settings
from django.db import connection
from django.utils import timezone
from requests.adapters import HTTPAdapter

from attendance.models import Punch
from audit.models import AuditEntry
from tests.celery_worker import _database_url, wait_until
from tests.deploy.kit import ROOT, SITE, free_port, nginx_binary, nginx_unavailable_reason, production_env, render_nginx
from tests.factories import PASSWORD, make_standing_school

ADDRESS_A = "127.0.0.2"
ADDRESS_B = "127.0.0.3"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class FromAddress(HTTPAdapter):
    """Connections that leave from one loopback address, so nginx sees that client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


@pytest.fixture
def stack(tmp_path):
    """nginx (kit site file) → gunicorn (production settings) on free loopback ports; both stopped after."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL so that gunicorn sees the test database; CI uses it")
    reason = nginx_unavailable_reason()
    if reason:
        pytest.skip(reason)
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    static_root = tmp_path / "static"
    env = production_env(
        DATABASE_URL=_database_url(),
        CACHE_URL="",
        CELERY_BROKER_URL="",
        REDIS_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(static_root),
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        GUNICORN_WORKERS="2",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=900,  # minutes when the machine is busy
    )
    conf = render_nginx(tmp_path, http_port=http_port, https_port=https_port, app_port=app_port,
                        static_root=static_root)
    checked = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr

    app_log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=app_log, stderr=subprocess.STDOUT,
    )
    nginx = subprocess.Popen([nginx_binary(), "-p", str(tmp_path), "-c", str(conf)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"https://127.0.0.1:{https_port}"
    direct = requests.Session()
    direct.trust_env = False

    def healthy() -> bool:
        if gunicorn.poll() is not None or nginx.poll() is not None:
            raise RuntimeError(f"gunicorn or nginx exited:\n{(tmp_path / 'gunicorn.log').read_text()}")
        try:
            answer = direct.get(f"http://127.0.0.1:{http_port}/healthz", headers={"Host": SITE}, timeout=20)
            return answer.status_code == 200
        except requests.RequestException:  # not listening yet, or a worker still starting
            return False

    try:
        assert wait_until(healthy, timeout=180, interval=0.5), (tmp_path / "gunicorn.log").read_text()
        yield {"base": base, "http": f"http://127.0.0.1:{http_port}", "log": tmp_path / "gunicorn.log",
               "access_log": tmp_path / "campus.access.log"}
    finally:
        for proc in (nginx, gunicorn):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        app_log.close()


def browser(stack, address: str) -> requests.Session:
    """A client at ``address`` that talks to the site by its name, over HTTPS (self-signed: not verified)."""
    session = requests.Session()
    session.trust_env = False  # no proxy or CA bundle from the environment: straight to loopback
    session.mount("https://", FromAddress(address))
    session.mount("http://", FromAddress(address))
    session.verify = False
    session.headers.update({"Host": SITE, "Referer": f"https://{SITE}/accounts/login/"})
    return session


def sign_in(session: requests.Session, stack, username: str, password: str, **headers) -> requests.Response:
    page = session.get(f"{stack['base']}/accounts/login/", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        f"{stack['base']}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False, timeout=30, headers=headers,
    )


def post_form(session: requests.Session, stack, path: str, data: dict, *, page: str | None = None) -> requests.Response:
    """Open the page that holds the form (``page``, default ``path``), then post it like a browser."""
    form_page = session.get(f"{stack['base']}{page or path}", timeout=30)
    assert form_page.status_code == 200, form_page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.text).group(1)
    return session.post(f"{stack['base']}{path}", data={**data, "csrfmiddlewaretoken": token},
                        allow_redirects=False, timeout=30, headers={"Referer": f"https://{SITE}{page or path}"})


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_behind_nginx_lockout_network_rule_and_audit_see_the_client(stack, settings):
    urllib3.disable_warnings()
    people = make_standing_school()
    # The tests' fast hasher is not among production's: the teacher's password hashed as production does.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    teacher = people["teacher"].user
    teacher.set_password(PASSWORD)
    teacher.save(update_fields=["password"])
    school = people["school"]
    school.enforce_punch_networks = True
    school.punch_networks = f"{ADDRESS_B}/32"
    school.save()

    # Plain HTTP is moved to HTTPS (SECURE_SSL_REDIRECT / nginx); HTTPS pages carry HSTS and the CSP.
    plain = browser(stack, ADDRESS_A).get(f"{stack['http']}/accounts/login/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"].startswith(f"https://{SITE}/")
    a = browser(stack, ADDRESS_A)
    login_page = a.get(f"{stack['base']}/accounts/login/", timeout=30)
    assert "max-age=31536000" in login_page.headers["Strict-Transport-Security"]
    assert "unsafe-inline" not in login_page.headers["Content-Security-Policy"]
    css = re.search(r'href="(/static/[^"]+\.css)"', login_page.text).group(1)
    assert a.get(f"{stack['base']}{css}", timeout=30).status_code == 200  # nginx serves collected static files

    # Five failed sign-ins from A, each claiming (in X-Forwarded-For) to be B: A is locked, A only.
    answers = [sign_in(a, stack, "teacher", "wrong-password", **{"X-Forwarded-For": ADDRESS_B}).status_code
               for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert sign_in(a, stack, "teacher", PASSWORD).status_code == 429

    # The teacher at B signs in, punches in (the rule allows only B), and asks for a forgotten punch.
    b = browser(stack, ADDRESS_B)
    signed_in = sign_in(b, stack, "teacher", PASSWORD, **{"X-Forwarded-For": ADDRESS_A})
    assert signed_in.status_code == 302, signed_in.text[:500]
    session_cookie = next(c for c in b.cookies if c.name == "sessionid")
    assert session_cookie.secure and session_cookie.expires is None  # HTTPS-only, ends with the browser

    punched = post_form(b, stack, "/attendance/punch/", {"kind": "in"}, page="/attendance/")
    assert punched.status_code == 302
    punch = Punch.objects.get(staff=people["teacher"])
    assert punch.source_ip == ADDRESS_B

    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    asked = post_form(b, stack, "/attendance/corrections/new/",
                      {"date": yesterday, "kind": "out", "time": "17:00", "reason": "忘記刷下班卡"})
    assert asked.status_code == 302, asked.text[:2000]
    entry = AuditEntry.objects.get(action="attendance.correction_requested")
    assert entry.ip_address == ADDRESS_B
    assert entry.actor == people["teacher"].user

    # One request followed through both logs by its id: nginx's access log and the app's lines.
    assert wait_until(lambda: f"request={entry.request_id}" in stack["access_log"].read_text(), timeout=10)
    app_lines = [line for line in stack["log"].read_text().splitlines() if f"request={entry.request_id}" in line]
    assert any("user=teacher" in line and f"school={school.pk}" in line and f"ip={ADDRESS_B}" in line
               for line in app_lines), app_lines
