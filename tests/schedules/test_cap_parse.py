"""Reading CAP alerts (schedules.cap): the hardened parser, the interpretation of the words, the bounded fetch.
The sample alerts under cap_samples/ are made for these tests (the shape of a 停班停課 alert, not real ones)."""

import contextlib
import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest

from schedules import cap
from schedules.cap import CapError, Ignored, Lifting, Suspension

SAMPLES = Path(__file__).parent / "cap_samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def make_alert(*, status="Actual", msg_type="Alert", text="高雄市苓雅區:明天停止上班、停止上課。",
               areas=(("高雄市苓雅區", "6400800"),), sent="2026-09-14T20:05:00+08:00", onset="", expires="",
               event="停班停課", references="") -> bytes:
    area_xml = "".join(
        f"<area><areaDesc>{desc}</areaDesc>"
        + (f"<geocode><valueName>Taiwan_Geocode_103</valueName><value>{code}</value></geocode>" if code else "")
        + "</area>"
        for desc, code in areas
    )
    refs = f"<references>{references}</references>" if references else ""
    times = (f"<onset>{onset}</onset>" if onset else "") + (f"<expires>{expires}</expires>" if expires else "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>t-1</identifier>
<sender>https://alerts.example.gov.tw/personnel</sender><sent>{sent}</sent><status>{status}</status>
<msgType>{msg_type}</msgType>{refs}<info><language>zh-TW</language><event>{event}</event>
<effective>{sent}</effective>{times}<description>[停班停課通知]{text}</description>{area_xml}</info></alert>
""".encode()


def test_the_two_district_sample_reads_every_field():
    alert = cap.parse_alert(sample("actual_two_districts.xml"))
    assert alert.identifier == "sample.example_workSchlClos_20260914200500_kh_001"
    assert alert.sender == "https://alerts.example.gov.tw/personnel"
    assert alert.sent == dt.datetime(2026, 9, 14, 20, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert (alert.status, alert.msg_type, alert.references) == ("Actual", "Alert", ())
    assert alert.event == "停班停課" and ("profile:CAP-TWP:Event:1.0", "workSchlClos") in alert.event_codes
    assert alert.parameters["alert_title"] == "天然災害停止上班及上課情形"
    assert [a.description for a in alert.areas] == ["高雄市苓雅區", "高雄市前鎮區"]
    assert alert.areas[0].geocodes == (("Taiwan_Geocode_103", "6400800"),)
    assert cap.interpret(alert) == Suspension(
        day=dt.date(2026, 9, 15), start_time=None, end_time=None, stops_work=True, stops_classes=True,
        districts=("苓雅區", "前鎮區"), area_names=("高雄市苓雅區", "高雄市前鎮區"),
    )


@pytest.mark.parametrize("status", ["Test", "Exercise", "Draft", "System"])
def test_statuses_other_than_actual_propose_nothing(status):
    for msg_type in ("Alert", "Update", "Cancel"):
        references = "s,t-0,2026-09-14T20:00:00+08:00"
        alert = cap.parse_alert(make_alert(status=status, msg_type=msg_type, references=references))
        assert cap.interpret(alert) == cap.ignored("not_actual"), (status, msg_type)


def test_the_test_and_exercise_samples_are_ignored():
    for name in ("test_two_districts.xml", "exercise_two_districts.xml", "test_cancel.xml"):
        meaning = cap.interpret(cap.parse_alert(sample(name)))
        assert isinstance(meaning, Ignored) and meaning.code == "not_actual", name


def test_the_update_sample_moves_it_to_the_afternoon_and_the_cancel_lifts_it():
    update = cap.parse_alert(sample("update_afternoon.xml"))
    assert update.msg_type == "Update"
    assert [r.identifier for r in update.references] == ["sample.example_workSchlClos_20260914200500_kh_001"]
    meaning = cap.interpret(update)
    assert (meaning.day, meaning.start_time, meaning.end_time) == (dt.date(2026, 9, 15), dt.time(12, 0), None)
    assert meaning.stops_work and meaning.stops_classes
    assert cap.interpret(cap.parse_alert(sample("cancel.xml"))) == Lifting(
        districts=("苓雅區", "前鎮區"), area_names=("高雄市苓雅區", "高雄市前鎮區")
    )


WORDINGS = [
    # text, sent, expected (day, start, end, work, classes)
    ("高雄市:今天停止上班、停止上課。", "2026-09-14T06:00:00+08:00",
     (dt.date(2026, 9, 14), None, None, True, True)),
    ("高雄市:明天上午停止上班、停止上課。", "2026-09-14T20:00:00+08:00",
     (dt.date(2026, 9, 15), None, dt.time(12), True, True)),
    ("高雄市:今天下午停止上班、停止上課。", "2026-09-15T09:00:00+08:00",
     (dt.date(2026, 9, 15), dt.time(12), None, True, True)),
    ("高雄市:今天晚上停止上班、停止上課。", "2026-09-15T15:00:00+08:00",
     (dt.date(2026, 9, 15), dt.time(17), None, True, True)),
    ("高雄市:今天14:00起停止上班、停止上課。", "2026-09-15T11:00:00+08:00",
     (dt.date(2026, 9, 15), dt.time(14), None, True, True)),
    ("高雄市:今天照常上班、停止上課。", "2026-09-15T05:00:00+08:00",
     (dt.date(2026, 9, 15), None, None, False, True)),
    ("高雄市:明天停止上班、照常上課。", "2026-09-14T20:00:00+08:00",
     (dt.date(2026, 9, 15), None, None, True, False)),
    ("高雄市:明天已達停止上班及上課標準。", "2026-09-14T20:00:00+08:00",
     (dt.date(2026, 9, 15), None, None, True, True)),
    ("高雄市:9/16停止上班、停止上課。", "2026-09-14T20:00:00+08:00",
     (dt.date(2026, 9, 16), None, None, True, True)),
    ("高雄市:1月1日停止上班、停止上課。", "2026-12-31T20:00:00+08:00",
     (dt.date(2027, 1, 1), None, None, True, True)),
    ("高雄市:明日上午照常上班上課，下午停止上班、停止上課。", "2026-09-14T20:00:00+08:00",
     (dt.date(2026, 9, 15), dt.time(12), None, True, True)),
    # Full-width digits and 台 for 臺 read the same.
    ("高雄市:今天１４：００起停止上班、停止上課。", "2026-09-15T11:00:00+08:00",
     (dt.date(2026, 9, 15), dt.time(14), None, True, True)),
    # Sent late in the evening UTC is the next morning in Taipei: 今天 is Taipei's day.
    ("高雄市:今天停止上班、停止上課。", "2026-09-14T23:30:00+00:00",
     (dt.date(2026, 9, 15), None, None, True, True)),
]


@pytest.mark.parametrize(("text", "sent", "expected"), WORDINGS)
def test_the_words_decide_the_day_the_hours_and_what_stops(text, sent, expected):
    meaning = cap.interpret(cap.parse_alert(make_alert(text=text, sent=sent, areas=(("高雄市", "64"),))))
    assert isinstance(meaning, Suspension), meaning
    assert (meaning.day, meaning.start_time, meaning.end_time, meaning.stops_work, meaning.stops_classes) == expected
    assert meaning.districts == ()  # the whole city


def test_without_words_for_the_day_or_hours_the_structured_window_counts():
    alert = cap.parse_alert(make_alert(text="高雄市苓雅區停止上班、停止上課。", onset="2026-09-15T13:30:00+08:00",
                                       expires="2026-09-15T23:59:59+08:00"))
    meaning = cap.interpret(alert)
    assert (meaning.day, meaning.start_time, meaning.end_time) == (dt.date(2026, 9, 15), dt.time(13, 30), None)
    # Neither 上班 nor 上課 worded: an alert of the 停班停課 event stops both.
    bare = cap.interpret(cap.parse_alert(make_alert(text="高雄市苓雅區：明天", sent="2026-09-14T20:00:00+08:00")))
    assert (bare.stops_work, bare.stops_classes, bare.day) == (True, True, dt.date(2026, 9, 15))


@pytest.mark.parametrize(("areas", "expected"), [
    ((("高雄市", "64"),), ()),
    ((("高雄市", "6400000"),), ()),
    ((("高雄市", ""),), ()),
    ((("台北市", ""), ("高雄市", "")), ()),
    ((("高雄市苓雅區", ""), ("高雄市前鎮區", "")), ("苓雅區", "前鎮區")),
    ((("高雄市苓雅區、高雄市那瑪夏區", ""),), ("苓雅區", "那瑪夏區")),
    ((("whatever the description says", "6403800"),), ("那瑪夏區",)),
])
def test_areas_by_geocode_or_name(areas, expected):
    meaning = cap.interpret(cap.parse_alert(make_alert(areas=areas)))
    assert isinstance(meaning, Suspension) and meaning.districts == expected


@pytest.mark.parametrize("areas", [
    (("屏東縣琉球鄉", "1001322"),),
    (("臺北市大安區", ""),),
    (("高雄市不存在區", ""),),
    (("高雄市苓雅區某里", "6400800-001"),),  # a village code: not mapped
    (),
])
def test_places_outside_the_city_propose_nothing(areas):
    assert cap.interpret(cap.parse_alert(make_alert(areas=areas))) == cap.ignored("other_area")


def test_other_events_and_message_kinds_propose_nothing():
    assert cap.interpret(cap.parse_alert(make_alert(event="大雷雨"))) == cap.ignored("not_suspension")
    ack = make_alert(msg_type="Ack", references="s,t-0,x")
    assert cap.interpret(cap.parse_alert(ack)) == cap.ignored("not_applicable")
    lifting = cap.interpret(cap.parse_alert(make_alert(text="高雄市苓雅區:明天照常上班、照常上課。")))
    assert isinstance(lifting, Lifting)
    assert cap.interpret(cap.parse_alert(sample("other_county.xml"))) == cap.ignored("other_area")


@pytest.mark.parametrize(("content", "code"), [
    (sample("malformed.xml"), "cap_malformed"),
    (sample("billion_laughs.xml"), "cap_forbidden_xml"),
    (sample("external_entity.xml"), "cap_forbidden_xml"),
    (b"", "cap_malformed"),
    (b"   \n", "cap_malformed"),
    (b"\xff\xfe\x00garbage", "cap_malformed"),
    (b"%PDF-1.7 not xml", "cap_malformed"),
    (b'<?xml version="1.0"?><alert><identifier>x</identifier></alert>', "cap_not_cap"),  # no namespace
    (b'<?xml version="1.0"?><html xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "cap_not_cap"),
    (make_alert().replace(b"<identifier>t-1</identifier>", b""), "cap_missing_field"),
    (make_alert().replace(b"<status>Actual</status>", b"<status>Real</status>"), "cap_bad_status"),
    (make_alert().replace(b"<msgType>Alert</msgType>", b"<msgType>Notice</msgType>"), "cap_bad_msg_type"),
    (make_alert(sent="2026-09-14T20:05:00"), "cap_bad_time"),  # no offset
    (make_alert(sent="yesterday"), "cap_bad_time"),
    (make_alert(msg_type="Update"), "cap_bad_references"),  # an update must say what it updates
    (make_alert(msg_type="Cancel", references="only-one-part"), "cap_bad_references"),
    (b"<a>" + b"x" * (cap.MAX_ALERT_BYTES + 1) + b"</a>", "cap_too_large"),
])
def test_bad_input_is_refused_with_a_code_and_a_message(content, code):
    with pytest.raises(CapError) as caught:
        cap.parse_document(content)
    assert caught.value.code == code
    assert str(caught.value.message)


def test_entities_are_refused_before_they_are_expanded_or_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = sample("external_entity.xml").replace(b"file:///etc/passwd", secret.as_uri().encode())
    with pytest.raises(CapError) as caught:
        cap.parse_alert(xxe)
    assert caught.value.code == "cap_forbidden_xml" and "TOP-SECRET-VALUE" not in str(caught.value.message)
    # An internal entity alone (no expansion bomb) is refused too: no DTD is ever read.
    tiny = sample("actual_two_districts.xml").replace(
        b"<alert ", b'<!DOCTYPE alert [<!ENTITY x "y">]>\n<alert ', 1)
    with pytest.raises(CapError) as caught:
        cap.parse_alert(tiny)
    assert caught.value.code == "cap_forbidden_xml"


def test_the_geocode_table_has_all_38_districts():
    table = cap.geocode_table()
    assert len(table) == 38 and len(set(table.values())) == 38
    assert table["6400800"] == "苓雅區" and table["6401200"] == "鳳山區" and table["6403800"] == "那瑪夏區"
    assert all(code.startswith("64") and len(code) == 7 for code in table)


# --- the bounded fetch, against a real HTTP server on loopback -----------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes, float]] = {}

    def do_GET(self):
        status, body, delay = self.routes.get(self.path, (404, b"not found", 0))
        if delay:
            threading.Event().wait(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()  # no Content-Length: the cap must hold while reading, not only by the header
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.routes = {}
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.routes
    server.shutdown()
    server.server_close()


def test_fetch_reads_an_alert_and_refuses_what_is_too_big_slow_missing_or_not_http(http_server, settings):
    base, routes = http_server
    settings.CAP_FETCH_TIMEOUT = 1
    routes["/alert.xml"] = (200, sample("actual_two_districts.xml"), 0)
    routes["/huge.xml"] = (200, b"<a>" + b"x" * (cap.MAX_ALERT_BYTES + 10), 0)
    routes["/slow.xml"] = (200, b"<a/>", 3)
    routes["/gone.xml"] = (500, b"oops", 0)
    assert cap.fetch(f"{base}/alert.xml") == sample("actual_two_districts.xml")
    for path, code in (("/huge.xml", "cap_too_large"), ("/slow.xml", "cap_fetch_failed"),
                       ("/gone.xml", "cap_fetch_failed"), ("/nowhere.xml", "cap_fetch_failed")):
        with pytest.raises(CapError) as caught:
            cap.fetch(base + path)
        assert caught.value.code == code, path
    for url in ("file:///etc/passwd", "ftp://example.org/a.xml", "", "javascript:alert(1)"):
        with pytest.raises(CapError) as caught:
            cap.fetch(url)
        assert caught.value.code == "cap_bad_url"
