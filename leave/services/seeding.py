"""Giving a school the seeded leave types, rules and approval chains (leave/seed.py)."""

from decimal import Decimal

from django.db import transaction

from audit.services import audit_log
from leave import school_cache, seed
from leave.models import (
    ApprovalChain,
    ApprovalChainStep,
    LeaveRule,
    LeaveType,
)
from staff.models import School, User


def leave_types_seed(*, school: School, actor: User | None = None) -> int:
    """Give the school the types and rules of leave/seed.py it does not have yet. Returns rules created.

    A type that already has rules is left as the personnel office edited it.
    """
    created = 0
    with transaction.atomic():
        types = {t.code: t for t in LeaveType.objects.filter(school=school)}
        for spec in seed.LEAVE_TYPES:
            if spec["code"] not in types:
                types[spec["code"]] = LeaveType.objects.create(
                    school=school, code=spec["code"], name=spec["name"],
                    name_en=spec.get("name_en", ""), sort_order=spec["sort_order"]
                )
        with_rules = set(LeaveRule.objects.filter(leave_type__school=school).values_list("leave_type_id", flat=True))
        for spec in seed.LEAVE_TYPES:
            leave_type = types[spec["code"]]
            if leave_type.pk in with_rules:
                continue
            for audience_key, audience in seed.AUDIENCES.items():
                fields = {**seed.RULE_DEFAULTS, **audience, **spec["rule"], **spec.get(audience_key, {})}
                for link in ("draws_from", "overflow_to"):
                    if link in fields:
                        fields[link] = types[fields[link]]
                for name in ("quota_days", "monthly_cap_days", "proof_from_days", "school_pays_from_days",
                             "draws_from_free_days"):
                    if fields.get(name) is not None:
                        fields[name] = Decimal(str(fields[name]))
                fields["categories"] = [str(c) for c in fields["categories"]]
                rule = LeaveRule(leave_type=leave_type, **fields)
                rule.full_clean()
                rule.save()
                created += 1
        if created:
            audit_log(actor=actor, action="leave.types_seeded", school=school, data={"rules": created})
    return created


def approval_chains_seed(*, school: School, actor: User | None = None) -> int:
    """Give a school without chains the default ones (leave/seed.py). Returns chains created."""
    with transaction.atomic():
        if ApprovalChain.objects.filter(school=school).exists():
            return 0
        for spec in seed.APPROVAL_CHAINS:
            chain = ApprovalChain.objects.create(
                school=school,
                name=spec["name"],
                name_en=spec.get("name_en", ""),
                priority=spec["priority"],
                max_days=Decimal(str(spec["max_days"])) if spec.get("max_days") is not None else None,
                min_days=Decimal(str(spec["min_days"])) if spec.get("min_days") is not None else None,
            )
            ApprovalChainStep.objects.bulk_create(
                ApprovalChainStep(chain=chain, order=n, role=role) for n, role in enumerate(spec["steps"], start=1)
            )
        school_cache.forget(school.pk)  # the steps were bulk-inserted: no signal
        audit_log(actor=actor, action="leave.chains_seeded", school=school, data={"chains": len(seed.APPROVAL_CHAINS)})
    return len(seed.APPROVAL_CHAINS)
