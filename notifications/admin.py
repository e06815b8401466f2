from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailOutbox, Notification, PushMessage
from notifications.services import outbox_retry
from staff.admin import SchoolScopedAdmin


@admin.register(Notification)
class NotificationAdmin(SchoolScopedAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__staff__name"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "title", "body", "url", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False


@admin.register(EmailOutbox)
class EmailOutboxAdmin(SchoolScopedAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in EmailOutbox._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新寄送（寄送失敗或待寄者）"), permissions=["change"])
    def retry_now(self, request, queryset):
        with transaction.atomic():
            count = outbox_retry(outbox_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("已排入寄送：%(count)d 封") % {"count": count})


@admin.register(PushMessage)
class PushMessageAdmin(SchoolScopedAdmin):
    """The push queue, read-only: what was sent, what failed and why. The device's push address is a secret
    (whoever holds it can post to the phone), so it is not shown; failed pushes are not sent again by hand (a
    late notification is worth little: notifications/states.py)."""

    list_display = ["created_at", "recipient", "title", "device", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["notification__title", "notification__recipient__username", "notification__recipient__staff__name"]
    date_hierarchy = "created_at"
    list_select_related = ["notification__recipient", "subscription"]
    fields = readonly_fields = (
        "recipient", "title", "device", "status", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"
    )
    school_path = "notification__recipient__staff__school"

    @admin.display(description=_("收件者"))
    def recipient(self, obj: PushMessage):
        return obj.notification.recipient

    @admin.display(description=_("標題"))
    def title(self, obj: PushMessage) -> str:
        return obj.notification.title

    @admin.display(description=_("裝置"))
    def device(self, obj: PushMessage) -> str:
        return obj.subscription.device or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
