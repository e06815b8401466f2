from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: one record per state change that matters (who, when, what),
    written by each app's services through ``audit.services.audit_log``.
    """

    name = "audit"
    verbose_name = "稽核紀錄"
