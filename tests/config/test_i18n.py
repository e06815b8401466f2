"""zh-Hant first, English available: the language switch, the person's saved language."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from staff.models import User

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese_first(client):
    html = client.get("/accounts/login/").content.decode()
    assert "登入校園差勤" in html
    assert 'lang="zh-Hant-TW"' in html


def test_switching_to_english_shows_english_on_the_login_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    html = client.get("/accounts/login/").content.decode()
    assert "Sign in to Campus Attendance" in html
    assert "Sign in with a local account" in html
    assert 'lang="en"' in html
    assert "登入校園差勤" not in html

    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/accounts/login/"})
    assert "登入校園差勤" in client.get("/accounts/login/").content.decode()


def test_a_signed_in_persons_choice_is_saved_and_follows_them(people, client_for, client):
    teacher = people["teacher"]
    client_for(teacher).post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=teacher.user_id).language == "en"

    # A new browser (no language cookie) gets their saved language.
    client.cookies.clear()
    client.force_login(teacher.user, backend="staff.backends.AccountBackend")
    html = client.get("/").content.decode()
    assert "Today" in html and "Sign out" in html
    today = re.search(r'data-testid="today">([^<]+)<', html).group(1)
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} \d{4}", today)  # e.g. "Tue 20 Aug 2024", not 民國


def test_browsers_asking_for_english_get_it_before_sign_in(client):
    html = client.get("/accounts/login/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "Sign in to Campus Attendance" in html


def test_unknown_languages_are_ignored(people, client_for):
    client_for(people["teacher"]).post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert User.objects.get(pk=people["teacher"].user_id).language == "zh-hant"


# Every catalogue: the base's (layout, staff, audit, notifications) and one per feature app, each
# refreshed by `make makemessages` from the app's code and its templates/<app>/.
CATALOGUES = {
    "base": "locale",
    "sso": "sso/locale",
    "schedules": "schedules/locale",
    "attendance": "attendance/locale",
    "leave": "leave/locale",
    "substitutes": "substitutes/locale",
    "offices": "offices/locale",
}
BASE_APPS = {"staff", "audit", "notifications"}  # their strings live in the base catalogue
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[\u3000-\u303f\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_catalogue(name: str) -> list[Entry]:
    """The entries of a .po file (the header first), by the gettext format's own rules."""
    from django.conf import settings

    path = Path(settings.BASE_DIR) / CATALOGUES[name] / "en/LC_MESSAGES/django.po"
    entries, entry, target = [], Entry(), None

    def finish():
        nonlocal entry
        if target is not None:
            entries.append(entry)
        entry = Entry()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            finish()
            target = None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = json.loads(line)
            if isinstance(target, int):
                entry.msgstr[target] += text
            else:
                setattr(entry, target, getattr(entry, target) + text)
        else:
            keyword, value = line.split(" ", 1)
            match = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            target = int(match.group(1)) if match else keyword
            if keyword == "msgstr":
                target = 0
            if isinstance(target, int):
                entry.msgstr[target] = json.loads(value)
            else:
                assert keyword in {"msgctxt", "msgid", "msgid_plural"}, line
                setattr(entry, keyword, json.loads(value))
    return entries


def test_every_app_with_wording_has_a_catalogue():
    from django.apps import apps
    from django.conf import settings

    # The project's own apps: under the project folder, but not the installed packages (the venv may live there).
    ours = [
        a
        for a in apps.get_app_configs()
        if Path(a.path).is_relative_to(Path(settings.BASE_DIR)) and "site-packages" not in Path(a.path).parts
    ]
    assert {a.label for a in ours} - BASE_APPS == set(CATALOGUES) - {"base"}


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_catalogue_is_complete(name):
    header, *entries = read_catalogue(name)
    assert header.msgid == "" and "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags
    assert len(entries) > (100 if name == "base" else 50)
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert untranslated == []
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert fuzzy == []
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert all(sorted(e.msgstr) == [0, 1] for e in plurals)
    assert all(set(e.msgstr) == {0} for e in entries if e.msgid_plural is None)


@pytest.mark.parametrize("name", CATALOGUES)
def test_translations_are_english_and_keep_every_placeholder(name):
    _header, *entries = read_catalogue(name)
    # Chinese left in English is a miss, except the literal values a person types, quoted from the
    # source (the roster's column names and 是/否): every Chinese run must appear in the msgid.
    chinese = [
        (e.msgid, text)
        for e in entries
        for text in e.msgstr.values()
        for run in CJK_RUN.findall(text)
        if run not in e.msgid
    ]
    assert chinese == []
    broken = []
    for e in entries:
        sources = {0: e.msgid, 1: e.msgid_plural if e.msgid_plural is not None else e.msgid}
        for form, text in e.msgstr.items():
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(sources[form])):
                broken.append((e.msgid, form, text))
        if e.msgid.endswith("\n") != e.msgstr[0].endswith("\n"):
            broken.append((e.msgid, "trailing newline", e.msgstr[0]))
    assert broken == []


def test_a_string_in_two_catalogues_reads_the_same_in_both():
    """Django merges the catalogues into one (the base winning, then apps in INSTALLED_APPS order),
    so one msgid translated two ways would silently show the other app's English."""
    seen: dict[tuple, tuple[str, dict]] = {}
    conflicts = []
    for name in CATALOGUES:
        for e in read_catalogue(name)[1:]:
            key = (e.msgctxt, e.msgid)
            if key in seen and seen[key][1] != e.msgstr:
                conflicts.append((e.msgid, seen[key][0], seen[key][1], name, e.msgstr))
            seen.setdefault(key, (name, e.msgstr))
    assert conflicts == []


def test_the_english_catalogues_are_the_ones_loaded():
    """Each app's catalogue is found (app locale/ dirs) and compiled: one string from each."""
    samples = {
        "操作者": "Actor",  # base (audit)
        "入口網帳號綁定": "Portal account links",  # sso
        "颱風停班停課": "Typhoon day (offices and classes closed)",  # schedules and attendance
        "忘刷卡補登": "Forgotten-punch correction",  # attendance
        "職務代理人": "Deputy",  # leave
        "調課": "Class swap",  # substitutes
    }
    with translation.override("en"):
        assert {source: gettext(source) for source in samples} == samples
        assert ngettext("共 %(n)s 天", "共 %(n)s 天", 1) % {"n": 1} == "1 day in total"
        assert ngettext("共 %(n)s 天", "共 %(n)s 天", 3) % {"n": 3} == "3 days in total"
    with translation.override("zh-hant"):
        assert gettext("職務代理人") == "職務代理人"


# A number before a counter word (節, 人, 天, 小時 ...) counts something, and English needs the plural of its noun:
# ngettext or {% blocktranslate count %} ("1 period", "2 periods"). Not counts: ordinals (第 3 節, 第 2 列), and the
# strings below, each a limit from the settings or worded in English without a noun that varies.
COUNTED = re.compile(r"(?<!第 )(?<!第)(%\(\w+\)[sd]|%[sd])\s*"
                     r"(節|人|件|天|日|小時|筆|分鐘|分|次|位|個|列|週|張|班|項|則|封)")
NOT_COUNTS = {
    "只能補登 %(days)s 天內的打卡": "a limit (ATTENDANCE_CORRECTION_MAX_AGE_DAYS)",
    "每月最多補登 %(cap)s 次，%(month)s 已達上限": "a limit",
    "本月已申請 %(used)s 次，上限 %(cap)s 次": "English: “%(used)s requested this month (limit %(cap)s)”",
    "遲到 %(m)s 分": "English abbreviates: “%(m)s min late”",
    "早退 %(m)s 分": "English abbreviates: “Left %(m)s min early”",
    "（寬限 %(minutes)s 分鐘）": "English abbreviates: “(%(minutes)s min grace period)”",
    "「%(type)s」請假 %(days)s 日以上須附證明文件": "a rule's limit",
    "「%(type)s」須在事實發生日前 %(before)s 日至後 %(after)s 日內請畢": "a rule's limit",
    "「%(type)s」每月以 %(cap)s 日為限": "a rule's limit",
    "另有 %(n)s 節": "English: “%(n)s more”",
    "有一格超過 %(max)d 個字，不像是這份檔案的資料；請檢查這一列。": "a limit (MAX_CELL_CHARS)",
    "已排入寄送：%(count)d 封": "English: “Queued for sending: %(count)d”",
    "新增 %(created)d 人、更新 %(updated)d 人、未變動 %(unchanged)d 人": "English: “%(created)d added, …”",
    "一次最多簽核 %(n)s 件": "a limit",
    "已同意 %(n)s 件：%(names)s": "English: “Approved %(n)s: names”",
    "已駁回 %(n)s 件：%(names)s": "English: “Rejected %(n)s: names”",
    "已取消尚未確認的提議（%(count)d 則）": "English: “… (%(count)d)”",
    "應有 4 個欄位（西元日期,星期,是否放假,備註），此列有 %(count)d 個": "English: “this row has %(count)d”",
    "停班停課登記須在 %(days)d 日內由機關首長核定，這一天已超過期限": "a limit",
    "已超過 %(days)d 日的核定期限": "a limit",
    "一次最多排 %(n)d 天，請縮短日期範圍": "a limit",
    "這段期間有 %(count)d 節待安排，一次最多 %(n)d 節，請縮短日期範圍": "said only when the count is over the limit",
    "%(name)s 當天代課已達上限（每日 %(day)d 節）": "English: “(%(day)d a day)”",
    "%(name)s 當週代課已達上限（每週 %(week)d 節）": "English: “(%(week)d a week)”",
    "%(name)s 將連續上課超過 %(run)d 節": "a limit",
    "一次最多安排 %(n)d 節": "a limit",
    "一次最多回覆 %(n)d 節": "a limit",
    "%(name)s・%(tier)s・本月 %(n)s 節": "English: “· %(n)s this month”",
    "，%(open)d 節未安排": "English: “, %(open)d left open”",
}


@pytest.mark.parametrize("name", CATALOGUES)
def test_a_counted_noun_has_its_plural_form(name):
    """“1 periods” is never written: every count of something is translated with its plural forms."""
    singular_only = [e.msgid for e in read_catalogue(name)[1:] if not e.msgid_plural and COUNTED.search(e.msgid)
                     and e.msgid not in NOT_COUNTS and not e.msgid.startswith("依本校代課規則提出安排")]
    assert singular_only == []


def test_the_counted_noun_check_can_fail():
    assert COUNTED.search("已接受代課 %(n)d 節") and COUNTED.search("%(n)s 人")
    assert not COUNTED.search("第 %(n)s 節") and not COUNTED.search("第 %(row)d 列")
