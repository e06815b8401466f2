"""REST endpoints of the attendance app, mounted under /api/."""

from django.db import transaction
from django.urls import path

from attendance import api

app_name = "attendance_api"
urlpatterns = [
    # Outside ATOMIC_REQUESTS: a punch is one statement on PostgreSQL (attendance.services._punch_transaction).
    path("attendance/punches/", transaction.non_atomic_requests(api.PunchListCreateApi.as_view()), name="punches"),
    path("attendance/daily-results/", api.DailyResultListApi.as_view(), name="daily_results"),
    path("attendance/corrections/", api.CorrectionListCreateApi.as_view(), name="corrections"),
    path("attendance/corrections/<id:pk>/approve/", api.CorrectionApproveApi.as_view(), name="correction_approve"),
    path("attendance/recompute-jobs/", api.RecomputeJobListApi.as_view(), name="recompute_jobs"),
    path("attendance/corrections/<id:pk>/reject/", api.CorrectionRejectApi.as_view(), name="correction_reject"),
]
