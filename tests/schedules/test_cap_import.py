"""Importing 停班停課 announcements (CAP alerts) as proposals, and confirming them (schedules.cap_services,
the 停班停課公告 page, the import_cap_alert command, the polling task).

The world: 示範高中 in 苓雅區 (the standing school), a school in 前鎮區, one in 鳳山區, one without a
district; the personnel of each, a city system admin, and a teacher."""

import datetime as dt
import http.server
import re
import threading
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from notifications.models import Notification
from schedules import cap, cap_services
from schedules.cap import CapError
from schedules.models import AlertDecision, DisasterAlert, TyphoonDay
from schedules.states import DISASTER_ALERT
from schedules.tasks import poll_cap_feed
from staff.models import District, Role, StaffCategory
from tests.factories import make_school, make_staff
from tests.sweep import db_snapshot, snapshot_diff

SAMPLES = Path(__file__).parent / "cap_samples"
FIRST = "sample.example_workSchlClos_20260914200500_kh_001"
DAY = dt.date(2026, 9, 15)
State = DisasterAlert.State


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def city(people):
    lingya = District.objects.create(name="苓雅區", code="6400800")
    school = people["school"]
    school.district = lingya
    school.save()
    # 前鎮區 without its code: the alert's geocode is found in the city's table.
    cianjhen = make_school(name="高雄市立前鎮高級中學", district=District.objects.create(name="前鎮區"))
    fongshan = make_school(name="高雄市立鳳山高級中學", district=District.objects.create(name="鳳山區", code="6401200"))
    nowhere = make_school(name="高雄市立未設區高級中學")
    return {
        **people,
        "cianjhen": cianjhen,
        "fongshan": fongshan,
        "nowhere": nowhere,
        "cianjhen_personnel": make_staff(cianjhen, category=StaffCategory.CIVIL_STAFF, roles=(Role.PERSONNEL,)),
        "fongshan_personnel": make_staff(fongshan, category=StaffCategory.CIVIL_STAFF, roles=(Role.PERSONNEL,)),
        "sysadmin": make_staff(fongshan, category=StaffCategory.CIVIL_STAFF, roles=(Role.SYSTEM_ADMIN,)),
    }


def do_import(name: str, actor=None):
    return cap_services.cap_alert_import(actor=actor, content=sample(name), source=name)


def names(typhoon) -> list[str]:
    return sorted(d.name for d in typhoon.districts.all())


def city_scope():
    return cap_services.Scope(school=None)


def test_an_actual_alert_for_two_districts_proposes_a_declaration_for_exactly_their_schools(city):
    report = do_import("actual_two_districts.xml")
    [outcome] = report.outcomes
    assert outcome.outcome == "proposed"
    proposal = DisasterAlert.objects.get(identifier=FIRST)
    assert proposal.state == State.PROPOSED and proposal.thread == FIRST
    assert (proposal.day, proposal.start_time, proposal.end_time) == (DAY, None, None)
    assert proposal.stops_work and proposal.stops_classes
    assert proposal.districts == ["苓雅區", "前鎮區"]
    assert set(cap_services.schools_in(proposal.districts)) == {city["school"], city["cianjhen"]}
    assert not TyphoonDay.objects.exists()  # nothing declared before someone confirms
    assert AuditEntry.objects.filter(action="schedules.cap_alert_proposed", target_id=str(proposal.pk)).count() == 1
    # Told once: the personnel of the two schools and the city's system admin; not 鳳山's personnel.
    told = set(Notification.objects.filter(kind="schedules.cap_alert_proposed").values_list("recipient", flat=True))
    assert told == {city["personnel"].user_id, city["cianjhen_personnel"].user_id, city["sysadmin"].user_id}
    # Importing it again changes nothing.
    before = db_snapshot()
    assert [o.outcome for o in do_import("actual_two_districts.xml").outcomes] == ["duplicate"]
    assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.parametrize("name", ["test_two_districts.xml", "exercise_two_districts.xml"])
def test_test_and_exercise_alerts_propose_nothing(city, name):
    [outcome] = do_import(name).outcomes
    assert outcome.outcome == "ignored"
    assert "測試" in outcome.message or "演習" in outcome.message
    stored = DisasterAlert.objects.get()
    assert stored.state == State.IGNORED and stored.ignore_reason == "not_actual"
    assert not DisasterAlert.objects.filter(state=State.PROPOSED).exists()
    assert not TyphoonDay.objects.exists()
    assert not Notification.objects.exists()
    assert cap_services.pending_alerts(city["sysadmin"].user) == []


def test_a_test_cancel_never_touches_a_real_proposal(city):
    do_import("actual_two_districts.xml")
    do_import("test_cancel.xml")
    assert DisasterAlert.objects.get(identifier=FIRST).state == State.PROPOSED


def test_an_update_before_confirmation_moves_the_proposal_to_the_afternoon(city):
    do_import("actual_two_districts.xml")
    [outcome] = do_import("update_afternoon.xml").outcomes
    assert outcome.outcome == "updated"
    assert DisasterAlert.objects.get(identifier=FIRST).state == State.SUPERSEDED
    [(pending, _scope)] = cap_services.pending_alerts(city["sysadmin"].user)
    assert pending.msg_type == "Update" and pending.thread == FIRST and pending.previous.identifier == FIRST
    assert (pending.day, pending.start_time, pending.end_time) == (DAY, dt.time(12), None)
    typhoon = cap_services.disaster_alert_confirm(actor=city["sysadmin"].user, alert=pending, scope=city_scope())
    typhoon.refresh_from_db()
    assert (typhoon.date, typhoon.start_time, typhoon.end_time, typhoon.school) == (DAY, dt.time(12), None, None)
    assert names(typhoon) == ["前鎮區", "苓雅區"] and typhoon.source_ref == FIRST


def test_a_cancel_before_confirmation_withdraws_the_proposal(city):
    do_import("actual_two_districts.xml")
    [outcome] = do_import("cancel.xml").outcomes
    assert outcome.outcome == "withdrawn"
    assert DisasterAlert.objects.get(identifier=FIRST).state == State.WITHDRAWN
    assert cap_services.pending_alerts(city["sysadmin"].user) == []
    assert cap_services.pending_alerts(city["personnel"].user) == []
    assert not TyphoonDay.objects.exists()


def test_once_confirmed_an_update_proposes_the_change_and_a_cancel_the_withdrawal(city):
    admin = city["sysadmin"].user
    do_import("actual_two_districts.xml")
    first = DisasterAlert.objects.get(identifier=FIRST)
    typhoon = cap_services.disaster_alert_confirm(actor=admin, alert=first, scope=city_scope())
    first.refresh_from_db()
    assert first.state == State.CONFIRMED and first.typhoon == typhoon
    assert (typhoon.date, typhoon.school, typhoon.scope) == (DAY, None, "districts")
    assert names(typhoon) == ["前鎮區", "苓雅區"]
    assert (typhoon.start_time, typhoon.stops_work, typhoon.stops_classes) == (None, True, True)
    assert cap_services.pending_alerts(admin) == []

    do_import("update_afternoon.xml")
    [(update, scope)] = cap_services.pending_alerts(admin)
    assert cap_services.plan(update, scope).kind == "change"
    assert TyphoonDay.objects.get().start_time is None  # not before it is confirmed
    changed = cap_services.disaster_alert_confirm(actor=admin, alert=update, scope=scope)
    assert changed.pk == typhoon.pk and TyphoonDay.objects.get().start_time == dt.time(12)

    [outcome] = do_import("cancel.xml").outcomes
    assert outcome.outcome == "withdraw_proposed"
    assert TyphoonDay.objects.exists()
    [(cancel, scope)] = cap_services.pending_alerts(admin)
    assert cancel.action == DisasterAlert.Action.WITHDRAW and cap_services.plan(cancel, scope).kind == "withdraw"
    assert cap_services.disaster_alert_confirm(actor=admin, alert=cancel, scope=scope) is None
    assert not TyphoonDay.objects.exists()
    assert AuditEntry.objects.filter(action="schedules.cap_alert_confirmed").count() == 3


def test_personnel_confirm_for_their_own_school_and_follow_its_updates(city):
    do_import("actual_two_districts.xml")
    proposal = DisasterAlert.objects.get(identifier=FIRST)
    mine = city["personnel"].user
    [(pending, scope)] = cap_services.pending_alerts(mine)
    assert scope.school == city["school"]
    typhoon = cap_services.disaster_alert_confirm(actor=mine, alert=pending, scope=scope)
    assert (typhoon.school, typhoon.scope, names(typhoon), typhoon.source_ref) == (city["school"], "school", [], FIRST)
    assert cap_services.pending_alerts(mine) == []
    # Still waiting for the other school in scope, and for the city administrator.
    assert [a for a, _s in cap_services.pending_alerts(city["cianjhen_personnel"].user)] == [proposal]
    assert [a for a, _s in cap_services.pending_alerts(city["sysadmin"].user)] == [proposal]

    do_import("update_afternoon.xml")
    [(update, scope)] = cap_services.pending_alerts(mine)
    assert cap_services.plan(update, scope).kind == "change"
    cap_services.disaster_alert_confirm(actor=mine, alert=update, scope=scope)
    assert TyphoonDay.objects.get(pk=typhoon.pk).start_time == dt.time(12)
    # 前鎮 never confirmed the first: for them the update is a new declaration.
    [(theirs, their_scope)] = cap_services.pending_alerts(city["cianjhen_personnel"].user)
    assert theirs == update and cap_services.plan(theirs, their_scope).kind == "declare"


def test_who_may_confirm_or_dismiss(city, client_for):
    do_import("actual_two_districts.xml")
    proposal = DisasterAlert.objects.get(identifier=FIRST)
    confirm = reverse("schedules:cap_alert_confirm", args=[proposal.pk])
    dismiss = reverse("schedules:cap_alert_dismiss", args=[proposal.pk])
    before = db_snapshot()
    # A teacher, the principal, 教學組: not their page at all.
    for who in ("teacher", "principal", "academic"):
        client = client_for(city[who])
        assert client.get(reverse("schedules:cap_alerts")).status_code == 403, who
        assert client.get(confirm).status_code == 403, who
        assert client.post(confirm).status_code == 403, who
        assert client.post(dismiss).status_code == 403, who
    # Personnel of a school in another district (and of the school without one): not theirs to decide.
    for who in ("fongshan_personnel", "outsider"):
        client = client_for(city[who])
        assert client.get(reverse("schedules:cap_alerts")).status_code == 200
        assert client.post(confirm).status_code == 403, who
        assert client.post(dismiss).status_code == 403, who
    assert snapshot_diff(before, db_snapshot()) == []
    # Signed out: to the sign-in page.
    client_for(city["teacher"]).logout()
    anonymous = client_for(city["teacher"])
    anonymous.logout()
    assert anonymous.post(confirm).status_code == 302
    assert not TyphoonDay.objects.exists() and not AlertDecision.objects.exists()

    # 苓雅's personnel dismiss it for their school only; the city administrator still sees it.
    assert client_for(city["personnel"]).post(dismiss).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == State.PROPOSED
    assert client_for(city["personnel"]).post(confirm).status_code == 302  # already decided: refused politely
    assert not TyphoonDay.objects.exists()
    assert [a for a, _s in cap_services.pending_alerts(city["sysadmin"].user)] == [proposal]
    # Once the city administrator declares for the city, changes of the thread are theirs alone.
    cap_services.disaster_alert_confirm(actor=city["sysadmin"].user, alert=proposal, scope=city_scope())
    do_import("update_afternoon.xml")
    assert cap_services.pending_alerts(city["cianjhen_personnel"].user) == []
    update = DisasterAlert.objects.get(state=State.PROPOSED)
    with pytest.raises(CapError) as caught:
        cap_services.disaster_alert_confirm(
            actor=city["cianjhen_personnel"].user, alert=update, scope=cap_services.Scope(school=city["cianjhen"])
        )
    assert caught.value.code == "cap_not_pending"


def test_the_city_administrator_dismisses_for_everyone(city, client_for):
    do_import("actual_two_districts.xml")
    proposal = DisasterAlert.objects.get(identifier=FIRST)
    client = client_for(city["sysadmin"])
    assert client.post(reverse("schedules:cap_alert_dismiss", args=[proposal.pk])).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == State.DISMISSED
    assert cap_services.pending_alerts(city["personnel"].user) == []
    assert not TyphoonDay.objects.exists()


def test_the_page_previews_then_confirms_with_one_click(city, client_for):
    do_import("actual_two_districts.xml")
    proposal = DisasterAlert.objects.get(identifier=FIRST)
    client = client_for(city["sysadmin"])
    page = client.get(reverse("schedules:cap_alerts"))
    assert page.status_code == 200 and FIRST in page.content.decode()
    url = reverse("schedules:cap_alert_confirm", args=[proposal.pk])
    preview = client.get(url)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="cap-preview"' in html
    listed = re.search(r'data-testid="cap-schools">([^<]*)<', html).group(1)
    assert listed == "高雄市立示範高級中學、高雄市立前鎮高級中學"
    assert "2 所學校尚未設定行政區" in html  # 未設區高中 and the other school of the standing world
    assert not TyphoonDay.objects.exists()  # looking changes nothing
    assert client.post(url).status_code == 302
    typhoon = TyphoonDay.objects.get()
    assert (typhoon.date, names(typhoon), typhoon.declared_by) == (DAY, ["前鎮區", "苓雅區"], city["sysadmin"].user)


@pytest.mark.parametrize(("name", "code_words"), [
    ("malformed.xml", "格式正確的 XML"),
    ("billion_laughs.xml", "DTD/ENTITY"),
    ("external_entity.xml", "DTD/ENTITY"),
])
def test_a_malformed_file_or_an_xml_bomb_is_refused_with_a_clear_message_and_changes_nothing(
    city, client_for, name, code_words
):
    before = db_snapshot()
    with pytest.raises(CapError):
        do_import(name)
    assert snapshot_diff(before, db_snapshot()) == []
    # The page, in Chinese and in English.
    client = client_for(city["personnel"])
    upload = SAMPLES / name
    with upload.open("rb") as handle:
        response = client.post(reverse("schedules:cap_alerts"), {"file": handle})
    assert response.status_code == 200 and code_words in response.content.decode()
    user = city["personnel"].user
    user.language = "en"
    user.save(update_fields=["language"])
    with upload.open("rb") as handle:
        response = client.post(reverse("schedules:cap_alerts"), {"file": handle}, HTTP_ACCEPT_LANGUAGE="en")
    english = response.content.decode()
    assert response.status_code == 200
    assert ("well-formed XML" in english) or ("DTD/ENTITY" in english and "security" in english)
    # The command too.
    with pytest.raises(CommandError):
        call_command("import_cap_alert", str(upload))
    assert snapshot_diff(before, db_snapshot()) == []


def test_the_upload_form_wants_one_file_or_one_url(city, client_for):
    client = client_for(city["personnel"])
    before = db_snapshot()
    response = client.post(reverse("schedules:cap_alerts"), {})
    assert response.status_code == 200 and "擇一" in response.content.decode()
    assert snapshot_diff(before, db_snapshot()) == []
    with (SAMPLES / "actual_two_districts.xml").open("rb") as handle:
        response = client.post(reverse("schedules:cap_alerts"), {"file": handle})
    assert response.status_code == 200 and DisasterAlert.objects.filter(state=State.PROPOSED).count() == 1


def test_the_page_lists_what_arrived_but_not_other_counties(city, client_for):
    for name in ("actual_two_districts.xml", "test_two_districts.xml", "other_county.xml"):
        do_import(name)
    with time_machine.travel(dt.datetime(2026, 9, 14, 21, 0, tzinfo=dt.UTC)):
        html = client_for(city["personnel"]).get(reverse("schedules:cap_alerts")).content.decode()
    assert html.count('data-testid="cap-alert"') == 2 and "kh_T01" in html and "_pt_001" not in html
    assert html.count('data-testid="cap-proposal"') == 1
    assert DisasterAlert.objects.filter(ignore_reason="other_area").count() == 1  # kept on record


def test_the_command_imports_files(city, capsys):
    call_command("import_cap_alert", str(SAMPLES / "actual_two_districts.xml"), str(SAMPLES / "test_two_districts.xml"))
    out = capsys.readouterr().out
    assert FIRST in out and DisasterAlert.objects.filter(state=State.PROPOSED).count() == 1
    assert DisasterAlert.objects.filter(state=State.IGNORED).count() == 1


# --- URLs and the polled feed, from a real HTTP server on loopback --------------------------------------


class _Feed(http.server.BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}
    asked: list[str] = []

    def do_GET(self):
        self.asked.append(self.path)
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _Feed.routes = {
        "/a1.xml": sample("actual_two_districts.xml"),
        "/t1.xml": sample("test_two_districts.xml"),
        "/broken.xml": sample("billion_laughs.xml"),
        "/feed": f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>停班停課</title><id>urn:test:feed</id>
<entry><id>1</id><title>a</title><link href="{base}/a1.xml"/></entry>
<entry><id>2</id><title>t</title><link href="{base}/t1.xml"/></entry>
<entry><id>3</id><title>bad</title><link href="{base}/broken.xml"/></entry>
<entry><id>4</id><title>local</title><link href="file:///etc/passwd"/></entry>
</feed>""".encode(),
    }
    _Feed.asked = []
    yield base
    server.shutdown()
    server.server_close()


def test_the_beat_task_polls_the_feed_once_per_alert_and_is_off_without_a_url(city, feed_server, settings):
    settings.CAP_FEED_URL = ""
    assert poll_cap_feed() == {}
    assert not DisasterAlert.objects.exists()
    settings.CAP_FEED_URL = f"{feed_server}/feed"
    # The good entries are imported; the bomb is reported and keeps nothing else out; file: links are skipped.
    assert poll_cap_feed() == {"proposed": 1, "ignored": 1, "error": 1}
    assert DisasterAlert.objects.filter(state=State.PROPOSED).count() == 1
    assert sorted(_Feed.asked) == ["/a1.xml", "/broken.xml", "/feed", "/t1.xml"]
    _Feed.asked.clear()
    assert poll_cap_feed() == {"duplicate": 2, "error": 1}
    assert sorted(_Feed.asked) == ["/broken.xml", "/feed"]  # the alerts already read are not fetched again
    assert DisasterAlert.objects.count() == 2
    assert Notification.objects.filter(kind="schedules.cap_alert_proposed").count() == 3  # told once


def test_a_url_on_the_page_and_in_the_command(city, feed_server, client_for, capsys):
    response = client_for(city["personnel"]).post(reverse("schedules:cap_alerts"), {"url": f"{feed_server}/a1.xml"})
    assert response.status_code == 200 and DisasterAlert.objects.filter(state=State.PROPOSED).count() == 1
    call_command("import_cap_alert", f"{feed_server}/t1.xml")
    assert DisasterAlert.objects.filter(state=State.IGNORED).count() == 1
    before = db_snapshot()
    response = client_for(city["personnel"]).post(reverse("schedules:cap_alerts"), {"url": f"{feed_server}/missing"})
    assert response.status_code == 200 and "無法讀取網址" in response.content.decode()
    assert snapshot_diff(before, db_snapshot()) == []


def test_the_city_administrators_confirmation_brings_the_schools_earlier_declarations_in_line(city, client_for):
    admin, mine = city["sysadmin"].user, city["personnel"].user
    do_import("actual_two_districts.xml")
    [(first, scope)] = cap_services.pending_alerts(mine)
    own = cap_services.disaster_alert_confirm(actor=mine, alert=first, scope=scope)
    # The same words for the city: 苓雅's own declaration already says it, so it is left alone.
    [(first, scope)] = cap_services.pending_alerts(admin)
    assert cap_services.plan(first, scope).followers == ()
    city_wide = cap_services.disaster_alert_confirm(actor=admin, alert=first, scope=scope)
    assert TyphoonDay.objects.count() == 2 and city_wide.scope == "districts"

    do_import("update_afternoon.xml")
    assert cap_services.pending_alerts(mine) == []  # the city's declaration makes it the administrator's
    [(update, scope)] = cap_services.pending_alerts(admin)
    todo = cap_services.plan(update, scope)
    assert todo.kind == "change" and [t.pk for t, fields in todo.followers] == [own.pk]
    page = client_for(city["sysadmin"]).get(reverse("schedules:cap_alert_confirm", args=[update.pk]))
    assert 'data-testid="cap-followers"' in page.content.decode()
    cap_services.disaster_alert_confirm(actor=admin, alert=update, scope=scope)
    assert sorted(TyphoonDay.objects.values_list("scope", "start_time")) == [
        ("districts", dt.time(12)), ("school", dt.time(12))
    ]

    do_import("cancel.xml")
    [(cancel, scope)] = cap_services.pending_alerts(admin)
    assert {t.pk for t in cap_services.plan(cancel, scope).typhoons} == {own.pk, city_wide.pk}
    cap_services.disaster_alert_confirm(actor=admin, alert=cancel, scope=scope)
    assert not TyphoonDay.objects.exists()


def test_one_reading_of_a_long_feed_fetches_a_bounded_number_of_new_alerts(city, feed_server, settings):
    entries = "".join(
        f'<entry><id>{n}</id><title>t</title><link href="{feed_server}/missing-{n}.xml"/></entry>' for n in range(80)
    )
    _Feed.routes["/long"] = f'<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id>{entries}</feed>'.encode()
    report = cap_services.cap_alert_import_url(actor=None, url=f"{feed_server}/long")
    assert len(report.outcomes) == cap.MAX_FETCHES_PER_READ
    assert len(_Feed.asked) == 1 + cap.MAX_FETCHES_PER_READ


def test_what_became_of_each_alert_reads_in_the_persons_language(city, client_for):
    user = city["personnel"].user
    user.language = "en"
    user.save(update_fields=["language"])
    client = client_for(city["personnel"])
    outcomes = []
    for name in ("test_two_districts.xml", "actual_two_districts.xml", "actual_two_districts.xml"):
        with (SAMPLES / name).open("rb") as handle:
            html = client.post(reverse("schedules:cap_alerts"), {"file": handle}).content.decode()
        outcomes.append(re.search(r'data-outcome="\w+">(.*?)</li>', html, re.S).group(1))
    assert "Not used: This is a test, exercise or draft alert" in outcomes[0]
    assert "New proposal: " in outcomes[1]
    assert "This alert was imported before; nothing changed" in outcomes[2]
    assert not re.search(r"[\u4e00-\u9fff]{2}", outcomes[0].split("</code>")[1])


def test_the_proposals_page_costs_the_same_for_one_proposal_or_many(city, client_for):
    """A typhoon brings one alert per district: the page reads every proposal's declarations at once."""

    def page_queries(who) -> int:
        client = client_for(city[who])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("schedules:cap_alerts")).status_code == 200
        return len(queries)

    def alert_for(n: int, district: str, code: str) -> bytes:
        return (sample("actual_two_districts.xml")
                .replace(FIRST.encode(), f"sample.example_many_{n:03d}".encode())
                .replace("高雄市苓雅區、前鎮區".encode(), f"高雄市{district}".encode())
                .replace(b"6400900", code.encode()))

    cap_services.cap_alert_import(actor=None, content=alert_for(0, "苓雅區", "6400800"))
    [first] = DisasterAlert.objects.filter(state=State.PROPOSED)
    cap_services.disaster_alert_confirm(actor=city["personnel"].user, alert=first, scope=cap_services.Scope(
        school=city["school"]))
    do_import("update_afternoon.xml")  # an update of an alert never received: a proposal of its own
    one = {who: page_queries(who) for who in ("sysadmin", "personnel")}
    for n, (district, code) in enumerate((("鳳山區", "6401200"), ("三民區", "6400500"), ("前鎮區", "6400900")), 1):
        cap_services.cap_alert_import(actor=None, content=alert_for(n, district, code))
    assert len(cap_services.pending_alerts(city["sysadmin"].user)) == 5
    assert {who: page_queries(who) for who in ("sysadmin", "personnel")} == one


# --- The alert's status table (schedules.states.DISASTER_ALERT), enforced by the services from every state ---


def _first_in(state: str) -> DisasterAlert:
    do_import("actual_two_districts.xml")
    DisasterAlert.objects.filter(identifier=FIRST).update(state=state)
    return DisasterAlert.objects.get(identifier=FIRST)


@pytest.mark.parametrize("state", State.values)
def test_confirming_an_alert_from_each_state(city, state):
    alert = _first_in(state)
    admin = city["sysadmin"].user
    if DISASTER_ALERT.allows(state, "confirm"):
        typhoon = cap_services.disaster_alert_confirm(actor=admin, alert=alert, scope=city_scope())
        alert.refresh_from_db()
        assert alert.state == DISASTER_ALERT.target("confirm") and alert.typhoon == typhoon
        return
    with pytest.raises(CapError) as caught:
        cap_services.disaster_alert_confirm(actor=admin, alert=alert, scope=city_scope())
    assert caught.value.code == "cap_not_pending"
    alert.refresh_from_db()
    assert alert.state == state
    assert not TyphoonDay.objects.exists() and not AlertDecision.objects.exists()


@pytest.mark.parametrize("state", State.values)
def test_dismissing_an_alert_from_each_state(city, state):
    """Open to a decision while proposed or confirmed; the state moves only where the table says
    (a confirmed proposal's declarations stand, so it stays confirmed)."""
    alert = _first_in(state)
    if not DISASTER_ALERT.allows(state, "confirm"):
        with pytest.raises(CapError) as caught:
            cap_services.disaster_alert_dismiss(actor=city["sysadmin"].user, alert=alert, scope=city_scope())
        assert caught.value.code == "cap_not_pending"
        assert not AlertDecision.objects.exists()
    else:
        cap_services.disaster_alert_dismiss(actor=city["sysadmin"].user, alert=alert, scope=city_scope())
        assert AlertDecision.objects.get().decision == AlertDecision.Decision.DISMISSED
    alert.refresh_from_db()
    assert alert.state == (DISASTER_ALERT.target("dismiss") if DISASTER_ALERT.allows(state, "dismiss") else state)


@pytest.mark.parametrize(("sample_name", "action"), [("update_afternoon.xml", "supersede"), ("cancel.xml", "withdraw")])
@pytest.mark.parametrize("state", State.values)
def test_a_later_alert_of_the_thread_moves_only_the_open_proposals(city, state, sample_name, action):
    alert = _first_in(state)
    do_import(sample_name)
    alert.refresh_from_db()
    assert alert.state == (DISASTER_ALERT.target(action) if DISASTER_ALERT.allows(state, action) else state)
