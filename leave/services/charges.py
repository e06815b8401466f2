"""Which quota each hour draws on: charges recomputed in date order under the person's lock."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from leave import rules as R
from leave.models import (
    LeaveCharge,
    LeaveRequest,
    LeaveRule,
    Payer,
)
from leave.selectors import (
    ChargeHistory,
    ChargeRow,
    SchoolRules,
    charge_history,
    leave_days_from,
    school_rules,
)
from staff.models import StaffMember


def _ledger(
    staff: StaffMember, rules: SchoolRules, *, credits: list[R.Credit], adjustments: dict[tuple[int, dt.date], int]
) -> R.Ledger:
    return R.Ledger(
        hire_date=staff.hire_date,
        rule_for=lambda type_id, day: rules.rule_for(type_id, staff.category, day),
        type_names=rules.names,
        credits=credits,
        adjustments=adjustments,
    )


@dataclass
class Reallocation:
    """The charges a person's active requests draw from one horizon on, computed and not yet written."""

    staff: StaffMember
    horizon: dt.date
    items: dict[int, R.Item]
    # The unpaid hours each request of ``items`` has stored (what ``write`` compares the plan with).
    unpaid_hours_stored: dict[int, int]
    plan: dict[object, list[R.Charge]]
    # What was read with the plan: the unpaid hours each request already has before the horizon (kept as
    # they are) and the charges stored from it on (what ``write`` compares the plan with).
    history: ChargeHistory

    def unpaid_hours(self, key: object) -> int:
        """A request's unpaid hours once written: those before the horizon plus the planned ones."""
        before = self.history.unpaid_before.get(key, 0) if isinstance(key, int) else 0
        return before + sum(c.hours for c in self.plan.get(key, ()) if c.unpaid)

    def write(self, *, candidate_id: int | None = None) -> None:
        """Make the stored charges from the horizon on what the plan says, rewriting only the rows that
        differ: a request added at the end of a long history inserts its own charges and leaves the
        others' rows alone (at most one DELETE and one INSERT; the stored rows were read with the plan,
        under the same lock, and nothing writes charges in between). ``candidate_id`` is the id the
        candidate ("new") was saved under. Then each request's unpaid hours follow (one UPDATE of the
        requests whose figure changed, none when none did)."""
        keys: dict[object, int] = {key: key for key in self.items}
        if candidate_id is not None and "new" in self.plan:
            keys["new"] = candidate_id
        wanted: Counter[ChargeRow] = Counter(
            (keys[key], c.day, c.leave_type_id, c.bucket, c.hours, c.unpaid, c.overtime_id)
            for key, charges in self.plan.items()
            if key in keys
            for c in charges
        )
        stale: list[int] = []
        for pk, stored in self.history.stored:
            if wanted[stored] > 0:
                wanted[stored] -= 1  # already stored as planned
            else:
                stale.append(pk)
        if stale:
            LeaveCharge.objects.filter(pk__in=stale).delete()
        LeaveCharge.objects.bulk_create(
            LeaveCharge(
                request_id=request_id, staff=self.staff, day=day, leave_type_id=type_id, bucket=bucket,
                hours=hours, unpaid=unpaid, overtime_id=overtime_id,
            )
            for (request_id, day, type_id, bucket, hours, unpaid, overtime_id), count in wanted.items()
            for _n in range(count)
        )
        changed = []
        for pk, unpaid_before in self.unpaid_hours_stored.items():
            unpaid = self.unpaid_hours(pk)
            if unpaid_before != unpaid:
                changed.append(LeaveRequest(pk=pk, unpaid_hours=unpaid))
        if changed:
            LeaveRequest.objects.bulk_update(changed, ["unpaid_hours"])


def reallocation_plan(
    staff: StaffMember,
    *,
    since: dt.date,
    rules: SchoolRules | None = None,
    strict_ids: Iterable[int] = (),
    candidate: R.Item | None = None,
) -> Reallocation:
    """Recompute the charges of the person's active requests from ``since``'s earliest period on.

    Charges before that horizon stay as they are and are preloaded; everything from it is drawn again
    in date order. Requests in ``strict_ids`` (and the candidate) are refused rather than overdrawn.
    Two reads, whatever the length of the person's history: the charges, credits and adjustments
    (``charge_history``), the leave days from the horizon (a third, the rules, only for requests filed at
    another school). Call with the person's row locked.
    """
    rules = rules or school_rules(staff.school_id)
    horizon = R.horizon_start(since)
    history = charge_history(staff, horizon=horizon)

    def fresh_ledger() -> R.Ledger:
        ledger = _ledger(staff, rules, credits=history.credits, adjustments=history.adjustments)
        ledger.preload(history.kept)
        return ledger

    strict = set(strict_ids)
    items: dict[int, R.Item] = {}
    unpaid_hours: dict[int, int] = {}
    # Plain rows (compiled once), the rules from the school's (cached, as the candidate's): the same figures as
    # the requests with their rules as instances, at a fraction of the CPU.
    rule_by_id = {rule.pk: rule for versions in rules.rules.values() for rule in versions}
    rows = leave_days_from(staff, horizon=horizon)
    unknown = {row[3] for row in rows} - rule_by_id.keys()
    if unknown:  # requests filed at another school (the person moved): their rules are read
        rule_by_id.update(LeaveRule.objects.in_bulk(unknown))
    for request_id, day, hours, rule_id, start, event_key, event_date, unpaid in rows:
        item = items.get(request_id)
        if item is None:
            item = items[request_id] = R.Item(
                key=request_id, rule=rule_by_id[rule_id], start=start, days=[], event_key=event_key,
                event_date=event_date, strict=request_id in strict,
            )
            unpaid_hours[request_id] = unpaid
        item.days.append(R.DayLength(day, hours))
    everything = [*items.values(), *([candidate] if candidate else [])]
    if strict or candidate is not None:
        # The new request must fit in what the existing ones leave, whatever its date: refuse it
        # (LeaveError) rather than let it push an earlier-made request over a quota.
        fresh_ledger().allocate(everything, strict_last=True)
    for item in everything:
        item.strict = False
    # Then charge everything in date order: that decides which days of a quota that may be
    # exceeded are the unpaid ones (the eighth day of 事假 is the unpaid one).
    plan = fresh_ledger().allocate(everything)
    return Reallocation(
        staff=staff, horizon=horizon, items=items, unpaid_hours_stored=unpaid_hours, plan=plan, history=history
    )


def reallocate(
    staff: StaffMember,
    *,
    since: dt.date,
    rules: SchoolRules | None = None,
    strict_ids: Iterable[int] = (),
    candidate: R.Item | None = None,
    write: bool = True,
) -> dict[object, list[R.Charge]]:
    """``reallocation_plan``, written (unless ``write`` is False); returns the charges per request id."""
    planned = reallocation_plan(staff, since=since, rules=rules, strict_ids=strict_ids, candidate=candidate)
    if write:
        planned.write()
    return planned.plan


def substitute_payer(applicant: StaffMember, rule: LeaveRule, hours: int, unpaid_hours: int) -> str:
    """Who pays a substitute for a teacher's leave (docs/domain.md, "Class coverage and pay": a per-type setting)."""
    if not applicant.is_teacher:
        return ""
    if rule.school_pays_beyond_quota and unpaid_hours > 0:
        return Payer.SCHOOL
    if rule.school_pays_from_days is not None and hours >= R.days_to_hours(rule.school_pays_from_days):
        return Payer.SCHOOL
    return rule.substitute_payer
