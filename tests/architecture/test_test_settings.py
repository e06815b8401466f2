"""The test run's own settings: pytest's cache plug-in stays on (so ``pytest --lf`` reruns what failed),
and the strict levels of mypy keep naming every services, selectors and rules module."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_cache_plugin_is_not_switched_off():
    addopts = PYPROJECT["tool"]["pytest"]["ini_options"]["addopts"]
    places = {"pyproject.toml addopts": addopts, "Makefile": (ROOT / "Makefile").read_text(encoding="utf-8")}
    assert not [name for name, text in places.items() if "no:cacheprovider" in text]


def test_services_selectors_and_rules_are_strict():
    strict = [o for o in PYPROJECT["tool"]["mypy"]["overrides"] if o.get("disallow_untyped_defs") is True]
    assert len(strict) == 1
    assert {"common.*", "*.services", "*.services.*", "*.selectors", "*.rules"} <= set(strict[0]["module"])
