from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notifications.models import Notification, PushSubscription

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as the stubs name it (see notifications.services).
    from django.contrib.auth.models import _User


def unread_count(user: "_User") -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user: "_User") -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def push_devices(user: "_User") -> QuerySet[PushSubscription]:
    """The devices where this person receives Web Push notifications, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-id")
