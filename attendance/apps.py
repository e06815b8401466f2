from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    """Clocking in and out: punches, the network rule, daily results per person and day,
    forgotten-punch corrections (補登) with their approval, reminders and monthly reports.
    """

    name = "attendance"
    verbose_name = "差勤打卡"

    def ready(self) -> None:
        from attendance import signals  # noqa: F401  (connects the leave and calendar receivers)
        from attendance.selectors import punch_spans
        from leave.punches import punch_source_register

        # Leave reads punched spans through its own contract; attendance is what answers it.
        punch_source_register(punch_spans)
