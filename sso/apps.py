from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Sign-in: the city portal's OpenID Connect (with one claim adapter per provider),
    binding a portal identity to a local account, local accounts, and the stand-in portal
    that the demo and the tests use in place of the real one.
    """

    name = "sso"
    verbose_name = "登入與帳號綁定"

    def ready(self) -> None:
        from sso import checks  # noqa: F401  (registers the startup checks)
