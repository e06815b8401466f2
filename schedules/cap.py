"""Reading 停班停課 announcements published as Common Alerting Protocol 1.2 alerts (OASIS CAP XML).

Three steps, each pure (no database): ``parse_alert(data)`` reads the XML with a hardened parser
into a ``CapAlert``; ``interpret(alert)`` turns it into what it asks of us — a ``Suspension``
(the day, from/until when, 停止上班 and/or 停止上課, which districts) or the reason it asks
nothing (a test, another county, a notice that nothing stops); ``fetch(url)`` reads an alert or an
Atom feed of alerts from the network with a timeout and a size cap. ``schedules.cap_services``
stores the result as a proposed declaration. docs/cap.md says what the announcements look like
and what this module assumes.
"""

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, overload
from xml.etree.ElementTree import Element, ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ALERT_BYTES = 256 * 1024  # a real alert is 2–3 kB; a feed of them a few tens of kB
MAX_FEED_ENTRIES = 200  # a national feed in a typhoon lists an alert per township; a county's feed far fewer
MAX_FETCHES_PER_READ = 50  # new alerts fetched from one reading of a feed; the rest come with the next poll
NOT_DECLARATIONS = frozenset({"Test", "Exercise", "Draft", "System"})  # statuses that never declare anything
STATUSES = frozenset({"Actual", *NOT_DECLARATIONS})
MSG_TYPES = frozenset({"Alert", "Update", "Cancel", "Ack", "Error"})

# Kaohsiung, as the alerts name it: the city's own geocodes and the 38 districts' (docs/cap.md).
CITY_NAME = "高雄市"
CITY_GEOCODES = frozenset({"64", "64000", "6400000"})
GEOCODE_TABLE = Path(__file__).resolve().parent / "data" / "cap_geocodes_kaohsiung.csv"

# Parts of the day as the announcements word them, and the window each means (start, end); None = the day's edge.
NOON = dt.time(12, 0)
EVENING = dt.time(17, 0)
PARTS_OF_DAY: dict[str, tuple[dt.time | None, dt.time | None]] = {
    "上午": (None, NOON),
    "中午": (NOON, None),
    "下午": (NOON, None),
    "晚上": (EVENING, None),
    "夜間": (EVENING, None),
}


class CapError(DomainError):
    """An alert file or feed that cannot be read; nothing was changed."""


# --- what an alert says ----------------------------------------------------------------------


@dataclass(frozen=True)
class CapReference:
    sender: str
    identifier: str
    sent: str


@dataclass(frozen=True)
class CapArea:
    description: str
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    references: tuple[CapReference, ...]
    event: str = ""
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    headline: str = ""
    description: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    areas: tuple[CapArea, ...] = ()


def _text(parent: Element, name: str) -> str:
    node = parent.find(f"{{{CAP_NS}}}{name}")
    return (node.text or "").strip() if node is not None else ""


def _pairs(parent: Element, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_text(node, "valueName"), _text(node, "value")) for node in parent.findall(f"{{{CAP_NS}}}{name}")
    )


@overload
def _time(value: str, *, field_name: str, required: Literal[True]) -> dt.datetime: ...
@overload
def _time(value: str, *, field_name: str, required: Literal[False] = False) -> dt.datetime | None: ...
def _time(value: str, *, field_name: str, required: bool = False) -> dt.datetime | None:
    if not value:
        if required:
            raise CapError(_("警報缺少 %(field)s 欄位，無法匯入") % {"field": field_name}, code="cap_missing_field")
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        # CAP requires an offset (2026-09-01T16:30:00+08:00); a time without one is ambiguous.
        raise CapError(
            _("警報的 %(field)s 時間「%(value)s」不是含時區的時間，無法匯入")
            % {"field": field_name, "value": value[:40]},
            code="cap_bad_time",
        )
    return moment


def _references(value: str) -> tuple[CapReference, ...]:
    """``references`` is a space-separated list of sender,identifier,sent triples."""
    found = []
    for item in value.split():
        parts = item.split(",")
        if len(parts) != 3 or not parts[1]:
            raise CapError(_("警報的 references 欄位格式不正確，無法匯入"), code="cap_bad_references")
        found.append(CapReference(sender=parts[0], identifier=parts[1], sent=parts[2]))
    return tuple(found)


def _xml_root(data: bytes) -> Element:
    if len(data) > MAX_ALERT_BYTES:
        raise CapError(
            _("檔案太大（上限 %(kb)d KB），不是一則停班停課警報") % {"kb": MAX_ALERT_BYTES // 1024},
            code="cap_too_large",
        )
    if not data.strip():
        raise CapError(_("檔案是空的，請選擇停班停課警報的 XML 檔"), code="cap_malformed")
    try:
        # No DTD at all: a CAP alert never needs one, and refusing it refuses entity expansion
        # ("billion laughs") and external entities (files or URLs read by the parser) in one rule.
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapError(
            _("檔案含有文件型別宣告或實體（DTD/ENTITY），基於安全不予讀取；停班停課警報不需要這些"),
            code="cap_forbidden_xml",
        ) from exc
    except (ParseError, ValueError) as exc:
        raise CapError(_("檔案不是格式正確的 XML，無法讀取（%(detail)s）") % {"detail": str(exc)[:120]},
                       code="cap_malformed") from exc


def parse_alert(data: bytes) -> CapAlert:
    """Read one CAP 1.2 ``<alert>``; raise CapError with a message for people when it is not one."""
    return alert_from_element(_xml_root(data))


def alert_from_element(root: Element) -> CapAlert:
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError(_("檔案不是 CAP 1.2 警報（根元素應為 urn:oasis:names:tc:emergency:cap:1.2 的 alert）"),
                       code="cap_not_cap")
    identifier = _text(root, "identifier")
    sender = _text(root, "sender")
    status = _text(root, "status")
    msg_type = _text(root, "msgType")
    for name, value in (("identifier", identifier), ("sender", sender), ("status", status), ("msgType", msg_type)):
        if not value:
            raise CapError(_("警報缺少 %(field)s 欄位，無法匯入") % {"field": name}, code="cap_missing_field")
    if len(identifier) > 200 or len(sender) > 200:
        raise CapError(_("警報的 identifier 或 sender 太長，無法匯入"), code="cap_malformed")
    if status not in STATUSES:
        raise CapError(_("警報的 status「%(value)s」不是 CAP 定義的值") % {"value": status[:20]}, code="cap_bad_status")
    if msg_type not in MSG_TYPES:
        raise CapError(_("警報的 msgType「%(value)s」不是 CAP 定義的值") % {"value": msg_type[:20]},
                       code="cap_bad_msg_type")
    sent = _time(_text(root, "sent"), field_name="sent", required=True)
    references = _references(_text(root, "references"))
    if msg_type in {"Update", "Cancel"} and not references:
        raise CapError(_("更新或取消的警報必須在 references 指出它更新的警報"), code="cap_bad_references")

    infos = root.findall(f"{{{CAP_NS}}}info")
    # An alert may repeat <info> per language; the Chinese one is the announcement as published.
    info = next((i for i in infos if _text(i, "language").lower().startswith("zh")), infos[0] if infos else None)
    if info is None:
        return CapAlert(identifier=identifier, sender=sender, sent=sent, status=status, msg_type=msg_type,
                        references=references)
    areas = tuple(
        CapArea(description=_text(area, "areaDesc"), geocodes=_pairs(area, "geocode"))
        for area in info.findall(f"{{{CAP_NS}}}area")
    )
    return CapAlert(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        references=references,
        event=_text(info, "event"),
        event_codes=_pairs(info, "eventCode"),
        effective=_time(_text(info, "effective"), field_name="effective"),
        onset=_time(_text(info, "onset"), field_name="onset"),
        expires=_time(_text(info, "expires"), field_name="expires"),
        headline=_text(info, "headline"),
        description=_text(info, "description"),
        parameters=dict(_pairs(info, "parameter")),
        areas=areas,
    )


# --- what it asks of us ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suspension:
    """The declaration an alert proposes: ``districts`` empty means the whole city."""

    day: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    stops_work: bool
    stops_classes: bool
    districts: tuple[str, ...]
    area_names: tuple[str, ...]


@dataclass(frozen=True)
class Ignored:
    """An alert that proposes nothing, and why (``code`` for programs, ``reason`` for people)."""

    code: str
    reason: str


@dataclass(frozen=True)
class Lifting:
    """An alert that says the places it names are NOT stopped (照常上班、照常上課): it lifts an earlier one."""

    districts: tuple[str, ...]
    area_names: tuple[str, ...]


IGNORE_REASONS = {
    "not_actual": _("這是測試、演習或草稿警報（status 不是 Actual），不是停班停課的宣布"),
    "not_suspension": _("這則警報不是停班停課（event 不是停班停課）"),
    "other_area": _("警報的地區不在本市"),
    "no_stop": _("警報說照常上班、照常上課，沒有停止任何事"),
    "no_day": _("無法從警報判斷停班停課的日期"),
    "not_applicable": _("這類警報訊息（Ack/Error）不宣布任何事"),
    "unknown_reference": _("它更新或取消的警報不在本系統中，沒有可撤銷的提議"),
}


def ignored(code: str) -> Ignored:
    return Ignored(code=code, reason=str(IGNORE_REASONS[code]))


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace("台", "臺")


@cache
def geocode_table() -> dict[str, str]:
    """geocode → district name, read from the data file (one row per district)."""
    with GEOCODE_TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["geocode"]: row["district"] for row in csv.DictReader(handle)}


def district_names() -> frozenset[str]:
    return frozenset(geocode_table().values())


def _areas_in_city(
    areas: tuple[CapArea, ...], extra_codes: dict[str, str] | None = None
) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """(whole city?, districts, the areas' own names) for the areas that are in our city."""
    whole_city = False
    districts: list[str] = []
    names: list[str] = []
    table = {**geocode_table(), **(extra_codes or {})}
    known = district_names() | set(table.values())
    for area in areas:
        matched = False
        for _name, value in area.geocodes:
            value = value.strip()
            if value in CITY_GEOCODES:
                whole_city = matched = True
            elif value in table:
                districts.append(table[value])
                matched = True
        if not area.geocodes:
            # Names only: 「高雄市」 is the whole city, 「高雄市苓雅區」 (or several, 、-separated) districts.
            desc = _normalize(area.description)
            for part in re.split(r"[、,，;；\s]+", desc):
                if not part.startswith(CITY_NAME):
                    continue
                rest = part[len(CITY_NAME):]
                if not rest:
                    whole_city = matched = True
                elif rest in known:
                    districts.append(rest)
                    matched = True
        if matched:
            names.append(area.description)
    return whole_city, tuple(dict.fromkeys(districts)), tuple(names)


_STOP = re.compile(r"停止上班及上課|停止上班上課|停止上班|停止上課|停班停課|停班|停課")
_DAY_WORDS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "後天": 2}
_DAY = re.compile(r"(\d{1,2})\s*[/月]\s*(\d{1,2})\s*日?|今天|今日|明天|明日|後天")
_PART = re.compile(r"上午|中午|下午|晚上|夜間|(\d{1,2})\s*[:：時]\s*(\d{2})?\s*分?\s*起")


def _statement(alert: CapAlert) -> str:
    """The announcement's words: the description, else the short text sent to phones, else the headline."""
    text = alert.description or alert.parameters.get("CMAMtext", "") or alert.headline
    text = _normalize(text)
    return re.sub(r"^\s*\[[^\]]*\]", "", text)  # 「[停班停課通知]」


def _day_from_text(text: str, sent: dt.datetime) -> dt.date | None:
    local = timezone.localtime(sent).date()
    match = _DAY.search(text)
    if match is None:
        return None
    if match.group(1):
        month, day = int(match.group(1)), int(match.group(2))
        year = local.year
        if month < local.month - 6:  # 12/31 announcing 1/1
            year += 1
        elif month > local.month + 6:
            year -= 1
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return local + dt.timedelta(days=_DAY_WORDS[match.group(0)])


def _window_from_text(text: str) -> tuple[bool, dt.time | None, dt.time | None]:
    """The part of the day that stops: the last part-of-day word before the first 停止 in its sentence."""
    stop = _STOP.search(text)
    if stop is None:
        return False, None, None
    sentence_start = max(text.rfind(mark, 0, stop.start()) for mark in "。；;") + 1
    parts = list(_PART.finditer(text, sentence_start, stop.start()))
    if not parts:
        return False, None, None
    part = parts[-1]
    if part.group(1):
        hour, minute = int(part.group(1)), int(part.group(2) or 0)
        if hour > 23 or minute > 59:
            return False, None, None
        return True, dt.time(hour, minute), None
    start, end = PARTS_OF_DAY[part.group(0)]
    return True, start, end


def _stops(text: str) -> tuple[bool, bool, bool]:
    """(stops work, stops classes, the text says anything about either)."""
    both = bool(re.search(r"停止上班及上課|停止上班上課|停班停課", text))
    work = both or bool(re.search(r"停止上班|停班(?!停課)", text))
    classes = both or bool(re.search(r"停止上課|(?<!停班)停課", text))
    said = work or classes or bool(re.search(r"照常上班|照常上課|正常上班|正常上課", text))
    return work, classes, said


def _local_time(moment: dt.datetime | None, day: dt.date) -> dt.time | None:
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return local.time().replace(second=0, microsecond=0) if local.date() == day else None


def is_suspension_event(alert: CapAlert) -> bool:
    event = _normalize(alert.event)
    codes = {value for _name, value in alert.event_codes}
    return "workSchlClos" in codes or "停班" in event or "停課" in event


def interpret(alert: CapAlert, *, extra_codes: dict[str, str] | None = None) -> Suspension | Lifting | Ignored:
    """What the alert proposes for our city. Statuses other than Actual never propose anything.
    ``extra_codes`` (geocode → district name) adds to the table: the codes set on the districts in the admin."""
    if alert.status != "Actual":
        return ignored("not_actual")
    if alert.msg_type in {"Ack", "Error"}:
        return ignored("not_applicable")
    if not is_suspension_event(alert):
        return ignored("not_suspension")
    whole_city, districts, names = _areas_in_city(alert.areas, extra_codes)
    if not whole_city and not districts:
        return ignored("other_area")
    if whole_city:
        districts = ()
    if alert.msg_type == "Cancel":
        return Lifting(districts=districts, area_names=names)
    text = _statement(alert)
    work, classes, said = _stops(text)
    if said and not (work or classes):
        return Lifting(districts=districts, area_names=names)
    if not said:
        # An alert of the 停班停課 event that words neither: both stop (the event's name says so).
        work = classes = True
    day = _day_from_text(text, alert.sent)
    if day is None:
        moment = alert.onset or alert.effective
        day = timezone.localtime(moment).date() if moment is not None else None
    if day is None:
        return ignored("no_day")
    worded, start, end = _window_from_text(text)
    if not worded:
        # Nothing in the words: the structured window, when it falls on that day and is not its edge.
        start = _local_time(alert.onset, day)
        end = _local_time(alert.expires, day)
        if start == dt.time(0, 0):
            start = None
        if end is not None and end >= dt.time(23, 59):
            end = None
    return Suspension(day=day, start_time=start, end_time=end, stops_work=work, stops_classes=classes,
                      districts=districts, area_names=names)


# --- reading from the network ----------------------------------------------------------------------


def fetch(url: str) -> bytes:
    """GET ``url`` with a timeout and a size cap; CapError (with a message for people) when that fails."""
    if not re.match(r"^https?://", url or "", re.I):
        raise CapError(_("網址必須以 http:// 或 https:// 開頭"), code="cap_bad_url")
    try:
        with requests.get(url, timeout=settings.CAP_FETCH_TIMEOUT, stream=True,
                          headers={"Accept": "application/xml, application/atom+xml, text/xml"}) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_ALERT_BYTES:
                raise CapError(_("網址的內容太大（上限 %(kb)d KB）") % {"kb": MAX_ALERT_BYTES // 1024},
                               code="cap_too_large")
            chunks, size = [], 0
            for chunk in response.iter_content(chunk_size=16 * 1024):
                size += len(chunk)
                if size > MAX_ALERT_BYTES:
                    raise CapError(_("網址的內容太大（上限 %(kb)d KB）") % {"kb": MAX_ALERT_BYTES // 1024},
                                   code="cap_too_large")
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as exc:
        raise CapError(_("無法讀取網址：%(detail)s") % {"detail": type(exc).__name__}, code="cap_fetch_failed") from exc


@dataclass(frozen=True)
class Document:
    """What a file or URL held: CAP alerts, or an Atom feed's links to them."""

    alerts: tuple[CapAlert, ...] = ()
    links: tuple[str, ...] = ()


def parse_document(data: bytes) -> Document:
    """One ``<alert>``, or an Atom ``<feed>`` whose entries link to alerts (the national platform's feed)."""
    root = _xml_root(data)
    if root.tag == f"{{{ATOM_NS}}}feed":
        links: list[Element | str] = []
        for entry in root.findall(f"{{{ATOM_NS}}}entry")[:MAX_FEED_ENTRIES]:
            embedded = entry.find(f".//{{{CAP_NS}}}alert")
            if embedded is not None:
                links.append(embedded)
                continue
            link = entry.find(f"{{{ATOM_NS}}}link")
            href = (link.get("href") if link is not None else "") or ""
            if href.startswith(("http://", "https://")):
                links.append(href)
        alerts = tuple(alert_from_element(item) for item in links if isinstance(item, Element))
        return Document(alerts=alerts, links=tuple(item for item in links if isinstance(item, str)))
    return Document(alerts=(alert_from_element(root),))
