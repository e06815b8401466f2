"""Admin of the schedules app."""

# Bell schedules and timetables have their own module.
from schedules import timetable_admin  # noqa: F401
