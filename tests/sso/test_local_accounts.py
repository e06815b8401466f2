"""Local accounts: sign-in, rate limiting with an unlock path, password reset by email, sign-out."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.utils import timezone

from audit.models import AuditEntry
from tests.sso.oidc_provider import (
    bound_identity,
    finish_flow,
    sign_in_through_portal,
    signed_in_user_ids,
    start_flow,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def login(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


# --- sign-in -----------------------------------------------------------------------------
def test_sign_in_rotates_the_session(client, people, password):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    response = login(client, "teacher", password)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(people["teacher"].user.pk)
    assert client.session.session_key != before


def test_next_only_to_this_site(client, people, password):
    assert login(client, "teacher", password, next="https://evil.example/")["Location"] == "/"
    client.post("/accounts/logout/")
    assert login(client, "teacher", password, next="/notifications/")["Location"] == "/notifications/"


def test_sign_in_page_offers_the_portal_with_next(client, settings):
    html = client.get(LOGIN, {"next": "/notifications/"}).content.decode()
    assert 'data-testid="portal-login"' in html
    assert "/oidc/authenticate/?next=%2Fnotifications%2F" in html
    settings.OIDC_RP_CLIENT_ID = ""
    assert 'data-testid="portal-login"' not in client.get(LOGIN).content.decode()


def test_portal_button_without_a_configured_portal_explains(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    response = client.get("/oidc/authenticate/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "尚未設定入口網登入" in response.content.decode()


# --- rate limiting (django-axes) ----------------------------------------------------------
def login_from(client, address: str, username: str, password: str):
    """A sign-in through one trusted proxy (REMOTE_ADDR) for the client at ``address``."""
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address
    )


def fail(client, username: str, times: int) -> None:
    for _ in range(times):
        login(client, username, "wrong-password")


SPRAYED = ["teacher", "head", "otherhead", "otherteacher", "academic", "unit_head_b"]


def spray(client, settings) -> None:
    """AXES_ADDRESS_FAILURE_LIMIT wrong passwords from one address, spread over accounts so that no
    account reaches its own limit: only the address limit can lock."""
    per_account = settings.AXES_FAILURE_LIMIT - 1
    assert per_account * len(SPRAYED) >= settings.AXES_ADDRESS_FAILURE_LIMIT
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        login(client, SPRAYED[n // per_account], "wrong-password")


def test_five_failures_lock_the_account_with_a_clear_message(client, people, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "teacher", "wrong-password").status_code == 200
    response = login(client, "teacher", "wrong-password")
    assert response.status_code == 429
    assert "登入失敗次數過多" in response.content.decode()
    assert "人事室" in response.content.decode()

    response = login(client, "teacher", password)  # even the right password, while locked
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lock_lifts_after_the_cool_off(client, people, password, settings):
    fail(client, "teacher", settings.AXES_FAILURE_LIMIT)
    with time_machine.travel(timezone.localtime() + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)):
        assert login(client, "teacher", password).status_code == 302


def test_a_successful_sign_in_does_not_wipe_other_accounts_failures(client, people, password, settings):
    """axes' reset-on-success would clear every failure from the address; we let them expire instead."""
    fail(client, "teacher", settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "otherteacher", password).status_code == 302
    client.post("/accounts/logout/")
    assert login(client, "teacher", "wrong-password").status_code == 429


def test_failures_from_one_address_lock_every_account_from_it(client, people, password, settings):
    spray(client, settings)
    assert login(client, "principal", password).status_code == 429


def test_an_account_is_locked_from_the_failing_address_only(client, people, password, settings):
    """Nobody can lock a colleague (or every account of a school) out from their own machine."""
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, "198.51.100.7", "teacher", "wrong-password")
    assert login_from(client, "198.51.100.7", "teacher", password).status_code == 429
    assert login_from(client, "203.64.10.5", "teacher", password).status_code == 302
    client.post("/accounts/logout/")
    # ... and the failing address may still sign in to other accounts until the address limit.
    assert login_from(client, "198.51.100.7", "head", password).status_code == 302


def test_the_address_limit_counts_failures_over_accounts(client, people, password, settings):
    """One address spreading guesses over every account is stopped at AXES_ADDRESS_FAILURE_LIMIT."""
    settings.TRUSTED_PROXY_COUNT = 1
    per_account = settings.AXES_FAILURE_LIMIT - 1
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        login_from(client, "198.51.100.7", SPRAYED[n // per_account], "wrong-password")
    assert login_from(client, "198.51.100.7", "principal", password).status_code == 302
    client.post("/accounts/logout/")
    login_from(client, "198.51.100.7", SPRAYED[-1], "wrong-password")
    assert login_from(client, "198.51.100.7", "principal", password).status_code == 429
    assert login_from(client, "203.64.10.5", "principal", password).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, people, password, settings):
    """Left at 0 proxies, X-Forwarded-For is the client's own claim: rotating it does not escape a lock."""
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "teacher", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post(LOGIN, {"username": "teacher", "password": password}, HTTP_X_FORWARDED_FOR="203.64.10.5")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_personnel_see_and_unlock_a_locked_account(client, client_for, people, password, settings):
    fail(client, "teacher", settings.AXES_FAILURE_LIMIT)
    staff_client = client_for(people["personnel"])

    page = staff_client.get("/sso/lockouts/")
    assert page.status_code == 200
    assert "王老師" in page.content.decode()

    response = staff_client.post(f"/sso/lockouts/{people['teacher'].pk}/unlock/")
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="teacher").exists()
    entry = AuditEntry.objects.get(action="sso.unlocked")
    assert entry.actor == people["personnel"].user and entry.data["username"] == "teacher"

    staff_client.post("/accounts/logout/")
    assert login(staff_client, "teacher", password).status_code == 302


def test_personnel_unlock_an_address(client, client_for, people, password, settings):
    spray(client, settings)
    staff_client = client_for(people["personnel"])
    assert "127.0.0.1" in staff_client.get("/sso/lockouts/").content.decode()
    staff_client.post("/sso/lockouts/address/", {"ip_address": "127.0.0.1"})
    assert not AccessAttempt.objects.exists()
    staff_client.post("/accounts/logout/")
    assert login(staff_client, "principal", password).status_code == 302


@pytest.mark.parametrize("who", ["teacher", "unit_head", "principal"])
def test_only_personnel_open_the_lockouts_page(client_for, people, who):
    assert client_for(people[who]).get("/sso/lockouts/").status_code == 403


def test_personnel_of_another_school_neither_see_nor_unlock(client, client_for, people, settings):
    fail(client, "teacher", settings.AXES_FAILURE_LIMIT)
    outsider = client_for(people["outsider"])
    assert "王老師" not in outsider.get("/sso/lockouts/").content.decode()
    assert outsider.post(f"/sso/lockouts/{people['teacher'].pk}/unlock/").status_code == 404
    assert outsider.post("/sso/lockouts/address/", {"ip_address": "127.0.0.1"}).status_code == 404
    assert AccessAttempt.objects.filter(username="teacher").exists()


def test_a_locked_address_still_signs_in_through_the_portal(client, people, password, provider, signing_key, settings):
    """The portal checked the password; a local lockout (a school behind one NAT) must not block it."""
    spray(client, settings)
    assert login(client, "teacher", password).status_code == 429
    bound_identity(people["teacher"], "sub-teacher")
    attempts_before = AccessAttempt.objects.count()
    response, _token = sign_in_through_portal(client, provider, signing_key, sub="sub-teacher")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(people["teacher"].user.pk)
    # ... and a failed portal sign-in does not count toward the address lockout either.
    client.post("/accounts/logout/")
    flow = start_flow(client)
    finish_flow(client, flow, state="forged")
    assert AccessAttempt.objects.count() == attempts_before


# --- password reset by email ----------------------------------------------------------------
def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_password_reset_by_email_with_a_one_time_link(client, people):
    response = client.post("/accounts/password/reset/", {"email": "teacher@example.test"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["teacher@example.test"]
    assert "重設密碼" in mail.outbox[0].subject
    link = reset_link()

    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    assert "設定新密碼" in form_page.content.decode()

    weak = client.post(set_password_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert weak.context["form"].errors["new_password2"]  # Django's password validators

    done = client.post(set_password_url, {"new_password1": "Kaohsiung-2025-新", "new_password2": "Kaohsiung-2025-新"})
    assert done.status_code == 302
    assert login(client, "teacher", "Kaohsiung-2025-新").status_code == 302

    # The link worked once; now it is spent.
    client.post("/accounts/logout/")
    again = client.get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in again.content.decode()


def test_password_reset_link_expires(client, people, settings):
    client.post("/accounts/password/reset/", {"email": "teacher@example.test"})
    link = reset_link()
    with time_machine.travel(timezone.localtime() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
        page = client.get(link, follow=True)
    assert 'data-testid="reset-link-invalid"' in page.content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client, people):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"}, follow=True)
    assert "如果這個電子郵件有對應的帳號" in response.content.decode()
    assert mail.outbox == []


# --- sign-out --------------------------------------------------------------------------------
def test_sign_out_after_a_portal_sign_in_goes_to_the_end_session_endpoint(client, people, provider, signing_key):
    bound_identity(people["teacher"], "sub-teacher")
    _response, token = sign_in_through_portal(client, provider, signing_key, sub="sub-teacher")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://portal.test.example/logout"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert signed_in_user_ids() == []


def test_sign_out_of_a_local_account_stays_here(client, people, password):
    login(client, "teacher", password)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert signed_in_user_ids() == []


def test_sign_out_is_a_post(client_for, people):
    client = client_for(people["teacher"])
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_ids() == [str(people["teacher"].user.pk)]


# --- password reset: rate limited, the same answer for everyone -----------------------------------
RESET = "/accounts/password/reset/"


def ask_reset(client, email: str, address: str = "203.64.10.5"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)


def test_password_reset_links_to_one_address_are_limited(client, people, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limit = settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    answers = [ask_reset(client, "Teacher@Example.test", f"203.64.10.{n}") for n in range(limit + 2)]
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    # Over the limit the answer is the same page as any request's.
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, "/accounts/password/reset/sent/")}


def test_password_reset_requests_from_one_client_are_limited(client, people, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        ask_reset(client, f"nobody{n}@example.test", "198.51.100.7")
    answer = ask_reset(client, "teacher@example.test", "198.51.100.7")
    assert (answer.status_code, answer["Location"]) == (302, "/accounts/password/reset/sent/")
    assert mail.outbox == []
    # Another client is not affected.
    ask_reset(client, "teacher@example.test", "203.64.10.5")
    assert [m.to for m in mail.outbox] == [["teacher@example.test"]]


def test_password_reset_limits_answer_alike_for_known_and_unknown_addresses(client, people, settings):
    """Unknown addresses are counted like known ones, so neither the answers nor a limit reveal which exist."""
    settings.TRUSTED_PROXY_COUNT = 1

    def answers(email: str, network: str) -> list[tuple[int, str]]:
        tries = range(settings.PASSWORD_RESET_LIMIT_PER_EMAIL + 2)
        return [(r.status_code, r["Location"]) for r in (ask_reset(client, email, f"{network}.{n}") for n in tries)]

    assert answers("teacher@example.test", "203.64.11") == answers("nobody@example.test", "203.64.12")
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL
