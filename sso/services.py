"""Changes: portal sign-in, binding and unbinding, pre-registration, unlocking local accounts."""

from dataclasses import dataclass
from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from sso.adapters import PortalProfile
from sso.errors import SsoError
from sso.models import BindMethod, PortalIdentity, PortalPreRegistration, SchoolPortalPolicy
from sso.permissions import can_manage_binding, is_binding_admin
from staff.models import School, StaffMember, User
from staff.selectors import person_of_user, staff_lock_of_user, user_by_id
from staff.selectors import schools as school_list

# Claims kept in the snapshot: everything but the token plumbing.
_NOT_SNAPSHOTTED = frozenset({"nonce", "at_hash", "c_hash", "auth_time", "jti", "sid"})


@dataclass(frozen=True)
class SignInResult:
    identity: PortalIdentity
    user: User | None  # None: the identity is not bound yet


def _school_for(profile: PortalProfile) -> School:
    codes = [c for c in (profile.school_code, *profile.other_school_codes) if c]
    schools = {s.code: s for s in school_list(codes=codes)}
    if profile.school_code in schools:
        return schools[profile.school_code]
    # The portal's main school is not ours, but exactly one of the person's other schools is.
    others = [schools[c] for c in profile.other_school_codes if c in schools]
    if len(others) == 1:
        return others[0]
    raise SsoError(
        _("您的學校（代碼 %(code)s）目前沒有使用本系統，無法登入。") % {"code": profile.school_code or "—"},
        code="unknown_school",
    )


def _snapshot(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k not in _NOT_SNAPSHOTTED}


def _refresh_staff(staff: StaffMember, profile: PortalProfile) -> None:
    """Name, email and title follow the portal; an empty claim never erases what we have."""
    changes: dict[str, list[str]] = {}
    for field, value, limit in (
        ("name", profile.name, 50),
        ("email", profile.email, 254),
        ("title", profile.title, 50),
    ):
        value = value[:limit]
        if value and getattr(staff, field) != value:
            changes[field] = [getattr(staff, field), value]
            setattr(staff, field, value)
    if not changes:
        return
    staff.save(update_fields=list(changes))
    if "email" in changes and staff.user.email != staff.email:
        staff.user.email = staff.email
        staff.user.save(update_fields=["email"])
    audit_log(actor=staff.user, action="sso.profile_refreshed", target=staff, data=changes, school=staff.school)


def portal_sign_in(*, profile: PortalProfile, claims: dict[str, Any]) -> SignInResult:
    """A verified portal identity arrives: let the bound person in, or remember the unbound one.

    Students and people of schools that do not use the system are refused before anything is
    written. The identity row is locked so two tabs signing in at once cannot race.
    """
    if profile.is_student:
        raise SsoError(_("本系統僅供教職員使用，學生帳號無法登入。"), code="student")
    school = _school_for(profile)
    now = timezone.now()
    with transaction.atomic():
        identity, _created = PortalIdentity.objects.select_for_update().get_or_create(
            issuer=profile.issuer, sub=profile.sub, defaults={"school": school}
        )
        identity.name = profile.name[:100]
        identity.email = profile.email
        identity.titles = list(profile.titles)
        identity.claims = _snapshot(claims)
        if not identity.is_bound:
            identity.school = school
            identity.save()
            return SignInResult(identity=identity, user=None)

        user = user_by_id(identity.user_id)
        staff = staff_lock_of_user(user.pk, related=("school", "user")) if user is not None else None
        if user is None or not user.is_active or staff is None or not staff.is_active:
            raise SsoError(_("此帳號已停用，請洽人事室。"), code="inactive")
        if staff.school_id != school.pk:
            raise SsoError(
                _("入口網顯示您目前在「%(school)s」，與本系統帳號的學校不同，請洽人事室。") % {"school": school.name},
                code="school_changed",
            )
        identity.school = school
        identity.last_login_at = now
        identity.save()
        _refresh_staff(staff, profile)
        return SignInResult(identity=identity, user=user)


def identity_bind(*, identity_id: int, user: User, actor: User | None, method: str) -> PortalIdentity:
    """Bind an unbound portal identity to a local account of the same school (audited)."""
    with transaction.atomic():
        identity = PortalIdentity.objects.select_for_update(of=("self",)).select_related("school").get(pk=identity_id)
        # Lock the person too, so two identities cannot be bound to them at once.
        staff = staff_lock_of_user(user.pk, related=("school",))
        if identity.user_id is not None:
            if identity.user_id == user.pk:
                return identity
            raise SsoError(_("此入口網帳號已綁定其他帳號。"), code="already_bound")
        if staff is None:
            raise SsoError(_("此帳號沒有教職員資料，無法綁定入口網帳號，請洽人事室。"), code="no_staff")
        if not user.is_active or not staff.is_active:
            raise SsoError(_("此帳號已停用，請洽人事室。"), code="inactive")
        if staff.school_id != identity.school_id:
            raise SsoError(_("這個本系統帳號屬於其他學校，無法與此入口網帳號綁定。"), code="school_mismatch")
        if PortalIdentity.objects.filter(user=user, issuer=identity.issuer).exists():
            raise SsoError(_("此帳號已綁定另一個入口網帳號，請先解除原本的綁定。"), code="user_already_bound")
        identity.user = user
        identity.bound_at = timezone.now()
        identity.bound_by = actor
        identity.bound_method = method
        identity.save(update_fields=["user", "bound_at", "bound_by", "bound_method"])
        audit_log(
            actor=actor,
            action="sso.bound",
            target=identity,
            school=identity.school,
            data={
                "staff_id": staff.pk,
                "staff_name": staff.name,
                "username": user.get_username(),
                "issuer": identity.issuer,
                "sub": identity.sub,
                "method": method,
            },
        )
        return identity


def identity_bind_preregistered(*, identity_id: int, employee_no: str) -> PortalIdentity:
    """Confirm personnel's pre-registration with the employee number (where the school allows it)."""
    from sso.selectors import preregistration_match

    identity = PortalIdentity.objects.select_related("school").get(pk=identity_id)
    staff = preregistration_match(identity=identity)
    if staff is None:
        raise SsoError(_("找不到人事室預先登錄的資料，請改用本系統帳號登入完成綁定。"), code="no_preregistration")
    if employee_no.strip().upper() != staff.employee_no.strip().upper():
        raise SsoError(_("員工編號不符。"), code="employee_no_mismatch")
    return identity_bind(identity_id=identity.pk, user=staff.user, actor=staff.user, method=BindMethod.PREREGISTERED)


def identity_unbind(*, identity_id: int, actor: User) -> PortalIdentity:
    """The person themselves, or personnel of their school, removes a binding (audited)."""
    with transaction.atomic():
        identity = (
            PortalIdentity.objects.select_for_update(of=("self",)).select_related("school", "user").get(pk=identity_id)
        )
        if identity.user is None:
            raise SsoError(_("此入口網帳號目前沒有綁定。"), code="not_bound")
        subject = person_of_user(identity.user.pk)
        if actor.pk != identity.user_id and (subject is None or not can_manage_binding(actor.staff_or_none, subject)):
            raise PermissionDenied
        previous = identity.user
        identity.user = None
        identity.bound_at = None
        identity.bound_by = None
        identity.bound_method = ""
        identity.save(update_fields=["user", "bound_at", "bound_by", "bound_method"])
        audit_log(
            actor=actor,
            action="sso.unbound",
            target=identity,
            school=identity.school,
            data={
                "staff_id": subject.pk if subject else None,
                "staff_name": subject.name if subject else "",
                "username": previous.get_username(),
                "issuer": identity.issuer,
                "sub": identity.sub,
            },
        )
        return identity


def identity_rebind(*, identity_id: int, staff: StaffMember, actor: User) -> PortalIdentity:
    """Personnel bind a portal identity of their school to a staff member (moving it if bound)."""
    viewer = actor.staff_or_none
    with transaction.atomic():
        identity = PortalIdentity.objects.select_for_update(of=("self",)).select_related("school").get(pk=identity_id)
        if (
            not is_binding_admin(viewer)
            or viewer.school_id != identity.school_id
            or not can_manage_binding(viewer, staff)
        ):
            raise PermissionDenied
        if identity.user_id == staff.user_id:
            return identity
        if identity.user_id is not None:
            identity_unbind(identity_id=identity.pk, actor=actor)
        return identity_bind(identity_id=identity.pk, user=staff.user, actor=actor, method=BindMethod.PERSONNEL)


def preregistration_set(*, staff: StaffMember, portal_email: str, actor: User) -> PortalPreRegistration:
    if not can_manage_binding(actor.staff_or_none, staff) or actor.pk == staff.user_id:
        raise PermissionDenied
    with transaction.atomic():
        prereg, _created = PortalPreRegistration.objects.update_or_create(
            staff=staff, defaults={"portal_email": portal_email.strip(), "created_by": actor}
        )
        audit_log(
            actor=actor,
            action="sso.preregistered",
            target=staff,
            school=staff.school,
            data={"portal_email": prereg.portal_email},
        )
        return prereg


def preregistration_remove(*, staff: StaffMember, actor: User) -> None:
    if not can_manage_binding(actor.staff_or_none, staff) or actor.pk == staff.user_id:
        raise PermissionDenied
    with transaction.atomic():
        deleted, _ = PortalPreRegistration.objects.filter(staff=staff).delete()
        if deleted:
            audit_log(actor=actor, action="sso.preregistration_removed", target=staff, school=staff.school)


def school_policy_set(*, school: School, allow_preregistered_match: bool, actor: User) -> SchoolPortalPolicy:
    viewer = actor.staff_or_none
    if not is_binding_admin(viewer) or viewer.school_id != school.pk:
        raise PermissionDenied
    with transaction.atomic():
        policy, _created = SchoolPortalPolicy.objects.update_or_create(
            school=school, defaults={"allow_preregistered_match": allow_preregistered_match}
        )
        audit_log(
            actor=actor,
            action="sso.policy_changed",
            target=policy,
            school=school,
            data={"allow_preregistered_match": allow_preregistered_match},
        )
        return policy


def account_unlock(*, staff: StaffMember, actor: User) -> int:
    """Clear django-axes' failed sign-ins for a person's username; returns the records removed."""
    viewer = actor.staff_or_none
    if not is_binding_admin(viewer) or not can_manage_binding(viewer, staff) or viewer.pk == staff.pk:
        raise PermissionDenied
    with transaction.atomic():
        removed = int(axes_reset(username=staff.user.get_username()))  # axes publishes no types
        audit_log(
            actor=actor,
            action="sso.unlocked",
            target=staff,
            school=staff.school,
            data={"username": staff.user.get_username(), "records": removed},
        )
        return removed


def address_unlock(*, ip_address: str, actor: User) -> int:
    """Clear an address lockout that the personnel page showed for their school."""
    from sso.selectors import locked_addresses

    viewer = actor.staff_or_none
    if not is_binding_admin(viewer):
        raise PermissionDenied
    if ip_address not in {row["ip_address"] for row in locked_addresses(viewer=viewer)}:
        raise PermissionDenied
    with transaction.atomic():
        removed = int(axes_reset(ip=ip_address))  # axes publishes no types
        audit_log(
            actor=actor,
            action="sso.unlocked",
            target=None,
            school=viewer.school,
            data={"ip_address": ip_address, "records": removed},
        )
        return removed
