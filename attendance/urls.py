from django.urls import path

from attendance import views

app_name = "attendance"
urlpatterns = [
    path("", views.clock_page, name="clock"),
    path("punch/", views.punch, name="punch"),
    path("month/", views.my_month, name="my_month"),
    path("month/<year:year>/<month:month>/", views.my_month, name="my_month_of"),
    path("staff/<id:staff_id>/<year:year>/<month:month>/", views.staff_month, name="staff_month"),
    path("unit/", views.unit_view, name="unit"),
    path("school/", views.school_view, name="school"),
    path("school/report.<str:fmt>", views.export_report, name="export"),
    path("sheet/", views.sheet_page, name="sheet"),
    path("sheet/print/", views.sheet_print, name="sheet_print"),
    path("sheet/export.xlsx", views.sheet_export, name="sheet_export"),
    path("sheet/day/<id:staff_id>/", views.sheet_day, name="sheet_day"),
    path("worklist/", views.worklist_page, name="worklist"),
    path("start-date/", views.start_date, name="start_date"),
    path("recompute-jobs/", views.recompute_jobs, name="recompute_jobs"),
    path("recompute-jobs/mine/", views.recompute_jobs_mine, name="recompute_jobs_mine"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/new/", views.correction_new, name="correction_new"),
    path("corrections/<id:correction_id>/approve/", views.correction_approve, name="correction_approve"),
    path("corrections/<id:correction_id>/reject/", views.correction_reject, name="correction_reject"),
]
