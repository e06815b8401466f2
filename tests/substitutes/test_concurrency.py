"""Two arrangers giving one person two classes at the same moment: one wins, the other is refused.

PostgreSQL only (row locks); CI runs it. Each thread has its own connection and transaction.
"""

import threading

import pytest
from django.db import connection, connections

from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.services import CoverageError, coverage_assign
from tests.substitutes.conftest import THU, at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_assignments_of_one_substitute_to_one_period(school_setup, leave):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real row locks; CI uses it")
    s = school_setup
    # 王老師 and 陳主任 both away Thursday P1: two needs at the same time.
    leave(s["teacher"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=1)
    leave(s["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=2)
    needs = list(CoverageNeed.objects.filter(date=THU, period_number=1).values_list("pk", flat=True))
    assert len(needs) == 2

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def arrange(need_id: int) -> None:
        try:
            barrier.wait()
            coverage_assign(actor=s["academic"], need_id=need_id, substitute_id=s["other_head"].pk)
            outcomes.append("ok")
        except CoverageError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=arrange, args=(pk,)) for pk in needs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["covering", "ok"]
    assert CoverageAssignment.objects.filter(substitute=s["other_head"], status="active").count() == 1
