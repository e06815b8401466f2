"""Notices that asked for an action are resolved when anyone takes it: the badge counts what still waits."""

import datetime as dt

import pytest
from django.urls import reverse

from leave.services import (
    approval_step_reassign,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    overtime_decide,
    overtime_withdraw,
)
from notifications.models import Notification
from notifications.selectors import unread_count
from offices.services import inbox_decide
from tests.offices.test_inbox import WORKDAYS, correction, for_the_head, leave, overtime

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


def badge(staff) -> int:
    return unread_count(staff.user)


def open_actions(staff) -> list[str]:
    return list(Notification.objects.filter(recipient=staff.user, about__gt="", resolved_at__isnull=True)
                .values_list("kind", flat=True))


def test_the_heads_badge_counts_only_what_still_waits(school, types, client_for):
    head = school["unit_head"]
    requests = [for_the_head(school, types, WORKDAYS[i]) for i in range(3)]
    extra = overtime(school, WORKDAYS[3])
    fixes = [correction(school, dt.date(2025, 8, 28)), correction(school, dt.date(2025, 8, 29))]
    assert badge(head) == 6
    # Two approved from the inbox, one 補登 decided: three notices resolved, three still wait.
    inbox_decide(actor=head, keys=[f"leave:{requests[0].pk}", f"leave:{requests[1].pk}",
                                   f"correction:{fixes[0].pk}"], approve=True)
    assert badge(head) == 3
    assert sorted(open_actions(head)) == ["attendance.correction_requested", "leave.action_needed",
                                          "leave.overtime_action_needed"]
    # Rejected on the request's own page, and the overtime on the leave pages: the same.
    leave_step_reject(request=requests[2], actor=head, comment="人力不足")
    overtime_decide(overtime=extra, actor=head, approve=True)
    assert badge(head) == 1
    html = client_for(head).get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    assert html.count('data-testid="resolved"') == 5


def test_anyone_acting_resolves_everyones_notice(school, types):
    """A step the personnel office may take is announced to each holder; when one decides, the others'
    notices are resolved too. Withdrawing, reassigning and the deputy's acceptance resolve theirs."""
    head, deputy, personnel = school["unit_head"], school["other_teacher"], school["personnel"]
    # Three days: deputy → unit head → personnel.
    long = leave(school, types, WORKDAYS[0], end_day=WORKDAYS[2])
    assert badge(deputy) == 1
    leave_step_approve(request=long, actor=deputy)
    assert badge(deputy) == 0 and badge(head) == 1
    approval_step_reassign(step=long.steps.get(role="unit_head"), to=school["other_head"], actor=personnel)
    assert badge(head) == 0 and badge(school["other_head"]) == 1
    leave_step_approve(request=long, actor=school["other_head"])
    assert badge(school["other_head"]) == 0 and open_actions(personnel) == ["leave.action_needed"]

    withdrawn = leave(school, types, WORKDAYS[4])
    assert badge(deputy) == 1
    leave_request_withdraw(request=withdrawn, actor=school["teacher"])
    assert open_actions(deputy) == []
    extra = overtime(school, WORKDAYS[5])
    assert open_actions(head) == ["leave.overtime_action_needed"]
    overtime_withdraw(overtime=extra, actor=school["teacher"])
    assert open_actions(head) == []
