from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notice in one person's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("收件人")
    )
    kind = models.CharField(_("種類"), max_length=60)
    title = models.CharField(_("標題"), max_length=200)
    body = models.TextField(_("內容"), blank=True)
    url = models.CharField(_("連結"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("時間"), auto_now_add=True)
    read_at = models.DateTimeField(_("已讀時間"), null=True, blank=True)
    # A notice that asks for an action names what it is about ("leave.request:12"); when anyone has acted,
    # the owning app's service resolves every notice about it (notification_resolve): read, and marked done.
    about = models.CharField(_("待辦項目"), max_length=60, blank=True)
    resolved_at = models.DateTimeField(_("已處理時間"), null=True, blank=True)
    # Set when the notice is written, for the kinds that are pushed (notifications.push.PUSH_KINDS) while Web Push
    # is configured; the fan-out clears it as it writes the notice's push messages, so a lost task is found again.
    push_due = models.BooleanField(_("待推播"), default=False)

    class Meta:
        verbose_name = _("站內通知")
        verbose_name_plural = _("站內通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["about"], condition=models.Q(resolved_at__isnull=True), name="notice_open_about"),
            models.Index(fields=["created_at"], condition=models.Q(push_due=True), name="notice_push_due"),
        ]

    def __str__(self) -> str:
        return self.title


class QueuedDelivery(models.Model):
    """What a row sent by a task shares with the others (notifications/retries.py): its attempts, the last
    error, when the next attempt is due. Each queue keeps its own status (its labels) and sent time."""

    attempts = models.PositiveSmallIntegerField(_("嘗試次數"), default=0)
    last_error = models.TextField(_("最後錯誤"), blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("下次嘗試"), null=True, blank=True)

    class Meta:
        abstract = True


class EmailOutbox(QueuedDelivery):
    """An email written in the same transaction as the change that caused it.

    Delivery (notifications.tasks) claims the row under a lock, sends, and marks it sent, so
    workers and retries racing for a row send it once. Delivery is at least once: a worker killed
    after the mail server took the message and before the row was marked sends it again, with the
    same Message-ID (notifications/delivery.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待寄")
        SENT = "sent", _("已寄出")
        FAILED = "failed", _("寄送失敗")

    notification = models.OneToOneField(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="email"
    )
    to = models.EmailField(_("收件地址"))
    subject = models.CharField(_("主旨"), max_length=250)
    body = models.TextField(_("內容"))
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("寄出時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("寄信佇列")
        verbose_name_plural = _("寄信佇列")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class PushSubscription(models.Model):
    """One device (a browser on a phone or a computer) where a person agreed to receive Web Push notifications.

    ``endpoint`` is the push service's address for that browser (a secret: whoever holds it can post to the
    device); ``p256dh`` and ``auth`` are the browser's keys that messages are encrypted for (RFC 8291).
    A person may have several devices; an endpoint belongs to one person.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions", verbose_name=_("使用者")
    )
    endpoint = models.URLField(_("推播服務網址"), max_length=1000, unique=True)
    p256dh = models.CharField(_("裝置公鑰"), max_length=100)
    auth = models.CharField(_("驗證密鑰"), max_length=30)
    device = models.CharField(_("裝置"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近送達"), null=True, blank=True)

    class Meta:
        verbose_name = _("推播裝置")
        verbose_name_plural = _("推播裝置")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.device or self.endpoint[:60]


class PushMessage(QueuedDelivery):
    """One notice to one device, sent by a Celery task after the commit (notifications/push.py), with retries
    like the email outbox. A device that the push service says is gone (404, 410) is deleted with its messages."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待送")
        SENT = "sent", _("已送出")
        FAILED = "failed", _("送出失敗")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="push_messages")
    subscription = models.ForeignKey(PushSubscription, on_delete=models.CASCADE, related_name="messages")
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(_("推送時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("推播佇列")
        verbose_name_plural = _("推播佇列")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "subscription"], name="push_once_per_device"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="push_due_idx")]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.subscription_id}"
