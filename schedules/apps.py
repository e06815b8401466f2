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
