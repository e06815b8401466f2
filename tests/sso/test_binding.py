"""Binding a first-time portal identity to the local account (the flow staff already know)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from audit.models import AuditEntry
from sso.models import PortalIdentity, PortalPreRegistration, SchoolPortalPolicy
from tests.factories import make_staff
from tests.sso.oidc_provider import ISSUER, finish_flow, id_token, kh_claims, signed_in_user_ids, start_flow

pytestmark = pytest.mark.django_db

SUB = "pairwise-sub-0001"


def arrive_unbound(client, provider, signing_key, *, next_url=None, **claim_overrides):
    """Sign in through the portal with an identity the app has not bound yet: lands on /sso/bind/."""
    flow = start_flow(client, next_url=next_url)
    claims = kh_claims(**{"sub": SUB, **claim_overrides})
    provider.token_response = {
        "access_token": "access-1",
        "token_type": "Bearer",
        "id_token": id_token(signing_key, nonce=flow.nonce, **claims),
    }
    provider.userinfo = claims
    response = finish_flow(client, flow)
    assert response.status_code == 302 and response["Location"] == "/sso/bind/", response
    return PortalIdentity.objects.get(sub=claims["sub"])


def test_first_portal_sign_in_binds_with_the_local_account_then_portal_alone_gets_in(
    client, provider, signing_key, people, password
):
    teacher = people["teacher"]
    identity = arrive_unbound(client, provider, signing_key, next_url="/notifications/")

    page = client.get("/sso/bind/")
    assert page.status_code == 200
    assert "您的入口網帳號尚未綁定" in page.content.decode()
    assert signed_in_user_ids() == []
    pending_key = client.session.session_key

    response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": password})

    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.session[SESSION_KEY] == str(teacher.user.pk)
    assert client.session.session_key != pending_key
    assert client.session["oidc_id_token"]
    identity.refresh_from_db()
    assert identity.user == teacher.user and identity.bound_method == "local_password"
    entry = AuditEntry.objects.get(action="sso.bound")
    assert entry.actor == teacher.user
    assert entry.data["sub"] == SUB and entry.data["staff_id"] == teacher.pk
    assert entry.school == people["school"]

    # Next time the portal alone gets in.
    client.post("/accounts/logout/")
    flow = start_flow(client)
    provider.token_response["id_token"] = id_token(signing_key, nonce=flow.nonce, **kh_claims(sub=SUB))
    response = finish_flow(client, flow)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(teacher.user.pk)


def test_wrong_password_binds_nothing(client, provider, signing_key, people):
    identity = arrive_unbound(client, provider, signing_key)
    response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", code="invalid_login")
    identity.refresh_from_db()
    assert identity.user is None
    assert signed_in_user_ids() == []
    assert not AuditEntry.objects.filter(action="sso.bound").exists()


def test_account_of_another_school_cannot_be_bound(client, provider, signing_key, people, password):
    identity = arrive_unbound(client, provider, signing_key)
    response = client.post("/sso/bind/", {"action": "local", "username": "outsider", "password": password})
    assert response.status_code == 200
    assert "屬於其他學校" in response.content.decode()
    identity.refresh_from_db()
    assert identity.user is None
    assert signed_in_user_ids() == []


def test_account_already_bound_to_another_portal_identity(client, provider, signing_key, people, password):
    teacher = people["teacher"]
    PortalIdentity.objects.create(
        issuer=ISSUER,
        sub="older-sub",
        user=teacher.user,
        school=people["school"],
        bound_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        bound_method="local_password",
    )
    identity = arrive_unbound(client, provider, signing_key)
    response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": password})
    assert "請先解除原本的綁定" in response.content.decode()
    identity.refresh_from_db()
    assert identity.user is None
    assert signed_in_user_ids() == []


def test_the_pending_binding_expires(client, provider, signing_key, people, password, settings):
    arrive_unbound(client, provider, signing_key)
    with time_machine.travel(timezone.localtime() + dt.timedelta(seconds=settings.SSO_PENDING_BINDING_SECONDS + 5)):
        response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": password})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert PortalIdentity.objects.get(sub=SUB).user is None
    assert signed_in_user_ids() == []


def test_bind_page_without_a_portal_sign_in_goes_to_login(client, people):
    response = client.get("/sso/bind/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_next_after_binding_stays_on_this_site(client, provider, signing_key, people, password):
    arrive_unbound(client, provider, signing_key, next_url="https://evil.example/steal")
    response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": password})
    assert response.status_code == 302 and response["Location"] == "/"


def test_cancel_forgets_the_pending_identity(client, provider, signing_key, people, password):
    arrive_unbound(client, provider, signing_key)
    assert client.post("/sso/bind/", {"action": "cancel"})["Location"] == "/accounts/login/"
    response = client.post("/sso/bind/", {"action": "local", "username": "teacher", "password": password})
    assert response["Location"] == "/accounts/login/"
    assert PortalIdentity.objects.get(sub=SUB).user is None


# --- personnel's pre-registration, where the school allows it ---------------------------
@pytest.fixture
def preregistered_teacher(people):
    teacher = people["teacher"]
    SchoolPortalPolicy.objects.create(school=people["school"], allow_preregistered_match=True)
    PortalPreRegistration.objects.create(staff=teacher, portal_email="teacher@kh.example")
    return teacher


def test_preregistered_match_binds_with_the_employee_number(client, provider, signing_key, preregistered_teacher):
    identity = arrive_unbound(client, provider, signing_key, email="Teacher@KH.example")
    page = client.get("/sso/bind/")
    assert "人事室已預先登錄您的資料" in page.content.decode()

    wrong = client.post("/sso/bind/", {"action": "preregistered", "employee_no": "E99999"})
    assert "員工編號不符" in wrong.content.decode()
    assert signed_in_user_ids() == []

    response = client.post("/sso/bind/", {"action": "preregistered", "employee_no": preregistered_teacher.employee_no})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(preregistered_teacher.user.pk)
    identity.refresh_from_db()
    assert identity.user == preregistered_teacher.user and identity.bound_method == "preregistered"
    assert AuditEntry.objects.get(action="sso.bound").data["method"] == "preregistered"


def test_preregistered_match_by_name_when_the_portal_sends_no_email(
    client, provider, signing_key, preregistered_teacher
):
    arrive_unbound(client, provider, signing_key, email="", name=preregistered_teacher.name)
    assert "人事室已預先登錄您的資料" in client.get("/sso/bind/").content.decode()


def test_two_preregistered_people_with_the_same_name_match_nobody(client, provider, signing_key, preregistered_teacher):
    namesake = make_staff(preregistered_teacher.school, name=preregistered_teacher.name)
    PortalPreRegistration.objects.create(staff=namesake)
    arrive_unbound(client, provider, signing_key, email="", name=preregistered_teacher.name)
    assert "人事室已預先登錄您的資料" not in client.get("/sso/bind/").content.decode()


def test_no_preregistered_match_where_the_school_does_not_allow_it(
    client, provider, signing_key, preregistered_teacher
):
    SchoolPortalPolicy.objects.filter(school=preregistered_teacher.school).update(allow_preregistered_match=False)
    identity = arrive_unbound(client, provider, signing_key)
    assert "人事室已預先登錄您的資料" not in client.get("/sso/bind/").content.decode()
    client.post("/sso/bind/", {"action": "preregistered", "employee_no": preregistered_teacher.employee_no})
    identity.refresh_from_db()
    assert identity.user is None
    assert signed_in_user_ids() == []


def test_too_many_employee_number_guesses_end_the_binding(client, provider, signing_key, preregistered_teacher):
    arrive_unbound(client, provider, signing_key)
    for _ in range(5):
        response = client.post("/sso/bind/", {"action": "preregistered", "employee_no": "guess"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    response = client.post("/sso/bind/", {"action": "preregistered", "employee_no": preregistered_teacher.employee_no})
    assert response["Location"] == "/accounts/login/"
    assert signed_in_user_ids() == []
