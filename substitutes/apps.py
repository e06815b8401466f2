from django.apps import AppConfig


class SubstitutesConfig(AppConfig):
    """Class coverage (代課/調課): the class periods a leave affects, the academic affairs
    office's dashboard for arranging substitutes, and the monthly substitute pay report.
    """

    name = "substitutes"
    verbose_name = "代課"

    def ready(self) -> None:
        from substitutes import signals  # noqa: F401  (connects the leave_changed receiver)
