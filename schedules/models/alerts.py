"""Official 停班停課 announcements received as CAP alerts, and what became of them.

Each alert read (from a file, a URL or the polled feed) is kept once, by its CAP identifier. An
alert that asks for a stop in our city is a *proposal*; personnel (for their school) or the city
administrator (for its whole scope) confirm it, and only then is a TyphoonDay declared. Alerts
that update or cancel an earlier one share its ``thread`` (the first alert's identifier), which is
also the ``source_ref`` of every declaration made from the thread.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import enumerate_text

if TYPE_CHECKING:
    from schedules.models.calendar import TyphoonDay

__all__ = ["AlertDecision", "DisasterAlert"]

RAW_XML_KEPT = 64 * 1024


class DisasterAlert(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("待確認")
        CONFIRMED = "confirmed", _("已確認")
        DISMISSED = "dismissed", _("不採用")
        WITHDRAWN = "withdrawn", _("已取消")
        SUPERSEDED = "superseded", _("已被更新")
        IGNORED = "ignored", _("不適用")

    class Action(models.TextChoices):
        DECLARE = "declare", _("宣布或修改停班停課")
        WITHDRAW = "withdraw", _("撤銷停班停課")

    identifier = models.CharField(_("警報識別碼"), max_length=200, unique=True)
    sender = models.CharField(_("發布者"), max_length=200)
    sent = models.DateTimeField(_("發布時間"))
    status = models.CharField(_("狀態（CAP status）"), max_length=12)
    msg_type = models.CharField(_("訊息類型（CAP msgType）"), max_length=10)
    references = models.TextField(_("參照的警報"), blank=True)
    thread = models.CharField(_("同一事件的第一則警報"), max_length=200, db_index=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("更新的警報")
    )
    event = models.CharField(_("事件"), max_length=100, blank=True)
    headline = models.CharField(_("標題"), max_length=200, blank=True)
    description = models.TextField(_("內容"), blank=True)
    areas = models.JSONField(_("警報地區"), default=list, blank=True)

    # What it proposes (for a proposal; blank for an ignored alert).
    action = models.CharField(_("提議"), max_length=10, choices=Action.choices, default=Action.DECLARE)
    day = models.DateField(_("日期"), null=True, blank=True)
    start_time = models.TimeField(_("起始時間"), null=True, blank=True)
    end_time = models.TimeField(_("結束時間"), null=True, blank=True)
    stops_work = models.BooleanField(_("停止上班"), default=False)
    stops_classes = models.BooleanField(_("停止上課"), default=False)
    districts = models.JSONField(_("行政區"), default=list, blank=True, help_text=_("空白表示全市"))

    state = models.CharField(_("處理狀態"), max_length=12, choices=State.choices, default=State.PROPOSED)
    ignore_reason = models.CharField(_("不適用的原因"), max_length=200, blank=True)
    typhoon = models.ForeignKey(
        "schedules.TyphoonDay", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("宣布的停班停課"),
    )
    source = models.CharField(_("來源"), max_length=300, blank=True)
    raw_xml = models.TextField(_("原始 XML"), blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("匯入者"),
    )
    imported_at = models.DateTimeField(_("匯入時間"), auto_now_add=True)

    # The declarations made from the alert's thread, read once per object (schedules.cap_services._declared).
    _declared: "list[TyphoonDay]"

    class Meta:
        verbose_name = _("停班停課警報")
        verbose_name_plural = _("停班停課警報")
        ordering = ["-sent", "-pk"]
        indexes = [models.Index(fields=["state", "day"])]

    def __str__(self) -> str:
        return f"{self.identifier}（{self.get_state_display()}）"

    @property
    def is_citywide(self) -> bool:
        return not self.districts

    def window_text(self) -> str:
        """「停止上班、停止上課，12:00 起」 (works for a TyphoonDay too: the same field names)."""
        stops = [str(label) for flag, label in ((self.stops_work, _("停止上班")), (self.stops_classes, _("停止上課")))
                 if flag]
        what = enumerate_text(stops) or str(_("照常上班上課"))
        if self.start_time and self.end_time:
            return _("%(what)s，%(start)s–%(end)s") % {
                "what": what, "start": f"{self.start_time:%H:%M}", "end": f"{self.end_time:%H:%M}"}
        if self.start_time:
            return _("%(what)s，%(start)s 起") % {"what": what, "start": f"{self.start_time:%H:%M}"}
        if self.end_time:
            return _("%(what)s，至 %(end)s") % {"what": what, "end": f"{self.end_time:%H:%M}"}
        return _("%(what)s，全天") % {"what": what}

    def scope_text(self) -> str:
        return enumerate_text(self.districts) if self.districts else str(_("全市"))

    def ignore_reason_text(self) -> str:
        from schedules.cap import IGNORE_REASONS

        return str(IGNORE_REASONS.get(self.ignore_reason, self.ignore_reason))


class AlertDecision(models.Model):
    """One confirmation or dismissal of a proposal: for one school (its personnel) or, with no
    school, for the proposal's whole scope (the city administrator)."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("確認")
        DISMISSED = "dismissed", _("不採用")

    alert = models.ForeignKey(DisasterAlert, on_delete=models.CASCADE, related_name="decisions")
    school = models.ForeignKey("staff.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("決定"), max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("警報處理紀錄")
        verbose_name_plural = _("警報處理紀錄")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "school"], condition=Q(school__isnull=False), name="alert_decision_one_per_school"
            ),
            models.UniqueConstraint(fields=["alert"], condition=Q(school__isnull=True), name="alert_decision_one_city"),
        ]

    def __str__(self) -> str:
        return f"{self.alert.identifier} {self.get_decision_display()}"
