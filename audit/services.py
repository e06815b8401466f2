import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from audit.models import AuditEntry
from common.request_context import current as current_request


def audit_log(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    school=None,
) -> AuditEntry:
    """Record a state change. Call it from the service that makes the change, inside its transaction.

    ``action`` is ``<app>.<verb>`` such as ``leave.approved`` or ``sso.bound``; ``data`` holds
    what a reader needs later (old and new values, reasons), JSON-serialisable.
    """
    if school is None and target is not None:
        school = getattr(target, "school", None)
    request = current_request()
    return AuditEntry.objects.create(
        ip_address=request.client_ip if request else None,
        request_id=request.request_id if request else "",
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        # Round-trip through DjangoJSONEncoder so dates, decimals and UUIDs are stored as text.
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        school=school,
    )


def audit_log_many(
    *,
    actor,
    action: str,
    entries: list[tuple[models.Model, dict[str, Any]]],
    school=None,
) -> list[AuditEntry]:
    """audit_log for many targets of one change (one entry each), in one INSERT."""
    rows = [
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_repr=str(target)[:200],
            data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            school=school if school is not None else getattr(target, "school", None),
        )
        for target, data in entries
    ]
    return AuditEntry.objects.bulk_create(rows)
