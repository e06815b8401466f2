"""Other apps ask staff about people, units and schools through ``staff.selectors`` (and
``staff.permissions``); none of them queries staff's tables itself. This test reads the code.

A query is ``<StaffModel>.objects...`` (``.objects.none()``, an empty choice list, is no query),
``<StaffModel>._default_manager`` or ``get_object_or_404(<StaffModel>, ...)``. Reaching a person
through one's own rows (``leave_request.applicant``, ``select_related("staff__unit")``) is not a query
on staff's tables and stays allowed.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
APPS = ["common", "config", "audit", "notifications", "sso", "schedules", "attendance", "leave", "substitutes"]

# Where a query on staff's models outside staff/ is right, and why.
EXCEPTIONS = {
    # Demo data: load_demo builds the demo school's people, units and accounts in one transaction.
    "*/demo.py",
    # The stand-in portal: a separate OpenID provider for demos and tests, with accounts of its own.
    "sso/standin/*",
}


def staff_models() -> list[str]:
    return sorted(model.__name__ for model in apps.get_app_config("staff").get_models())


def queries_in(text: str, names: list[str]) -> list[str]:
    alternatives = "|".join(map(re.escape, names))
    pattern = re.compile(
        rf"\b(?:{alternatives})\.(?:objects\b(?!\.none\(\))|_default_manager\b)"
        rf"|\bget_(?:object|list)_or_404\(\s*(?:{alternatives})\b"
    )
    return [match.group(0) for match in pattern.finditer(text)]


def excepted(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    return any(relative.match(pattern) for pattern in EXCEPTIONS)


def test_the_scan_knows_staffs_models_and_finds_a_query():
    names = staff_models()
    assert {"StaffMember", "Unit", "School", "RoleAssignment", "User"} <= set(names)
    found = queries_in(
        "StaffMember.objects.filter(pk=1)\nUnit.objects.none()\nget_object_or_404(School, code=c)\n"
        "RoleAssignment._default_manager.all()\nrequest.user.objects\n",
        names,
    )
    assert found == ["StaffMember.objects", "get_object_or_404(School", "RoleAssignment._default_manager"]


@pytest.mark.parametrize("app", APPS)
def test_no_app_queries_staffs_tables(app):
    names = staff_models()
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts or excepted(path):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for query in queries_in(line, names):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {query}")
    assert offenders == [], "ask staff.selectors instead:\n" + "\n".join(offenders)
