from django.apps import AppConfig


class StandinConfig(AppConfig):
    name = "sso.standin"
    label = "standin"
    verbose_name = "替身入口網"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sso.standin import checks  # noqa: F401  (registers the DEBUG-only check)
