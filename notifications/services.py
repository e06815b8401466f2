"""notify(): the one way a module tells people something.

Each kind has two templates per language under templates/notifications/<kind>/:
``subject.txt`` and ``body.txt`` (``subject.en.txt`` and ``body.en.txt`` for English).
They are rendered in each recipient's own language.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import EmailOutbox, Notification
from notifications.states import OUTBOX


def _render(kind: str, part: str, language: str, context: dict[str, Any]) -> str:
    names = [f"notifications/{kind}/{part}.txt"]
    if language.startswith("en"):
        names.insert(0, f"notifications/{kind}/{part}.en.txt")
    with translation.override(language):
        return render_to_string(names, context).strip()


def _as_user(recipient):
    # Accept users or staff members, so callers need not care which they hold.
    return getattr(recipient, "user", recipient)


def notify(
    recipients: Iterable,
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
    """
    context = dict(context or {})
    users = {user.pk: user for user in map(_as_user, recipients) if user is not None and user.is_active}
    created: list[Notification] = []
    for user in users.values():
        ctx = {**context, "recipient": user, "url": url}
        language = user.language or "zh-hant"
        try:
            title = _render(kind, "subject", language, ctx)
        except TemplateDoesNotExist as exc:
            raise ValueError(f"notification kind {kind!r} has no templates") from exc
        body = _render(kind, "body", language, ctx)
        notice = Notification.objects.create(recipient=user, kind=kind, title=title, body=body, url=url,
                                             about=about[:60])
        created.append(notice)
        address = user.email or getattr(getattr(user, "staff_or_none", None), "email", "")
        if email and address:
            outbox = EmailOutbox.objects.create(
                notification=notice, to=address, subject=title, body=_email_body(body, url)
            )
            _schedule_delivery(outbox.pk)
    return created


def notice_drafts(
    recipients: Iterable,
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
    for user in users.values():
        ctx = {**context, "recipient": user, "url": url}
        language = user.language or "zh-hant"
        try:
            title = _render(kind, "subject", language, ctx)
        except TemplateDoesNotExist as exc:
            raise ValueError(f"notification kind {kind!r} has no templates") from exc
        body = _render(kind, "body", language, ctx)
        address = user.email or getattr(getattr(user, "staff_or_none", None), "email", "")
        drafts.append((Notification(recipient=user, kind=kind, title=title, body=body, url=url, about=about[:60]),
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
    for outbox in outboxes:
        _schedule_delivery(outbox.pk)
    return notices


def _email_body(body: str, url: str) -> str:
    from django.conf import settings

    if not url:
        return body
    return f"{body}\n\n{settings.SITE_URL.rstrip('/')}{url}"


def _schedule_delivery(outbox_id: int) -> None:
    from notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.delay(outbox_id))


def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
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
    for outbox_id in ids:
        _schedule_delivery(outbox_id)
    return len(ids)
