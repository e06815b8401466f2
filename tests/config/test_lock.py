"""Reproducible installs: requirements.lock pins every declared dependency inside its range, and the
environment the tests run in is the one the lock describes."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["dev"]]


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            found[canonicalize_name(match[1])] = match[2]
    return found


def test_every_declared_dependency_is_pinned_inside_its_range():
    locked = pins()
    missing = [str(r) for r in declared() if canonicalize_name(r.name) not in locked]
    assert missing == [], "run `make lock`"
    outside = [f"{r} but {locked[canonicalize_name(r.name)]}" for r in declared()
               if not r.specifier.contains(locked[canonicalize_name(r.name)], prereleases=True)]
    assert outside == [], "run `make lock`"


def test_the_installed_packages_are_the_locked_versions():
    locked = pins()
    differ = []
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        try:
            installed = version(name)
        except PackageNotFoundError:
            differ.append(f"{name}: not installed")
            continue
        if installed != locked[name]:
            differ.append(f"{name}: {installed} installed, {locked[name]} locked")
    assert differ == [], "run `make install` (the lock changed)"
