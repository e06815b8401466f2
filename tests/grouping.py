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


def broker_group_first(items: list[pytest.Item]) -> None:
    """The real-worker tests first (stable): their group then runs in one process beside the rest of the suite,
    not alone after it. pytest-django puts transactional tests last so that their flush cannot empty the data of
    the tests after them; what the migrations wrote is written again after each flush (tests/conftest.py)."""
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("celery_worker") is None)


class BrokerGroupFirst:
    """A plugin (tests/conftest.py registers it) whose hook runs after pytest-django's ordering."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        broker_group_first(items)
