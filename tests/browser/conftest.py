"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Use the ``page`` fixture (pytest-playwright) with ``live_server``; ``phone`` gives a page at
phone size. ``sign_in(page, live_server, username)`` signs in through the login form.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# still synchronous, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.getenv("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-TW", "timezone_id": "Asia/Taipei"}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def sign_in(password):
    def _sign_in(page, live_server, username: str, pw: str | None = None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", pw or password)
        # Wait for the navigation the form starts, not just for the current page's load state: that is the login
        # page's, already loaded, so it returned at once, and a goto() right after it aborted the POST before its
        # answer set the session cookie (the next page then asked to sign in: a test waited for its title in vain).
        with page.expect_navigation():
            page.click("form[action='/accounts/login/'] button")
        page.wait_for_load_state()
        return page

    return _sign_in
