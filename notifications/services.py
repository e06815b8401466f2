"""notify(): the one way a module tells people something.

Each kind has two templates per language under templates/notifications/<kind>/:
``subject.txt`` and ``body.txt`` (``subject.en.txt`` and ``body.en.txt`` for English).
They are rendered in each recipient's own language.
"""

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_log
from notifications import push
from notifications.delivery import EMAILS_QUEUED_MARK
from notifications.errors import NotificationError
from notifications.models import EmailOutbox, Notification, PushSubscription
from notifications.states import OUTBOX

if TYPE_CHECKING:
    # The stubs' name for settings.AUTH_USER_MODEL (the type checker's plugin reads the setting): the account
    # a notice is for, named without importing the app that defines it (a layer above).
    from django.contrib.auth.models import _User

log = logging.getLogger(__name__)


class _Person(Protocol):
    """Someone who has an account (a staff member): told through it."""

    @property
    def user(self) -> "_User | None": ...


Recipient: TypeAlias = "_User | _Person"


def _render(kind: str, part: str, language: str, context: dict[str, Any]) -> str:
    names = [f"notifications/{kind}/{part}.txt"]
    if language.startswith("en"):
        names.insert(0, f"notifications/{kind}/{part}.en.txt")
    with translation.override(language):
        return render_to_string(names, context).strip()


def _as_user(recipient: Recipient) -> "_User | None":
    # Accept users or staff members, so callers need not care which they hold.
    if isinstance(recipient, AbstractBaseUser):
        return recipient
    return recipient.user


def notify(
    recipients: Iterable[Recipient],
    kind: str,
    context: dict[str, Any] | None = None,
    *,
    url: str = "",
    email: bool = True,
    about: str = "",
) -> list[Notification]:
    """Write an in-app notice (and an email, when the person has an address) for each recipient.

    Runs inside the caller's transaction: if the change rolls back, nobody is told. Emails are
    handed to Celery only after commit. ``about`` marks a notice that asks for an action ("leave.request:12",
    "<app>.<thing>:<id>"): the service that records the action calls ``notification_resolve(about=...)``.
    It is ``notices_save(notice_drafts(...))``: one INSERT of notices and one of emails, however many recipients.
    """
    return notices_save(notice_drafts(recipients, kind, context, url=url, email=email, about=about))


def notice_drafts(
    recipients: Iterable[Recipient],
    kind: str,
    context: dict[str, Any] | None = None,
    *,
    url: str = "",
    email: bool = True,
    about: str = "",
) -> list[tuple[Notification, str]]:
    """What ``notify`` would write, rendered now and not saved: (notice, email address or "") per recipient.

    With ``notices_save`` a change telling several people (a leave request: its applicant, its deputy)
    renders each notice when it is decided and writes them all in two statements at its end.
    """
    context = dict(context or {})
    users = {user.pk: user for user in map(_as_user, recipients) if user is not None and user.is_active}
    drafts: list[tuple[Notification, str]] = []
    pushed = push.is_pushed(kind)
    for user in users.values():
        ctx = {**context, "recipient": user, "url": url}
        language = user.language or "zh-hant"
        try:
            title = _render(kind, "subject", language, ctx)
        except TemplateDoesNotExist as exc:
            raise ValueError(f"notification kind {kind!r} has no templates") from exc
        body = _render(kind, "body", language, ctx)
        address = user.email or getattr(getattr(user, "staff_or_none", None), "email", "")
        drafts.append((Notification(recipient=user, kind=kind, title=title, body=body, url=url, about=about[:60],
                                    push_due=pushed),
                       address if email else ""))
    return drafts


def notices_save(drafts: Iterable[tuple[Notification, str]]) -> list[Notification]:
    """Write drafted notices in one INSERT and their emails in another, in the caller's transaction
    (a rollback tells nobody); the emails are handed to Celery after the commit, as ``notify`` does."""
    drafts = list(drafts)
    if not drafts:
        return []
    notices = Notification.objects.bulk_create([notice for notice, _address in drafts])
    outboxes = EmailOutbox.objects.bulk_create(
        EmailOutbox(notification=notice, to=address, subject=notice.title, body=_email_body(notice.body, notice.url))
        for notice, address in drafts
        if address
    )
    if outboxes:
        _deliver_soon()
    push.schedule_fan_out([notice.pk for notice in notices if notice.push_due])
    return notices


def _email_body(body: str, url: str) -> str:
    if not url:
        return body
    return f"{body}\n\n{settings.SITE_URL.rstrip('/')}{url}"


def _deliver_soon() -> None:
    """After the commit, make sure one batch task will send the emails — unless one is queued already.

    The mark in the cache coalesces a burst of commits (a morning of leave requests): only the first queues the
    task, which waits ``NOTIFICATIONS_EMAIL_DELAY_SECONDS`` and then sends every email due, over one connection.
    The task clears the mark before it reads the rows, so an email committed after that read queues the next
    task. A lost task leaves its emails pending: the next task, or the beat sweep, takes them.
    """
    from notifications.tasks import deliver_email_batch

    def enqueue() -> None:
        if not cache.add(EMAILS_QUEUED_MARK, 1, timeout=settings.NOTIFICATIONS_EMAIL_COALESCE_SECONDS):
            return  # a task is queued and has not started yet: it will take these emails
        try:
            deliver_email_batch.apply_async(countdown=settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS)
        except Exception:  # the broker is down: the beat sweep sends them; the change stands
            cache.delete(EMAILS_QUEUED_MARK)
            log.exception("could not queue the delivery of the emails")

    transaction.on_commit(enqueue)


def notification_mark_read(*, user: "_User", notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all unread ones when no ids are given). Returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def notification_resolve(*, about: str) -> int:
    """The action a notice asked for is done (by anyone): every open notice about it is resolved and read,
    so the unread badge counts only what still waits for its reader. Called by the service that records
    the action, inside its transaction. Returns how many notices it resolved."""
    if not about:
        return 0
    now = timezone.now()
    return Notification.objects.filter(about=about[:60], resolved_at__isnull=True).update(
        resolved_at=now, read_at=Coalesce("read_at", Value(now))
    )


def outbox_retry(*, outbox_ids: Iterable[int]) -> int:
    """Give failed or waiting emails a fresh round of attempts, now (after the mail server is fixed).

    Sent emails are never touched: retrying cannot send anything twice.
    """
    qs = EmailOutbox.objects.filter(pk__in=list(outbox_ids), status__in=OUTBOX.sources("retry"))
    ids = list(qs.values_list("pk", flat=True))
    qs.update(status=OUTBOX.target("retry"), attempts=0, next_attempt_at=None)
    if ids:
        _deliver_soon()
    return len(ids)


# --- Web Push: my devices -----------------------------------------------------------------------------
def _school_of(user: Any) -> Any:
    return getattr(getattr(user, "staff_or_none", None), "school", None)


def push_subscribe(*, user: Any, endpoint: str, p256dh: str, auth: str, device: str = "") -> PushSubscription:
    """Keep the subscription the browser made on this device (after the person clicked and the browser asked
    them). Checked before anything is written: push is on, the endpoint is https on a push service's host,
    ``p256dh`` is a P-256 public key and ``auth`` 16 bytes, both base64url. Subscribing again from the same
    browser updates the row; an endpoint another account had on this device (someone else signed in here
    before) now belongs to this account: the browser holds one subscription per site. Audited."""
    if not push.push_enabled():
        raise NotificationError(_("這個網站尚未設定推播通知。"), code="push_off")
    endpoint = (endpoint or "").strip()
    if not push.endpoint_allowed(endpoint):
        raise NotificationError(_("推播服務的網址不正確：必須是推播服務的 https 網址。"), code="bad_endpoint")
    key = push.b64url_decode((p256dh or "").strip())
    if not push.p256dh_valid(key):
        raise NotificationError(_("裝置的公鑰（p256dh）不正確。"), code="bad_key")
    secret = push.b64url_decode((auth or "").strip())
    if secret is None or len(secret) != 16:
        raise NotificationError(_("裝置的驗證密鑰（auth）不正確：應為 16 位元組的 base64url。"), code="bad_auth")
    fields = {"user": user, "p256dh": push.b64url(key or b""), "auth": push.b64url(secret),
              "device": (device or "")[:120]}
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        created = False
        if subscription is None:  # get_or_create: a request racing this one may have made it meanwhile
            subscription, created = PushSubscription.objects.get_or_create(endpoint=endpoint, defaults=fields)
        previous_user = subscription.user_id
        if not created:
            for name, value in fields.items():
                setattr(subscription, name, value)
            subscription.save(update_fields=["user", "p256dh", "auth", "device"])
        data: dict[str, Any] = {"device": subscription.device, "renewed": not created}
        if previous_user != user.pk:
            data["from_user"] = previous_user
        audit_log(actor=user, action="notifications.push_subscribed", target=subscription, data=data,
                  school=_school_of(user))
    return subscription


def push_unsubscribe(*, user: Any, subscription_id: int) -> None:
    """Stop pushing to one of the person's own devices. Another person's device is not found (the view answers
    404 before asking). Audited."""
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(pk=subscription_id, user=user).first()
        if subscription is None:
            raise NotificationError(_("找不到這部裝置。"), code="not_found")
        audit_log(actor=user, action="notifications.push_unsubscribed", target=subscription,
                  data={"device": subscription.device}, school=_school_of(user))
        subscription.delete()
