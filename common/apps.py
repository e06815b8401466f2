from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared plumbing (client address, request context, sessions, API auth); no models."""

    name = "common"

    def ready(self):
        from common import sessions  # noqa: F401 - connects the sign-in receiver
