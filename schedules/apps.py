from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    """When people are expected at school: work schedules by staff category (with per-person
    overrides), the school calendar (national holidays, the office calendar's make-up days,
    school days, vacations, typhoon days), bell schedules and teaching timetables.

    ``schedules.calendar`` answers the one question the whole product asks: is this a
    working day for this person, and from when to when?
    """

    name = "schedules"
    verbose_name = "班表與行事曆"

    def ready(self) -> None:
        from schedules import duty_cache
        from schedules.events import calendar_changed

        # A calendar change drops the cached duty days of the schools it names (schedules/duty_cache.py).
        calendar_changed.connect(duty_cache.on_calendar_changed, dispatch_uid="schedules.duty_cache")
