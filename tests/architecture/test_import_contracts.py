"""The import contracts (.importlinter) hold, and they are not a check that cannot fail: a copy of the
code with one wrong import breaks them.

The scratch copy lives in a temporary directory; `lint-imports` runs on it in a child process, so the
repository itself is never touched.
"""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = configparser.ConfigParser()
CONTRACTS.read(ROOT / ".importlinter")
PACKAGES = CONTRACTS["importlinter"]["root_packages"].split()
# `lint-imports`, run by this interpreter (the project's virtualenv) whatever PATH says.
LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LINT_IMPORTS, "--no-cache", "--config", str(where / ".importlinter")],
        cwd=where, env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """The project's packages (Python files only) and its contract file, copied."""
    where = tmp_path_factory.mktemp("scratch")
    skip = shutil.ignore_patterns("__pycache__", "locale", "static", "templates", "*.po", "*.mo", "*.txt", "*.html")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, where / package, ignore=skip)
    shutil.copy(ROOT / ".importlinter", where / ".importlinter")
    return where


def test_the_repository_keeps_its_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_untouched_copy_keeps_them_too(scratch):
    # The copy is faithful: the failures below come from the one line each adds.
    result = lint_imports(scratch)
    assert result.returncode == 0, result.stdout + result.stderr


WRONG = [
    # (module written into the copy, its one import, the contract that must break)
    ("attendance/scratch_wrong.py", "from leave.services import leave_request_submit",
     "Other apps reach leave only through its selectors and events"),
    ("leave/scratch_wrong.py", "from attendance.selectors import punch_spans", "The apps' layers"),
    ("staff/scratch_wrong.py", "from config.api import exception_handler", "The apps' layers"),
    ("common/scratch_wrong.py", "from staff.models import StaffMember", "The apps' layers"),
    ("attendance/scratch_wrong.py", "from substitutes.selectors import can_arrange", "The apps' layers"),
    ("substitutes/scratch_wrong.py", "from schedules.services import office_calendar_import",
     "Other apps reach schedules"),
    ("leave/scratch_wrong.py", "from substitutes.views import dashboard", "The apps' layers"),
]


@pytest.mark.parametrize(("module", "line", "contract"), WRONG, ids=[m + ": " + line for m, line, _c in WRONG])
def test_one_wrong_import_breaks_a_contract(scratch, module, line, contract):
    path = scratch / module
    path.write_text(f'"""A deliberately wrong import."""\n\n{line}  # noqa: F401\n')
    try:
        result = lint_imports(scratch)
    finally:
        path.unlink()
    assert result.returncode != 0, result.stdout
    broken = [text for text in result.stdout.split("\n") if "BROKEN" in text]
    assert any(contract[:40] in text for text in broken) or contract in result.stdout.replace("\n", " "), result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout
