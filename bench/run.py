"""Run the benchmarks: ``python -m bench.run`` (``make bench``). See bench/README.md.

Against DATABASE_URL (default: the SQLite file var/bench.sqlite3). The first run migrates the
database and builds the synthetic city (bench/data.py); later runs reuse it. The runner refuses a
database that holds schools other than its own unless --force is given.

Each case runs at two sizes. At each: one warm-up call, one call whose queries are counted
(django.test.utils.CaptureQueriesContext), then — at the large size — ``repeat`` timed calls
(time.perf_counter, without the query log). It prints

    name: median X ms, max Y ms, queries Q (target T ms) OK|SLOW

Targets are reported, not enforced. The exit status is 1 when a query count differs between the
two sizes (unless the case names that growth as known), 2 when the database is not the runner's.
"""

import argparse
import collections
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}"


def _configure_environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    # Tasks in-process (as the default setup runs them), never a broker; mail kept in memory.
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if os.environ["DATABASE_URL"].startswith("sqlite:///"):
        (BASE_DIR / "var").mkdir(exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--only", action="append", default=[], help="run the cases whose name contains this")
    parser.add_argument("--repeat", type=int, help="timed repetitions per case (default: each case's own)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--force", action="store_true", help="run even if the database holds other schools")
    parser.add_argument("--city", type=int, choices=(101, 401), default=None,
                        help="the city's size for the city-wide cases: 401 grows the city once (minutes; "
                             "default: as the database holds it, 101 when built)")
    parser.add_argument("--json", type=Path, help="also write the figures here (default bench/results/<db>.json)")
    args = parser.parse_args(argv)

    _configure_environment()
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from bench import data
    from bench.cases import CASES
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    cases = [c for c in CASES if not args.only or any(k in c.name for k in args.only)]
    if args.list:
        for case in CASES:
            print(f"{case.name}: {case.measures} (target {case.target_ms:g} ms)")
        return 0

    print(f"Database: {connection.vendor} {_server_version(connection)} ({connection.settings_dict['NAME']})")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    call_command("migrate", verbosity=0)
    refusal = data.prepare(city=args.city, force=args.force)
    if refusal:
        print(refusal + " (Or pass --force; or remove var/bench.sqlite3 on SQLite.)", file=sys.stderr)
        return 2
    print(f"City: {data.school_count()} schools, {data.people_count():,} people")

    # The query log keeps 9,000 queries by default; the city-wide jobs run more than that.
    connection.queries_log = collections.deque(maxlen=1_000_000)

    results, grown = [], []
    for case in cases:
        result = _run_case(case, repeat=args.repeat, connection=connection)
        results.append(result)
        print(_line(result), flush=True)
        for size, what in case.sizes.items():
            print(f"    {size}: {what}, queries {result['queries'][size]}")
        if result["rate"]:
            print(f"    {result['rate_value']:.1f} {case.rate} (sequential, one process)")
        if result["grows"]:
            if case.known_growth:
                print(f"    queries GROW with size (known: {case.known_growth})")
            else:
                print("    queries GROW with size: an N+1 or a per-row query crept in")
                grown.append(case.name)

    out = args.json or BASE_DIR / "bench" / "results" / f"{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(
        {"database": f"{connection.vendor} {_server_version(connection)}", "cores": os.cpu_count(),
         "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "results": results},
        ensure_ascii=False, indent=1,
    ))
    if grown:
        print(f"\nQuery counts grow with size: {', '.join(grown)}", file=sys.stderr)
        return 1
    return 0


def _run_case(case, *, repeat: int | None, connection) -> dict:
    import time_machine
    from django.test.utils import CaptureQueriesContext

    from bench.cases import LARGE

    queries, times = {}, []
    for size in case.sizes:
        with time_machine.travel(case.now, tick=True):
            call = case.setup(size)
            if case.reset:
                case.reset(size)
            call()  # warm-up: caches, templates, the first connection
            if case.reset:
                case.reset(size)
            with CaptureQueriesContext(connection) as captured:
                call()
            queries[size] = len(captured.captured_queries)
            if size != LARGE:
                continue
            for _ in range(repeat or case.repeat):
                if case.reset:
                    case.reset(size)
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    return {
        "name": case.name,
        "measures": case.measures,
        "sizes": case.sizes,
        "median_ms": round(median, 1),
        "max_ms": round(max(times), 1),
        "repetitions": len(times),
        "queries": queries,
        "target_ms": case.target_ms,
        "ok": median <= case.target_ms,
        "grows": len(set(queries.values())) > 1,
        "known_growth": case.known_growth,
        "rate": case.rate,
        "rate_value": 1000 * len(times) / sum(times) if case.rate else None,
    }


def _line(r: dict) -> str:
    verdict = "OK" if r["ok"] else "SLOW"
    return (f"{r['name']}: median {r['median_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
            f"queries {r['queries']['large']} (target {r['target_ms']:g} ms) {verdict}")


def _server_version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    connection.ensure_connection()
    version = connection.pg_version if connection.vendor == "postgresql" else ""
    return f"{version // 10000}.{version % 10000}" if version else ""


if __name__ == "__main__":
    sys.exit(main())
