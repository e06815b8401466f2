"""How leave reads to people: spans in 民國 dates, amounts as 「X日Y小時」."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from staff.twdate import format_days_hours, format_roc_short


def span_text(start: dt.datetime, end: dt.datetime) -> str:
    """「114/10/08 08:00–12:00」 within a day, 「114/10/08 08:00 – 114/10/10 16:00」 across days."""
    s, e = timezone.localtime(start), timezone.localtime(end)
    if s.date() == e.date():
        return f"{format_roc_short(s.date())} {s:%H:%M}–{e:%H:%M}"
    return f"{format_roc_short(s.date())} {s:%H:%M} – {format_roc_short(e.date())} {e:%H:%M}"


def remaining_text(hours: int | None) -> str:
    """The balance as the school's system shows it: 「剩餘：14日0小時」."""
    return str(_("剩餘：%(amount)s")) % {"amount": format_days_hours(hours or 0)}


ACTION_LABELS = {
    "leave.submitted": _("送出"),
    "leave.step_approved": _("同意"),
    # What happened, not a button: "Approved", "Rejected" (the buttons keep the imperative).
    "leave.approved": pgettext_lazy("status", "核准"),
    "leave.rejected": pgettext_lazy("status", "駁回"),
    "leave.withdrawn": _("撤回"),
    "leave.cancel_requested": _("申請銷假"),
    "leave.cancelled": _("已銷假"),
    "leave.shortened": _("銷假縮短"),
    "leave.step_reassigned": _("改派簽核人"),
    "leave.recounted": _("因行事曆變更重新計算"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action
