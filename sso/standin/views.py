from urllib.parse import parse_qs, urlparse

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import render
from oauth2_provider.models import get_application_model

from sso.standin.models import PortalAccount


class PortalLoginView(LoginView):
    """「雲端單一簽入服務」: the sign-in page, naming the site the person is going to."""

    template_name = "standin/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = parse_qs(urlparse(self.get_redirect_url() or "").query)
        client_id = (query.get("client_id") or [""])[0]
        context["application"] = get_application_model().objects.filter(client_id=client_id).first()
        context["demo_accounts"] = PortalAccount.objects.select_related("user").order_by("user__username")
        return context


@login_required
def home(request):
    return render(request, "standin/home.html", {"account": PortalAccount.objects.filter(user=request.user).first()})
