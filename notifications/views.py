from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications.selectors import inbox
from notifications.services import notification_mark_read


@login_required
def inbox_page(request):
    page = Paginator(inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request):
    ids = request.POST.getlist("id")
    notification_mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] or None)
    return redirect("notifications:inbox")
