"""One notion of the client's address (common/client.py) for the lockout, the network rule, the audit
trail and the logs; the request id that ties a request's log lines and audit entries together."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory

from attendance.models import Punch
from audit.models import AuditEntry
from common.client import client_ip, resolve_client_ip

PROXY = "127.0.0.1"
TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.mark.parametrize(
    ("count", "trusted", "remote", "forwarded", "expected"),
    [
        # No proxy configured: the header is the client's own claim and is ignored.
        (0, [], "198.51.100.9", "203.64.10.5", "198.51.100.9"),
        (0, [], "198.51.100.9", None, "198.51.100.9"),
        # One proxy: the right-most entry is what the proxy saw; anything left of it is a claim.
        (1, [], PROXY, "203.64.10.5", "203.64.10.5"),
        (1, [], PROXY, "10.1.1.1, 203.64.10.5", "203.64.10.5"),
        (1, [], PROXY, "10.1.1.1,203.64.10.5 ", "203.64.10.5"),
        # A request that did not pass through the proxy: the connection's address.
        (1, [], "198.51.100.10", None, "198.51.100.10"),
        (1, [], "198.51.100.10", "", "198.51.100.10"),
        # Two proxies in a row: the second entry from the right.
        (2, [], "10.0.0.3", "1.2.3.4, 203.64.10.5, 10.0.0.2", "203.64.10.5"),
        (2, [], "10.0.0.3", "203.64.10.5", "10.0.0.3"),
        # Only the listed proxies' headers are read.
        (1, ["127.0.0.0/8", "10.0.0.0/8"], PROXY, "203.64.10.5", "203.64.10.5"),
        (1, ["10.0.0.0/8"], "198.51.100.10", "203.64.10.5", "198.51.100.10"),
        # Garbage from the proxy position is no address at all (never the proxy's own).
        (1, [], PROXY, "not-an-address", None),
        (1, [], PROXY, "203.64.10.5, 203.64.10.999", None),
        # An IPv4 client seen through a dual-stack socket, and IPv6.
        (0, [], "::ffff:203.64.10.5", None, "203.64.10.5"),
        (1, [], "::1", "2001:db8:10::5", "2001:db8:10::5"),
    ],
)
def test_resolve_client_ip(settings, count, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXY_ADDRESSES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert resolve_client_ip(meta) == expected
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected


def test_production_default_trusts_one_proxy_when_behind_one(monkeypatch):
    """BEHIND_PROXY=1 alone (the README's production set-up) reads the proxy's X-Forwarded-For."""
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("BEHIND_PROXY", "1")
    for name in ("TRUSTED_PROXY_COUNT", "ATTENDANCE_TRUSTED_PROXY_COUNT", "AXES_PROXY_COUNT"):
        monkeypatch.delenv(name, raising=False)
    try:
        assert importlib.reload(settings_module).TRUSTED_PROXY_COUNT == 1
        monkeypatch.setenv("BEHIND_PROXY", "0")
        assert importlib.reload(settings_module).TRUSTED_PROXY_COUNT == 0
        monkeypatch.setenv("ATTENDANCE_TRUSTED_PROXY_COUNT", "2")  # the earlier name still counts
        assert importlib.reload(settings_module).TRUSTED_PROXY_COUNT == 2
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


@pytest.mark.django_db
def test_lockout_network_rule_and_audit_see_the_same_address(client, client_for, people, settings):
    """Through one trusted proxy, the failed sign-in, the punch and the audit entry all record the client."""
    settings.TRUSTED_PROXY_COUNT = 1
    school = people["school"]
    school.enforce_punch_networks = True
    school.punch_networks = "203.64.10.0/24"
    school.save()
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.64.10.7"}

    client.post("/accounts/login/", {"username": "teacher", "password": "wrong"}, **via_proxy)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.64.10.7"]

    teacher = client_for(people["teacher"])
    with time_machine.travel(dt.datetime(2025, 3, 3, 7, 55, tzinfo=TAIPEI), tick=False):  # a Monday morning
        teacher.post("/attendance/punch/", {"kind": "in"}, **via_proxy)
    assert Punch.objects.get().source_ip == "203.64.10.7"

    personnel = client_for(people["personnel"])
    response = personnel.post(f"/sso/lockouts/{people['teacher'].pk}/unlock/", **via_proxy)
    entry = AuditEntry.objects.get(action="sso.unlocked")
    assert entry.ip_address == "203.64.10.7"
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert kept["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert replaced["X-Request-ID"] != "bad id\nwith newline"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_log_lines_carry_request_user_school_and_address(client_for, people, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    caplog.set_level(logging.INFO, logger="campus.request")
    client = client_for(people["teacher"])
    response = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.64.10.7")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "campus.request"]
    from common.request_context import RequestContextFilter

    line = formatter.format(record)
    assert record.request_id == response["X-Request-ID"]  # set while the request ran
    assert f"request={response['X-Request-ID']}" in line
    assert "user=teacher" in line
    assert f"school={people['school'].pk}" in line
    assert "ip=203.64.10.7" in line
    assert "GET / 200" in line
    # Outside a request every field reads "-".
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "task ran", None, None)
    RequestContextFilter().filter(outside)
    assert "request=- user=- school=- ip=-" in formatter.format(outside)
