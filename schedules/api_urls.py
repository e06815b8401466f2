"""REST endpoints of the schedules app, mounted under /api/."""

from django.urls import path

from schedules import api, timetable_api

urlpatterns = [
    path("calendar/", api.MyCalendarApi.as_view(), name="api-calendar"),
    path("calendar/school/", api.SchoolCalendarApi.as_view(), name="api-calendar-school"),
    path("calendar/typhoons/", api.TyphoonDayListApi.as_view(), name="api-calendar-typhoons"),
    path("calendar/typhoons/preview/", api.TyphoonDayPreviewApi.as_view(), name="api-calendar-typhoons-preview"),
    path("calendar/typhoons/<id:pk>/withdraw/", api.TyphoonDayWithdrawApi.as_view(),
         name="api-calendar-typhoon-withdraw"),
    path("schedules/timetables/", timetable_api.TimetableList.as_view(), name="api-timetables"),
    path("schedules/timetables/import/", timetable_api.TimetableImport.as_view(), name="api-timetables-import"),
]
