from django.urls import path

from offices import views

app_name = "offices"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/decide/", views.decide, name="decide"),
    path("overview/", views.overview, name="overview"),
    path("city/", views.city, name="city"),
    path("city/schools/<id:school_id>/", views.city_school, name="city_school"),
]
