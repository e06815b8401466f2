"""Pages: the portal callback and its outcomes, binding, the profile, personnel's tools."""

import logging
import time
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from common.client import client_ip
from common.inputs import id_or_none
from notifications.push import public_key as push_public_key
from notifications.selectors import push_devices
from sso import ratelimit, selectors, services
from sso.errors import SsoError
from sso.models import BindMethod, PortalIdentity
from sso.permissions import is_binding_admin
from staff.http import SignedInRequest
from staff.models import StaffMember
from staff.permissions import outranking_q
from staff.selectors import person_in_school, school_people, staff_for_request

log = logging.getLogger("sso.signin")

PENDING_KEY = "sso_pending_binding"
ID_TOKEN_KEY = "oidc_id_token"  # the name mozilla-django-oidc uses
MAX_EMPLOYEE_NO_ATTEMPTS = 5


def portal_configured() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def _safe_next(request: HttpRequest, url: str | None) -> str:
    """Only a path on this site; anything else goes home."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sign_in_failed(request: HttpRequest, reason: str, detail: str = "", *, cancelled: bool = False) -> HttpResponse:
    """The one failure page: the person learns to try again, the log learns why."""
    log.warning(
        "portal sign-in failed: reason=%s detail=%s",
        reason,
        detail,
        extra={"sso_reason": reason, "sso_detail": detail},
    )
    return render(request, "sso/signin_failed.html", {"cancelled": cancelled}, status=400)


# --- the OpenID Connect flow (mozilla-django-oidc subclasses) -------------------
class PortalAuthenticateView(OIDCAuthenticationRequestView):
    """The library's start of the flow, with a clear message when no portal is configured."""

    def get(self, request):
        if not portal_configured():
            messages.error(request, _("本系統尚未設定入口網登入，請使用本系統帳號登入。"))
            return redirect("login")
        return super().get(request)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PortalCallbackView(OIDCAuthenticationCallbackView):
    """The library's callback, with every outcome turned into a page instead of a redirect or a 500.

    Not inside the request transaction: it waits on the provider over HTTP, and the services
    it calls open their own short transactions.
    """

    def get(self, request):
        state = request.GET.get("state")
        if request.GET.get("error"):
            # The library also signs the person out here (for its session-refresh middleware, which we
            # do not use); someone who cancels binding from their profile stays signed in.
            self._forget_state(state)
            error = request.GET["error"][:100]
            detail = request.GET.get("error_description", "")[:200]
            return sign_in_failed(
                request, "provider_error", f"{error} {detail}".strip(), cancelled=error == "access_denied"
            )
        if not request.GET.get("code") or not state:
            return sign_in_failed(request, "missing_code_or_state")
        states = request.session.get("oidc_states")
        if not isinstance(states, dict) or state not in states:
            return sign_in_failed(request, "state_mismatch", f"state {state[:12]!r} was not issued to this browser")
        return super().get(request)

    def _forget_state(self, state: str | None) -> None:
        states = self.request.session.get("oidc_states")
        if isinstance(states, dict) and state in states:
            del states[state]
            self.request.session.modified = True

    def login_failure(self):
        request = self.request
        failure = getattr(request, "sso_failure", None)
        if failure is not None:
            return sign_in_failed(request, failure.reason, failure.detail)
        refusal = getattr(request, "sso_refusal", None)
        if refusal is not None:
            log.warning(
                "portal sign-in refused: reason=%s",
                refusal.code,
                extra={"sso_reason": refusal.code, "sso_detail": str(refusal.message)},
            )
            # Still signed in at the portal: offer to sign out there to use another portal account.
            switch_url = _end_session_url(request, getattr(request, "sso_id_token", None))
            return render(request, "sso/refused.html", {"error": refusal, "switch_url": switch_url}, status=403)
        identity = getattr(request, "sso_pending", None)
        if identity is not None:
            return self._start_binding(identity)
        user = getattr(self, "user", None)
        if user is not None and not user.is_active:
            return sign_in_failed(request, "inactive_user", f"user {user.pk}")
        return sign_in_failed(request, "no_user")

    def _start_binding(self, identity: PortalIdentity) -> HttpResponse:
        request = self.request
        next_url = request.session.get("oidc_login_next")
        request.session.cycle_key()
        request.session[PENDING_KEY] = {
            "identity": identity.pk,
            "expires": time.time() + settings.SSO_PENDING_BINDING_SECONDS,
            "next": next_url,
            "id_token": getattr(request, "sso_id_token", None),
            "attempts": 0,
        }
        log.info(
            "portal identity not bound yet: identity=%s school=%s",
            identity.pk,
            identity.school.code,
            extra={"sso_reason": "unbound"},
        )
        return redirect("sso:bind")

    def login_success(self):
        response = super().login_success()  # auth.login rotates the session key
        self.request.session[ID_TOKEN_KEY] = getattr(self.request, "sso_id_token", None)
        self.request.session.pop(PENDING_KEY, None)
        log.info("portal sign-in: user=%s", self.user.pk, extra={"sso_reason": "signed_in"})
        return response


def _end_session_url(request: HttpRequest, id_token: str | None) -> str | None:
    """The provider's RP-initiated logout for this ID token, back to our sign-in page; None without one."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    if not endpoint or not id_token:
        return None
    after = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": settings.OIDC_POST_LOGOUT_REDIRECT_URI or after,
        "client_id": settings.OIDC_RP_CLIENT_ID,
    }
    return f"{endpoint}?{urlencode(params)}"


def provider_logout_url(request: HttpRequest) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: where logout sends the person after ending our session.

    After a portal sign-in, the provider's end-session endpoint with id_token_hint (when it has
    one); otherwise our sign-in page.
    """
    return _end_session_url(request, request.session.get(ID_TOKEN_KEY)) or resolve_url(settings.LOGOUT_REDIRECT_URL)


# --- binding -------------------------------------------------------------------
class EmployeeNoForm(forms.Form):
    employee_no = forms.CharField(label=gettext_lazy("員工編號"), max_length=20)


def _pending(request: HttpRequest) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("expires", 0) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


def _finish_binding(request: HttpRequest, user, pending: dict, backend: str) -> HttpResponse:
    auth.login(request, user, backend=backend)  # rotates the session key
    request.session[ID_TOKEN_KEY] = pending.get("id_token")
    request.session.pop(PENDING_KEY, None)
    messages.success(request, _("入口網帳號已綁定完成，以後可以直接使用入口網登入。"))
    return redirect(_safe_next(request, pending.get("next")))


@require_http_methods(["GET", "POST"])
def bind(request: HttpRequest) -> HttpResponse:
    """「您的入口網帳號尚未綁定」: sign in once with the local account (or confirm a pre-registration)."""
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("綁定作業已逾時，請重新使用入口網登入。"))
        return redirect("login")
    identity = PortalIdentity.objects.select_related("school").filter(pk=pending["identity"], user=None).first()
    if identity is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("此入口網帳號的綁定狀態已變更，請重新使用入口網登入。"))
        return redirect("login")
    candidate = selectors.preregistration_match(identity=identity)
    form = AuthenticationForm(request)
    prereg_form = EmployeeNoForm()
    action = request.POST.get("action")
    if request.method == "POST" and action == "cancel":
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    if request.method == "POST" and action == "local":
        form = AuthenticationForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            try:
                services.identity_bind(identity_id=identity.pk, user=user, actor=user, method=BindMethod.LOCAL_PASSWORD)
            except SsoError as exc:
                form.add_error(None, exc.message)
            else:
                return _finish_binding(request, user, pending, backend=user.backend)
    elif request.method == "POST" and action == "preregistered" and candidate is not None:
        prereg_form = EmployeeNoForm(request.POST)
        if prereg_form.is_valid():
            try:
                services.identity_bind_preregistered(
                    identity_id=identity.pk, employee_no=prereg_form.cleaned_data["employee_no"]
                )
            except SsoError as exc:
                prereg_form.add_error(None, exc.message)
                pending["attempts"] = pending.get("attempts", 0) + 1
                request.session[PENDING_KEY] = pending
                if pending["attempts"] >= MAX_EMPLOYEE_NO_ATTEMPTS:
                    request.session.pop(PENDING_KEY, None)
                    log.warning(
                        "too many employee number attempts: identity=%s",
                        identity.pk,
                        extra={"sso_reason": "employee_no_attempts"},
                    )
                    messages.error(request, _("嘗試次數過多，請改用本系統帳號登入完成綁定。"))
                    return redirect("login")
            else:
                return _finish_binding(request, candidate.user, pending, backend="sso.backends.PortalOIDCBackend")
    return render(
        request,
        "sso/bind.html",
        {
            "identity": identity,
            "form": form,
            "prereg_form": prereg_form,
            "candidate": candidate,
            "switch_url": _end_session_url(request, pending.get("id_token")),
        },
    )


# --- the person's own profile ------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        identity_id = id_or_none(request.POST.get("identity"))
        if identity_id is None:
            raise Http404
        identity = get_object_or_404(PortalIdentity, pk=identity_id, user=request.user)
        services.identity_unbind(identity_id=identity.pk, actor=request.user)
        messages.success(request, _("已解除入口網帳號的綁定。"))
        return redirect("sso:profile")
    identities = list(selectors.identities_of(user=request.user))
    return render(
        request,
        "sso/profile.html",
        {
            "identities": identities,
            "portal_configured": portal_configured(),
            "bound_here": any(i.issuer == settings.OIDC_OP_ISSUER for i in identities),
            # Web Push on this device (notifications; docs/pwa.md): offered only when the site has VAPID keys.
            "push_key": push_public_key(),
            "push_devices": list(push_devices(request.user)),
        },
    )


# --- personnel: bindings of the school -----------------------------------------------
def _binding_admin(request: HttpRequest) -> StaffMember:
    me = staff_for_request(request)
    if not is_binding_admin(me):
        raise PermissionDenied
    return me


def _identity_of_school(me: StaffMember, identity_id: int) -> PortalIdentity:
    # Another school's identity is not found, not forbidden: its existence is not ours to know.
    return get_object_or_404(PortalIdentity.objects.select_related("school"), pk=identity_id, school_id=me.school_id)


def _staff_of_school(me: StaffMember, staff_id) -> StaffMember:
    person = person_in_school(staff_id=int(staff_id), school_id=me.school_id)
    if person is None:
        raise Http404
    return person


@login_required
def school_bindings(request: SignedInRequest) -> HttpResponse:
    me = _binding_admin(request)
    return render(
        request,
        "sso/school_bindings.html",
        {
            "rows": selectors.school_binding_rows(school=me.school),
            "pending": list(selectors.pending_identities(school=me.school)),
            "allow_preregistered": selectors.school_allows_preregistered_match(school=me.school),
            # Nobody is offered a person who outranks them (a system admin, a superuser).
            "staff_choices": school_people(school_id=me.school_id).exclude(outranking_q(me)).order_by("employee_no"),
        },
    )


def _run(request: HttpRequest, action, success: str) -> None:
    try:
        action()
    except SsoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@login_required
@require_POST
def binding_unbind(request: SignedInRequest, identity_id: int) -> HttpResponse:
    me = _binding_admin(request)
    identity = _identity_of_school(me, identity_id)
    _run(request, lambda: services.identity_unbind(identity_id=identity.pk, actor=request.user), _("已解除綁定。"))
    return redirect("sso:bindings")


@login_required
@require_POST
def binding_bind(request: SignedInRequest, identity_id: int) -> HttpResponse:
    me = _binding_admin(request)
    identity = _identity_of_school(me, identity_id)
    staff_id = id_or_none(request.POST.get("staff"))
    if staff_id is None:
        messages.error(request, _("請選擇要綁定的教職員。"))
        return redirect("sso:bindings")
    staff = _staff_of_school(me, staff_id)
    _run(
        request,
        lambda: services.identity_rebind(identity_id=identity.pk, staff=staff, actor=request.user),
        _("已將入口網帳號綁定至 %(name)s。") % {"name": staff.name},
    )
    return redirect("sso:bindings")


class PreRegistrationForm(forms.Form):
    portal_email = forms.EmailField(label=gettext_lazy("入口網電子郵件"), required=False)


@login_required
@require_POST
def binding_preregister(request: SignedInRequest, staff_id: int) -> HttpResponse:
    me = _binding_admin(request)
    staff = _staff_of_school(me, staff_id)
    if request.POST.get("remove"):
        services.preregistration_remove(staff=staff, actor=request.user)
        messages.success(request, _("已取消 %(name)s 的預先登錄。") % {"name": staff.name})
        return redirect("sso:bindings")
    form = PreRegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("電子郵件格式不正確。"))
        return redirect("sso:bindings")
    services.preregistration_set(staff=staff, portal_email=form.cleaned_data["portal_email"], actor=request.user)
    messages.success(request, _("已預先登錄 %(name)s。") % {"name": staff.name})
    return redirect("sso:bindings")


@login_required
@require_POST
def binding_policy(request: SignedInRequest) -> HttpResponse:
    me = _binding_admin(request)
    services.school_policy_set(
        school=me.school, allow_preregistered_match=request.POST.get("allow") == "1", actor=request.user
    )
    messages.success(request, _("已更新設定。"))
    return redirect("sso:bindings")


# --- personnel: locked local accounts (django-axes) -------------------------------
@login_required
def lockouts(request: SignedInRequest) -> HttpResponse:
    me = _binding_admin(request)
    return render(
        request,
        "sso/lockouts.html",
        {"accounts": selectors.locked_accounts(viewer=me), "addresses": selectors.locked_addresses(viewer=me)},
    )


@login_required
@require_POST
def lockout_unlock(request: SignedInRequest, staff_id: int) -> HttpResponse:
    me = _binding_admin(request)
    staff = _staff_of_school(me, staff_id)
    services.account_unlock(staff=staff, actor=request.user)
    messages.success(request, _("已解除 %(name)s 的登入鎖定。") % {"name": staff.name})
    return redirect("sso:lockouts")


@login_required
@require_POST
def lockout_unlock_address(request: SignedInRequest) -> HttpResponse:
    _binding_admin(request)
    ip = request.POST.get("ip_address", "")
    try:
        services.address_unlock(ip_address=ip, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("已解除來源位址 %(ip)s 的登入鎖定。") % {"ip": ip})
    return redirect("sso:lockouts")


# --- local accounts: password reset, rate-limited (sso/ratelimit.py) ------------------------------
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email, sending at most PASSWORD_RESET_LIMIT_PER_EMAIL links to one address and
    answering PASSWORD_RESET_LIMIT_PER_ADDRESS requests from one client per window. Over a limit the
    answer is the usual "sent" page and nothing is sent: the same for known and unknown addresses."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("sso:password_reset_done")

    def form_valid(self, form):
        from_address_ok = ratelimit.reset_allowed_for_address(client_ip(self.request))
        for_email_ok = ratelimit.reset_allowed_for_email(form.cleaned_data["email"])
        if not (from_address_ok and for_email_ok):
            log.warning("password reset request over the rate limit; nothing sent")
            return redirect(self.get_success_url())
        return super().form_valid(form)
