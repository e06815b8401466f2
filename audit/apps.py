from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail: one record per state change that matters (who, when, what),
    written by each app's services through ``audit.services.audit_log``.
    """

    name = "audit"
    verbose_name = _("稽核紀錄")
