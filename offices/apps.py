from django.apps import AppConfig


class OfficesConfig(AppConfig):
    """The offices' pages that read across apps: the approvers' inbox, the school's overview, the city's view.

    No tables of its own: it reads through the apps' selectors and changes through their services
    (docs/offices.md; where it sits among the layers: docs/architecture.md).
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "offices"
    verbose_name = "處室總覽"
