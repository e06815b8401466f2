"""What a user can type as a date, a month, a year or an id, read one way everywhere.

Python's ``date`` runs from year 1 to 9999 and ``int()`` reads any size and any script's digits
(``int("١٢") == 12``); a database integer stops at 2**63 - 1. Between the two lie the 500s: a
month view of 9999-12 that adds a day to 31 December 9999, a 30-digit id that SQLite cannot bind
and PostgreSQL refuses mid-transaction. So every value a person sends is read here, or by the
form and serializer fields this module bounds (``install``):

- dates: ISO ``YYYY-MM-DD`` in ASCII digits, from ``EARLIEST`` to ``LATEST``;
- months: ``YYYY-MM``; years: ``YYYY`` (four ASCII digits), inside the same span;
- ids: ASCII digits, 1 to ``MAX_ID`` (the largest key any of our tables can hold);
- API text: at most the model column's length, or ``MAX_TEXT``.

Each ``parse_*`` raises ``BadInput`` (a ``ValueError`` with a translated message); callers turn it
into a 400 (API, ``bad_request``) or a form error. The span leaves room on both sides for any
arithmetic the apps do (a month before, a school year after) without leaving ``date``'s range.
"""

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # gettext_lazy's result, in the stubs only

EARLIEST = dt.date(1912, 1, 1)
LATEST = dt.date(2199, 12, 31)
MAX_ID = 2**63 - 1
# The longest text an API field takes when neither the field nor its model column says (a TextField):
# room for any reason or comment a person writes, not for a megabyte.
MAX_TEXT = 4000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_ID = re.compile(r"\d{1,19}", re.ASCII)

_Day = TypeVar("_Day", bound=dt.date)  # a date, or a datetime (a date too)


class BadInput(ValueError):
    """A value a person sent that we cannot use; ``message`` says why in their language."""

    def __init__(self, message: "str | _StrPromise", code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


def out_of_range_message() -> str:
    return _("日期須在 %(earliest)s 至 %(latest)s 之間。") % {
        "earliest": EARLIEST.isoformat(),
        "latest": LATEST.isoformat(),
    }


def in_range(day: dt.date | dt.datetime) -> bool:
    day = day.date() if isinstance(day, dt.datetime) else day
    return EARLIEST <= day <= LATEST


def check_date(day: _Day) -> _Day:
    """``day`` (a date or datetime) itself, or BadInput when it lies outside the span."""
    if not in_range(day):
        raise BadInput(out_of_range_message(), code="date_out_of_range")
    return day


def parse_date(value: object) -> dt.date:
    text = str(value or "").strip()
    if not _DATE.fullmatch(text):
        raise BadInput(_("日期格式應為 YYYY-MM-DD。"), code="bad_date")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(_("日期格式應為 YYYY-MM-DD。"), code="bad_date") from exc
    return check_date(day)


def parse_month(value: object) -> tuple[int, int]:
    """``"2025-10"`` → ``(2025, 10)``."""
    match = _MONTH.fullmatch(str(value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise BadInput(_("月份格式應為 YYYY-MM。"), code="bad_month")
    year, month = int(match[1]), int(match[2])
    check_date(dt.date(year, month, 1))
    return year, month


def parse_id(value: object) -> int:
    text = str(value if value is not None else "").strip()
    if not _ID.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        raise BadInput(_("編號不正確。"), code="bad_id")
    return int(text)


def id_or_none(value: object) -> int | None:
    """``parse_id`` for a filter that ignores what it cannot read."""
    try:
        return parse_id(value)
    except BadInput:
        return None


def int_in_range(value: object) -> bool:
    """Whether an integer fits a database column (our keys and counts)."""
    return isinstance(value, int) and -MAX_ID - 1 <= value <= MAX_ID


# --- Path converters -----------------------------------------------------------------------


class IdConverter:
    """``<id:pk>``: a key in ASCII digits that a table can hold; anything else is not found (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # the URL does not match: 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


class YearConverter:
    """``<year:year>``: a year inside the span (four digits)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not EARLIEST.year <= number <= LATEST.year:
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    """``<month:month>``: 1 to 12."""

    regex = "[0-9]{1,2}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= 12:
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register_converters() -> None:
    from django.urls import register_converter

    register_converter(IdConverter, "id")
    register_converter(YearConverter, "year")
    register_converter(MonthConverter, "month")


# --- Form and serializer fields ------------------------------------------------------------

_installed = False


def _integer_key(field: object) -> bool:
    from django.db import models
    from django.db.models.fields.related import RelatedField

    return isinstance(field, (models.IntegerField, models.AutoField)) or (
        isinstance(field, (RelatedField, models.ForeignObjectRel)) and _integer_key(field.target_field)
    )


def _key_ok(queryset: QuerySet[Model] | None, key: str | None, value: object) -> bool:
    """Whether ``value`` can be looked up as ``key`` of ``queryset``'s model without the database refusing it.
    A field without a queryset yet has nothing to look in: its own method answers."""
    if queryset is None:
        return True
    field = queryset.model._meta.pk if not key or key == "pk" else queryset.model._meta.get_field(key)
    if not _integer_key(field):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, queryset.model):  # a disabled field's initial value is the object itself
        return True
    if isinstance(value, int):
        return int_in_range(value)
    return bool(_ID.fullmatch(str(value).strip())) and int(str(value).strip()) <= MAX_ID


def install() -> None:
    """Bound every date, datetime, integer and key field of Django's forms (so django-filter's too) and
    of DRF's serializers: a value outside the span, too large for a column or not a key is the field's
    own validation error (a form error, or a 400 from the API), never a 500 further down.

    Called once from ``staff.apps.StaffConfig.ready``; the fields keep their own messages for
    everything else.
    """
    global _installed
    if _installed:
        return
    _installed = True

    from django import forms
    from django.core.exceptions import ValidationError
    from rest_framework import fields as drf_fields
    from rest_framework import relations as drf_relations
    from rest_framework.exceptions import ValidationError as ApiValidationError

    # Each replacement wraps the field class's own method (``original``) and is installed on the class
    # itself: Django's and DRF's fields, which mypy sees as methods that cannot be assigned.

    def bounded_dates(field_class: type[forms.DateField] | type[forms.DateTimeField]) -> None:
        original: Callable[..., object] = field_class.to_python

        def to_python(self: forms.Field, value: Any) -> object:
            result = original(self, value)
            if isinstance(result, dt.date) and not in_range(result):
                raise ValidationError(out_of_range_message(), code="date_out_of_range")
            return result

        field_class.to_python = to_python  # type: ignore[method-assign,assignment]  # the bound, on Django's field

    bounded_dates(forms.DateField)
    bounded_dates(forms.DateTimeField)

    def too_large(result: Any) -> bool:
        try:
            return result is not None and not int_in_range(int(result))
        except (OverflowError, ValueError):
            return True

    def bounded_numbers(field_class: type[forms.IntegerField] | type[forms.DecimalField]) -> None:
        original: Callable[..., object] = field_class.to_python

        def to_python(self: forms.Field, value: Any) -> object:
            result = original(self, value)
            if too_large(result):
                raise ValidationError(_("數值過大。"), code="too_large")
            return result

        field_class.to_python = to_python  # type: ignore[method-assign,assignment]  # the bound, on Django's field

    bounded_numbers(forms.IntegerField)
    bounded_numbers(forms.DecimalField)

    original_choice = forms.ModelChoiceField.to_python

    def choice_to_python(self: "forms.ModelChoiceField[Model]", value: Any) -> Model | None:
        if value not in self.empty_values and not _key_ok(self.queryset, self.to_field_name, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return original_choice(self, value)

    forms.ModelChoiceField.to_python = choice_to_python  # type: ignore[method-assign,assignment]  # the bound, on Django's field

    # A private method of Django's (not in the stubs): where the field reads the submitted keys.
    original_check = forms.ModelMultipleChoiceField._check_values  # type: ignore[attr-defined]  # private, see above

    def check_values(self: "forms.ModelMultipleChoiceField[Model]", value: Any) -> QuerySet[Model]:
        key = self.to_field_name or "pk"
        for item in value if isinstance(value, (list, tuple, set, frozenset)) else []:
            if not _key_ok(self.queryset, key, item):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": item})
        checked: QuerySet[Model] = original_check(self, value)
        return checked

    forms.ModelMultipleChoiceField._check_values = check_values  # type: ignore[attr-defined]  # private, see above

    def bounded_api_dates(field_class: type[drf_fields.DateField] | type[drf_fields.DateTimeField]) -> None:
        original: Callable[..., object] = field_class.to_internal_value

        def to_internal_value(self: "drf_fields.Field[Any, Any, Any, Any]", value: Any) -> object:
            try:
                result = original(self, value)
            except OverflowError:  # 9999-12-31T23:00-05:00 moved to our time zone
                result = dt.date.max
            if isinstance(result, dt.date) and not in_range(result):
                raise ApiValidationError(out_of_range_message(), code="date_out_of_range")
            return result

        field_class.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]  # the bound, on DRF's field

    bounded_api_dates(drf_fields.DateField)
    bounded_api_dates(drf_fields.DateTimeField)

    original_int = drf_fields.IntegerField.to_internal_value

    def api_int(self: drf_fields.IntegerField, value: Any) -> int:
        result = original_int(self, value)
        if not int_in_range(result):
            raise ApiValidationError(_("數值過大。"), code="too_large")
        return result

    drf_fields.IntegerField.to_internal_value = api_int  # type: ignore[method-assign,assignment]  # the bound, on DRF's field

    original_pk = drf_relations.PrimaryKeyRelatedField.to_internal_value

    def api_pk(self: "drf_relations.PrimaryKeyRelatedField[Model]", data: Any) -> Model:
        if self.pk_field is None and not _key_ok(self.get_queryset(), None, data):
            self.fail("does_not_exist", pk_value=data)
        found: Model = original_pk(self, data)
        return found

    drf_relations.PrimaryKeyRelatedField.to_internal_value = api_pk  # type: ignore[method-assign,assignment]  # the bound, on DRF's field

    # Text: a serializer's CharField takes its model column's max_length (ModelSerializer does that)
    # or its own; one that has neither takes MAX_TEXT. Read-only fields are answers, not input.
    original_char_init = drf_fields.CharField.__init__

    def char_init(self: drf_fields.CharField, **kwargs: Any) -> None:
        if kwargs.get("max_length") is None and not kwargs.get("read_only"):
            kwargs["max_length"] = MAX_TEXT
        original_char_init(self, **kwargs)

    drf_fields.CharField.__init__ = char_init  # type: ignore[method-assign]  # the default length, on DRF's field
