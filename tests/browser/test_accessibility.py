"""axe-core on every page of the main journeys, as a teacher, a unit head, personnel and 教學組, in Chinese and
in English: no serious or critical violation (contrast of text at least 4.5:1, every control labelled, landmarks,
names ...). In English, the same walk on the phone also reads each page as the browser shows it (after its scripts)
and finds no Chinese but names (tests/config/test_english_journeys.py scans the pages as served).

axe-core's script comes from the axe-playwright-python package (a test dependency) and is run in the page
through Playwright; nothing of it is served by the application. The world is the sweeps' (tests/sweep_world.py:
a leave with its coverage, a 補登, overtime, a typhoon day, an official alert), with the clock on its day.
"""

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings

from notifications.models import Notification
from tests.config.test_english_journeys import allowed_words, leaks, pages, visible_text
from tests.sweep_world import NOW, build_world

pytestmark = pytest.mark.django_db(transaction=True)

SEVERE = ("serious", "critical")


@pytest.fixture
def world(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=True), override_settings(MEDIA_ROOT=tmp_path):
        yield build_world(tmp_path)


def severe_violations(page) -> list[str]:
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in SEVERE:
            targets = [", ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                       for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("role", ["teacher", "unit_head", "personnel", "academic"])
def test_main_journeys_have_no_serious_accessibility_violations(world, role, language, phone, live_server, sign_in):
    """In both languages: the page's lang, the names of controls and the contrast of the words as each reads."""
    person = world.staff(role)
    person.user.language = language
    person.user.save(update_fields=["language"])
    if language == "en":
        # Notices keep the language they were written in: those written while the person read Chinese go (as in
        # tests/config/test_english_journeys.py, whose notices test writes English ones).
        Notification.objects.filter(recipient=person.user).exclude(kind="test").delete()
    sign_in(phone, live_server, person.user.username)
    assert phone.evaluate("document.documentElement.lang") == ("en" if language == "en" else "zh-Hant-TW")
    problems: dict[str, list[str]] = {}
    allowed = allowed_words(world) if language == "en" else []
    for url in pages(world)[role]:
        phone.goto(f"{live_server.url}{url}")
        phone.wait_for_load_state("networkidle")
        found = severe_violations(phone)
        if language == "en":
            found += [f"Chinese on the page as shown: {line}" for line in leaks(visible_text(phone.content()), allowed)]
        if found:
            problems[url] = found
    assert not problems, "\n".join(f"{url}:\n  " + "\n  ".join(lines) for url, lines in problems.items())
