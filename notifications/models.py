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

    class Meta:
        verbose_name = _("站內通知")
        verbose_name_plural = _("站內通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["about"], condition=models.Q(resolved_at__isnull=True), name="notice_open_about"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailOutbox(models.Model):
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
    attempts = models.PositiveSmallIntegerField(_("嘗試次數"), default=0)
    last_error = models.TextField(_("最後錯誤"), blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("下次嘗試"), null=True, blank=True)
    sent_at = models.DateTimeField(_("寄出時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("寄信佇列")
        verbose_name_plural = _("寄信佇列")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
