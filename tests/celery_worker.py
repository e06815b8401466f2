"""A real Celery worker process for tests about the broker (``@pytest.mark.celery_worker``).

The worker is a separate process: it reads the test database over its own connection, so it
needs a database both can see (PostgreSQL, as in CI) and a broker (``CELERY_BROKER_URL``).
Each test gets its own queue, so stale messages from other runs are never consumed.
"""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_unavailable_reason() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return "needs CELERY_BROKER_URL (a real broker); CI sets it"
    if connection.vendor != "postgresql":
        return "needs PostgreSQL so that the worker process sees the test database; CI uses it"
    return None


class WorkerProcess:
    def __init__(self, queue: str):
        self.queue = queue
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": self.mail_dir,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", self.queue, "--without-gossip", "--without-mingle", "--loglevel=INFO",
             "-n", f"{self.queue}@%h"],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if celery_app.control.ping(destination=[f"{self.queue}@{os.uname().nodename}"], timeout=1):
                return
            if self.proc.poll() is not None:
                raise RuntimeError("celery worker exited during start-up")
        raise RuntimeError("celery worker did not answer within the timeout")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    @property
    def mail_dir(self) -> str:
        path = os.path.join(ROOT, "var", "test-mail", self.queue)
        os.makedirs(path, exist_ok=True)
        return path

    def sent_mail(self) -> list[str]:
        """The emails the worker sent (file backend), as raw text."""
        out = []
        for name in sorted(os.listdir(self.mail_dir)):
            with open(os.path.join(self.mail_dir, name), encoding="utf-8") as fh:
                out.append(fh.read())
        return out


@pytest.fixture
def celery_worker_process(transactional_db):
    """A worker on a fresh queue; not yet started (call .start()), so a test can make changes first."""
    reason = worker_unavailable_reason()
    if reason:
        pytest.skip(reason)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue, celery_app.conf.task_always_eager
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    worker = WorkerProcess(queue)
    try:
        yield worker
    finally:
        worker.stop()
        celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = previous
