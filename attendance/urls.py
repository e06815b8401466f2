from django.urls import path

from attendance import views

app_name = "attendance"
urlpatterns = [
    path("", views.clock_page, name="clock"),
    path("punch/", views.punch, name="punch"),
    path("month/", views.my_month, name="my_month"),
    path("month/<int:year>/<int:month>/", views.my_month, name="my_month_of"),
    path("staff/<int:staff_id>/<int:year>/<int:month>/", views.staff_month, name="staff_month"),
    path("unit/", views.unit_view, name="unit"),
    path("school/", views.school_view, name="school"),
    path("school/report.<str:fmt>", views.export_report, name="export"),
    path("recompute-jobs/", views.recompute_jobs, name="recompute_jobs"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/new/", views.correction_new, name="correction_new"),
    path("corrections/<int:correction_id>/approve/", views.correction_approve, name="correction_approve"),
    path("corrections/<int:correction_id>/reject/", views.correction_reject, name="correction_reject"),
]
