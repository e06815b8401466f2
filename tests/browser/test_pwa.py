"""At phone width: the manifest and icons load, the service worker registers, and with the network cut
the offline page appears (a punch needs the server's time) and the last month seen is still there."""

import time

import pytest

from attendance.models import Punch

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(page, script: str, timeout: float = 20.0):
    """Poll an (async) expression in the page until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(200)
    raise AssertionError(f"never true: {script}")


def test_installable_and_offline(phone, live_server, people, sign_in):
    context = phone.context
    # The service worker registers for the whole site from the first page opened and takes that page over
    # (clients.claim). Waited for on that page, before any navigation: a page whose navigation began while the
    # worker was still installing is not taken over (the next one is), which made this check race the sign-in.
    phone.goto(f"{live_server.url}/accounts/login/")
    scope = _wait(phone, "async () => { const r = await navigator.serviceWorker.getRegistration(); "
                         "return r && r.active && r.active.state === 'activated' ? r.scope : null; }")
    assert scope == f"{live_server.url}/"
    _wait(phone, "() => navigator.serviceWorker.controller !== null")
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/")
    assert phone.evaluate("() => navigator.serviceWorker.controller !== null")  # every page opened since

    # The manifest and its icons load with the right types.
    manifest_url = phone.locator("link[rel=manifest]").get_attribute("href")
    manifest = phone.request.get(f"{live_server.url}{manifest_url}")
    assert manifest.ok and manifest.headers["content-type"] == "application/manifest+json"
    data = manifest.json()
    assert data["short_name"] == "差勤"
    for icon in data["icons"]:
        loaded = phone.request.get(f"{live_server.url}{icon['src']}")
        assert loaded.ok and loaded.headers["content-type"] == "image/png", icon
    touch = phone.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert phone.request.get(f"{live_server.url}{touch}").headers["content-type"] == "image/png"
    favicon = phone.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"

    # The month seen last is kept for offline use.
    phone.goto(f"{live_server.url}/attendance/month/")
    title = phone.get_by_test_id("month-title").inner_text()
    _wait(phone, "async () => (await (await caches.open('last-month')).keys()).length === 1")

    # The clock page, then the network goes: the buttons rest and the page says why.
    phone.goto(f"{live_server.url}/attendance/")
    context.set_offline(True)
    progress = phone.get_by_test_id("punch-progress")
    _wait(phone, "() => document.querySelector('[data-testid=punch-main]').disabled")
    assert "打卡需要伺服器的時間" in progress.inner_text()

    # A punch sent anyway (a form posted while offline) is answered by the offline page, not kept.
    phone.evaluate(
        "() => { const f = document.querySelector('.punch-form'); const k = document.createElement('input');"
        " k.type = 'hidden'; k.name = 'kind'; k.value = 'in'; f.appendChild(k);"
        " HTMLFormElement.prototype.submit.call(f); }"
    )
    phone.wait_for_load_state()
    assert "打卡需要伺服器的時間" in phone.get_by_test_id("offline-punch").inner_text()

    # Any other page offline: the offline page; the month: the one seen last.
    phone.goto(f"{live_server.url}/leave/")
    assert phone.get_by_test_id("offline").is_visible()
    phone.goto(f"{live_server.url}/attendance/month/")
    assert phone.get_by_test_id("month-title").inner_text() == title
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Back online: nothing was queued or replayed.
    context.set_offline(False)
    phone.goto(f"{live_server.url}/attendance/")
    phone.wait_for_timeout(500)
    assert not Punch.objects.filter(staff=people["teacher"]).exists()
    assert phone.get_by_test_id("punch-in").inner_text() == "—"
