from django.urls import path

from offices import views

app_name = "offices"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/decide/", views.decide, name="decide"),
    path("overview/", views.overview, name="overview"),
    path("city/", views.city, name="city"),
    path("city/schools/<id:school_id>/", views.city_school, name="city_school"),
    path("city/schools/<id:school_id>/sheet/", views.city_sheet, name="city_sheet"),
    path("city/schools/<id:school_id>/sheet/day/", views.city_sheet_day, name="city_sheet_day"),
]
