"""Web Push (docs/pwa.md): which notices are pushed, what a subscription must look like, and sending.

A notice of a kind in ``PUSH_KINDS`` is written with ``push_due`` while push is configured (both VAPID keys
set). After the commit, ``fan_out`` turns each such notice into one ``PushMessage`` per device of its
recipient and clears the flag, in one transaction; ``send`` delivers one message with pywebpush (encrypted
for the device, RFC 8291, signed with the VAPID key, RFC 8292). Like the email outbox: the row is locked
while it is sent, a failure waits 30 s, 1, 2, 4 ... minutes (``NOTIFICATIONS_RETRY_BASE_SECONDS``) and gives
up after ``NOTIFICATIONS_MAX_ATTEMPTS``; a device the push service says is gone (404, 410) is deleted. The beat
sweep picks up what a lost task left: flagged notices and due messages.
"""

import base64
import binascii
import json
import logging
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pywebpush import WebPushException, webpush

from notifications.models import Notification, PushMessage, PushSubscription
from notifications.retries import LOST_AFTER, SENT, SKIPPED, due_ids, failure_record, not_due, sent_record
from notifications.states import PUSH

log = logging.getLogger(__name__)

# The notices people wait for (docs/pwa.md says why these): a decision on something I asked for, a cover
# duty offered, assigned or taken back, and an action waiting for me. Everything else stays in the inbox and
# the email.
PUSH_KINDS = frozenset({
    # my leave, overtime, 補登 or 停班停課 claim decided
    "leave.decided",
    "leave.overtime_decided",
    "attendance.correction_approved",
    "attendance.correction_rejected",
    "schedules.disaster_stop_decided",
    # a cover duty offered to me, assigned to me, or taken back
    "substitutes.offered",
    "substitutes.assigned",
    "substitutes.assigned_many",
    "substitutes.assignment_cancelled",
    # an action waiting for me
    "leave.action_needed",
    "leave.overtime_action_needed",
    "attendance.correction_requested",
    "schedules.disaster_stop_claimed",
    "schedules.cap_alert_proposed",
})

GONE = "gone"  # besides the outcomes of notifications.retries: the device was gone and is deleted
# A push message is a phone's banner: the body is cut to this many characters (the whole notice is one tap away).
BODY_CHARS = 300
# How long the push service keeps a message for a device that is off (seconds).
TIME_TO_LIVE = 24 * 3600
TIMEOUT_SECONDS = 10

_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def push_enabled() -> bool:
    """Push is on when both VAPID keys are set; otherwise nothing is flagged, sent or offered."""
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def public_key() -> str:
    """The VAPID public key the browser subscribes with (``applicationServerKey``), or "" when push is off."""
    return settings.WEBPUSH_VAPID_PUBLIC_KEY if push_enabled() else ""


def is_pushed(kind: str) -> bool:
    return kind in PUSH_KINDS and push_enabled()


# --- subscriptions: what the browser sends ------------------------------------------------------------
def b64url_decode(text: str) -> bytes | None:
    """Bytes of a base64url string (with or without padding), or None when it is not one."""
    if not isinstance(text, str) or not _B64URL.match(text):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def endpoint_allowed(endpoint: str) -> bool:
    """An https address on one of the push services' hosts (``WEBPUSH_ENDPOINT_HOSTS``), without credentials."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return False
    if parts.scheme != "https" or not host or parts.username or parts.password or len(endpoint) > 1000:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in settings.WEBPUSH_ENDPOINT_HOSTS)


def p256dh_valid(raw: bytes | None) -> bool:
    """The browser's public key: an uncompressed point on P-256 (65 bytes, 0x04 first)."""
    if raw is None or len(raw) != 65 or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def device_label(user_agent: str) -> str:
    """A name for the device a person will recognise in their list ("Android · Chrome"), from its User-Agent."""
    ua = user_agent or ""
    system = next((name for token, name in (
        ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
        ("Macintosh", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
    ) if token in ua), "")
    browser = next((name for token, name in (
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"), ("Firefox/", "Firefox"),
        ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
    ) if token in ua), "")
    return " · ".join(part for part in (system, browser) if part)[:120]


# --- fan-out: one message per device of each flagged notice -------------------------------------------
def schedule_fan_out(notification_ids: list[int]) -> None:
    """After the commit of the change that wrote them, hand the flagged notices to a worker."""
    if not notification_ids:
        return
    from notifications.tasks import fan_out_push

    transaction.on_commit(lambda: fan_out_push.delay(notification_ids))


def fan_out(notification_ids: list[int]) -> list[int]:
    """Write the push messages of these notices (those still flagged) and clear their flag, in one transaction;
    the ids of the messages written. A constant number of statements however many notices and devices; a
    second call for the same notices writes nothing (the flag is cleared under the rows' lock)."""
    with transaction.atomic():
        notices = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, push_due=True)
            .values_list("pk", "recipient_id")
        )
        if not notices:
            return []
        devices: dict[int, list[int]] = {}
        for subscription_id, user_id in PushSubscription.objects.filter(
            user_id__in={user_id for _pk, user_id in notices}
        ).values_list("pk", "user_id"):
            devices.setdefault(user_id, []).append(subscription_id)
        messages = PushMessage.objects.bulk_create(
            PushMessage(notification_id=pk, subscription_id=subscription_id)
            for pk, user_id in notices
            for subscription_id in devices.get(user_id, [])
        )
        Notification.objects.filter(pk__in=[pk for pk, _user in notices]).update(push_due=False)
        return [message.pk for message in messages]


def due_notice_ids(limit: int = 500) -> list[int]:
    """Flagged notices whose fan-out should have run by now (its task was lost)."""
    return list(
        Notification.objects.filter(push_due=True, created_at__lte=timezone.now() - LOST_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def due_message_ids(limit: int = 500) -> list[int]:
    return due_ids(PushMessage, PUSH, limit)


# --- sending one message ------------------------------------------------------------------------------
def payload(notice: Notification) -> str:
    """What the service worker shows: the notice's title and body (already in the recipient's language) and
    the link that opens it (and marks it read). The tag makes a message delivered twice replace itself."""
    body = notice.body if len(notice.body) <= BODY_CHARS else notice.body[: BODY_CHARS - 1] + "…"
    return json.dumps(
        {
            "title": notice.title,
            "body": body,
            "url": reverse("notifications:open", args=[notice.pk]),
            "tag": f"notice-{notice.pk}",
        },
        ensure_ascii=False,
    )


def send(message_id: int) -> str:
    """Send one push message: SENT, SKIPPED (gone, done or not due), RETRY, FAILED or GONE (the device is gone
    and was deleted with its messages). The row is locked while the push service is asked, so a retry racing
    the beat sweep sends once."""
    with transaction.atomic():
        message = (
            PushMessage.objects.select_for_update(of=("self",))
            .select_related("notification", "subscription")
            .filter(pk=message_id)
            .first()
        )
        if message is None or not PUSH.allows(message.status, "send") or not push_enabled():
            return SKIPPED
        if not_due(message):
            return SKIPPED
        device = message.subscription
        message.attempts += 1
        try:
            webpush(
                subscription_info={"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
                data=payload(message.notification),
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                ttl=TIME_TO_LIVE,
                timeout=TIMEOUT_SECONDS,
                headers={"Urgency": "high"},
            )
        except Exception as exc:  # the push service's refusals, refused connections, timeouts
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if isinstance(exc, WebPushException) and status in (404, 410):
                # The browser unsubscribed or the subscription expired: the device is gone for good.
                log.info("push subscription %s of user %s is gone (%s): deleted", device.pk, device.user_id, status)
                PushSubscription.objects.filter(pk=device.pk).delete()
                return GONE
            return failure_record(message, exc, PUSH)
        now = timezone.now()
        sent_record(message, PUSH, now)
        PushSubscription.objects.filter(pk=device.pk).update(last_used_at=now)
        return SENT
