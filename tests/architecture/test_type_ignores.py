"""Every ``# type: ignore`` names the error it silences and says why (mypy itself refuses one without
a code: ``enable_error_code = ["ignore-without-code"]``; the reason is checked here)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<code>\[[^\]]+\])?(?P<rest>.*)$")


def ignores_without_reason(text: str) -> list[str]:
    bad = []
    for line in text.splitlines():
        match = IGNORE.search(line)
        if match and (not match.group("code") or not re.search(r"#\s*\S", match.group("rest"))):
            bad.append(line.strip())
    return bad


def test_the_check_tells_a_reasoned_ignore_from_a_bare_one():
    assert ignores_without_reason("x = f()  # type: ignore[attr-defined]  # set by the middleware") == []
    assert ignores_without_reason("x = f()  # type: ignore") == ["x = f()  # type: ignore"]
    assert ignores_without_reason("x = f()  # type: ignore[misc]") == ["x = f()  # type: ignore[misc]"]


def test_every_type_ignore_names_its_error_and_its_reason():
    offenders = [
        f"{path.relative_to(ROOT)}: {line}"
        for path in sorted(ROOT.rglob("*.py"))
        if not {".venv", "node_modules", ".git"} & set(path.relative_to(ROOT).parts)
        for line in ignores_without_reason(path.read_text(encoding="utf-8"))
        if path.name != "test_type_ignores.py"
    ]
    assert offenders == []
