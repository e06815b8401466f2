"""The Celery app. Tasks live in each app's tasks.py; periodic ones are listed in BEAT_SCHEDULE here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("campus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

if app.conf.task_always_eager and not app.conf.broker_url:
    # Without a broker (the demo) tasks run in-process, yet Celery still takes a producer for a task started by a
    # task, and with no broker named it warns and assumes AMQP on localhost. Nothing is sent: say so.
    app.conf.broker_url = "memory://localhost/"

app.conf.beat_schedule = {
    # Emails whose first delivery attempt never reached a worker (broker down at commit time).
    "notifications-deliver-pending": {
        "task": "notifications.tasks.deliver_pending_emails",
        "schedule": 60.0,
    },
    # Web Push: notices whose fan-out task was lost and push messages due for another attempt (docs/pwa.md).
    "notifications-deliver-pending-pushes": {
        "task": "notifications.tasks.deliver_pending_pushes",
        "schedule": 60.0,
    },
    # Daily results whose window has ended are made final (what a lost recompute task left behind,
    # and everyone who did not punch): a result is final at most this long after its window's end.
    "attendance-sweep-daily-results": {
        "task": "attendance.tasks.sweep_daily_results",
        "schedule": crontab(minute="*/5"),
    },
    "attendance-missing-punch-reminders": {
        "task": "attendance.tasks.send_missing_punch_reminders",
        "schedule": crontab(hour=18, minute=0),
    },
    # Approved overtime (加班) of the days that have ended, settled from the punches.
    "leave-settle-overtime": {
        "task": "leave.tasks.settle_overtime",
        "schedule": crontab(hour=0, minute=30),
    },
    # Proofs kept from leave forms that came back with errors and were never submitted.
    "leave-pending-attachments-sweep": {
        "task": "leave.tasks.pending_attachments_sweep",
        "schedule": crontab(hour=3, minute=10),
    },
    # Official 停班停課 alerts (CAP): does nothing unless CAP_FEED_URL is set.
    "schedules-poll-cap-feed": {
        "task": "schedules.tasks.poll_cap_feed",
        "schedule": float(os.getenv("CAP_FEED_POLL_SECONDS", "120")),
    },
}
