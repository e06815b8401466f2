from django.urls import path

from schedules import cap_views, timetable_views, views

app_name = "schedules"
urlpatterns = [
    path("", views.month, name="calendar"),
    path("office-calendar/", views.office_calendar, name="office_calendar"),
    path("school-days/", views.school_days, name="school_days"),
    path("school-days/<id:pk>/", views.school_day_edit, name="school_day_edit"),
    path("school-days/<id:pk>/delete/", views.school_day_delete, name="school_day_delete"),
    path("semesters/new/", views.semester_edit, name="semester_new"),
    path("semesters/<id:pk>/", views.semester_edit, name="semester_edit"),
    path("semesters/<id:pk>/delete/", views.semester_delete, name="semester_delete"),
    path("typhoons/", views.typhoons, name="typhoons"),
    path("typhoons/<id:pk>/withdraw/", views.typhoon_withdraw, name="typhoon_withdraw"),
    # Official announcements (CAP alerts) proposing typhoon days.
    path("typhoons/alerts/", cap_views.cap_alerts, name="cap_alerts"),
    path("typhoons/alerts/<id:pk>/confirm/", cap_views.cap_alert_confirm, name="cap_alert_confirm"),
    path("typhoons/alerts/<id:pk>/dismiss/", cap_views.cap_alert_dismiss, name="cap_alert_dismiss"),
    path("disaster-stops/", views.disaster_stops, name="disaster_stops"),
    path("disaster-stops/<id:pk>/decide/", views.disaster_stop_decide, name="disaster_stop_decide"),
    path("disaster-stops/<id:pk>/withdraw/", views.disaster_stop_withdraw, name="disaster_stop_withdraw"),
    path("work/", views.work_schedules, name="work_schedules"),
    path("work/seed/", views.work_schedules_seed, name="work_schedules_seed"),
    # Timetables (bell schedules and teaching timetables).
    path("timetables/", timetable_views.timetables, name="timetables"),
    path("timetables/import/", timetable_views.timetable_import_page, name="timetable_import"),
    path("timetables/teacher/<id:pk>/", timetable_views.timetable_teacher, name="timetable_teacher"),
    path("timetables/class/", timetable_views.timetable_class, name="timetable_class"),
]
