from django.apps import AppConfig


class LeaveConfig(AppConfig):
    """Leave: leave types and their rules as data, balances, requests with a mandatory
    deputy (職務代理人), approval chains, cancellation (銷假) and overtime (加班/補休).

    Other apps learn about leave through ``leave.selectors`` and the events in ``leave.events``.
    """

    name = "leave"
    verbose_name = "請假"

    def ready(self) -> None:
        from leave import school_cache, signals  # noqa: F401  (signals: the punches_changed receiver, overtime settlement)

        school_cache.connect()  # the school's rules, chains and closed months leave the cache when they change
