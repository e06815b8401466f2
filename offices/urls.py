from django.urls import path

from offices import views

app_name = "offices"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/decide/", views.decide, name="decide"),
    path("overview/", views.overview, name="overview"),
    path("calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/unit/", views.unit_calendar, name="unit_calendar"),
    path("calendar/units/<id:unit_id>/", views.unit_calendar, name="unit_calendar_of"),
    path("city/", views.city, name="city"),
    path("city/schools/<id:school_id>/", views.city_school, name="city_school"),
    path("city/schools/<id:school_id>/sheet/", views.city_sheet, name="city_sheet"),
    path("city/schools/<id:school_id>/sheet/day/", views.city_sheet_day, name="city_sheet_day"),
]
