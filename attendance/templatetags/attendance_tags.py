"""Small display helpers for the attendance templates: {% load attendance_tags %}."""

from html import escape as html_escape

from django import template
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from attendance.models import DailyStatus

register = template.Library()

# What fits in a calendar cell on a phone.
SHORT: dict[str, Promise] = {
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


@register.simple_tag
def sheet_cells(row, day_url: str = "") -> str:
    """A month-sheet row's day cells and totals, built here rather than node by node in the template: 150 people ×
    31 days are 4,650 cells, and the template engine's cost per cell would be most of the page's time.
    With ``day_url`` (the person's day page; ``{person}`` in it stands for the row's person) each glyph is a link
    to that day."""
    pk = row.person.pk
    parts = []
    url = html_escape(day_url.replace("{person}", str(pk)))
    joiner = "&amp;" if "?" in day_url else "?"
    for cell in row.cells:
        opening = f'<td class="sheet-{cell.key}" data-testid="cell-{pk}-{cell.iso}" data-key="{cell.key}">'
        text = html_escape(cell.text)
        if day_url:
            title = html_escape(cell.title)
            parts.append(f'{opening}<a href="{url}{joiner}date={cell.iso}" title="{title}">{text or "&nbsp;"}</a></td>')
        else:
            parts.append(f"{opening}{text}</td>")
    totals = row.totals
    for name, value in (
        ("late", totals.late_count), ("", totals.late_minutes), ("early", totals.early_count),
        ("", totals.early_minutes), ("missing", totals.missing), ("absent", totals.absent),
    ):
        testid = f' data-testid="total-{name}-{pk}"' if name else ""
        parts.append(f'<td class="sheet-total"{testid}>{value}</td>')
    parts.extend(f'<td class="sheet-total">{html_escape(text)}</td>' for text in row.leave_texts)
    return mark_safe("".join(parts))
