"""Nobody changes the password, portal binding, roles or active flag of someone who outranks them.

One rule (``staff.permissions.outranks``), tried on every path that changes those: the admin's
password form and account form, the person's form (with its role inline), role assignments, the
portal binding pages and the roster import. Each attempt by personnel against a system admin and
against a superuser of their school is refused and changes nothing; the same action on an ordinary
colleague still works.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sso.models import PortalIdentity, PortalPreRegistration
from staff.models import Role, RoleAssignment, StaffCategory, StaffMember, User
from staff.permissions import outranks, power
from staff.services import RosterImportError, roster_import
from tests.factories import PASSWORD, make_staff
from tests.sso.oidc_provider import ISSUER, bound_identity

pytestmark = pytest.mark.django_db

STRONG = ("system_admin", "superuser")


@pytest.fixture
def strong(people):
    """A system admin role holder and a superuser, both with a staff record in the standing school."""
    school = people["school"]
    sysadmin = make_staff(school, category=StaffCategory.CIVIL_STAFF, name="資訊組長", username="sysadmin",
                          roles=(Role.SYSTEM_ADMIN,))
    root = make_staff(school, category=StaffCategory.CIVIL_STAFF, name="系統管理者", username="root")
    root.user.is_superuser = root.user.is_staff = True
    root.user.save(update_fields=["is_superuser", "is_staff"])
    return {"system_admin": sysadmin, "superuser": root}


@pytest.fixture
def personnel_admin(people, client):
    """The personnel officer in the admin with every permission of the staff and sso apps."""
    user = people["personnel"].user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["staff", "sso"]))
    client.force_login(user)
    return client


def _state(staff: StaffMember) -> tuple:
    user = User.objects.get(pk=staff.user_id)
    return (
        user.password, user.email, user.username, user.is_active, user.is_superuser,
        StaffMember.objects.get(pk=staff.pk).is_active,
        frozenset(RoleAssignment.objects.filter(staff=staff).values_list("role", flat=True)),
        frozenset(PortalIdentity.objects.filter(user=user).values_list("sub", flat=True)),
    )


def test_the_rule(people, strong):
    personnel, sysadmin, root = people["personnel"], strong["system_admin"], strong["superuser"]
    assert power(root) > power(sysadmin) > power(personnel) == power(people["teacher"])
    assert outranks(sysadmin, personnel) and outranks(root, personnel) and outranks(root, sysadmin.user)
    assert not outranks(personnel, sysadmin) and not outranks(people["teacher"], personnel)
    assert not outranks(sysadmin, sysadmin) and not outranks(root, None)  # oneself; the command line


# --- the admin -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", STRONG)
def test_personnel_cannot_set_their_password(people, strong, personnel_admin, who):
    target = strong[who]
    before = _state(target)
    url = reverse("admin:auth_user_password_change", args=[target.user_id])
    response = personnel_admin.post(url, {"password1": "Kaohsiung-2026!", "password2": "Kaohsiung-2026!"})
    assert response.status_code in (403, 404)
    assert _state(target) == before
    assert not User.objects.get(pk=target.user_id).check_password("Kaohsiung-2026!")


def test_personnel_still_sets_a_teachers_password(people, personnel_admin):
    teacher = people["teacher"]
    url = reverse("admin:auth_user_password_change", args=[teacher.user_id])
    response = personnel_admin.post(url, {"password1": "Kaohsiung-2026!", "password2": "Kaohsiung-2026!"})
    assert response.status_code == 302
    assert User.objects.get(pk=teacher.user_id).check_password("Kaohsiung-2026!")


@pytest.mark.parametrize("who", STRONG)
def test_personnel_cannot_change_their_account(people, strong, personnel_admin, who):
    target = strong[who]
    before = _state(target)
    url = reverse("admin:staff_user_change", args=[target.user_id])
    response = personnel_admin.post(url, {"username": target.user.username, "email": "mine@evil.test",
                                          "first_name": "x", "last_name": "", "language": "zh-hant"})
    # Refused, or (a superuser's account is not even listed) sent back to the index as not found.
    assert response.status_code in (403, 404) or response.url == reverse("admin:index")
    assert _state(target) == before


@pytest.mark.parametrize("who", STRONG)
def test_personnel_cannot_deactivate_them_or_change_their_roles_on_the_person_form(
    people, strong, personnel_admin, who
):
    target = strong[who]
    before = _state(target)
    url = reverse("admin:staff_staffmember_change", args=[target.pk])
    page = personnel_admin.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]  # read-only
    response = personnel_admin.post(url, {
        "user": target.user_id, "school": target.school_id, "employee_no": target.employee_no, "name": target.name,
        "category": target.category, "hire_date": "2015-08-01",  # is_active left out: unticked
        "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-0-role": Role.PERSONNEL,
    })
    assert response.status_code == 403
    assert _state(target) == before
    assert personnel_admin.post(reverse("admin:staff_staffmember_delete", args=[target.pk]),
                                {"post": "yes"}).status_code == 403
    assert StaffMember.objects.filter(pk=target.pk).exists()


def test_personnel_still_deactivates_a_teacher_and_gives_roles(people, personnel_admin):
    teacher = people["teacher"]
    response = personnel_admin.post(reverse("admin:staff_staffmember_change", args=[teacher.pk]), {
        "user": teacher.user_id, "school": teacher.school_id, "employee_no": teacher.employee_no,
        "name": teacher.name, "category": teacher.category, "hire_date": "2015-08-01",
        "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-0-role": Role.ACADEMIC_AFFAIRS,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert RoleAssignment.objects.filter(staff=teacher, role=Role.ACADEMIC_AFFAIRS).exists()


def test_the_person_form_offers_no_account_of_someone_who_outranks(people, strong, personnel_admin):
    form = personnel_admin.get(reverse("admin:staff_staffmember_add")).context["adminform"].form
    offered = set(form.fields["user"].queryset.values_list("pk", flat=True))
    assert people["teacher"].user_id in offered
    assert not offered & {strong["system_admin"].user_id, strong["superuser"].user_id, people["outsider"].user_id}


@pytest.mark.parametrize("who", STRONG)
def test_personnel_cannot_take_or_give_their_roles(people, strong, personnel_admin, who):
    target = strong[who]
    RoleAssignment.objects.get_or_create(staff=target, role=Role.ACADEMIC_AFFAIRS)
    before = _state(target)
    assignment = RoleAssignment.objects.filter(staff=target).first()
    delete = personnel_admin.post(reverse("admin:staff_roleassignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert delete.status_code == 403
    change = personnel_admin.post(reverse("admin:staff_roleassignment_change", args=[assignment.pk]),
                                  {"staff": target.pk, "role": Role.PRINCIPAL})
    assert change.status_code == 403
    add = personnel_admin.post(reverse("admin:staff_roleassignment_add"), {"staff": target.pk, "role": Role.PERSONNEL})
    assert add.status_code == 200 and "staff" in add.context["adminform"].form.errors
    bulk = personnel_admin.post(reverse("admin:staff_roleassignment_changelist"),
                                {"action": "delete_selected", "_selected_action": [assignment.pk], "post": "yes"})
    assert bulk.status_code in (200, 302, 403)
    assert _state(target) == before


def test_personnel_still_manage_an_ordinary_colleagues_roles(people, personnel_admin):
    teacher = people["teacher"]
    add = personnel_admin.post(reverse("admin:staff_roleassignment_add"), {"staff": teacher.pk,
                                                                            "role": Role.ACADEMIC_AFFAIRS})
    assert add.status_code == 302
    assignment = RoleAssignment.objects.get(staff=teacher, role=Role.ACADEMIC_AFFAIRS)
    delete = personnel_admin.post(reverse("admin:staff_roleassignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert delete.status_code == 302 and not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_system_admin_cannot_set_a_superusers_password(people, strong, client):
    sysadmin, root = strong["system_admin"], strong["superuser"]
    sysadmin.user.is_staff = True
    sysadmin.user.save(update_fields=["is_staff"])
    sysadmin.user.user_permissions.set(Permission.objects.filter(content_type__app_label="staff"))
    client.force_login(sysadmin.user)
    before = _state(root)
    url = reverse("admin:auth_user_password_change", args=[root.user_id])
    response = client.post(url, {"password1": "Kaohsiung-2026!", "password2": "Kaohsiung-2026!"})
    assert response.status_code in (403, 404)
    assert _state(root) == before


# --- the portal binding pages ------------------------------------------------------------------
@pytest.mark.parametrize("who", STRONG)
def test_personnel_cannot_unbind_rebind_or_preregister_them(people, strong, client_for, who):
    target = strong[who]
    identity = bound_identity(target, f"sub-{who}")
    spare = PortalIdentity.objects.create(issuer=ISSUER, sub=f"spare-{who}", school=people["school"], name="x")
    before = _state(target)
    client = client_for(people["personnel"])

    assert client.post(f"/sso/bindings/{identity.pk}/unbind/").status_code == 403
    # Moving their identity to someone else unbinds them first: refused as well.
    assert client.post(f"/sso/bindings/{identity.pk}/bind/", {"staff": people["teacher"].pk}).status_code == 403
    # Binding a spare portal identity (the officer's own, say) to their account.
    assert client.post(f"/sso/bindings/{spare.pk}/bind/", {"staff": target.pk}).status_code == 403
    # Pre-registering a portal email for them, so that whoever signs in with it takes their account.
    response = client.post(f"/sso/bindings/staff/{target.pk}/preregister/", {"portal_email": "me@evil.test"})
    assert response.status_code == 403
    assert not PortalPreRegistration.objects.filter(staff=target).exists()
    assert _state(target) == before
    assert PortalIdentity.objects.get(pk=spare.pk).user_id is None
    page = client.get("/sso/bindings/")
    assert target not in page.context["staff_choices"]  # not offered either


def test_a_system_admin_still_unbinds_their_own_identity(people, strong, client_for):
    sysadmin = strong["system_admin"]
    identity = bound_identity(sysadmin, "sub-own")
    assert client_for(sysadmin).post("/sso/profile/", {"identity": identity.pk}).status_code == 302
    assert PortalIdentity.objects.get(pk=identity.pk).user_id is None


# --- the roster import -----------------------------------------------------------------------
def _roster(*rows: str) -> bytes:
    return ("員工編號,姓名,人員類別,到職日,電子郵件,在職\n" + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("who", STRONG)
def test_the_roster_import_cannot_deactivate_them_or_take_their_email(people, strong, who):
    target = strong[who]
    before = _state(target)
    teacher = people["teacher"]
    for active, email in (("否", target.email), ("是", "mine@evil.test")):
        data = _roster(
            f"{teacher.employee_no},{teacher.name},專任教師,2015-08-01,{teacher.email},是",
            f"{target.employee_no},{target.name},職員,2015-08-01,{email},{active}",
        )
        with pytest.raises(RosterImportError) as caught:
            roster_import(school=people["school"], data=data, actor=people["personnel"].user)
        assert [(e.row, e.code) for e in caught.value.errors] == [(3, "outranks")]
        assert _state(target) == before


def test_the_roster_import_may_name_them_unchanged_and_the_command_line_may_change_them(people, strong):
    target = strong["system_admin"]
    same = _roster(f"{target.employee_no},{target.name},職員,2015-08-01,{target.email},是")
    result = roster_import(school=people["school"], data=same, actor=people["personnel"].user)
    assert result.unchanged == [target.employee_no]
    leaving = _roster(f"{target.employee_no},{target.name},職員,2015-08-01,{target.email},否")
    roster_import(school=people["school"], data=leaving, actor=None)  # manage.py import_staff
    assert not StaffMember.objects.get(pk=target.pk).is_active
    assert PASSWORD  # the accounts kept their password: only the flag changed
