"""Changing bell schedules and timetables: the CSV import of a school's timetabling system.

The import reads the usual export — one row per teacher-period — in UTF-8 (with or without a
BOM) or Big5, checks every row, and either replaces the semester's whole timetable or changes
nothing and reports every bad row by its line number.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.dispatch import Signal
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from audit.services import audit_log
from common.errors import DomainError
from common.i18n import enumerate_text
from common.imports import Cell, RowForm, TableError, import_transaction, read_table, validate_rows
from common.tables import RowError
from schedules.models import BellPeriod, Division, Semester, TimetableEntry
from staff.models import School, StaffMember, User
from staff.selectors import school_people

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # gettext_lazy's result, in the stubs only

# Sent inside the import's transaction: timetable_changed.send(sender=Semester, semester=..., actor=...).
# The coverage module listens, to bring the needs of current absences in step with the new timetable.
timetable_changed = Signal()


class TimetableError(DomainError):
    """A timetable change refused; ``errors`` lists the bad rows of an import (``common.tables.RowError``)."""

    def __init__(
        self, message: "str | _StrPromise", code: str = "invalid", errors: list[RowError] | None = None
    ) -> None:
        super().__init__(message, code)
        self.errors = errors or []


@dataclass
class TimetableImportResult:
    created: int
    teachers: int
    replaced: int
    classes: list[str] = field(default_factory=list)


# Column names seen in timetabling systems' exports, by what they mean.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "employee_no": ("教師編號", "員工編號", "教師代碼", "教師代號", "教職員編號", "employee_no"),
    "teacher_name": ("教師", "教師姓名", "任課教師", "姓名", "teacher"),
    "weekday": ("星期", "星期別", "weekday"),
    "period": ("節次", "節", "period"),
    "class_name": ("班級", "班級名稱", "class"),
    "subject": ("科目", "科目名稱", "subject"),
    "room": ("教室", "上課地點", "場地", "room"),
    "division": ("部別", "學部", "division"),
}
WEEKDAY_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
WEEKDAY_EN = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
DIVISION_WORDS = {
    "高中部": Division.SENIOR, "高中": Division.SENIOR, "senior": Division.SENIOR,
    "國中部": Division.JUNIOR, "國中": Division.JUNIOR, "junior": Division.JUNIOR,
    "國小部": Division.ELEMENTARY, "國小": Division.ELEMENTARY, "elementary": Division.ELEMENTARY,
}
CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}


def _parse_weekday(value: str) -> int | None:
    text = value.strip().replace("星期", "").replace("週", "").replace("周", "")
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 6:
        return int(text)
    if text in WEEKDAY_WORDS:
        return WEEKDAY_WORDS[text]
    return WEEKDAY_EN.get(text[:3].lower())


PERIOD_WORDS = {"早自習": BellPeriod.Kind.SELF_STUDY, "早修": BellPeriod.Kind.SELF_STUDY,
                "導師時間": BellPeriod.Kind.HOMEROOM, "班會": BellPeriod.Kind.HOMEROOM}


def _parse_period(value: str) -> int | str | None:
    """A period number, or the kind of slot named by word (早自習, 導師時間)."""
    text = value.strip().removeprefix("第").removesuffix("節").strip()
    if text in PERIOD_WORDS:
        return PERIOD_WORDS[text]
    if text.isascii() and text.isdigit() and len(text) <= 2:
        return int(text)
    if text and all(ch in CHINESE_DIGITS for ch in text):
        if text == "十":
            return 10
        if len(text) == 1:
            return CHINESE_DIGITS[text]
    return None


def _division_of(class_name: str, explicit: str, school: School) -> str | None:
    if explicit.strip():
        return DIVISION_WORDS.get(explicit.strip().lower())
    name = class_name.strip()
    if name.startswith("高"):
        return Division.SENIOR
    if name.startswith("國"):
        return Division.JUNIOR
    if school.has_senior_division and not school.has_junior_division:
        return Division.SENIOR
    if school.has_junior_division and not school.has_senior_division:
        return Division.JUNIOR
    return None


def _normalise_class(name: str) -> str:
    # 「高一3班」 and 「高一 3 班」 are the same class: one spelling, with spaces around the number.
    text = re.sub(r"\s+", "", name)
    return re.sub(r"(\d+)", r" \1 ", text).strip().replace("  ", " ")


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        for key, aliases in HEADER_ALIASES.items():
            if key not in found and name in {a.lower() for a in aliases}:
                found[key] = index
    return found


def timetable_import(
    *, semester: Semester, data: bytes, actor: User | None = None, dry_run: bool = False
) -> TimetableImportResult:
    """Replace the semester's timetable with the rows of a CSV file, or change nothing (``common.imports``).

    Raises TimetableError with ``errors`` (one per problem of a row) when anything is wrong. With
    ``dry_run`` everything is checked and counted, then rolled back.
    """
    school = semester.school
    try:
        table = read_table(data)
    except TableError as exc:
        if exc.code == "encoding":
            raise TimetableError(_("無法辨識檔案編碼，請存成 UTF-8 或 Big5 的 CSV 檔"), code="encoding") from exc
        raise _invalid_rows(exc.errors) from exc
    rows = list(table.rows)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise TimetableError(_("檔案沒有資料列"), code="empty")
    columns = _columns(rows[0])
    missing = [
        label
        for key, label in (("weekday", "星期"), ("period", "節次"), ("class_name", "班級"), ("subject", "科目"))
        if key not in columns
    ]
    if "employee_no" not in columns and "teacher_name" not in columns:
        missing.insert(0, "教師編號或教師姓名")
    if missing:
        raise TimetableError(
            _("缺少欄位：%(columns)s") % {"columns": enumerate_text(missing)}, code="missing_columns"
        )

    # Everything the rows refer to, read once.
    staff = list(school_people(school_id=school.pk).only("id", "name", "employee_no"))
    context = _TimetableContext(school=school, by_no={s.employee_no.strip().upper(): s for s in staff})
    for s in staff:
        context.by_name.setdefault(s.name.strip(), []).append(s)
    for p in BellPeriod.objects.filter(school=school).order_by("start"):
        context.periods[(p.division, p.number)] = p
        if p.kind != BellPeriod.Kind.CLASS:
            context.periods.setdefault((p.division, p.kind), p)

    good, errors = validate_rows(table.records(columns), TimetableRowForm, context=context)
    if errors:
        raise _invalid_rows(errors)
    entries = [form.entry(semester) for form in good]

    with import_transaction(dry_run=dry_run):
        # Lock the semester so two imports of the same semester run one after the other.
        Semester.objects.select_for_update().get(pk=semester.pk)
        replaced, _detail = TimetableEntry.objects.filter(semester=semester).delete()
        TimetableEntry.objects.bulk_create(entries)
        result = TimetableImportResult(
            created=len(entries),
            teachers=len({e.teacher_id for e in entries}),
            replaced=replaced,
            classes=sorted({e.class_name for e in entries}),
        )
        audit_log(
            actor=actor, action="schedules.timetable_imported", target=semester, school=school,
            data={"rows": result.created, "teachers": result.teachers, "replaced": replaced},
        )
        timetable_changed.send(sender=Semester, semester=semester, actor=actor)
    return result


def _invalid_rows(errors: list[RowError]) -> TimetableError:
    return TimetableError(
        ngettext_lazy("課表有 %(count)d 個錯誤，未匯入任何資料", "課表有 %(count)d 個錯誤，未匯入任何資料", len(errors))
        % {"count": len(errors)}, code="invalid_rows", errors=errors
    )


@dataclass
class _TimetableContext:
    """The school's teachers and bells, read once, and the slots earlier rows took (teacher, weekday, bell)."""

    school: School
    by_no: dict[str, StaffMember]
    by_name: dict[str, list[StaffMember]] = field(default_factory=dict)
    periods: dict[tuple[str, int | str], BellPeriod] = field(default_factory=dict)
    seen: dict[tuple[int, int, int], int] = field(default_factory=dict)


class TimetableRowForm(RowForm[_TimetableContext]):
    """One teacher-period of the timetable: every problem of the row is reported."""

    employee_no = Cell()
    teacher_name = Cell()
    weekday = Cell()
    period = Cell()
    class_name = Cell()
    subject = Cell()
    division = Cell()
    room = Cell()

    teacher: StaffMember | None = None
    bell: BellPeriod | None = None

    def clean_teacher_name(self) -> str:
        """The row's teacher, by 教師編號 when the row has one, else by name (which must be unique)."""
        employee_no, name = self.cleaned_data.get("employee_no", ""), self.cleaned_data["teacher_name"]
        if employee_no:
            self.teacher = self.context.by_no.get(employee_no.upper())
            if self.teacher is None:
                raise ValidationError(_t("找不到教師編號「%(no)s」") % {"no": employee_no}, code="unknown_teacher")
        elif name:
            matches = self.context.by_name.get(name, [])
            if len(matches) > 1:
                raise ValidationError(_t("教師姓名「%(name)s」有同名者，請改用教師編號") % {"name": name},
                                      code="ambiguous_teacher")
            if not matches:
                raise ValidationError(_t("找不到教師「%(name)s」") % {"name": name}, code="unknown_teacher")
            self.teacher = matches[0]
        else:
            raise ValidationError(_t("未填教師"), code="missing_teacher")
        return str(name)

    def clean_weekday(self) -> int:
        weekday = _parse_weekday(self.cleaned_data["weekday"])
        if weekday is None:
            raise ValidationError(_t("星期「%(value)s」無法辨識") % {"value": self.cleaned_data["weekday"]},
                                  code="bad_weekday")
        return weekday

    def clean_period(self) -> int | str:
        number = _parse_period(self.cleaned_data["period"])
        if number is None:
            raise ValidationError(_t("節次「%(value)s」無法辨識") % {"value": self.cleaned_data["period"]},
                                  code="bad_period")
        return number

    def clean_class_name(self) -> str:
        class_name = _normalise_class(self.cleaned_data["class_name"])
        if not class_name:
            raise ValidationError(_t("未填班級"), code="missing_class")
        return class_name

    def clean_subject(self) -> str:
        if not self.cleaned_data["subject"]:
            raise ValidationError(_t("未填科目"), code="missing_subject")
        return str(self.cleaned_data["subject"])

    def clean(self) -> dict[str, Any]:
        data, context = self.cleaned_data, self.context
        class_name, number = data.get("class_name"), data.get("period")
        division = _division_of(class_name, data.get("division", ""), context.school) if class_name else None
        if class_name and division is None:
            self.problem(_t("無法判斷「%(name)s」屬於高中部或國中部，請加「部別」欄") % {"name": class_name},
                         "unknown_division")
        if division and number is not None:
            self.bell = context.periods.get((division, number))
            if self.bell is None:
                self.problem(
                    _t("%(division)s作息表沒有「%(period)s」")
                    % {"division": Division(division).label, "period": self.data.get("period", "")},
                    "no_such_period",
                )
        weekday = data.get("weekday")
        if self.teacher and weekday and self.bell:
            key = (self.teacher.pk, weekday, self.bell.pk)
            if key in context.seen:
                self.problem(_t("與第 %(row)d 列重複：同一位教師同一時段排了兩堂課") % {"row": context.seen[key]},
                             "duplicate_period")
            else:
                context.seen[key] = self.row
        return data

    def entry(self, semester: Semester) -> TimetableEntry:
        data = self.cleaned_data
        return TimetableEntry(
            semester=semester, teacher=self.teacher, weekday=data["weekday"], period=self.bell,
            class_name=data["class_name"], subject=data["subject"], room=data["room"][:30],
        )


# --- Bell schedules -----------------------------------------------------------------

# The usual Kaohsiung high-school day: 早自習 (numbered 0), 導師時間 (numbered after the last class
# period) and 8 periods of 50 minutes (高中部), or 7 of 45 minutes on the junior high's own bells
# (國中部). Schools edit their own in the admin; a CSV may name the two slots by word.
STANDARD_BELLS: dict[str, list[tuple[int, str, str, str]]] = {
    Division.SENIOR: [
        (0, BellPeriod.Kind.SELF_STUDY, "07:30", "08:00"),
        (1, BellPeriod.Kind.CLASS, "08:10", "09:00"),
        (2, BellPeriod.Kind.CLASS, "09:10", "10:00"),
        (3, BellPeriod.Kind.CLASS, "10:10", "11:00"),
        (4, BellPeriod.Kind.CLASS, "11:10", "12:00"),
        (5, BellPeriod.Kind.CLASS, "13:10", "14:00"),
        (6, BellPeriod.Kind.CLASS, "14:10", "15:00"),
        (7, BellPeriod.Kind.CLASS, "15:10", "16:00"),
        (8, BellPeriod.Kind.CLASS, "16:10", "17:00"),
        (9, BellPeriod.Kind.HOMEROOM, "08:00", "08:10"),
    ],
    Division.JUNIOR: [
        (0, BellPeriod.Kind.SELF_STUDY, "07:30", "08:00"),
        (1, BellPeriod.Kind.CLASS, "08:15", "09:00"),
        (2, BellPeriod.Kind.CLASS, "09:10", "09:55"),
        (3, BellPeriod.Kind.CLASS, "10:10", "10:55"),
        (4, BellPeriod.Kind.CLASS, "11:05", "11:50"),
        (5, BellPeriod.Kind.CLASS, "13:15", "14:00"),
        (6, BellPeriod.Kind.CLASS, "14:10", "14:55"),
        (7, BellPeriod.Kind.CLASS, "15:10", "15:55"),
        (8, BellPeriod.Kind.HOMEROOM, "08:00", "08:10"),
    ],
}


def bell_schedule_ensure_standard(*, school: School) -> int:
    """Create the standard bell schedule for the school's divisions where a period is missing.

    Existing periods are left as the school set them. Returns how many were created.
    """
    divisions = [d for d, has in ((Division.SENIOR, school.has_senior_division),
                                  (Division.JUNIOR, school.has_junior_division)) if has]
    existing = set(BellPeriod.objects.filter(school=school).values_list("division", "number"))
    new = [
        BellPeriod(
            school=school, division=division, number=number, kind=kind,
            start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end),
        )
        for division in divisions
        for number, kind, start, end in STANDARD_BELLS[division]
        if (division, number) not in existing
    ]
    BellPeriod.objects.bulk_create(new)
    return len(new)
