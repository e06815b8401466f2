from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.inputs import id_or_none
from notifications.selectors import inbox, push_devices
from notifications.services import notification_mark_read, push_unsubscribe


@login_required
def inbox_page(request):
    page = Paginator(inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request):
    ids = request.POST.getlist("id")
    notification_mark_read(user=request.user, notification_ids=[n for n in map(id_or_none, ids) if n] or None)
    return redirect("notifications:inbox")


@require_GET
@login_required
def open_notification(request, pk: int):
    """Follow a notice's link, marking it read on the way. Someone else's notice is a 404."""
    notice = get_object_or_404(inbox(request.user), pk=pk)
    notification_mark_read(user=request.user, notification_ids=[notice.pk])
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("notifications:inbox")


@require_POST
@login_required
def push_device_remove(request, pk: int):
    """Stop pushing to one of my devices (the list on 我的帳號). Another person's device is a 404."""
    device = get_object_or_404(push_devices(request.user), pk=pk)
    push_unsubscribe(user=request.user, subscription_id=device.pk)
    messages.success(request, _("這部裝置不會再收到推播通知。"))
    return redirect("sso:profile")
