"""Small display helpers for the attendance templates: {% load attendance_tags %}."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import DailyStatus

register = template.Library()

# What fits in a calendar cell on a phone.
SHORT = {
    DailyStatus.PENDING: _("進行中"),
    DailyStatus.ON_TIME: _("正常"),
    DailyStatus.LATE: _("遲到"),
    DailyStatus.LEFT_EARLY: _("早退"),
    DailyStatus.MISSING_IN: _("缺上班"),
    DailyStatus.MISSING_OUT: _("缺下班"),
    DailyStatus.ABSENT: _("缺勤"),
    DailyStatus.LEAVE: _("請假"),
    DailyStatus.PARTIAL_LEAVE: _("部分假"),
    DailyStatus.HOLIDAY: _("放假"),
    DailyStatus.NO_DUTY: _("免打卡"),
}

DAY_OFF = {
    "weekend": _("週末"),
    "holiday": _("國定假日"),
    "typhoon": _("颱風停班停課"),
    "school_day_off": _("學校放假"),
    "vacation": _("寒暑假"),
    "no_duty": _("您的職別無需打卡"),
}


@register.filter
def short_status(status: str) -> str:
    return str(SHORT.get(status, status))


@register.filter
def day_off_text(duty) -> str:
    """Why nobody expects this person today: the calendar's label, or a plain word for its reason."""
    if getattr(duty, "label", ""):
        return duty.label
    return str(DAY_OFF.get(getattr(duty, "reason", ""), _("無出勤義務")))


@register.filter
def hm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


@register.filter
def hms(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S") if moment else ""


@register.inclusion_tag("attendance/_today_card.html", takes_context=True)
def attendance_today_card(context):
    """The home page's card: today's window, punches and result, and the way to the clock."""
    me = context.get("me")
    if me is None:
        return {"me": None}
    from attendance.selectors import today_for

    return {"me": me, "today": today_for(me)}
