import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from audit.models import AuditEntry
from common.request_context import current as current_request

if TYPE_CHECKING:
    # The stubs' name for settings.AUTH_USER_MODEL (the type checker's plugin reads the setting), so the
    # actor is typed without importing the app that defines the account.
    from django.contrib.auth.models import _User

    # The school an entry belongs to (AuditEntry.school, the foreign key "staff.School"): for the type
    # checker only, never imported when the code runs (the exception is written in .importlinter).
    from staff.models import School


def _account(actor: "_User | AnonymousUser | None") -> "_User | None":
    """The account an entry names: none for a task or command, an anonymous visitor or an unsaved user."""
    if actor is None or isinstance(actor, AnonymousUser) or not actor.pk:
        return None
    return actor


def audit_log(
    *,
    actor: "_User | AnonymousUser | None",
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    school: "School | None" = None,
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
        actor=_account(actor),
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
    actor: "_User | AnonymousUser | None",
    action: str,
    entries: list[tuple[models.Model, dict[str, Any]]],
    school: "School | None" = None,
) -> list[AuditEntry]:
    """audit_log for many targets of one change (one entry each), in one INSERT."""
    rows = [
        AuditEntry(
            actor=_account(actor),
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
