"""The portal callback over real HTTP: the happy path, then one test per way it must fail.

Every failure test asserts the same three things: the person sees the failure (or refusal)
page, the reason is logged by the "sso.signin" logger, and no signed-in session exists.
"""

import time

import pytest
from django.contrib.auth import SESSION_KEY

from audit.models import AuditEntry
from sso.models import PortalIdentity
from staff.models import School
from tests.sso.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    SCHOOL_CODE,
    bound_identity,
    finish_flow,
    id_token,
    kh_claims,
    pkce_s256,
    public_jwk,
    serve,
    signed_in_user_ids,
    sso_reasons,
    start_flow,
)

pytestmark = pytest.mark.django_db

SUB = "pairwise-sub-0001"


@pytest.fixture
def bound_teacher(people):
    bound_identity(people["teacher"], SUB)
    return people["teacher"]


def assert_failed(client, response, caplog, reason: str) -> None:
    assert response.status_code == 400
    assert "登入失敗，請再試一次" in response.content.decode()
    assert reason in sso_reasons(caplog), sso_reasons(caplog)
    assert SESSION_KEY not in client.session
    assert "oidc_id_token" not in client.session
    assert signed_in_user_ids() == []


# --- the happy path -------------------------------------------------------------
def test_bound_identity_signs_in_with_pkce_and_rotated_session(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client, next_url="/notifications/")
    assert flow.redirect_uri == "http://testserver/oidc/callback/"
    before = client.session.session_key
    token = id_token(signing_key, nonce=flow.nonce, sub=SUB)
    serve(provider, token)

    response = finish_flow(client, flow)

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert client.session[SESSION_KEY] == str(bound_teacher.user.pk)
    assert client.session.session_key != before  # rotated at sign-in
    assert client.session["oidc_id_token"] == token
    # PKCE S256 and client_secret_post reached the token endpoint.
    form = provider.token_requests[0]["form"]
    assert pkce_s256(form["code_verifier"]) == flow.code_challenge
    assert form["client_id"] == CLIENT_ID and form["client_secret"] == CLIENT_SECRET
    assert provider.userinfo_requests == [{"authorization": "Bearer access-1"}]
    assert "signed_in" in sso_reasons(caplog)
    identity = PortalIdentity.objects.get(sub=SUB)
    assert identity.last_login_at is not None
    assert identity.claims["kh_profile"]["schoolid"] == SCHOOL_CODE


def test_client_secret_basic_when_configured(client, provider, signing_key, bound_teacher, settings):
    settings.OIDC_TOKEN_USE_BASIC_AUTH = True
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert finish_flow(client, flow).status_code == 302
    request = provider.token_requests[0]
    assert request["authorization"].startswith("Basic ")
    assert "client_secret" not in request["form"]


def test_name_email_and_title_follow_the_portal(client, provider, signing_key, bound_teacher):
    flow = start_flow(client)
    claims = kh_claims(sub=SUB, name="王大明", email="daming@kh.example", titles={SCHOOL_CODE: ["教師", "導師"]})
    serve(provider, id_token(signing_key, nonce=flow.nonce, **claims), userinfo=claims)

    assert finish_flow(client, flow).status_code == 302

    bound_teacher.refresh_from_db()
    bound_teacher.user.refresh_from_db()
    assert (bound_teacher.name, bound_teacher.email, bound_teacher.title) == (
        "王大明",
        "daming@kh.example",
        "教師、導師",
    )
    assert bound_teacher.user.email == "daming@kh.example"
    entry = AuditEntry.objects.get(action="sso.profile_refreshed")
    assert entry.data["name"] == ["王老師", "王大明"]


def test_an_empty_portal_email_keeps_ours(client, provider, signing_key, bound_teacher):
    flow = start_flow(client)
    claims = kh_claims(sub=SUB, email="")
    serve(provider, id_token(signing_key, nonce=flow.nonce, **claims), userinfo=claims)
    assert finish_flow(client, flow).status_code == 302
    bound_teacher.refresh_from_db()
    assert bound_teacher.email == "teacher@example.test"


def test_userinfo_is_optional(client, provider, signing_key, bound_teacher, settings):
    """The Kaohsiung ID token may carry everything; without userinfo the token's claims suffice."""
    settings.OIDC_OP_USER_ENDPOINT = ""
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert finish_flow(client, flow).status_code == 302
    assert provider.userinfo_requests == []


def test_next_to_another_site_is_dropped(client, provider, signing_key, bound_teacher):
    flow = start_flow(client, next_url="https://evil.example/")
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert finish_flow(client, flow)["Location"] == "/"


def test_ministry_provider_with_eduinfo_and_a_kid_less_token(client, provider, signing_key, people, settings):
    """The Ministry's shape: no kid, eduinfo from its resource endpoint, titles per school."""
    settings.OIDC_CLAIM_ADAPTER = "moe"
    settings.OIDC_OP_EXTRA_CLAIMS_ENDPOINT = f"{provider.base_url}/eduinfo"
    teacher = people["teacher"]
    bound_identity(teacher, "moe-sub")
    flow = start_flow(client)
    person = {"sub": "moe-sub", "name": "王老師", "email": "wang@mail.edu.tw"}
    token = id_token(signing_key, nonce=flow.nonce, kid=None, drop=("kh_profile", "kh_titles"), **person)
    serve(provider, token, userinfo=person)
    provider.eduinfo = {
        "sub": "moe-sub",
        "schoolid": SCHOOL_CODE,
        "titles": [{"schoolid": SCHOOL_CODE, "titles": ["教師", "導師"]}],
        "classinfo": [],
    }

    assert finish_flow(client, flow).status_code == 302

    assert client.session[SESSION_KEY] == str(teacher.user.pk)
    teacher.refresh_from_db()
    assert teacher.title == "教師、導師" and teacher.email == "wang@mail.edu.tw"


def test_ministry_student_is_refused(client, provider, signing_key, people, settings, caplog):
    settings.OIDC_CLAIM_ADAPTER = "moe"
    settings.OIDC_OP_EXTRA_CLAIMS_ENDPOINT = f"{provider.base_url}/eduinfo"
    flow = start_flow(client)
    person = {"sub": "moe-student", "name": "陳同學", "email": ""}
    serve(
        provider, id_token(signing_key, nonce=flow.nonce, drop=("kh_profile", "kh_titles"), **person), userinfo=person
    )
    provider.eduinfo = {"sub": "moe-student", "schoolid": SCHOOL_CODE, "titles": [], "classinfo": [{"grade": 1}]}
    assert finish_flow(client, flow).status_code == 403
    assert "student" in sso_reasons(caplog)
    assert not PortalIdentity.objects.exists()


def test_clock_skew_within_sixty_seconds_is_accepted(client, provider, signing_key, bound_teacher):
    flow = start_flow(client)
    now = int(time.time())
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, iat=now + 30, exp=now - 30))
    assert finish_flow(client, flow).status_code == 302
    assert client.session[SESSION_KEY] == str(bound_teacher.user.pk)


def test_rotated_key_is_found_after_one_refetch(client, provider, signing_key, other_key, bound_teacher):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert finish_flow(client, flow).status_code == 302  # JWKS cached with key-1
    client.post("/accounts/logout/")

    provider.jwks = {"keys": [public_jwk(signing_key, "key-1"), public_jwk(other_key, "key-2")]}
    flow = start_flow(client)
    serve(provider, id_token(other_key, nonce=flow.nonce, kid="key-2", sub=SUB))
    assert finish_flow(client, flow).status_code == 302
    assert provider.jwks_hits == 2


def test_token_without_kid_is_accepted_when_the_jwks_has_one_key(client, provider, signing_key, bound_teacher):
    """The Ministry signs RS256 without kid."""
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, kid=None, sub=SUB))
    assert finish_flow(client, flow).status_code == 302


def test_unbound_identity_goes_to_the_binding_page(client, provider, signing_key, people, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))

    response = finish_flow(client, flow)

    assert response.status_code == 302 and response["Location"] == "/sso/bind/"
    assert signed_in_user_ids() == []
    identity = PortalIdentity.objects.get(sub=SUB)
    assert identity.user is None and identity.school == people["school"]
    assert "unbound" in sso_reasons(caplog)


# --- one test per failure -------------------------------------------------------------
def test_bad_signature(client, provider, signing_key, other_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(other_key, nonce=flow.nonce, kid="key-1", sub=SUB))
    assert_failed(client, finish_flow(client, flow), caplog, "bad_signature")


def test_alg_none(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(None, nonce=flow.nonce, alg="none", sub=SUB))
    assert_failed(client, finish_flow(client, flow), caplog, "alg_not_allowed")


def test_hs256_signed_with_the_client_secret(client, provider, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(CLIENT_SECRET * 3, nonce=flow.nonce, alg="HS256", sub=SUB))
    assert_failed(client, finish_flow(client, flow), caplog, "alg_not_allowed")


def test_wrong_issuer(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, iss="https://portal.test.example"))
    assert_failed(client, finish_flow(client, flow), caplog, "wrong_issuer")


def test_wrong_audience(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, aud="another-app"))
    assert_failed(client, finish_flow(client, flow), caplog, "wrong_audience")


def test_several_audiences_need_our_azp(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, aud=[CLIENT_ID, "another-app"]))
    assert_failed(client, finish_flow(client, flow), caplog, "wrong_azp")


def test_several_audiences_with_our_azp_are_accepted(client, provider, signing_key, bound_teacher):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, aud=[CLIENT_ID, "another-app"], azp=CLIENT_ID))
    assert finish_flow(client, flow).status_code == 302


@pytest.mark.parametrize("claim", ["sub", "iat"])
def test_missing_required_claim(client, provider, signing_key, bound_teacher, caplog, claim):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, drop=(claim,)))
    assert_failed(client, finish_flow(client, flow), caplog, "missing_claim")
    assert any(getattr(r, "sso_detail", None) == claim for r in caplog.records)


def test_expired(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    now = int(time.time())
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, iat=now - 600, exp=now - 61))
    assert_failed(client, finish_flow(client, flow), caplog, "expired")


def test_issued_in_the_future_beyond_the_skew(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    now = int(time.time())
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, iat=now + 120, exp=now + 600))
    assert_failed(client, finish_flow(client, flow), caplog, "issued_in_future")


def test_nonce_mismatch(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce="not-the-nonce-we-sent", sub=SUB))
    assert_failed(client, finish_flow(client, flow), caplog, "nonce_mismatch")


def test_state_mismatch(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert_failed(client, finish_flow(client, flow, state="forged-state"), caplog, "state_mismatch")
    assert provider.token_requests == []  # never exchanged a code for a state we did not issue


def test_state_replay(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    assert finish_flow(client, flow).status_code == 302
    client.post("/accounts/logout/")
    assert_failed(client, finish_flow(client, flow), caplog, "state_mismatch")


def test_unknown_kid_after_refetch(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB, kid="key-nobody-published"))
    assert_failed(client, finish_flow(client, flow), caplog, "unknown_kid")
    assert provider.jwks_hits == 2  # the cached fetch, then exactly one refetch


def test_token_without_kid_is_refused_when_the_jwks_has_several_keys(
    client, provider, signing_key, other_key, bound_teacher, caplog
):
    provider.jwks = {"keys": [public_jwk(signing_key, "key-1"), public_jwk(other_key, "key-2")]}
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, kid=None, sub=SUB))
    assert_failed(client, finish_flow(client, flow), caplog, "kid_missing")


def test_userinfo_sub_mismatch(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB), userinfo=kh_claims(sub="someone-else"))
    assert_failed(client, finish_flow(client, flow), caplog, "userinfo_sub_mismatch")


def test_token_endpoint_error(client, provider, signing_key, bound_teacher, caplog):
    flow = start_flow(client)
    provider.token_response = None  # 400 invalid_grant
    assert_failed(client, finish_flow(client, flow), caplog, "token_endpoint_error")


def test_provider_unreachable(client, provider, signing_key, bound_teacher, caplog, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # discard port: connection refused
    flow = start_flow(client)
    assert_failed(client, finish_flow(client, flow), caplog, "provider_unreachable")


def test_person_cancels_at_the_portal(client, provider, bound_teacher, caplog):
    flow = start_flow(client)
    response = client.get("/oidc/callback/", {"error": "access_denied", "state": flow.state})
    assert_failed(client, response, caplog, "provider_error")
    assert "取消了授權" in response.content.decode()


def test_unknown_school_is_refused_and_nothing_is_created(client, provider, signing_key, people, caplog):
    flow = start_flow(client)
    claims = kh_claims(sub="sub-of-another-city-school", school="999999")
    serve(provider, id_token(signing_key, nonce=flow.nonce, **claims), userinfo=claims)
    schools_before = School.objects.count()

    response = finish_flow(client, flow)

    assert response.status_code == 403
    assert "您的學校沒有使用本系統" in response.content.decode()
    assert "unknown_school" in sso_reasons(caplog)
    assert signed_in_user_ids() == [] and SESSION_KEY not in client.session
    assert PortalIdentity.objects.count() == 0
    assert School.objects.count() == schools_before


def test_student_is_refused_and_nothing_is_created(client, provider, signing_key, people, caplog):
    flow = start_flow(client)
    claims = kh_claims(sub="student-sub", name="陳同學", titles={SCHOOL_CODE: ["學生"]})
    serve(provider, id_token(signing_key, nonce=flow.nonce, **claims), userinfo=claims)

    response = finish_flow(client, flow)

    assert response.status_code == 403
    assert "學生帳號無法登入" in response.content.decode()
    assert "student" in sso_reasons(caplog)
    assert signed_in_user_ids() == [] and SESSION_KEY not in client.session
    assert PortalIdentity.objects.count() == 0
    # Still signed in at the portal: the page offers to sign out there (with the ID token as hint).
    assert response.context["switch_url"].startswith("https://portal.test.example/logout?id_token_hint=")


def test_inactive_staff_is_refused(client, provider, signing_key, bound_teacher, caplog):
    bound_teacher.is_active = False
    bound_teacher.save()
    flow = start_flow(client)
    serve(provider, id_token(signing_key, nonce=flow.nonce, sub=SUB))
    response = finish_flow(client, flow)
    assert response.status_code == 403
    assert "inactive" in sso_reasons(caplog)
    assert signed_in_user_ids() == []


def test_moved_to_another_school_is_refused(client, provider, signing_key, bound_teacher, people, caplog):
    other = people["outsider"].school
    flow = start_flow(client)
    claims = kh_claims(sub=SUB, school=other.code)
    serve(provider, id_token(signing_key, nonce=flow.nonce, **claims), userinfo=claims)
    assert finish_flow(client, flow).status_code == 403
    assert "school_changed" in sso_reasons(caplog)
    assert signed_in_user_ids() == []
