"""Changes to people and schools. Today: the roster import (匯入教職員名冊).

The personnel office keeps the roster in a spreadsheet and saves it as CSV (or uploads the
.xlsx itself). ``roster_import`` reads it whole, checks every row, and either writes all of it
in one transaction or nothing, reporting the spreadsheet row number and the reason for every
bad row. Re-importing updates people by employee number (員工編號) within the school.

Decisions (also in docs/architecture.md):
- Columns: 員工編號, 姓名, 人員類別 and 到職日 are required; 電子郵件, 處室, 職稱, 帳號 and 在職 are
  optional. English headers are accepted too (``employee_no``, ``name``, ``email``, ``unit``,
  ``title``, ``category``, ``hire_date``, ``username``, ``active``). Other columns are ignored.
- A column the file has is the truth for everyone in the file (an empty 處室 cell clears the unit);
  a column the file lacks leaves that field alone. People missing from the file are not touched:
  a partial file is normal. Deactivate someone with 在職 = 否 (or in the admin).
- An unknown 處室 is an error, not a new unit: a typo must not invent an office. Units are set up
  once in the admin (with their heads), then the roster refers to them by name.
- Row numbers are the spreadsheet's: the header is row 1, the first person row 2.
- Each new person gets a login account with an unusable password (they sign in through the
  portal, or a password is set in the admin). Its username is the 帳號 cell, or by default
  ``<school code>-<employee number>`` in lower case (e.g. ``563401-t0012``), unique across a city.
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_log
from common.i18n import enumerate_text
from common.imports import Cell, RowForm, TableError, import_transaction, read_table, validate_rows
from common.tables import RowError
from staff.errors import StaffError
from staff.models import CalendarFeed, District, School, StaffCategory, StaffMember, Unit, User
from staff.permissions import outranking_q
from staff.twdate import parse_tw_date


class RosterImportError(StaffError):
    """The file was rejected whole. ``errors`` lists every bad row (empty for a file-level problem)."""

    def __init__(self, message: str, *, code: str, errors: Iterable[RowError] = ()) -> None:
        super().__init__(message, code=code)
        self.errors = list(errors)


@dataclass
class RosterImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("新增 %(created)d 人、更新 %(updated)d 人、未變動 %(unchanged)d 人") % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


# --- Reading the file ------------------------------------------------------

REQUIRED_COLUMNS = ("employee_no", "name", "category", "hire_date")
COLUMN_LABELS = {
    "employee_no": gettext_lazy("員工編號"),
    "name": gettext_lazy("姓名"),
    "email": gettext_lazy("電子郵件"),
    "unit": gettext_lazy("處室"),
    "title": gettext_lazy("職稱"),
    "category": gettext_lazy("人員類別"),
    "hire_date": gettext_lazy("到職日"),
    "username": gettext_lazy("帳號"),
    "is_active": gettext_lazy("在職"),
}
_HEADER_ALIASES = {
    "employee_no": ["員工編號", "員工代號", "人員代號", "employee_no", "employee number", "employee id", "staff no"],
    "name": ["姓名", "name", "full name"],
    "email": ["電子郵件", "電子信箱", "email", "e-mail", "mail"],
    "unit": ["處室", "單位", "unit", "office", "department"],
    "title": ["職稱", "title", "job title"],
    "category": ["人員類別", "類別", "category", "staff category"],
    "hire_date": ["到職日", "到職日期", "hire_date", "hire date", "start date"],
    "username": ["帳號", "username", "account", "login"],
    "is_active": ["在職", "active", "is_active"],
}


def _key(text: str) -> str:
    return "".join(ch for ch in text.strip().lower() if ch not in " _-\u3000\ufeff")


HEADERS = {_key(alias): column for column, aliases in _HEADER_ALIASES.items() for alias in aliases}
CATEGORIES = {
    **{_key(str(label)): value for value, label in StaffCategory.choices},
    **{_key(value): value for value in StaffCategory.values},
    _key("administrative teacher"): StaffCategory.ADMIN_TEACHER,
    _key("staff"): StaffCategory.CIVIL_STAFF,
    _key("senior homeroom teacher"): StaffCategory.HOMEROOM_SENIOR,
    _key("junior homeroom teacher"): StaffCategory.HOMEROOM_JUNIOR,
    _key("subject teacher"): StaffCategory.SUBJECT_TEACHER,
    _key("long-term substitute"): StaffCategory.LONG_TERM_SUBSTITUTE,
    _key("hourly substitute"): StaffCategory.HOURLY_SUBSTITUTE,
}
_YES = {_key(v) for v in ("是", "在職", "y", "yes", "true", "1", "v")}
_NO = {_key(v) for v in ("否", "離職", "n", "no", "false", "0")}


def read_roster(data: bytes) -> tuple[dict[str, int], list[tuple[int, dict[str, str]]]]:
    """(column → index, [(row number, {column: cell})]) from CSV or .xlsx bytes (``common.imports``).
    Blank rows are skipped."""
    try:
        table = read_table(data, delimiter=None, xlsx=True)
    except TableError as exc:
        if exc.code == "encoding":
            raise RosterImportError(
                _("無法辨識檔案的文字編碼，請另存為 UTF-8 或 Big5 的 CSV 檔。"), code="encoding"
            ) from exc
        if exc.code == "not_readable":
            raise RosterImportError(_("無法讀取這個 Excel 檔，請另存為 CSV 再匯入。"), code="not_readable") from exc
        raise _invalid_rows(exc.errors) from exc
    if not table.rows or not any(cell.strip() for cell in table.rows[0]):
        raise RosterImportError(_("檔案是空的，或第一列不是欄位名稱。"), code="empty")

    columns: dict[str, int] = {}
    header_errors = []
    for index, header in enumerate(table.rows[0]):
        column = HEADERS.get(_key(header))
        if column is None:
            continue  # other columns (身分證字號, 備註...) are ignored and never stored
        if column in columns:
            header_errors.append(
                RowError(1, "duplicate_column", _("欄位「%(header)s」重複。") % {"header": header.strip()})
            )
        columns[column] = index
    missing = [str(COLUMN_LABELS[c]) for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        header_errors.append(
            RowError(1, "missing_columns", _("缺少必要欄位：%(columns)s。") % {"columns": enumerate_text(missing)})
        )
    if header_errors:
        raise RosterImportError(_("名冊的欄位名稱有誤，整份未匯入。"), code="bad_header", errors=header_errors)

    rows = table.records(columns)
    if not rows:
        raise RosterImportError(_("檔案只有欄位名稱，沒有任何人員資料。"), code="empty")
    return columns, rows


def _invalid_rows(errors: list[RowError]) -> RosterImportError:
    return RosterImportError(
        _("名冊有 %(count)d 處錯誤，整份未匯入；請修正後重新匯入。") % {"count": len(errors)},
        code="invalid_rows", errors=errors,
    )


# --- Importing -------------------------------------------------------------

AUDITED_FIELDS = ("name", "email", "unit", "title", "category", "hire_date", "is_active")


def default_username(school: School, employee_no: str) -> str:
    return f"{school.code}-{employee_no}".lower()


@dataclass
class _Plan:
    row: int
    staff: StaffMember
    username: str
    changes: dict[str, list[Any]]


def _value_repr(staff: StaffMember, name: str) -> Any:
    if name == "unit":
        return staff.unit.name if staff.unit is not None else ""
    return getattr(staff, name)


def roster_import(
    *,
    school: School,
    data: bytes,
    actor: User | None,
    filename: str = "",
    dry_run: bool = False,
) -> RosterImportResult:
    """Import a roster file into ``school``: all rows or none. Raises RosterImportError listing every bad row.

    With ``dry_run`` everything is checked and counted, then rolled back.
    """
    columns, rows = read_roster(data)
    with import_transaction(dry_run=dry_run):
        # One import per school at a time: the second waits, then sees the first one's people.
        school = School.objects.select_for_update().get(pk=school.pk)
        numbers = [cells["employee_no"] for _row, cells in rows if cells["employee_no"]]
        wanted_usernames = {
            cells.get("username") or default_username(school, cells["employee_no"]) for _row, cells in rows
        }
        context = _RosterContext(
            school=school,
            columns=columns,
            units={unit.name: unit for unit in Unit.objects.filter(school=school)},
            existing={
                staff.employee_no: staff
                for staff in StaffMember.objects.select_for_update(of=("self",))
                .filter(school=school, employee_no__in=numbers)
                .select_related("user", "unit")
            },
            # People who hold more power than the one importing (a system admin, a superuser): the file
            # may name them, but not change them (their account, email and 在職 are theirs to keep).
            protected=set(
                StaffMember.objects.filter(school=school, employee_no__in=numbers)
                .filter(outranking_q(actor))
                .values_list("employee_no", flat=True)
            ),
            owners=dict(User.objects.filter(username__in=wanted_usernames).values_list("username", "pk")),
        )
        good, errors = validate_rows(rows, RosterRowForm, context=context)
        if errors:
            raise _invalid_rows(errors)

        result = RosterImportResult()
        for form in good:
            _apply(form.plan, actor=actor, result=result)
        audit_log(
            actor=actor,
            action="staff.roster_imported",
            target=school,
            school=school,
            data={
                "file": filename,
                "rows": len(rows),
                "created": result.created,
                "updated": result.updated,
                "unchanged": len(result.unchanged),
            },
        )
    return result


@dataclass
class _RosterContext:
    """What every row of one roster import is checked against, read once (and what earlier rows claimed)."""

    school: School
    columns: dict[str, int]
    units: dict[str, Unit]
    existing: dict[str, StaffMember]
    protected: set[str]
    owners: dict[str, int]
    seen_numbers: dict[str, int] = field(default_factory=dict)
    seen_usernames: dict[str, int] = field(default_factory=dict)


class RosterRowForm(RowForm[_RosterContext]):
    """One person of the roster. Without a usable employee number nothing else of the row is checked;
    otherwise every problem of the row is reported. A good row leaves its ``plan``."""

    decisive_fields = ("employee_no",)
    employee_no = Cell()
    name = Cell()
    category = Cell()
    hire_date = Cell()
    email = Cell()
    unit = Cell()
    title = Cell()
    is_active = Cell()
    username = Cell()

    staff: StaffMember
    plan: _Plan

    def has(self, column: str) -> bool:
        return column in self.context.columns

    def clean_employee_no(self) -> str:
        employee_no: str = self.cleaned_data["employee_no"]
        seen = self.context.seen_numbers
        if not employee_no:
            raise ValidationError(_("未填員工編號。"), code="missing_value")
        if employee_no in seen:
            raise ValidationError(
                _("員工編號 %(no)s 與第 %(other)d 列重複。") % {"no": employee_no, "other": seen[employee_no]},
                code="duplicate_employee_no",
            )
        seen[employee_no] = self.row
        existing = self.context.existing.get(employee_no)
        self.is_new = existing is None
        self.staff = StaffMember(school=self.context.school, employee_no=employee_no) if existing is None else existing
        self.before = {} if self.is_new else {name: _value_repr(self.staff, name) for name in AUDITED_FIELDS}
        return employee_no

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if self.failed("employee_no"):
            return name
        self.staff.name = name
        if not name:
            raise ValidationError(_("未填姓名。"), code="missing_value")
        return name

    def clean_category(self) -> str:
        value: str = self.cleaned_data["category"]
        category = CATEGORIES.get(_key(value))
        if category is None:
            raise ValidationError(
                _("人員類別「%(value)s」不正確，應為：%(choices)s。")
                % {"value": value, "choices": enumerate_text(StaffCategory.labels)},
                code="bad_category",
            )
        if not self.failed("employee_no"):
            self.staff.category = category
        return category

    def clean_hire_date(self) -> str:
        value: str = self.cleaned_data["hire_date"]
        try:
            day = parse_tw_date(value)
        except ValueError as exc:
            raise ValidationError(
                _("到職日「%(value)s」無法辨識，請寫成 2015-08-01、2015/8/1 或民國 104/08/01。") % {"value": value},
                code="bad_date",
            ) from exc
        if not self.failed("employee_no"):
            self.staff.hire_date = day
        return value

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if not self.has("email") or self.failed("employee_no"):
            return email
        self.staff.email = email
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                message = _("電子郵件「%(value)s」格式不正確。") % {"value": email}
                raise ValidationError(message, code="bad_email") from exc
        return email

    def clean_unit(self) -> str:
        unit_name: str = self.cleaned_data["unit"]
        if not self.has("unit") or self.failed("employee_no"):
            return unit_name
        units = self.context.units
        if unit_name and unit_name not in units:
            raise ValidationError(
                _("處室「%(value)s」不在本校的處室清單中（請先在管理後台建立，或更正名稱）。") % {"value": unit_name},
                code="unknown_unit",
            )
        self.staff.unit = units.get(unit_name) if unit_name else None
        return unit_name

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        if self.has("title") and not self.failed("employee_no"):
            self.staff.title = title
        return title

    def clean_is_active(self) -> str:
        value: str = self.cleaned_data["is_active"]
        if not self.has("is_active") or not value or self.failed("employee_no"):
            return value
        flag = _key(value)
        if flag in _YES:
            self.staff.is_active = True
        elif flag in _NO:
            self.staff.is_active = False
        else:
            raise ValidationError(_("在職欄「%(value)s」應為「是」或「否」。") % {"value": value}, code="bad_active")
        return value

    def clean_username(self) -> str:
        if self.failed("employee_no"):
            return ""
        school, seen = self.context.school, self.context.seen_usernames
        self.current_username = None if self.is_new else self.staff.user.username
        username = (
            self.cleaned_data["username"] or self.current_username
            or default_username(school, self.staff.employee_no)
        )
        self.final_username = username
        error = None
        if len(username) > 150 or not _username_ok(username):
            error = ValidationError(
                _("帳號「%(value)s」只能含英數字與 @ . + - _ 符號。") % {"value": username}, code="bad_username"
            )
        elif username in seen:
            error = ValidationError(
                _("帳號 %(value)s 與第 %(other)d 列重複。") % {"value": username, "other": seen[username]},
                code="duplicate_username",
            )
        elif username != self.current_username and username in self.context.owners:
            error = ValidationError(_("帳號 %(value)s 已被其他人使用。") % {"value": username}, code="username_taken")
        seen[username] = self.row
        if error is not None:
            raise error
        return username

    def clean(self) -> dict[str, Any]:
        if self.failed("employee_no"):
            return self.cleaned_data
        staff = self.staff
        # Length limits and the model's own rules, reported as this row's errors.
        # School and unit are excluded: they came from the database already (no query per row).
        try:
            staff.full_clean(exclude=["user", "school", "unit"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            explained = {"name": "missing_value", "hire_date": "bad_date", "category": "bad_category",
                         "email": "bad_email"}
            reported = {error.code for errors in self.errors.as_data().values() for error in errors}
            for name, messages in exc.message_dict.items():
                if explained.get(name) in reported:
                    continue  # already said above, in words a person can act on
                label = COLUMN_LABELS.get(name, name)
                for message in messages:
                    self.problem(f"{label}：{message}", "invalid_value")

        username, current = self.final_username, self.current_username
        if self.is_new:
            changes = {name: [None, _value_repr(staff, name)] for name in AUDITED_FIELDS}
        else:
            after = {name: _value_repr(staff, name) for name in AUDITED_FIELDS}
            changes = {name: [self.before[name], after[name]] for name in AUDITED_FIELDS
                       if self.before[name] != after[name]}
            if username != current:
                changes["username"] = [current, username]
        self.plan = _Plan(row=self.row, staff=staff, username=username, changes=changes)
        if changes and staff.employee_no in self.context.protected:
            self.problem(
                _("員工編號 %(no)s 的人員權限高於您（系統管理），名冊不能變更其資料；請洽系統管理者。")
                % {"no": staff.employee_no},
                "outranks",
            )
        return self.cleaned_data


def _username_ok(username: str) -> bool:
    try:
        User.username_validator(username)
    except ValidationError:
        return False
    return True


def _apply(plan: _Plan, *, actor: User | None, result: RosterImportResult) -> None:
    staff = plan.staff
    if staff.pk is None:
        user = User(username=plan.username, email=staff.email, first_name=staff.name[:150], is_active=staff.is_active)
        user.set_unusable_password()
        user.save()
        staff.user = user
        staff.save()
        result.created.append(staff.employee_no)
        audit_log(actor=actor, action="staff.created", target=staff, data={"source": "roster_import", **plan.changes})
        return
    if not plan.changes:
        result.unchanged.append(staff.employee_no)
        return
    staff.save()
    user = staff.user
    user.username = plan.username
    user.email = staff.email
    user.first_name = staff.name[:150]
    if "is_active" in plan.changes:
        # Leaving school closes the account; coming back opens it. Otherwise the account's own
        # flag (an administrator may have locked it) is left alone.
        user.is_active = staff.is_active
    user.save(update_fields=["username", "email", "first_name", "is_active"])
    result.updated.append(staff.employee_no)
    audit_log(actor=actor, action="staff.updated", target=staff, data={"source": "roster_import", **plan.changes})


# --- Districts ---------------------------------------------------------------------------------


def districts_ensure(*, names: Iterable[str], codes: dict[str, str]) -> list[District]:
    """The districts named, in that order, adding the missing ones with their government code from
    ``codes`` ({name: code}). Disaster declarations name districts before any school needs them."""
    names = list(names)
    found = {district.name: district for district in District.objects.filter(name__in=names)}
    for name in names:
        if name not in found:
            found[name], _created = District.objects.get_or_create(name=name, defaults={"code": codes.get(name, "")})
    return [found[name] for name in names]


def school_attendance_start_set(*, actor: User | None, school: School, start: dt.date | None) -> School:
    """Set the day the school started using the system (啟用日), audited. Attendance, which owns the
    results and reminders it governs, calls this inside its own service (attendance_start_set)."""
    with transaction.atomic():
        before = school.attendance_start
        school.attendance_start = start
        school.save(update_fields=["attendance_start"])
        audit_log(actor=actor, action="staff.school_updated", target=school, school=school,
                  data={"attendance_start": [before, start]})
    return school


# --- The personal calendar address (iCal) ---------------------------------------------------


def calendar_feed_issue(*, staff: StaffMember) -> str:
    """Make (or make anew) the person's secret calendar address; returns its token, which is kept only hashed."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(staff=staff).delete()
        CalendarFeed.objects.create(staff=staff, token_hash=CalendarFeed.hash(token))
        audit_log(actor=staff.user, action="staff.calendar_feed_issued", target=staff, school=staff.school)
    return token


def calendar_feed_revoke(*, staff: StaffMember) -> bool:
    """Revoke the person's calendar address: it answers 404 from now on. False when there was none."""
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(staff=staff).delete()
        if deleted:
            audit_log(actor=staff.user, action="staff.calendar_feed_revoked", target=staff, school=staff.school)
    return bool(deleted)
