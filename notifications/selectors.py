from django.db.models import QuerySet

from notifications.models import Notification, PushSubscription


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def push_devices(user) -> QuerySet[PushSubscription]:
    """The devices where this person receives Web Push notifications, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-id")
