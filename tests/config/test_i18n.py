"""zh-Hant first, English available: the language switch, the person's saved language."""

import re

import pytest

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
    client.force_login(teacher.user, backend="django.contrib.auth.backends.ModelBackend")
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


def test_the_base_catalogue_is_complete():
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = [entry for entry in text.split("\n\n")[1:] if "msgid" in entry]
    assert len(entries) > 100
    untranslated = [entry for entry in entries if entry.rstrip().endswith('msgstr ""')]
    assert untranslated == []
    assert "#, fuzzy" not in text
