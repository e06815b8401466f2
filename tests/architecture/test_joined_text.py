"""Words that code puts together for people to read are joined in the reader's language: 「甲、乙」 in
Chinese, "A, B" in English (``common.i18n.enumerate_text`` / ``separate_text``). This test reads the code
for a full-width mark joined by hand, and checks the two helpers in both languages."""

import re
from pathlib import Path

from django.utils import translation

from common.i18n import enumerate_text, separate_text

ROOT = Path(__file__).resolve().parents[2]
APPS = ["common", "config", "audit", "notifications", "sso", "schedules", "staff", "attendance", "leave",
        "substitutes", "offices"]
JOINED_BY_HAND = re.compile(r"""["'][、；，・]["']\s*\.join\(""")

# Where a full-width join is right, and why.
EXCEPTIONS = {
    # The day's leave names stored with the daily result (Chinese data; its English twin is leave_label_en).
    "attendance/rules.py",
    # A day's label from the calendar's own (Chinese) names: cached for every reader and stored with the result.
    "schedules/calendar.py",
    # Titles from the education portal's claims, kept as the portal writes them (data, not our words).
    "sso/adapters.py",
    "sso/standin/models.py",
}


def test_no_code_joins_words_with_a_full_width_mark_by_hand():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in EXCEPTIONS:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if JOINED_BY_HAND.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_exceptions_still_exist_and_still_join_by_hand():
    for relative in EXCEPTIONS:
        assert JOINED_BY_HAND.search((ROOT / relative).read_text(encoding="utf-8")), relative


def test_lists_and_statements_read_in_each_language():
    with translation.override("zh-hant"):
        assert (enumerate_text(["國文", "英文", 3]), separate_text(["第 2 列：日期錯誤", "第 5 列：缺少名稱"])) == (
            "國文、英文、3", "第 2 列：日期錯誤；第 5 列：缺少名稱")
    with translation.override("en"):
        assert (enumerate_text(["Chinese", "English"]), separate_text(["row 2 bad", "row 5 missing"])) == (
            "Chinese, English", "row 2 bad; row 5 missing")
    assert enumerate_text([]) == ""
