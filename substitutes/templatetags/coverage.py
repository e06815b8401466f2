from django import template
from django.utils import timezone

from substitutes.models import CoverageNeed
from substitutes.selectors import my_cover_board, pending_offers
from substitutes.states import ABSENCE, ASSIGNMENT, NEED

register = template.Library()


@register.filter
def need_allows(need, action: str) -> bool:
    """{% if need|need_allows:"assign" %}: whether the need's status table offers the action."""
    return NEED.allows(need.status, action)


@register.filter
def assignment_allows(assignment, action: str) -> bool:
    """{% if a|assignment_allows:"cancel" %}: whether the assignment's status table offers the action."""
    return assignment is not None and ASSIGNMENT.allows(assignment.status, action)


@register.simple_tag
def open_cover_count(me) -> int:
    """Periods from today on still without cover at the person's school (one query)."""
    if me is None:
        return 0
    return CoverageNeed.objects.filter(
        school_id=me.school_id, status=CoverageNeed.Status.OPEN, date__gte=timezone.localdate()
    ).count()


@register.simple_tag
def my_cover_offers(me):
    """Offers made to the person and not answered yet (1 query)."""
    if me is None:
        return []
    return list(pending_offers(staff=me))


@register.simple_tag
def my_cover_duties(me):
    """The person's own cover duties today and on the next day with classes (4 queries)."""
    if me is None:
        return []
    return my_cover_board(staff=me, today=timezone.localdate())


@register.filter
def absence_allows(absence, action: str) -> bool:
    """{% if a|absence_allows:"cancel" %}: whether the absence's status table offers the action."""
    return ABSENCE.allows(absence.status, action)
