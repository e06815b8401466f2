"""At phone width, 我的帳號's push card: the button is there and the browser asks nothing until it is clicked;
after the click (and the person's yes) this browser's subscription reaches the server and the device is listed.

Headless Chromium has no push service, so the browser's side of it — the permission answer and the subscription
the push service would give — is stood in for by an init script; the page's own script, the API and the
database are the real ones."""

import json

import pytest
from playwright.sync_api import expect

from notifications.models import PushSubscription
from tests.notifications.conftest import Browser

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINT = "https://fcm.googleapis.com/fcm/send/browser-test"

STAND_IN = """
window.__asked = 0;
window.__subscribed = 0;
Notification.requestPermission = function () {
  window.__asked += 1;
  return Promise.resolve(%(answer)s);
};
PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
PushManager.prototype.subscribe = function (options) {
  window.__subscribed += 1;
  window.__keyLength = options.applicationServerKey.length;
  var json = %(subscription)s;
  return Promise.resolve({endpoint: json.endpoint, toJSON: function () { return json; }});
};
"""


@pytest.fixture
def push_on(settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = Browser().p256dh  # any P-256 public key: the page only hands it over
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "not-used-here"


def stand_in(page, answer: str) -> Browser:
    browser = Browser()
    page.add_init_script(STAND_IN % {"answer": json.dumps(answer),
                                     "subscription": json.dumps(browser.subscription(ENDPOINT))})
    return browser


def test_the_button_asks_only_when_clicked_and_the_device_is_kept(phone, live_server, people, sign_in, push_on):
    browser = stand_in(phone, "granted")
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/sso/profile/")
    button = phone.get_by_test_id("push-enable")
    expect(button).to_be_visible()
    expect(button).to_have_text("在這部裝置接收通知")
    expect(phone.get_by_test_id("push-none")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.wait_for_timeout(500)
    # Loaded, and nothing asked: no permission prompt, no subscription.
    assert phone.evaluate("[window.__asked, window.__subscribed]") == [0, 0]

    button.click()
    expect(phone.get_by_test_id("push-devices")).to_be_visible()  # the page reloads with the device listed
    device = PushSubscription.objects.get()
    assert (device.user_id, device.endpoint, device.p256dh, device.auth) == (
        people["teacher"].user_id, ENDPOINT, browser.p256dh, browser.auth)
    assert phone.get_by_test_id("push-remove").count() == 1

    phone.get_by_test_id("push-remove").click()
    expect(phone.get_by_test_id("push-none")).to_be_visible()
    assert not PushSubscription.objects.exists()


def test_a_refusal_says_how_to_allow_it_and_keeps_nothing(phone, live_server, people, sign_in, push_on):
    stand_in(phone, "denied")
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/sso/profile/")
    assert phone.evaluate("window.__asked") == 0
    phone.get_by_test_id("push-enable").click()
    expect(phone.get_by_test_id("push-status")).to_contain_text("瀏覽器已封鎖本站的通知")
    assert phone.evaluate("[window.__asked, window.__subscribed]") == [1, 0]
    assert not PushSubscription.objects.exists()


def test_without_keys_the_card_says_push_is_unavailable(phone, live_server, people, sign_in):
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/sso/profile/")
    expect(phone.get_by_test_id("push-unavailable")).to_be_visible()
    assert phone.get_by_test_id("push-enable").count() == 0
