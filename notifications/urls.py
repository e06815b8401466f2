from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("<id:pk>/", views.open_notification, name="open"),
    path("push/<id:pk>/remove/", views.push_device_remove, name="push_remove"),
]
