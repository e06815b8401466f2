"""One row by a unique value, through SQL compiled once per process: the reads every request makes.

Django compiles a queryset's SQL each time it is evaluated. For the reads that open every request — the API
token with its account and person, the signed-in account's person with school and unit — the compile of a
four- or five-table ``select_related`` costs more CPU than the rest of a punch's own work (≈ 0.5 ms against
≈ 0.15 ms to run the statement; bench/README.md, "Where a punch's CPU goes"). The question is always the same
with another value, so ``PreparedLookup`` compiles it on first use, then runs the stored statement with each
value and builds the instances as Django's own iterator does (``Model.from_db`` and the ``select_related``
populators), related objects cached as after ``select_related``. Same rows, same instances, same single query.

Only for lookups of one unique field whose compiled statement has that value as its one parameter (checked
when it compiles).

``PreparedRows`` does the same for a read of many rows (a ``values_list``, a ``UNION`` of them) that differs from
call to call only by one person's id and one date: a leave submission's charge history and leave days.
"""

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, router
from django.db.models import Field, Model, QuerySet
from django.db.models import query as django_query

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiler: Any  # django.db.models.sql.compiler.SQLCompiler, holding the select
    converters: dict[int, Any]  # the backend's and the fields' converters by column (from_db_value …)
    model_fields: slice
    init_list: list[str]
    populators: list[Any]


class PreparedLookup(Generic[M]):
    """``lookup.get(value)``: the ``model`` row whose ``field`` equals ``value`` with ``select_related``, or None."""

    def __init__(self, model: type[M], field: str, select_related: Sequence[str] = ()) -> None:
        key = model._meta.get_field(field)
        if not isinstance(key, Field) or not key.unique:
            raise ImproperlyConfigured(f"{model.__name__}.{field} is not unique: a prepared lookup reads one row")
        self.model = model
        self.field = field
        self.key: Field[Any, Any] = key
        self.select_related = tuple(select_related)
        self._local = threading.local()  # a compiler is bound to its thread's connection

    def get(self, value: object) -> M | None:
        db = router.db_for_read(self.model)
        connection = connections[db]
        prepared = self.key.get_db_prep_value(value, connection, prepared=False)
        compiled = self._compiled(db, value)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [prepared])
            rows = cursor.fetchall()
        if not rows:
            return None
        row = rows[0]
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        obj = self.model.from_db(db, compiled.init_list, row[compiled.model_fields])
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj

    def _compiled(self, db: str, value: object) -> _Compiled:
        by_db: dict[str, _Compiled] = self._local.__dict__.setdefault("by_db", {})
        if db not in by_db:
            # No ORDER BY: one row (the model's default ordering would join and sort for nothing).
            queryset = (
                self.model._default_manager.select_related(*self.select_related)
                .filter(**{self.field: value})
                .order_by()
            )
            compiler = queryset.query.get_compiler(using=db)
            sql, params = compiler.as_sql()
            if len(params) != 1:
                raise ImproperlyConfigured(f"a prepared lookup takes one parameter, {queryset.query} has {len(params)}")
            klass_info, select = compiler.klass_info, compiler.select
            first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1]
            by_db[db] = _Compiled(
                sql=sql,
                compiler=compiler,
                converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
                model_fields=slice(first, last + 1),
                init_list=[column[0].target.attname for column in select[first : last + 1]],
                populators=_related_populators(klass_info, select, db),
            )
        return by_db[db]


# Django 5.2's signature (klass_info, select, db); the type stubs describe a later Django's.
_related_populators: Any = django_query.get_related_populators


class PreparedRows:
    """``read.rows(person_id, day)``: the rows of ``build(person_id, day)``, a ``values_list`` (or a ``UNION`` of
    them) whose SQL is the same at every call but for a person's id and a date. The ORM builds and compiles it
    once per thread, with stand-ins that match no row; each call puts the real values in the statement's
    parameters (where the stand-ins were: ``person_uses`` and ``day_uses`` places, checked when it compiles) and
    converts the rows as the ORM would."""

    PERSON = -7_302_118_451
    DAY = dt.date(1, 2, 3)

    def __init__(
        self, build: Callable[[int, dt.date], "QuerySet[Any, tuple[Any, ...]]"], *, person_uses: int, day_uses: int
    ) -> None:
        self._build = build
        self._uses = (person_uses, day_uses)
        self._local = threading.local()  # a compiler is bound to its thread's connection

    def rows(self, person_id: int, day: dt.date) -> list[tuple[Any, ...]]:
        sql, marked, person_at, day_at, compiler, converters, columns = self._compiled()
        params = list(marked)
        prepared_day = connection.ops.adapt_datefield_value(day)  # what a DateField sends, made once
        for n in person_at:
            params[n] = person_id
        for n in day_at:
            params[n] = prepared_day
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: Iterable[Any] = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [tuple(row[:columns]) for row in rows]

    def _compiled(self) -> tuple[str, list[Any], list[int], list[int], Any, list[Any], int]:
        by_alias: dict[str, tuple[str, list[Any], list[int], list[int], Any, list[Any], int]] = (
            self._local.__dict__.setdefault("by_alias", {})
        )
        if connection.alias not in by_alias:
            compiler = self._build(self.PERSON, self.DAY).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            day = connection.ops.adapt_datefield_value(self.DAY)
            person_at = [n for n, p in enumerate(params) if p == self.PERSON]
            day_at = [n for n, p in enumerate(params) if p == day]
            if (len(person_at), len(day_at)) != self._uses:  # a stand-in lost, or another value equal to one
                raise ImproperlyConfigured(
                    f"stand-ins found {len(person_at)} and {len(day_at)} times, expected {self._uses}: {sql}"
                )
            columns = compiler.col_count
            converters = compiler.get_converters([column[0] for column in compiler.select[:columns]])
            by_alias[connection.alias] = (sql, list(params), person_at, day_at, compiler, converters, columns)
        return by_alias[connection.alias]
