"""Startup checks: the stand-in portal is for the demo and the tests, never for production."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def standin_portal_not_in_production(app_configs, **kwargs):
    errors = []
    if settings.STANDIN_PORTAL_ENABLED and not settings.DEBUG:
        errors.append(
            Error(
                "STANDIN_PORTAL_ENABLED is on while DEBUG is off.",
                hint="The stand-in portal accepts demo passwords; set STANDIN_PORTAL_ENABLED=0 and "
                "OIDC_PROVIDER=kh (or moe) in production.",
                id="sso.E001",
            )
        )
    if settings.OIDC_PROVIDER == "standin" and not settings.STANDIN_PORTAL_ENABLED:
        errors.append(
            Error(
                "OIDC_PROVIDER is 'standin' but the stand-in portal is disabled.",
                hint="Set OIDC_PROVIDER=kh or moe and the OIDC_RP_CLIENT_ID/SECRET the provider issued.",
                id="sso.E002",
            )
        )
    return errors
