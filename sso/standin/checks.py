from django.conf import settings
from django.core.checks import Error, register


@register()
def standin_only_in_debug(app_configs, **kwargs):
    if not settings.DEBUG:
        return [Error("The stand-in portal runs only with DEBUG on.", id="standin.E001")]
    return []
