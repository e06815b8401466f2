"""Which tests share one process under `make test` (pytest-xdist, ``--dist loadgroup``). Kept free of Django
so that tests/config/test_suite_processes.py can run it in a scratch session."""

import pytest


def mark_broker_group(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests with a real worker share the Redis broker, and some use a database of it as their cache and
    clear it: they run in one process, one after another. Without pytest-xdist (`-p no:xdist`) there is no
    group to mark."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("broker"))
