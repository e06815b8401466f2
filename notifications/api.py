"""My notifications over the API: list (optionally unread only), unread count, mark read; my Web Push devices."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Notification, PushSubscription
from notifications.push import device_label
from notifications.selectors import inbox, push_devices, unread_count
from notifications.services import notification_mark_read, push_subscribe, push_unsubscribe


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("只列未讀"))
    kind = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationListApi(generics.ListAPIView):
    """The signed-in person's notifications, newest first. Nobody else's are ever listed."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return inbox(self.request.user)


class UnreadCountApi(APIView):
    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    def get(self, request):
        return Response({"unread": unread_count(request.user)})


class MarkReadApi(APIView):
    """Mark some of my notifications read (``ids``), or all of them (``all: true``)."""

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)
        all = serializers.BooleanField(required=False, default=False)

        def validate(self, attrs):
            if not attrs.get("ids") and not attrs["all"]:
                raise serializers.ValidationError("請提供 ids，或以 all: true 全部標為已讀。")
            return attrs

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = notification_mark_read(user=request.user, notification_ids=ids)
        return Response(self.OutputSerializer({"marked": marked, "unread": unread_count(request.user)}).data)


class PushDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "device", "created_at", "last_used_at"]
        read_only_fields = fields


class PushSubscribeInput(serializers.Serializer):
    """What the browser's ``PushSubscription.toJSON()`` gives (``expirationTime`` is ignored)."""

    class Keys(serializers.Serializer):
        p256dh = serializers.CharField(max_length=200)
        auth = serializers.CharField(max_length=100)

    endpoint = serializers.CharField(max_length=1000)
    keys = Keys()


class PushDeviceListApi(generics.ListAPIView):
    """My devices that receive Web Push notifications (GET), and this browser's subscription (POST: made after
    the person clicked 「在這部裝置接收通知」 and the browser asked them). 400 {detail, code} when push is off
    (``push_off``) or the endpoint or a key is not right (``bad_endpoint``, ``bad_key``, ``bad_auth``)."""

    serializer_class = PushDeviceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PushSubscription.objects.none()
        return push_devices(self.request.user)

    @extend_schema(request=PushSubscribeInput, responses={201: PushDeviceSerializer})
    def post(self, request):
        data = PushSubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = push_subscribe(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
            device=device_label(request.headers.get("User-Agent", "")),
        )
        return Response(PushDeviceSerializer(subscription).data, status=status.HTTP_201_CREATED)


class PushDeviceApi(generics.RetrieveDestroyAPIView):
    """One of my devices (GET), or stop pushing to it (DELETE). Another person's device answers 404."""

    serializer_class = PushDeviceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PushSubscription.objects.none()
        return push_devices(self.request.user)

    def perform_destroy(self, instance: PushSubscription) -> None:
        push_unsubscribe(user=self.request.user, subscription_id=instance.pk)
