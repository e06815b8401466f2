"""The city's month by tasks: ``python -m bench.citymonth`` (``make bench-city-month``). See bench/README.md.

Against DATABASE_URL (PostgreSQL, the benchmark's own database) and CELERY_BROKER_URL (Redis): builds or
reuses the benchmark city (bench/data.py; ``--city 401`` grows it to the 401-school size), removes the
month's stored results of its schools (so that every row is written), starts N Celery workers
(``--pool=solo``, one process each) on a queue of their own, and runs

    manage.py recompute_results --start <first> --end <last> --progress

as an operator would, with DEBUG off as in production (the command without the deployment's system
checks: no sign-in provider is configured here). It prints the time from the command to the last task,
the rows written, the time per school-month and per person-day, the largest resident memory of the
command and of each worker (peak RSS, ``VmHWM``), the CPU time the workers and their PostgreSQL
backends used (from /proc, sampled every half second: what the job costs whatever else runs), and the
machine's load average meanwhile (the machine may be shared: read the times next to it). Figures also
go to ``bench/results/citymonth.json``. Never part of ``make test``.
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.processes import stop_all

BASE_DIR = Path(__file__).resolve().parent.parent
LOGS = BASE_DIR / "var" / "citymonth"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citymonth", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--schools-per-task", type=int, default=10, help="ATTENDANCE_SCHOOLS_PER_TASK (default 10)")
    parser.add_argument("--city", type=int, choices=(101, 401), default=None,
                        help="grow the city to this many schools first (default: the city as the database holds it)")
    parser.add_argument("--schools", type=int, default=None,
                        help="only the first N schools (BN0001 on; e.g. 101 on the grown city), named to the command")
    parser.add_argument("--start", default="2025-10-01", help="first day (default 2025-10-01)")
    parser.add_argument("--end", default="2025-10-31", help="last day (default 2025-10-31)")
    args = parser.parse_args(argv)

    database_url = os.getenv("DATABASE_URL", "")
    broker = os.getenv("CELERY_BROKER_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not broker.startswith("redis"):
        print("bench.citymonth needs DATABASE_URL (PostgreSQL, a database of its own) and CELERY_BROKER_URL "
              "(Redis), e.g.\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/campus_bench "
              "CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make bench-city-month", file=sys.stderr)
        return 2
    queue = f"bench-city-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # As in production: without DEBUG's query log, which would keep every task's statements in memory.
        "DEBUG": "0",
        "SECRET_KEY": os.getenv("SECRET_KEY") or secrets.token_urlsafe(64),
        "CELERY_QUEUE": queue,
        "ATTENDANCE_SCHOOLS_PER_TASK": str(args.schools_per_task),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from attendance.models import DailyResult
    from bench import data
    from staff.models import School, StaffMember

    first, last = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    call_command("migrate", verbosity=0)
    refusal = data.prepare(city=args.city)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    codes = list(
        School.objects.filter(code__startswith=data.PREFIX).order_by("code").values_list("code", flat=True)
    )[: args.schools]
    in_city = {"school__code__in": codes}
    schools = len(codes)
    people = StaffMember.objects.filter(**in_city, is_active=True).count()
    days = (last - first).days + 1
    connection.ensure_connection()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}, Redis broker")
    print(f"City: {schools} schools, {people:,} people; {first} – {last} ({days} days); "
          f"{args.workers} workers (--pool=solo), {args.schools_per_task} schools a task", flush=True)
    removed, _by_model = DailyResult.objects.filter(**in_city, date__range=(first, last)).delete()
    print(f"  {removed:,} stored results of the range removed first (every row is written)", flush=True)
    connection.close()  # nothing of this process's connection is held while the workers run

    LOGS.mkdir(parents=True, exist_ok=True)
    workers: list[subprocess.Popen] = []
    load = _LoadSampler()
    try:
        for n in range(args.workers):
            with open(LOGS / f"worker-{n + 1}.log", "wb") as log:
                workers.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                     "-n", f"{queue}-{n + 1}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                     "--loglevel=WARNING"],
                    cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                ))
        _wait_for_workers(len(workers), queue)
        worker_cpu_before = {w.pid: _cpu_seconds(w.pid) or 0.0 for w in workers}
        load = _LoadSampler(_dsn(connection), [w.pid for w in workers])
        load.start()
        wall = time.perf_counter()
        command = subprocess.Popen(
            [sys.executable, "manage.py", "recompute_results", "--start", args.start, "--end", args.end,
             "--progress", "--skip-checks", *(f"--school={code}" for code in (codes if args.schools else []))],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        output = command.stdout.read() if command.stdout else ""
        _pid, status, usage = os.wait4(command.pid, 0)
        command.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - wall
        load.stop()
        peaks = [_peak_rss_mb(w.pid) for w in workers]
    finally:
        load.stop()
        stop_all(workers, timeout=60)
        _drop_queue(queue)
    print("\n".join(line for line in re.split(r"[\r\n]+", output)[-2:] if line))
    if command.returncode != 0:
        print(f"recompute_results failed (exit {command.returncode})", file=sys.stderr)
        return 1
    took = float(m.group(1)) if (m := re.search(r"done in ([\d.]+) s", output)) else wall
    written = DailyResult.objects.filter(**in_city, date__range=(first, last)).count()
    tasks = re.findall(r"tasks (\d+)/(\d+)", output)
    result = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "schools": schools,
        "people": people,
        "days": days,
        "workers": args.workers,
        "schools_per_task": args.schools_per_task,
        "tasks": int(tasks[-1][1]) if tasks else None,
        "results_written": written,
        "seconds": round(took, 1),
        "ms_per_school_month": round(1000 * took / schools * 31 / days, 1),
        "us_per_person_day": round(1e6 * took / max(written, 1), 1),
        "command_peak_rss_mb": round(usage.ru_maxrss / 1024),
        "worker_peak_rss_mb": peaks,
        "load_average": load.summary(),
        "worker_cpu_s": round(sum(load.cpu.get(w.pid, 0.0) - worker_cpu_before[w.pid] for w in workers), 1),
        "postgres_cpu_s": load.cpu_of(load.backends),
    }
    # What two idle cores would take: the job's CPU (the workers' and their database's), shared by two.
    result["idle_estimate_s"] = round((result["worker_cpu_s"] + result["postgres_cpu_s"]) / 2, 1)
    print(f"\n{written:,} results written by {result['tasks']} tasks in {took:.1f} s (command to last task); "
          f"{result['ms_per_school_month']:.0f} ms a school-month, {result['us_per_person_day']:.0f} µs a "
          f"person-day with {args.workers} workers")
    print(f"peak memory: command {result['command_peak_rss_mb']} MB; workers "
          f"{', '.join(f'{p} MB' for p in peaks)}")
    print(f"CPU used: workers {result['worker_cpu_s']} s, PostgreSQL backends {result['postgres_cpu_s']} s "
          f"(at least) → about {result['idle_estimate_s']} s on two otherwise idle cores")
    lo = result["load_average"]
    print(f"load average (1 min) during the run: start {lo['start']}, mean {lo['mean']}, max {lo['max']}")
    out = BASE_DIR / "bench" / "results" / "citymonth.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


class _LoadSampler:
    """While the run lasts, every half second: the 1-minute load average, and the CPU time so far of the
    workers and of the PostgreSQL backends serving this database (a task's backend lives as long as the
    task: its last half second may be missed, so the database's figure is a floor)."""

    def __init__(self, dsn: str = "", workers: list[int] | None = None) -> None:
        self.samples: list[float] = []
        self.dsn = dsn
        self.workers = workers or []
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds, the latest reading
        self.backends: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        import psycopg

        ticks = 0
        with psycopg.connect(self.dsn, autocommit=True) if self.dsn else _nothing() as conn:
            own = conn.info.backend_pid if conn else None
            while not self._stop.is_set():
                if ticks % 2 == 0:
                    self.samples.append(os.getloadavg()[0])
                ticks += 1
                pids = list(self.workers)
                if conn:
                    rows = conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s", [own]
                    ).fetchall()
                    self.backends.update(pid for (pid,) in rows)
                    pids += [pid for (pid,) in rows]
                for pid in pids:
                    used = _cpu_seconds(pid)
                    if used is not None:
                        self.cpu[pid] = max(used, self.cpu.get(pid, 0.0))
                self._stop.wait(0.5)

    def cpu_of(self, pids) -> float:
        return round(sum(self.cpu.get(pid, 0.0) for pid in pids), 1)

    def stop(self) -> None:
        self._stop.set()

    def summary(self) -> dict[str, float]:
        s = self.samples or [os.getloadavg()[0]]
        return {"start": round(s[0], 1), "mean": round(sum(s) / len(s), 1), "max": round(max(s), 1)}


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (/proc/<pid>/stat), or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_workers(count: int, queue: str, timeout: float = 120) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = app.control.ping(timeout=1) or []
        if sum(1 for a in answers for name in a if name.startswith(queue)) >= count:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the {count} workers did not answer within {timeout:.0f} s (see {LOGS})")


def _dsn(connection) -> str:
    params = connection.get_connection_params()
    keep = ("host", "port", "user", "password", "dbname")
    return " ".join(f"{key}={params[key]}" for key in keep if params.get(key))


def _peak_rss_mb(pid: int) -> int:
    """The process's largest resident set so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return round(int(found.group(1)) / 1024) if found else -1


def _drop_queue(queue: str) -> None:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # the broker may be gone; nothing to clean then
        pass


if __name__ == "__main__":
    sys.exit(main())
