from django.urls import path

from leave import views

app_name = "leave"
urlpatterns = [
    path("", views.my_leave, name="mine"),
    path("requests/<int:pk>/", views.request_detail, name="detail"),
    path("overtime/", views.overtime_page, name="overtime"),
]
