from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/unread-count/", api.UnreadCountApi.as_view(), name="api-notifications-unread-count"),
    path("notifications/read/", api.MarkReadApi.as_view(), name="api-notifications-read"),
    path("notifications/push-devices/", api.PushDeviceListApi.as_view(), name="api-push-devices"),
    path("notifications/push-devices/<id:pk>/", api.PushDeviceApi.as_view(), name="api-push-device"),
]
