from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from audit.models import AuditEntry


def audit_history(target: models.Model) -> QuerySet[AuditEntry]:
    """The entries about one object, oldest first (for 'history' panels)."""
    return (
        AuditEntry.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )
