"""Web Push against a real push service on loopback (HTTPS, tests/notifications/conftest.py): subscribed through
the API, a real leave decision, the message encrypted for the browser (decrypted here with http_ece) and signed
with VAPID (the JWT verified here); a 410 removes the device, a 500 is retried; nobody removes another's device."""

import datetime as dt
import json
import re

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_step_reject, leave_types_seed
from notifications import push, retries
from notifications.models import Notification, PushMessage, PushSubscription
from notifications.services import notify, push_subscribe
from notifications.tasks import deliver_pending_pushes, deliver_push, fan_out_push
from tests.clock import at
from tests.factories import make_staff
from tests.notifications.conftest import Browser

# Every test on one frozen morning: the leave is filed on it, and "a minute later" is a minute the test moves.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]

DEVICES = "/api/notifications/push-devices/"


@pytest.fixture
def on_1_september_2025():
    with time_machine.travel(at(2025, 9, 1, 9), tick=False):
        yield


def reject_a_leave(people):
    """王老師's 事假 on Wed 10 Sep 2025, rejected by the deputy: 「假單有結果」 (leave.decided) for the teacher."""
    school = people["school"]
    leave_types_seed(school=school)
    approval_chains_seed(school=school)
    request = leave_request_submit(
        applicant=people["teacher"], leave_type=LeaveType.objects.get(school=school, code="personal"),
        start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 16), deputy=people["other_teacher"], reason="家中有事",
        class_arrangement="請教學組安排代課",
    )
    leave_step_reject(request=request, actor=people["other_teacher"], comment="那天有段考")
    return request


def subscribe(person, browser: Browser, endpoint: str) -> PushSubscription:
    return push_subscribe(user=person.user, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth)


def test_a_decided_leave_is_pushed_encrypted_and_signed(people, push_service, browser_keys, client_for,
                                                          django_capture_on_commit_callbacks, settings):
    client = client_for(people["teacher"])
    response = client.post(DEVICES, browser_keys.subscription(push_service.endpoint("teacher-phone")),
                           content_type="application/json",
                           headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"})
    assert response.status_code == 201, response.content
    assert response.json()["device"] == "Android · Chrome"
    device = PushSubscription.objects.get()
    assert (device.user, device.p256dh, device.auth) == (people["teacher"].user, browser_keys.p256dh, browser_keys.auth)
    assert AuditEntry.objects.filter(action="notifications.push_subscribed", target_id=str(device.pk)).exists()

    # The real change; its commit hands the notice to the fan-out, which hands the message to delivery.
    with django_capture_on_commit_callbacks(execute=True):
        request = reject_a_leave(people)
    notice = Notification.objects.get(recipient=people["teacher"].user, kind="leave.decided")
    assert not notice.push_due  # fanned out
    # 王老師 was told twice (submitted, decided) and only the decision is pushed; the deputy has no device.
    assert len(push_service.requests) == 1
    [sent] = push_service.received("teacher-phone")
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) == push.TIME_TO_LIVE

    # VAPID (RFC 8292): "vapid t=<JWT>,k=<public key>", the JWT signed by the site's key for this push service.
    scheme, _space, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == settings.WEBPUSH_VAPID_PUBLIC_KEY
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), push.b64url_decode(fields["k"]))
    claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=f"https://127.0.0.1:{push_service.port}")
    assert claims["sub"] == "mailto:push-test@example.test"
    assert claims["exp"] > timezone.now().timestamp()

    # Only this browser can read it (RFC 8291): its private key and auth secret.
    data = json.loads(browser_keys.decrypt(sent["body"]))
    assert data["title"] == notice.title and notice.title.startswith("事假已駁回")
    assert data["url"] == f"/notifications/{notice.pk}/"
    assert data["body"] == notice.body
    assert data["tag"] == f"notice-{notice.pk}"
    with pytest.raises(Exception):  # noqa: B017 - another browser's keys cannot read it
        Browser().decrypt(sent["body"])

    message = PushMessage.objects.get()
    assert (message.status, message.attempts) == (PushMessage.Status.SENT, 1)
    device.refresh_from_db()
    assert device.last_used_at is not None
    # The link opens the leave and marks the notice read.
    opened = client.get(data["url"])
    assert opened.status_code == 302 and opened.url == reverse("leave:detail", args=[request.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None

    # Delivered once: the task again, the fan-out again and the beat sweep send nothing more.
    assert deliver_push.delay(message.pk).get() == retries.SKIPPED
    assert fan_out_push.delay([notice.pk]).get() == 0
    assert deliver_pending_pushes.delay().get() == 0
    assert len(push_service.requests) == 1


def test_english_readers_get_it_in_english(people, push_service, browser_keys):
    teacher = people["teacher"]
    teacher.user.language = "en"
    teacher.user.save(update_fields=["language"])
    subscribe(teacher, browser_keys, push_service.endpoint("en"))
    reject_a_leave(people)
    notice = Notification.objects.get(kind="leave.decided")
    assert fan_out_push.delay([notice.pk]).get() == 1  # written and, in-process, sent
    data = json.loads(browser_keys.decrypt(push_service.received("en")[0]["body"]))
    assert data["title"] == notice.title
    assert data["title"].startswith("Personal leave rejected: 10 Sep 2025")
    assert not re.search(r"[\u3000-\u9fff]", data["title"]), data  # (the body names people, in their script)
    assert "Your Personal leave (10 Sep 2025 08:00–16:00, 1 d 0 h) is rejected." in data["body"]


def test_a_gone_device_is_removed(people, push_service, browser_keys):
    device = subscribe(people["teacher"], browser_keys, push_service.endpoint("gone"))
    other = subscribe(people["teacher"], Browser(), push_service.endpoint("laptop"))
    push_service.status["gone"] = 410
    reject_a_leave(people)
    notice = Notification.objects.get(kind="leave.decided")
    assert len(push.fan_out([notice.pk])) == 2  # the messages, not yet sent
    outcomes = {m.subscription_id: deliver_push.delay(m.pk).get() for m in PushMessage.objects.all()}
    assert outcomes == {device.pk: push.GONE, other.pk: retries.SENT}
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [other.pk]
    assert list(PushMessage.objects.values_list("subscription_id", "status")) == [(other.pk, "sent")]


def test_a_failing_push_service_is_retried_with_backoff_and_keeps_the_device(people, push_service, browser_keys,
                                                                             settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    device = subscribe(people["teacher"], browser_keys, push_service.endpoint("flaky"))
    push_service.status["flaky"] = 500
    reject_a_leave(people)
    push.fan_out([Notification.objects.get(kind="leave.decided").pk])
    message = PushMessage.objects.get()

    started = timezone.now()
    assert deliver_push.delay(message.pk).get() == retries.RETRY
    message.refresh_from_db()
    assert (message.status, message.attempts) == (PushMessage.Status.PENDING, 1)
    assert "500" in message.last_error
    assert dt.timedelta(seconds=29) < message.next_attempt_at - started < dt.timedelta(seconds=32)
    assert PushSubscription.objects.filter(pk=device.pk).exists()
    # Not due yet: the sweep leaves it alone, and so does a second task.
    assert message.pk not in push.due_message_ids()
    assert deliver_push.delay(message.pk).get() == retries.SKIPPED

    PushMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert push.due_message_ids() == [message.pk]
    push_service.status["flaky"] = 201
    assert deliver_pending_pushes.delay().get() == 1  # the beat sweep hands it to a worker (in-process here)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (PushMessage.Status.SENT, 2, "")
    assert len(push_service.received("flaky")) == 2


def test_after_the_last_attempt_it_is_failed(people, push_service, browser_keys, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    subscribe(people["teacher"], browser_keys, push_service.endpoint("down"))
    push_service.status["down"] = 503
    reject_a_leave(people)
    push.fan_out([Notification.objects.get(kind="leave.decided").pk])
    message = PushMessage.objects.get()
    assert deliver_push.delay(message.pk).get() == retries.FAILED
    message.refresh_from_db()
    assert message.status == PushMessage.Status.FAILED
    assert message.pk not in push.due_message_ids()
    assert PushSubscription.objects.count() == 1


def test_only_the_awaited_kinds_are_flagged_and_only_when_configured(people, push_service, settings):
    notify([people["teacher"]], "system.test", {"title": "不推播"})
    assert not Notification.objects.get().push_due
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    reject_a_leave(people)
    assert not Notification.objects.filter(push_due=True).exists()


def test_a_lost_fan_out_is_picked_up_by_the_sweep(people, push_service, browser_keys):
    subscribe(people["teacher"], browser_keys, push_service.endpoint("late"))
    reject_a_leave(people)
    notice = Notification.objects.get(kind="leave.decided")
    assert notice.push_due and push.due_notice_ids() == []  # its task has a minute to run
    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert push.due_notice_ids() == [notice.pk]
    deliver_pending_pushes.delay().get()
    assert len(push_service.received("late")) == 1
    notice.refresh_from_db()
    assert not notice.push_due


def test_the_fan_out_costs_the_same_for_1_and_10_recipients(people, push_service, django_assert_num_queries):
    def flagged_notices(count: int) -> list[int]:
        recipients = [make_staff(people["school"]) for _ in range(count)]
        for person in recipients:
            for _device in range(2):
                subscribe(person, Browser(), push_service.endpoint(f"{person.pk}-{_device}"))
        notices = notify(recipients, "system.test", {"title": "x"}, email=False)
        Notification.objects.filter(pk__in=[n.pk for n in notices]).update(push_due=True)
        return [n.pk for n in notices]

    one, ten = flagged_notices(1), flagged_notices(10)
    with django_assert_num_queries(6) as small:  # savepoint, lock the notices, devices, insert, clear, release
        assert len(push.fan_out(one)) == 2
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(push.fan_out(ten)) == 20


BAD = {
    "http": ({"endpoint": "http://127.0.0.1:9/push/x"}, "bad_endpoint"),
    "other-host": ({"endpoint": "https://intranet.school.test/push/x"}, "bad_endpoint"),
    "credentials": ({"endpoint": "https://user:pw@127.0.0.1/push/x"}, "bad_endpoint"),
    "not-a-url": ({"endpoint": "推播"}, "bad_endpoint"),
    "key-short": ({"p256dh": "BAAA"}, "bad_key"),
    "key-not-base64url": ({"p256dh": "B+/=" * 22}, "bad_key"),
    "key-off-curve": ({"p256dh": push.b64url(b"\x04" + b"\x01" * 64)}, "bad_key"),
    "auth-15-bytes": ({"auth": push.b64url(b"x" * 15)}, "bad_auth"),
    "auth-not-base64url": ({"auth": "!!!!!!!!!!!!!!!!!!!!!!"}, "bad_auth"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_subscriptions_are_refused_with_a_clear_message(people, push_service, browser_keys, client_for, case):
    change, code = BAD[case]
    body = browser_keys.subscription(push_service.endpoint("ok"))
    body["endpoint"] = change.get("endpoint", body["endpoint"])
    body["keys"] = {name: change.get(name, value) for name, value in body["keys"].items()}
    response = client_for(people["teacher"]).post(DEVICES, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not PushSubscription.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="notifications.push").exists()


def test_without_keys_push_is_off(people, client_for, browser_keys, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    client = client_for(people["teacher"])
    response = client.post(DEVICES, browser_keys.subscription("https://fcm.googleapis.com/fcm/send/abc"),
                           content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "push_off")
    page = client.get("/sso/profile/").content.decode()
    assert 'data-testid="push-unavailable"' in page
    assert "push-enable" not in page and "js/push.js" not in page


def test_the_profile_offers_the_button_and_lists_my_devices(people, push_service, browser_keys, client_for, settings):
    mine = subscribe(people["teacher"], browser_keys, push_service.endpoint("mine"))
    mine.device = "iPhone · Safari"
    mine.save()
    subscribe(people["unit_head"], Browser(), push_service.endpoint("theirs"))
    page = client_for(people["teacher"]).get("/sso/profile/").content.decode()
    assert f'data-push-key="{settings.WEBPUSH_VAPID_PUBLIC_KEY}"' in page
    assert "在這部裝置接收通知" in page and "js/push.js" in page
    assert "iPhone · Safari" in page
    assert page.count('data-testid="push-remove"') == 1
    assert push_service.endpoint("mine") not in page  # the endpoint is a secret: never shown


def test_nobody_removes_another_persons_device(people, push_service, browser_keys, client_for):
    device = subscribe(people["teacher"], browser_keys, push_service.endpoint("teacher"))
    client = client_for(people["unit_head"])  # their head, even
    assert client.delete(f"{DEVICES}{device.pk}/").status_code == 404
    assert client.post(f"/notifications/push/{device.pk}/remove/").status_code == 404
    assert client.get(DEVICES).json()["count"] == 0
    client.logout()
    assert client.delete(f"{DEVICES}{device.pk}/").status_code in (401, 403)
    assert client.post(f"/notifications/push/{device.pk}/remove/").status_code == 302  # to the sign-in page
    assert PushSubscription.objects.filter(pk=device.pk).exists()

    owner = client_for(people["teacher"])
    assert [d["id"] for d in owner.get(DEVICES).json()["results"]] == [device.pk]
    assert owner.delete(f"{DEVICES}{device.pk}/").status_code == 204
    assert not PushSubscription.objects.exists()
    assert AuditEntry.objects.filter(action="notifications.push_unsubscribed", actor=people["teacher"].user).exists()


def test_removing_from_the_profile_page(people, push_service, browser_keys, client_for):
    device = subscribe(people["teacher"], browser_keys, push_service.endpoint("page"))
    response = client_for(people["teacher"]).post(f"/notifications/push/{device.pk}/remove/", follow=True)
    assert response.redirect_chain[-1][0] == "/sso/profile/"
    assert "不會再收到推播通知" in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_subscribing_again_updates_and_a_device_changes_hands(people, push_service, browser_keys):
    endpoint = push_service.endpoint("shared")
    first = subscribe(people["teacher"], browser_keys, endpoint)
    renewed = Browser()
    again = subscribe(people["teacher"], renewed, endpoint)
    assert again.pk == first.pk and again.p256dh == renewed.p256dh
    # Someone else signs in on the same browser and subscribes: the browser's one subscription is theirs now.
    taken = subscribe(people["unit_head"], renewed, endpoint)
    assert taken.pk == first.pk and taken.user == people["unit_head"].user
    entry = AuditEntry.objects.filter(action="notifications.push_subscribed").order_by("pk").last()
    assert entry.data["from_user"] == people["teacher"].user.pk


def test_the_key_command_makes_a_working_pair(capsys):
    call_command("webpush_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    private = push.b64url_decode(lines["WEBPUSH_VAPID_PRIVATE_KEY"])
    public = push.b64url_decode(lines["WEBPUSH_VAPID_PUBLIC_KEY"])
    assert len(private) == 32 and push.p256dh_valid(public)
    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
    signed = jwt.encode({"sub": "mailto:a@example.test"}, key, algorithm="ES256")
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    assert jwt.decode(signed, verifier, algorithms=["ES256"])["sub"] == "mailto:a@example.test"
