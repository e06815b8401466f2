"""The morning rush under load: ``python -m bench.loadtest`` (``make loadtest``). See bench/README.md.

Against DATABASE_URL (PostgreSQL only) and a Redis (LOADTEST_REDIS_URL, else CELERY_BROKER_URL): builds
or reuses the benchmark city (bench/data.py), signs in N of its staff (an API token and a Redis-backed
session each), starts gunicorn (deploy/gunicorn.conf.py, production settings) and a Celery worker on
loopback, and drives the real clock-in (API and page) and leave-submit (API) paths with wrk and
bench/loadtest/load.lua. For each run it prints throughput, p50/p99, errors, the duplicate punches
found in the database afterwards, the app's CPU per request (gunicorn's processes, from /proc), the
Celery worker's CPU per request (until it has taken the run's queued days), the queries per request
(the same request counted in-process) and the ratio to a pgbench run of one-row inserts with a unique
key made in the same invocation. Never part of ``make test``.
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.processes import stop_all

BASE_DIR = Path(__file__).resolve().parent.parent
WORK = BASE_DIR / "var" / "loadtest"
SCRIPT = BASE_DIR / "bench" / "loadtest" / "load.lua"
LEAVE_REASON = "壓力測試"  # marks the requests a run files, removed before and after it
PGBENCH_SQL = (
    "\\set staff random(1, 100000000)\n"
    "INSERT INTO loadtest_punch (staff_id, work_date, kind, at) VALUES (:staff, CURRENT_DATE, 'in', now())"
    " ON CONFLICT DO NOTHING;\n"
)


def _environment(redis_url: str, port: int) -> dict[str, str]:
    """The production switches (docs/deploy.md), on loopback without TLS."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": env.get("LOADTEST_SECRET_KEY") or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "CACHE_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DB_CONN_MAX_AGE": env.get("DB_CONN_MAX_AGE", "60"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    })
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000, help="staff signed in (default 3000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per run (default 15)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections for the open runs")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=int(os.getenv("GUNICORN_WORKERS", "4")),
                        help="gunicorn workers (default 4, or GUNICORN_WORKERS)")
    parser.add_argument("--rate", type=int, default=200, help="the offered rate of the paced punch runs (/s)")
    parser.add_argument("--leave-rate", type=int, default=100, help="the offered rate of the paced leave run (/s)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pgbench-clients", type=int, default=16)
    parser.add_argument("-k", "--only", action="append", default=[], help="run the runs whose name contains this")
    args = parser.parse_args(argv)

    database_url = os.getenv("DATABASE_URL", "")
    redis_url = os.getenv("LOADTEST_REDIS_URL") or os.getenv("CELERY_BROKER_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis"):
        print("make loadtest needs DATABASE_URL (PostgreSQL, a database of its own) and LOADTEST_REDIS_URL or\n"
              "CELERY_BROKER_URL (Redis), e.g.\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/campus_bench "
              "LOADTEST_REDIS_URL=redis://127.0.0.1:6379/0 make loadtest", file=sys.stderr)
        return 2
    for tool in ("wrk", "pgbench", "psql"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing (make loadtest installs Debian's wrk; pgbench and psql come with "
                  "postgresql-client)", file=sys.stderr)
            return 2
    env = _environment(redis_url, args.port)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import data

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, Python {platform.python_version()} "
          f"({os.path.realpath(sys.executable)}: the interpreter's build matters, bench/README.md)")
    call_command("migrate", verbosity=0)
    refusal = data.prepare()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    connection.ensure_connection()
    print(f"Database: PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}; "
          f"gunicorn {args.workers} workers, one Celery worker, Redis sessions and cache", flush=True)

    WORK.mkdir(parents=True, exist_ok=True)
    people = _sign_in(args.people)
    spare = people.pop()  # the one whose requests are counted in-process
    _clean([*people, spare])
    pgbench_tps = _pgbench(database_url, clients=args.pgbench_clients, seconds=10)
    print(f"pgbench: {pgbench_tps:,.0f} one-row INSERT … ON CONFLICT per second "
          f"({args.pgbench_clients} clients, 10 s, unique key)", flush=True)
    queries = _queries_per_request(spare)
    _clean([*people, spare])

    started: list[subprocess.Popen] = []
    try:
        web = _start(started, [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
                     env={**env, "GUNICORN_WORKERS": str(args.workers)}, log=WORK / "gunicorn.log")
        worker = _start(started, [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
                                  "--loglevel=WARNING", "-n", f"loadtest-{os.getpid()}@%h"],
                        env=env, log=WORK / "worker.log")
        _wait_until_up(args.port)
        # Warm-up: every worker loads its URLconf, templates and connections before anything is measured.
        for mode in ("punch_api", "punch_page", "leave_api"):
            _wrk(mode, args, connections=args.workers * 2, rate=0, duration=3)
        runs = [
            ("punch_api", "punch_api", args.connections, 0),
            (f"punch_api@{args.rate}/s", "punch_api", args.connections, args.rate),
            ("punch_page", "punch_page", args.connections, 0),
            (f"punch_page@{args.rate}/s", "punch_page", args.connections, args.rate),
            ("leave_api", "leave_api", 16, 0),
            (f"leave_api@{args.leave_rate}/s", "leave_api", 16, args.leave_rate),
        ]
        runs = [r for r in runs if not args.only or any(k in r[0] for k in args.only)]
        print(f"\n{'run':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'dupes':>6} {'new':>5} "
              f"{'CPU ms/req':>10} {'worker ms':>9} {'pg ms':>6} {'redis ms':>8} {'machine ms':>10} "
              f"{'queries':>8} {'÷pgbench':>9}")
        results = []
        for name, mode, connections, rate in runs:
            _clean(people)
            time.sleep(2)  # let the worker finish the previous run's results
            before, worker_before = _cpu_seconds(web.pid), _cpu_seconds(worker.pid)
            servers_before, machine_before = _server_cpu_seconds(), _machine_busy_seconds()
            outcome = _wrk(mode, args, connections=connections, rate=rate)
            cpu = _cpu_seconds(web.pid) - before
            servers = _server_cpu_since(servers_before)
            machine = _machine_busy_seconds() - machine_before
            worker_cpu = _worker_done(worker.pid) - worker_before
            ok = outcome["requests"] - outcome["status"] - outcome["timeout"]
            throughput = outcome["requests"] / (outcome["duration_us"] / 1e6)
            rows, duplicates = _punches_of_today(people)
            # The share of the punches answered that made a row: once the file's lines are used up a run sends them
            # again, and those repeats (answered 200, nothing inserted) cost less than a first punch.
            new = rows / max(ok, 1) if mode.startswith("punch") else None
            errors = sum(outcome[k] for k in ("connect", "read", "write", "status", "timeout"))
            row = {
                "run": name, "throughput": round(throughput, 1), "p50_ms": outcome["p50_us"] / 1000,
                "p99_ms": outcome["p99_us"] / 1000, "errors": errors, "duplicates": duplicates,
                "new_share": None if new is None else round(new, 3),
                "cpu_ms_per_request": round(1000 * cpu / max(ok, 1), 1),
                "worker_cpu_ms_per_request": round(1000 * worker_cpu / max(ok, 1), 2),
                "postgres_cpu_ms_per_request": round(1000 * servers.get("postgres", 0.0) / max(ok, 1), 2),
                "redis_cpu_ms_per_request": round(1000 * servers.get("redis-server", 0.0) / max(ok, 1), 2),
                "machine_cpu_ms_per_request": round(1000 * machine / max(ok, 1), 2),
                "queries": queries[mode], "ratio_to_pgbench": round(throughput / pgbench_tps, 4),
                "requests": outcome["requests"],
            }
            results.append(row)
            print(f"{name:<20} {row['throughput']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
                  f"{errors:>7} {duplicates:>6} {'—' if new is None else f'{new:.0%}':>5} "
                  f"{row['cpu_ms_per_request']:>10.1f} "
                  f"{row['worker_cpu_ms_per_request']:>9.2f} {row['postgres_cpu_ms_per_request']:>6.2f} "
                  f"{row['redis_cpu_ms_per_request']:>8.2f} {row['machine_cpu_ms_per_request']:>10.2f} "
                  f"{row['queries']:>8} "
                  f"{row['ratio_to_pgbench']:>8.2%}", flush=True)
        (BASE_DIR / "bench" / "results").mkdir(parents=True, exist_ok=True)
        (BASE_DIR / "bench" / "results" / "loadtest.json").write_text(json.dumps({
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "load_average": os.getloadavg(), "pgbench_tps": pgbench_tps, "workers": args.workers,
            "people": args.people, "results": results,
        }, ensure_ascii=False, indent=1))
    finally:
        stop_all(started, timeout=30)
        _clean([*people, spare])
    return 0


def _sign_in(count: int):
    """The first ``count`` staff of BN0021 on (no month of leave there), each with an API token and a
    session in the cache-backed store; writes the wrk line files. Returns the people."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string
    from rest_framework.authtoken.models import Token

    from bench import data
    from staff.models import StaffCategory, StaffMember

    people = list(
        StaffMember.objects.filter(school__code__gte=data.school_code(data.MONTH_SCHOOLS + 1),
                                   school__code__startswith=data.PREFIX, is_active=True)
        .exclude(category=StaffCategory.HOURLY_SUBSTITUTE)
        .select_related("user", "school").order_by("school__code", "pk")[: count + 1]
    )
    users = [p.user for p in people]
    # The leave rules and chains of their schools (the bench city seeds them only where it files leave).
    from leave.models import LeaveType
    from leave.services import approval_chains_seed, leave_types_seed

    seeded = set(LeaveType.objects.filter(code="personal").values_list("school_id", flat=True))
    for school in {p.school for p in people if p.school_id not in seeded}:
        leave_types_seed(school=school)
        approval_chains_seed(school=school)
    Token.objects.filter(user__in=users).delete()
    tokens = Token.objects.bulk_create(Token(key=secrets.token_hex(20), user=u) for u in users)
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))  # Django's format
    sessions = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "staff.backends.AccountBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions.append(session.session_key)
    (WORK / "punch_api.txt").write_text("".join(f"{t.key}\n" for t in tokens[:-1]))
    (WORK / "punch_page.txt").write_text("".join(f"{s}\t{csrf}\n" for s in sessions[:-1]))
    # Leave: people in pairs of one school, the first asks for an hour of 事假 with the second as deputy,
    # on each of the next working days (day-major, so consecutive requests are different people).
    tokens_by_person = {p.pk: t.key for p, t in zip(people, tokens, strict=True)}
    pairs = []
    for first, second in zip(people[:-1:2], people[1:-1:2], strict=False):
        if first.school_id == second.school_id:
            pairs.append((first, second))
    days = _working_days(people[0], 20)
    lines = []
    for day in days:
        for applicant, deputy in pairs:
            start = dt.datetime.combine(day, dt.time(8)).isoformat() + "+08:00"
            end = dt.datetime.combine(day, dt.time(9)).isoformat() + "+08:00"
            body = json.dumps({"leave_type": _personal_type(applicant.school_id), "start": start, "end": end,
                               "deputy": deputy.pk, "reason": LEAVE_REASON, "class_arrangement": "無課務"})
            lines.append(f"{tokens_by_person[applicant.pk]}\t{body}\n")
    (WORK / "leave_api.txt").write_text("".join(lines))
    return people


_TYPES: dict[int, int] = {}


def _personal_type(school_id: int) -> int:
    from leave.models import LeaveType

    if school_id not in _TYPES:
        _TYPES[school_id] = LeaveType.objects.get(school_id=school_id, code="personal").pk
    return _TYPES[school_id]


def _working_days(person, count: int) -> list[dt.date]:
    from django.utils import timezone

    from schedules.calendar import duty_days

    first = timezone.localdate() + dt.timedelta(days=1)
    duty = duty_days([person], first, first + dt.timedelta(days=count * 3))
    return sorted(day for (_pk, day), value in duty.items() if value.has_duty)[:count]


def _clean(people) -> None:
    """Today's punches of these people and the leave a run filed: gone, with what hangs on them."""
    from django.db import transaction
    from django.utils import timezone

    from attendance.models import DailyResult, Punch
    from leave.models import ApprovalStep, LeaveCharge, LeaveDay, LeaveRequest
    from substitutes.models import Absence, AbsenceSpan, CoverageNeed

    ids = [p.pk for p in people]
    today = timezone.localdate()
    with transaction.atomic():
        Punch.objects.filter(staff_id__in=ids, work_date=today).delete()
        DailyResult.objects.filter(staff_id__in=ids, date=today).delete()
        filed = LeaveRequest.objects.filter(applicant_id__in=ids, reason=LEAVE_REASON)
        absences = Absence.objects.filter(leave_request_id__in=filed.values("pk"))
        CoverageNeed.objects.filter(absence__in=absences).delete()
        AbsenceSpan.objects.filter(absence__in=absences).delete()
        absences.delete()
        for model in (LeaveCharge, LeaveDay, ApprovalStep):
            model.objects.filter(request__in=filed).delete()
        filed.delete()


def _pgbench(database_url: str, *, clients: int, seconds: int) -> float:
    """One-row inserts with a unique key (the punch's shape) on the same server, in a table of its own."""
    script = WORK / "pgbench.sql"
    script.write_text(PGBENCH_SQL)
    create = ("DROP TABLE IF EXISTS loadtest_punch; CREATE TABLE loadtest_punch (id bigserial PRIMARY KEY, "
              "staff_id bigint NOT NULL, work_date date NOT NULL, kind varchar(3) NOT NULL, "
              "at timestamptz NOT NULL, UNIQUE (staff_id, work_date, kind));")
    subprocess.run(["psql", database_url, "-q", "-c", create], check=True)
    try:
        out = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script), database_url],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        subprocess.run(["psql", database_url, "-q", "-c", "DROP TABLE IF EXISTS loadtest_punch;"], check=True)
    match = re.search(r"tps = ([\d.]+)", out)
    return float(match.group(1)) if match else float("nan")


def _queries_per_request(person) -> dict[str, int]:
    """The same three requests, counted in-process with Django's test client (same settings)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    token = Token.objects.get(user=person.user).key
    counts = {}
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    page = Client()
    page.force_login(person.user, backend="staff.backends.AccountBackend")
    line = (WORK / "leave_api.txt").read_text().splitlines()[0].split("\t", 1)[1]
    body = json.loads(line)
    day = _working_days(person, 1)[0]
    body.update(start=f"{day}T08:00:00+08:00", end=f"{day}T09:00:00+08:00",
                leave_type=_personal_type(person.school_id))
    body["deputy"] = _colleague(person)
    for mode, call in (
        ("punch_api", lambda: api.post("/api/attendance/punches/", {"kind": "in"}, content_type="application/json")),
        ("punch_page", lambda: page.post("/attendance/punch/", {"kind": "in"})),
        ("leave_api", lambda: api.post("/api/leave/requests/", body, content_type="application/json")),
    ):
        _clean([person])
        with CaptureQueriesContext(connection) as captured:
            answer = call()
        if answer.status_code >= 400:
            raise SystemExit(f"{mode}: {answer.status_code} {answer.content[:300]!r}")
        counts[mode] = len(captured.captured_queries)
    return counts


def _colleague(person) -> int:
    from staff.models import StaffCategory, StaffMember

    return StaffMember.objects.filter(school_id=person.school_id, is_active=True).exclude(pk=person.pk).exclude(
        category=StaffCategory.HOURLY_SUBSTITUTE).order_by("-pk").values_list("pk", flat=True)[0]


def _start(started: list, command: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    started.append(process)
    return process


def _wait_until_up(port: int) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on port {port} (see {WORK / 'gunicorn.log'})")


def _cpu_seconds(master_pid: int) -> float:
    """User + system CPU of a process and its children so far (gunicorn's master and workers, Celery's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [master_pid]
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    except OSError:
        pass
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _server_cpu_seconds() -> dict[tuple[str, int], float]:
    """User + system CPU so far of every PostgreSQL and Redis process on the machine, by program name (the
    backends come and go with gunicorn's connections; with persistent connections they stay for the run).
    A backend that exits during the run takes its share with it, so the figure is a floor."""
    ticks = os.sysconf("SC_CLK_TCK")
    spent: dict[tuple[str, int], float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        name = head.split("(", 1)[1]
        if name in ("postgres", "redis-server"):
            fields = tail.split()
            spent[(name, int(stat.parent.name))] = (int(fields[11]) + int(fields[12])) / ticks
    return spent


def _server_cpu_since(before: dict[tuple[str, int], float]) -> dict[str, float]:
    """Per program, the CPU its processes spent since ``before`` (a process started meanwhile counts whole)."""
    totals: dict[str, float] = {}
    for (name, pid), seconds in _server_cpu_seconds().items():
        totals[name] = totals.get(name, 0.0) + seconds - before.get((name, pid), 0.0)
    return totals


def _machine_busy_seconds() -> float:
    """The whole machine's busy CPU so far (every core; /proc/stat less idle and iowait): what the run cost
    with wrk, the kernel's network stack and everything else included."""
    ticks = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal (guest time is already counted in user)
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / ticks


def _worker_done(worker_pid: int, quiet_seconds: float = 1.0, limit_seconds: float = 60.0) -> float:
    """The Celery worker's CPU once it has done the run's results: when its CPU has not moved for
    ``quiet_seconds`` (and the queued days are taken), or after ``limit_seconds``."""
    from attendance.models import PendingResult

    deadline = time.monotonic() + limit_seconds
    last = _cpu_seconds(worker_pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_seconds)
        now = _cpu_seconds(worker_pid)
        if now == last and not PendingResult.objects.exists():
            break
        last = now
    return last


def _wrk(mode: str, args, *, connections: int, rate: int, duration: int | None = None) -> dict:
    lines = WORK / f"{mode}.txt"
    out = subprocess.run(
        ["wrk", "-t", str(args.threads), "-c", str(connections), "-d", f"{duration or args.duration}s", "--latency",
         "--timeout", "10s", "-s", str(SCRIPT), f"http://127.0.0.1:{args.port}", "--",
         mode, str(lines), str(connections), str(rate), str(args.threads)],
        check=True, capture_output=True, text=True,
    ).stdout
    match = re.search(r"RESULT (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{out}")
    return json.loads(match.group(1))


def _punches_of_today(people) -> tuple[int, int]:
    """Today's punch rows of these people, and how many (person, kind) pairs have more than one."""
    from django.db.models import Count
    from django.utils import timezone

    from attendance.models import Punch

    counts = list(
        Punch.objects.filter(staff_id__in=[p.pk for p in people], work_date=timezone.localdate())
        .values("staff_id", "kind").annotate(n=Count("id")).values_list("n", flat=True)
    )
    return sum(counts), sum(n > 1 for n in counts)


if __name__ == "__main__":
    sys.exit(main())
