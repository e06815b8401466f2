"""sso/demo.py: stand-in portal accounts for the demo school, some bound, some not."""

import json

import pytest

from audit.models import AuditEntry
from sso import demo
from sso.models import PortalIdentity
from sso.standin.subjects import pairwise_sub

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.OIDC_PROVIDER = "standin"
    settings.STANDIN_PORTAL_ENABLED = True
    settings.STANDIN_ACCOUNTS_FILE = tmp_path / "standin" / "demo_accounts.json"
    return settings


def test_load_writes_portal_accounts_and_binds_some(people, demo_settings):
    demo.load(people["school"])
    demo.load(people["school"])  # idempotent

    accounts = json.loads(demo_settings.STANDIN_ACCOUNTS_FILE.read_text(encoding="utf-8"))
    notes = {a["username"]: a["note"] for a in accounts}
    assert notes["kh-personnel"] == "已綁定"
    assert list(notes.values()).count("已綁定") == 2 and list(notes.values()).count("尚未綁定") == 2
    assert any("學生" in n for n in notes.values()) and any("他校" in n for n in notes.values())
    assert len(accounts) == 6

    bound = PortalIdentity.objects.filter(user__isnull=False)
    assert bound.count() == 2
    personnel = bound.get(user=people["personnel"].user)
    assert personnel.issuer == demo_settings.OIDC_OP_ISSUER
    assert personnel.sub == pairwise_sub("kh-personnel", demo_settings.OIDC_RP_CLIENT_ID)
    assert AuditEntry.objects.filter(action="sso.bound").count() == 2


def test_sign_in_help_names_the_accounts(people, demo_settings):
    demo.load(people["school"])
    help_text = demo.sign_in_help()
    assert "portal-demo" in help_text
    assert "kh-personnel" in help_text and "直接進入" in help_text
    assert "完成綁定" in help_text


def test_nothing_to_load_with_a_real_portal(people, settings, tmp_path):
    settings.OIDC_PROVIDER = "kh"
    settings.STANDIN_ACCOUNTS_FILE = tmp_path / "demo_accounts.json"
    demo.load(people["school"])
    assert not settings.STANDIN_ACCOUNTS_FILE.exists()
    assert not PortalIdentity.objects.exists()
