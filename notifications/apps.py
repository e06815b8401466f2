from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The one path every module uses to tell people things.

    ``notify()`` writes an in-app notification and an email outbox row in the caller's
    transaction; a Celery task delivers the email after commit, retrying with backoff,
    and never sends the same row twice.
    """

    name = "notifications"
    verbose_name = _("通知")
