"""REST endpoints of the leave app, mounted under /api/."""

from django.db import transaction
from django.urls import path

from leave import api

urlpatterns = [
    path("leave/types/", api.LeaveTypeListView.as_view(), name="leave-api-types"),
    path("leave/balances/", api.BalanceListView.as_view(), name="leave-api-balances"),
    # Outside ATOMIC_REQUESTS: submitting is the service's own transaction (BEGIN … COMMIT, not a savepoint and its
    # release inside the request's as well); the list only reads.
    path("leave/requests/", transaction.non_atomic_requests(api.RequestListView.as_view()), name="leave-api-requests"),
    path("leave/requests/preview/", api.PreviewView.as_view(), name="leave-api-preview"),
    path("leave/requests/<id:pk>/", api.RequestDetailView.as_view(), name="leave-api-request"),
    path("leave/requests/<id:pk>/approve/", api.ApproveView.as_view(), name="leave-api-approve"),
    path("leave/requests/<id:pk>/reject/", api.RejectView.as_view(), name="leave-api-reject"),
    path("leave/requests/<id:pk>/withdraw/", api.WithdrawView.as_view(), name="leave-api-withdraw"),
    path("leave/requests/<id:pk>/cancel/", api.CancelView.as_view(), name="leave-api-cancel"),
    path("leave/steps/<id:pk>/reassign/", api.ReassignView.as_view(), name="leave-api-reassign"),
    path("leave/inbox/", api.InboxView.as_view(), name="leave-api-inbox"),
    path("leave/overtime/", api.OvertimeListView.as_view(), name="leave-api-overtime"),
    path("leave/overtime/<id:pk>/decide/", api.OvertimeDecisionView.as_view(), name="leave-api-overtime-decide"),
    path("leave/overtime/<id:pk>/settle/", api.OvertimeSettleView.as_view(), name="leave-api-overtime-settle"),
]
