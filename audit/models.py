from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change that matters: who did what to which object, when, with what data."""

    created_at = models.DateTimeField(_("時間"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作者"),
    )
    school = models.ForeignKey(
        "staff.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("學校")
    )
    action = models.CharField(_("動作"), max_length=60, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=40, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("對象"), max_length=200, blank=True)
    data = models.JSONField(_("內容"), default=dict, blank=True)
    # Where the change came from (common/client.py, the same address the lockout and the network
    # rule see) and the request's id, as in the logs; empty for tasks and commands.
    ip_address = models.GenericIPAddressField(_("來源位址"), null=True, blank=True)
    request_id = models.CharField(_("請求編號"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("稽核紀錄")
        verbose_name_plural = _("稽核紀錄")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["school", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"
