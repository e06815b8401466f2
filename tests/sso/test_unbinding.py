"""Unbinding from one's profile, and personnel managing the bindings of their own school."""

import pytest

from audit.models import AuditEntry
from sso.models import PortalIdentity, PortalPreRegistration, SchoolPortalPolicy
from tests.factories import make_staff
from tests.sso.oidc_provider import ISSUER, bound_identity

pytestmark = pytest.mark.django_db


def pending(school, sub: str, name: str = "新來的老師") -> PortalIdentity:
    return PortalIdentity.objects.create(issuer=ISSUER, sub=sub, school=school, name=name)


# --- one's own profile ------------------------------------------------------------------
def test_profile_lists_and_unbinds_ones_own_identity(client_for, people):
    teacher = people["teacher"]
    identity = bound_identity(teacher, "sub-teacher")
    client = client_for(teacher)

    page = client.get("/sso/profile/")
    assert page.status_code == 200
    assert "王老師" in page.content.decode() and "解除綁定" in page.content.decode()

    response = client.post("/sso/profile/", {"identity": identity.pk})

    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.user is None and identity.bound_at is None
    entry = AuditEntry.objects.get(action="sso.unbound")
    assert entry.actor == teacher.user and entry.data["sub"] == "sub-teacher"
    assert entry.data["staff_id"] == teacher.pk


def test_profile_cannot_unbind_someone_elses_identity(client_for, people):
    identity = bound_identity(people["other_teacher"], "sub-other")
    response = client_for(people["teacher"]).post("/sso/profile/", {"identity": identity.pk})
    assert response.status_code == 404
    identity.refresh_from_db()
    assert identity.user == people["other_teacher"].user
    assert not AuditEntry.objects.filter(action="sso.unbound").exists()


def test_profile_with_a_bad_identity_is_not_found(client_for, people):
    assert client_for(people["teacher"]).post("/sso/profile/", {"identity": "abc"}).status_code == 404


def test_profile_needs_a_signed_in_person(client):
    response = client.get("/sso/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- personnel: the school's bindings --------------------------------------------------
def test_personnel_sees_the_bindings_of_their_school(client_for, people, django_assert_max_num_queries):
    bound_identity(people["teacher"], "sub-teacher")
    pending(people["school"], "sub-new")
    pending(people["outsider"].school, "sub-elsewhere", name="他校的人")
    for n in range(5):
        bound_identity(make_staff(people["school"]), f"sub-extra-{n}")
    client = client_for(people["personnel"])
    # 13, however many people the school has: savepoint and release (ATOMIC_REQUESTS), session,
    # user, the viewer's staff row with school and unit, roles; staff rows joined with users, units
    # and pre-registrations; their identities; pending identities; the school policy; the staff
    # choices; and the layout's headed units and unread count.
    with django_assert_max_num_queries(13):
        page = client.get("/sso/bindings/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "新來的老師" in html and "他校的人" not in html
    assert "王老師" in html and "外校人事" not in html


@pytest.mark.parametrize("who", ["teacher", "unit_head", "principal", "academic"])
def test_only_personnel_open_the_bindings_page(client_for, people, who):
    assert client_for(people[who]).get("/sso/bindings/").status_code == 403


def test_personnel_unbinds_someone_of_their_school(client_for, people):
    identity = bound_identity(people["teacher"], "sub-teacher")
    response = client_for(people["personnel"]).post(f"/sso/bindings/{identity.pk}/unbind/")
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.user is None
    entry = AuditEntry.objects.get(action="sso.unbound")
    assert entry.actor == people["personnel"].user and entry.data["staff_id"] == people["teacher"].pk


def test_personnel_of_another_school_cannot_unbind(client_for, people):
    identity = bound_identity(people["teacher"], "sub-teacher")
    response = client_for(people["outsider"]).post(f"/sso/bindings/{identity.pk}/unbind/")
    assert response.status_code == 404
    identity.refresh_from_db()
    assert identity.user == people["teacher"].user


def test_a_unit_head_cannot_unbind_their_member(client_for, people):
    identity = bound_identity(people["teacher"], "sub-teacher")
    assert client_for(people["unit_head"]).post(f"/sso/bindings/{identity.pk}/unbind/").status_code == 403
    identity.refresh_from_db()
    assert identity.user == people["teacher"].user


def test_personnel_binds_a_pending_identity(client_for, people):
    identity = pending(people["school"], "sub-new")
    teacher = people["teacher"]
    response = client_for(people["personnel"]).post(f"/sso/bindings/{identity.pk}/bind/", {"staff": teacher.pk})
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.user == teacher.user and identity.bound_method == "personnel"
    assert identity.bound_by == people["personnel"].user
    assert AuditEntry.objects.get(action="sso.bound").actor == people["personnel"].user


def test_personnel_rebinds_an_identity_to_another_person(client_for, people):
    identity = bound_identity(people["teacher"], "sub-mixed-up")
    other = people["other_teacher"]
    client_for(people["personnel"]).post(f"/sso/bindings/{identity.pk}/bind/", {"staff": other.pk})
    identity.refresh_from_db()
    assert identity.user == other.user
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["sso.unbound", "sso.bound"]


def test_personnel_cannot_bind_to_someone_of_another_school(client_for, people):
    identity = pending(people["school"], "sub-new")
    response = client_for(people["personnel"]).post(
        f"/sso/bindings/{identity.pk}/bind/", {"staff": people["outsider"].pk}
    )
    assert response.status_code == 404
    identity.refresh_from_db()
    assert identity.user is None


def test_rebinding_to_someone_already_bound_shows_the_rule(client_for, people):
    bound_identity(people["teacher"], "sub-teacher")
    identity = pending(people["school"], "sub-new")
    client = client_for(people["personnel"])
    response = client.post(f"/sso/bindings/{identity.pk}/bind/", {"staff": people["teacher"].pk}, follow=True)
    assert "請先解除原本的綁定" in response.content.decode()
    identity.refresh_from_db()
    assert identity.user is None


def test_personnel_preregisters_and_sets_the_school_policy(client_for, people):
    client = client_for(people["personnel"])
    teacher = people["teacher"]
    client.post(f"/sso/bindings/staff/{teacher.pk}/preregister/", {"portal_email": "wang@kh.example"})
    assert PortalPreRegistration.objects.get(staff=teacher).portal_email == "wang@kh.example"
    client.post("/sso/bindings/policy/", {"allow": "1"})
    assert SchoolPortalPolicy.objects.get(school=people["school"]).allow_preregistered_match
    client.post(f"/sso/bindings/staff/{teacher.pk}/preregister/", {"remove": "1"})
    assert not PortalPreRegistration.objects.filter(staff=teacher).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"sso.preregistered", "sso.policy_changed", "sso.preregistration_removed"} <= actions


def test_preregistration_is_personnels_business(client_for, people):
    teacher = people["teacher"]
    assert client_for(people["unit_head"]).post(f"/sso/bindings/staff/{teacher.pk}/preregister/").status_code == 403
    assert client_for(people["outsider"]).post(f"/sso/bindings/staff/{teacher.pk}/preregister/").status_code == 404
    assert not PortalPreRegistration.objects.exists()


def test_menu_shows_binding_tools_to_personnel_only(client_for, people):
    assert "/sso/bindings/" in client_for(people["personnel"]).get("/").content.decode()
    teacher_home = client_for(people["teacher"]).get("/").content.decode()
    assert "/sso/profile/" in teacher_home and "/sso/bindings/" not in teacher_home


def test_admin_lists_identities_read_only(client, people, django_user_model):
    bound_identity(people["teacher"], "sub-teacher")
    admin = django_user_model.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(admin)
    page = client.get("/admin/sso/portalidentity/")
    assert page.status_code == 200 and "王老師" in page.content.decode()
    assert client.get("/admin/sso/portalidentity/add/").status_code == 403
