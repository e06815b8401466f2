"""End to end over real HTTP: the app on the live server, the stand-in portal as its own process.

Chromium goes from the app's sign-in button through the portal's sign-in and consent pages
and back; the first time the app asks for the local account once and binds, the second time
the portal alone gets in. Sign-out ends the portal session too (RP-initiated logout).
"""

import pytest
from playwright.sync_api import expect

from audit.models import AuditEntry
from sso.models import PortalIdentity
from sso.tokens import jwks_cache
from tests.sso.standin_process import CLIENT_ID, CLIENT_SECRET, start_standin

pytestmark = pytest.mark.django_db(transaction=True)

PORTAL_PASSWORD = "Portal-pass-2025"


@pytest.fixture(scope="session")
def standin_portal(tmp_path_factory, live_server):
    portal = start_standin(tmp_path_factory.mktemp("standin"), app_url=live_server.url)
    yield portal
    portal.stop()


@pytest.fixture
def portal_settings(settings, standin_portal):
    """Point the app at the stand-in process (its port is only known now)."""
    preset = standin_portal.preset
    settings.OIDC_PROVIDER = "standin"
    settings.OIDC_PROVIDER_LABEL = preset.label
    settings.OIDC_OP_ISSUER = preset.issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = preset.authorization_endpoint
    settings.OIDC_OP_TOKEN_ENDPOINT = preset.token_endpoint
    settings.OIDC_OP_USER_ENDPOINT = preset.userinfo_endpoint
    settings.OIDC_OP_JWKS_ENDPOINT = preset.jwks_endpoint
    settings.OIDC_OP_LOGOUT_ENDPOINT = preset.end_session_endpoint
    settings.OIDC_OP_EXTRA_CLAIMS_ENDPOINT = ""
    settings.OIDC_RP_SCOPES = preset.scopes
    settings.OIDC_CLAIM_ADAPTER = preset.adapter
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_TOKEN_USE_BASIC_AUTH = False
    settings.OIDC_POST_LOGOUT_REDIRECT_URI = ""
    jwks_cache.clear()
    return settings


def portal_account(username: str, fullname: str, school, title: str, email: str = "") -> dict:
    return {
        "username": username,
        "password": PORTAL_PASSWORD,
        "fullname": fullname,
        "email": email,
        "schoolid": school.code,
        "schools": {school.code: school.name},
        "titles": {school.code: [title]},
    }


def portal_sign_in(page, username: str, *, consent_expected: bool = False) -> None:
    """On the portal: sign in, then allow the consent screen (shown at least the first time)."""
    expect(page.get_by_text("雲端單一簽入服務")).to_be_visible()
    expect(page.get_by_test_id("going-to")).to_contain_text("校園差勤")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PORTAL_PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_load_state()
    if consent_expected:
        expect(page.get_by_text("要求以下資料的存取權限")).to_be_visible()
    if page.get_by_text("要求以下資料的存取權限").is_visible():
        scopes = page.get_by_test_id("consent-scopes")
        expect(scopes).to_contain_text("帳號：" + username)
        expect(scopes).to_contain_text("電子郵件")
        expect(scopes).to_contain_text("基本個人資料")
        page.get_by_role("button", name="確認授權").click()
        page.wait_for_load_state()


def test_portal_sign_in_binds_once_then_goes_straight_in(
    phone, live_server, people, password, standin_portal, portal_settings
):
    page = phone
    teacher = people["teacher"]
    school = people["school"]
    standin_portal.add_accounts([portal_account("kh-wang", "王老師", school, "教師", email="wang@kh.example")])

    # 1. The app's sign-in button sends the browser to the portal.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("portal-login").click()
    assert page.url.startswith(standin_portal.url)
    portal_sign_in(page, "kh-wang", consent_expected=True)

    # 2. Back at the app: not bound yet, so sign in once with the local account.
    expect(page.get_by_role("heading", name="您的入口網帳號尚未綁定")).to_be_visible()
    assert page.url == f"{live_server.url}/sso/bind/"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    bind_form = page.locator("form", has=page.locator("input[name=action][value=local]"))
    bind_form.locator("input[name=username]").fill("teacher")
    bind_form.locator("input[name=password]").fill(password)
    bind_form.get_by_role("button", name="登入並綁定").click()

    expect(page.get_by_test_id("signed-in-as")).to_contain_text("王老師")
    assert page.url.rstrip("/") == live_server.url
    identity = PortalIdentity.objects.get(user=teacher.user)
    assert identity.issuer == f"{standin_portal.url}/o"
    assert identity.bound_method == "local_password"
    assert AuditEntry.objects.filter(action="sso.bound", target_id=str(identity.pk)).exists()

    # 3. Sign out: the app's session ends, then the portal's (id_token_hint), back to our sign-in page.
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{standin_portal.url}/")
    expect(page.get_by_role("heading", name="登入")).to_be_visible()  # the portal asks again

    # 4. Second time: the portal alone gets in, no binding page.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("portal-login").click()
    portal_sign_in(page, "kh-wang")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("王老師")
    assert page.url.rstrip("/") == live_server.url
    assert PortalIdentity.objects.count() == 1
    identity.refresh_from_db()
    assert identity.last_login_at is not None


def test_a_student_of_the_school_is_refused(page, live_server, people, standin_portal, portal_settings):
    school = people["school"]
    standin_portal.add_accounts([portal_account("kh-student", "陳同學", school, "學生")])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("portal-login").click()
    portal_sign_in(page, "kh-student")
    expect(page.get_by_role("heading", name="學生帳號無法登入")).to_be_visible()
    assert not PortalIdentity.objects.exists()
    # Signing out of the portal from there lets another person use this browser.
    page.get_by_test_id("switch-portal-account").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("portal-login").click()
    expect(page.get_by_role("heading", name="登入")).to_be_visible()
    assert page.url.startswith(f"{standin_portal.url}/accounts/login/")


def test_the_demo_accounts_work_against_the_stand_in(
    page, live_server, people, standin_portal, portal_settings, tmp_path
):
    """sso/demo.py pre-binds some people: their portal accounts get straight in, the others bind."""
    from sso import demo

    portal_settings.STANDIN_PORTAL_ENABLED = True
    portal_settings.STANDIN_ACCOUNTS_FILE = tmp_path / "demo_accounts.json"
    demo.load(people["school"])
    standin_portal.manage("load_accounts", str(portal_settings.STANDIN_ACCOUNTS_FILE))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("portal-login").click()
    expect(page.get_by_text("kh-personnel")).to_be_attached()  # the portal lists its demo accounts
    page.fill("input[name=username]", "kh-personnel")
    page.fill("input[name=password]", demo.PORTAL_PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.get_by_role("button", name="確認授權").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("張人事")
