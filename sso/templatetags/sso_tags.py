from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from sso.views import portal_configured

register = template.Library()


@register.inclusion_tag("sso/_portal_button.html", takes_context=True)
def portal_login_button(context) -> dict:
    """The sign-in page's portal button, carrying ``next`` along (the flow checks it is ours)."""
    url = reverse("oidc_authentication_init")
    next_url = context.get("next")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"configured": portal_configured(), "url": url, "label": settings.OIDC_PROVIDER_LABEL}
