"""A real Celery worker process for tests about the broker (``@pytest.mark.celery_worker``).

The worker is a separate process: it reads the test database over its own connection, so it
needs a database both can see (PostgreSQL, as in CI) and a broker (``CELERY_BROKER_URL``).
Each test gets its own queue, so stale messages from other runs are never consumed.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
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


def wait_until(condition: Callable[[], bool], timeout: float = 60, interval: float = 0.2) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; returns its last answer.

    Generous by default: on a loaded two-core machine a worker can take a while to get going.
    """
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


class WorkerProcess:
    def __init__(self, queue: str):
        self.queue = queue
        self.node = f"{queue}@tests"
        self.proc: subprocess.Popen | None = None
        self.mail_dir = tempfile.mkdtemp(prefix=f"campus-{queue}-mail-")

    def start(self, *, env: dict[str, str] | None = None, timeout: float = 90) -> None:
        """Start the worker and wait until it answers a ping. ``env`` adds or overrides variables."""
        full_env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": self.mail_dir,
            **(env or {}),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO", "-n", self.node],
            cwd=ROOT,
            env=full_env,
        )

        def answers() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited during start-up (code {self.proc.returncode})")
            return bool(celery_app.control.ping(destination=[self.node], timeout=1))

        if not wait_until(answers, timeout=timeout, interval=0.1):
            self.stop()
            raise RuntimeError(f"celery worker did not answer within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # warm shutdown: finishes the task in hand
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        # Drop the test's queue from the broker so nothing is left behind between runs.
        try:
            with celery_app.connection_for_write() as conn:
                conn.default_channel.queue_delete(self.queue)
        except Exception:  # the broker may be gone already; nothing to clean then
            pass

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
        worker.cleanup()
        celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = previous
