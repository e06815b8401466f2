"""REST endpoints of the substitutes app, mounted under /api/."""

from django.urls import path

from substitutes import api

urlpatterns = [
    path("substitutes/needs/", api.NeedList.as_view(), name="substitutes-api-needs"),
    path("substitutes/needs/<id:pk>/candidates/", api.NeedCandidates.as_view(), name="substitutes-api-candidates"),
    path("substitutes/needs/<id:pk>/assign/", api.NeedAssign.as_view(), name="substitutes-api-assign"),
    path("substitutes/assign-many/", api.AssignMany.as_view(), name="substitutes-api-assign-many"),
    path("substitutes/proposals/", api.Propose.as_view(), name="substitutes-api-propose"),
    path("substitutes/proposals/confirm/", api.ProposalConfirm.as_view(), name="substitutes-api-proposal-confirm"),
    path("substitutes/assignments/", api.AssignmentList.as_view(), name="substitutes-api-assignments"),
    path(
        "substitutes/assignments/<id:pk>/cancel/", api.AssignmentCancel.as_view(),
        name="substitutes-api-assignment-cancel",
    ),
    path("substitutes/offers/", api.MyOffers.as_view(), name="substitutes-api-offers"),
    path("substitutes/offers/answer/", api.OffersAnswer.as_view(), name="substitutes-api-offers-answer"),
    path("substitutes/policy/", api.Policy.as_view(), name="substitutes-api-policy"),
    path("substitutes/pay-report/", api.PayReport.as_view(), name="substitutes-api-pay-report"),
]
