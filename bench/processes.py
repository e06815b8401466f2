"""The benchmark's own processes (Celery workers, gunicorn): stopped as an operator would."""

import signal
import subprocess
from collections.abc import Sequence


def stop_all(processes: Sequence[subprocess.Popen], *, timeout: float) -> None:
    """A warm shutdown for all at once (SIGTERM, in reverse order of starting), then a kill for any still
    running after ``timeout`` seconds."""
    for process in reversed(processes):
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
