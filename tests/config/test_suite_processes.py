"""The suite's own promise (tests/grouping.py): under `make test`'s two processes, the tests with a real
Celery worker run in one process, one after another, because they share the broker's Redis database and
some clear it. pytest-xdist's grouping once stopped working silently (pytest 9.2 with pytest-xdist 3.8): two
such tests then ran at once and one emptied the other's queue. Checked here on a scratch session that uses
the suite's grouping hook, beside tests without a worker so that both processes have work."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_tests_with_a_real_worker_run_in_one_process(tmp_path):
    pytest.importorskip("xdist")
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        import pytest

        from tests.grouping import mark_broker_group


        def pytest_configure(config):
            config.addinivalue_line("markers", "celery_worker: a test with a real worker")


        @pytest.hookimpl(tryfirst=True)
        def pytest_collection_modifyitems(config, items):
            mark_broker_group(config, items)
    """))
    body = "\n".join(
        f"{mark}def test_{kind}_{n}():\n"
        f"    with open(os.path.join(os.environ['SEEN'], '{kind}_{n}'), 'w') as out:\n"
        f"        out.write(os.environ['PYTEST_XDIST_WORKER'])\n"
        for n in range(6)
        for kind, mark in (("broker", "@pytest.mark.celery_worker\n"), ("plain", ""))
    )
    (tmp_path / "test_scratch.py").write_text(f"import os\n\nimport pytest\n\n\n{body}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env["PYTHONPATH"] = str(ROOT)
    seen_dir = tmp_path / "seen"
    seen_dir.mkdir()
    env["SEEN"] = str(seen_dir)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:django",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path / "test_scratch.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    seen = {path.name: path.read_text() for path in seen_dir.iterdir()}
    assert len(seen) == 12
    broker = {worker for name, worker in seen.items() if name.startswith("broker_")}
    assert len(broker) == 1, f"the real-worker tests ran in {sorted(broker)}"
    assert set(seen.values()) == {"gw0", "gw1"}  # the plain ones spread: two processes were at work


class _Item:
    def __init__(self, name: str, broker: bool):
        self.name, self.broker = name, broker

    def get_closest_marker(self, name: str):
        return object() if name == "celery_worker" and self.broker else None


def test_the_real_worker_tests_are_scheduled_first_in_their_order():
    from tests.grouping import broker_group_first

    items = [_Item("a", False), _Item("w1", True), _Item("b", False), _Item("w2", True)]
    broker_group_first(items)
    assert [item.name for item in items] == ["w1", "w2", "a", "b"]
