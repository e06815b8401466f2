from django.urls import path

from schedules import timetable_views

app_name = "schedules"
urlpatterns: list = []

# Timetables (bell schedules and teaching timetables).
urlpatterns += [
    path("timetables/", timetable_views.timetables, name="timetables"),
    path("timetables/import/", timetable_views.timetable_import_page, name="timetable_import"),
    path("timetables/teacher/<int:pk>/", timetable_views.timetable_teacher, name="timetable_teacher"),
    path("timetables/class/", timetable_views.timetable_class, name="timetable_class"),
]
