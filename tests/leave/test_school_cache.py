"""The school's rules, chains and closed months come from the cache (leave.school_cache) and leave it when
they change: saved, deleted, a chain's types changed, a month closed; inside the changing transaction
and again after its commit."""

import datetime as dt
import pickle
from types import SimpleNamespace

import pytest
from django.db import transaction

from leave import school_cache
from leave.errors import LeaveError
from leave.models import ApprovalChain, ApprovalChainStep, ApprovalRole, ClosedMonth, LeaveRule
from leave.selectors import school_rules
from leave.services import leave_request_submit, month_close
from leave.services.requests import school_chains, select_chain
from tests.leave.test_requests import base

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


@pytest.fixture
def settled(school):
    school_cache.settled()  # the school was set up long before: its rows are committed
    return school


def test_a_second_read_costs_nothing(settled, django_assert_num_queries):
    school_id = settled["school"].pk
    with django_assert_num_queries(5):  # rules; chains with their types and steps; closed months
        school_rules(school_id), school_chains(school_id), school_cache.closed_months(school_id)
    with django_assert_num_queries(0):
        rules, chains, closed = school_rules(school_id), school_chains(school_id), school_cache.closed_months(school_id)
    assert rules.types and [c.name for c in chains] == ["一日以內", "逾一日至三日", "逾三日"] and closed == frozenset()
    assert [s.role for s in chains[0].steps.all()] == [ApprovalRole.DEPUTY, ApprovalRole.UNIT_HEAD]


def test_the_same_entry_is_made_into_a_value_once_per_process(settled, monkeypatch, django_capture_on_commit_callbacks):
    school_id = settled["school"].pk
    made = []
    monkeypatch.setattr(school_cache, "pickle", SimpleNamespace(
        loads=lambda blob: made.append(blob) or pickle.loads(blob), dumps=pickle.dumps,
        HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
    ))
    first = school_rules(school_id)  # read from the database, stored, kept
    school_cache._made.clear()  # as another process finds it: made from the shared entry once
    second, third = school_rules(school_id), school_rules(school_id)
    assert len(made) == 1 and second is third and second.types.keys() == first.types.keys()
    with django_capture_on_commit_callbacks(execute=True):
        LeaveRule.objects.filter(leave_type__school_id=school_id).first().save()  # the shared entry is dropped
    assert school_rules(school_id) is not third


def test_a_process_keeps_a_bounded_number_of_made_values(settled, monkeypatch):
    monkeypatch.setattr(school_cache, "MADE_ENTRIES", 2)
    school_cache._made.clear()
    school_id = settled["school"].pk
    school_rules(school_id), school_chains(school_id), school_cache.closed_months(school_id)
    assert list(school_cache._made) == [f"leave:school:{kind}:{school_id}" for kind in ("chains", "closed")]


def test_an_edited_rule_is_read_again(settled, types, django_capture_on_commit_callbacks):
    school_id = settled["school"].pk
    teacher = settled["teacher"]
    rule = school_rules(school_id).rule_for(types["personal"].pk, teacher.category, dt.date(2025, 9, 10))
    assert rule.quota_days == 7
    with django_capture_on_commit_callbacks(execute=True):
        stored = LeaveRule.objects.get(pk=rule.pk)
        stored.quota_days = 10
        stored.save()
    again = school_rules(school_id).rule_for(types["personal"].pk, teacher.category, dt.date(2025, 9, 10))
    assert again.quota_days == 10


def test_a_deactivated_chain_and_a_chain_limited_to_types(settled, types, django_capture_on_commit_callbacks):
    teacher = settled["teacher"]
    assert select_chain(applicant=teacher, leave_type=types["personal"], hours=4).name == "一日以內"
    with django_capture_on_commit_callbacks(execute=True):
        special = ApprovalChain.objects.create(school=settled["school"], name="病假專用", priority=1)
        ApprovalChainStep.objects.create(chain=special, order=1, role=ApprovalRole.PRINCIPAL)
        special.leave_types.set([types["sick"]])
    assert select_chain(applicant=teacher, leave_type=types["sick"], hours=4).name == "病假專用"
    assert select_chain(applicant=teacher, leave_type=types["personal"], hours=4).name == "一日以內"
    with django_capture_on_commit_callbacks(execute=True):
        special.leave_types.set([types["personal"]])  # only the chain's types changed (m2m)
    assert select_chain(applicant=teacher, leave_type=types["personal"], hours=4).name == "病假專用"
    with django_capture_on_commit_callbacks(execute=True):
        special.is_active = False
        special.save()
    assert select_chain(applicant=teacher, leave_type=types["personal"], hours=4).name == "一日以內"


def test_a_closed_month_refuses_the_next_request(settled, types, django_capture_on_commit_callbacks):
    school_id = settled["school"].pk
    assert school_cache.closed_months(school_id) == frozenset()
    with django_capture_on_commit_callbacks(execute=True):
        month_close(school=settled["school"], month=dt.date(2025, 9, 1), actor=settled["personnel"])
    with pytest.raises(LeaveError) as refused:
        leave_request_submit(**base(settled, types))
    assert refused.value.code == "closed_period"
    with django_capture_on_commit_callbacks(execute=True):
        ClosedMonth.objects.filter(school_id=school_id).delete()
    assert school_cache.closed_months(school_id) == frozenset()
    assert leave_request_submit(**base(settled, types)).pk


def test_the_changing_transaction_neither_reads_nor_fills_the_cache(settled, types):
    school_id = settled["school"].pk
    teacher = settled["teacher"]
    school_rules(school_id)  # cached
    with transaction.atomic():
        rule = school_rules(school_id).rule_for(types["personal"].pk, teacher.category, dt.date(2025, 9, 10))
        stored = LeaveRule.objects.get(pk=rule.pk)
        stored.quota_days = 10
        stored.save()
        # Its own change, read from the database, not from the entry it just dropped.
        inside = school_rules(school_id).rule_for(types["personal"].pk, teacher.category, dt.date(2025, 9, 10))
        assert inside.quota_days == 10
    # Nothing was stored while the change was open: a rollback would leave no trace in the cache.
    assert school_cache.cache.get(school_cache._key("rules", school_id)) is None
