from django import template
from django.utils import timezone

from substitutes.models import CoverageNeed

register = template.Library()


@register.simple_tag
def open_cover_count(me) -> int:
    """Periods from today on still without cover at the person's school (one query)."""
    if me is None:
        return 0
    return CoverageNeed.objects.filter(
        school_id=me.school_id, status=CoverageNeed.Status.OPEN, date__gte=timezone.localdate()
    ).count()
