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

``PreparedInstances`` does the same for a read of many rows that differs from call to call by ids, lists of ids,
dates and moments: model instances with their ``select_related``, or the tuples of a ``values_list`` (a ``UNION``
of them too: a leave submission's charge history and leave days).
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
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Instances:
    """How a compiled read's row becomes its model instance, as Django's ``ModelIterable`` builds it: the model's
    columns, the ``select_related`` rows cached on it, the annotations as attributes."""

    model: Any  # the model class (its from_db)
    model_fields: slice
    init_list: list[str]
    populators: list[Any]
    annotations: dict[str, int]

    @classmethod
    def of(cls, compiler: Any, db: str) -> "_Instances":
        klass_info, select = compiler.klass_info, compiler.select
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1]
        return cls(
            model=klass_info["model"], model_fields=slice(first, last + 1),
            init_list=[column[0].target.attname for column in select[first : last + 1]],
            populators=_related_populators(klass_info, select, db),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def built(self, db: str, row: Sequence[Any]) -> Any:
        obj = self.model.from_db(db, self.init_list, row[self.model_fields])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, column in self.annotations.items():
            setattr(obj, name, row[column])
        return obj


@dataclass(frozen=True)
class _Compiled:
    """A read's statement as compiled once, and how its rows become what the ORM would give."""

    sql: str
    marked: list[Any]  # the parameters as compiled (stand-ins included)
    compiler: Any  # django.db.models.sql.compiler.SQLCompiler, holding the select
    converters: dict[int, Any]  # the backend's and the fields' converters by column (from_db_value …)
    columns: int
    instances: _Instances | None  # None for a values_list
    for_update: bool

    @classmethod
    def of(cls, queryset: Any, compiler: Any, sql: str, params: Sequence[Any], db: str) -> "_Compiled":
        if queryset._iterable_class is django_query.ModelIterable:
            instances: _Instances | None = _Instances.of(compiler, db)
        elif queryset._iterable_class is django_query.ValuesListIterable:
            instances = None
        else:
            raise ImproperlyConfigured(_ASK_FOR[None])
        return cls(
            sql=sql, marked=list(params), compiler=compiler, instances=instances, columns=compiler.col_count,
            converters=compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]]),
            for_update=bool(queryset.query.select_for_update) and connections[db].features.has_select_for_update,
        )

    def converted(self, rows: Iterable[Any]) -> Iterable[Any]:
        return self.compiler.apply_converters(rows, self.converters) if self.converters else rows

    def builder(self) -> _Instances:
        """How a row becomes an instance; refused for a ``values_list`` read."""
        if self.instances is None:
            raise ImproperlyConfigured(_ASK_FOR[django_query.ValuesListIterable])
        return self.instances


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
        obj: M = compiled.builder().built(db, next(iter(compiled.converted(rows[:1]))))
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
            by_db[db] = _Compiled.of(queryset, compiler, sql, params, db)
        return by_db[db]


# Django 5.2's signature (klass_info, select, db); the type stubs describe a later Django's.
_related_populators: Any = django_query.get_related_populators


# The refusal when a read is asked for what it does not give (by what it gives).
_ASK_FOR: dict[Any, str] = {
    django_query.ValuesListIterable: "this read is a values_list: ask for its tuples",
    django_query.ModelIterable: "this read builds instances: ask for its rows",
    None: "a prepared read gives instances or values_list tuples",
}

# Each value's kind: a list's length, "int", "date" or "datetime" (one compiled statement per shape).
_Shape = tuple[int | str, ...]
# Where each value goes: parameter index → (argument, index in the argument's list or None).
_Places = dict[int, tuple[int, int | None]]


class PreparedInstances(Generic[M]):
    """``read.rows(*values)``: the model instances of ``build(*values)`` — a queryset with ``select_related``,
    ``select_for_update`` or annotations — through SQL compiled once per thread and shape, not at every call.

    ``values`` are ids (int), lists of ids and dates. The ORM builds and compiles ``build`` with stand-ins that
    match no row (a list of n ids: n stand-ins, so each length compiles once); each call puts the real values in
    the statement's parameters where the stand-ins were (every one must be found when it compiles) and builds the
    instances as Django's ``ModelIterable`` does: the row's model, the ``select_related`` rows cached on it, the
    annotations as attributes. The queries a request makes many times with other ids (the person's lock, their
    roles, their classes) cost their compile once per process instead of ≈ 0.3–1 ms each time. A list longer than
    ``longest`` takes the ORM's way."""

    # Stand-ins within every integer field's range (a value outside it makes the ORM drop the condition) and
    # never a plausible weekday, period or date; compiled twice with two sets, so a constant of the query that
    # happens to equal one is told apart.
    _INTS = (30_000, 31_000)
    _DAYS = (dt.date(1, 3, 1), dt.date(2, 3, 1))
    _MOMENTS = (dt.datetime(3, 3, 1, tzinfo=dt.UTC), dt.datetime(4, 3, 1, tzinfo=dt.UTC))

    def __init__(self, build: Callable[..., "QuerySet[M, Any]"], *, longest: int = 4) -> None:
        self._build = build
        self._longest = longest
        self._local = threading.local()  # a compiler is bound to its thread's connection

    def rows(self, *values: int | dt.date | dt.datetime | Sequence[int]) -> list[M]:
        """The model instances (the read is a queryset of them)."""
        shape = tuple(_shape(v) for v in values)
        if self._too_long(shape):
            return list(self._orm_read(values, django_query.ModelIterable))
        compiled, fetched = self._fetch(values, shape)
        builder = compiled.builder()
        return [builder.built(connection.alias, row) for row in fetched]

    def tuples(self, *values: int | dt.date | dt.datetime | Sequence[int]) -> list[tuple[Any, ...]]:
        """The rows of a ``values_list`` read, converted as the ORM converts them."""
        shape = tuple(_shape(v) for v in values)
        if self._too_long(shape):
            return list(self._orm_read(values, django_query.ValuesListIterable))
        compiled, fetched = self._fetch(values, shape)
        if compiled.instances is not None:
            raise ImproperlyConfigured(_ASK_FOR[django_query.ModelIterable])
        return [tuple(row[: compiled.columns]) for row in fetched]

    def _orm_read(self, values: tuple[Any, ...], iterable: type) -> Any:
        queryset: Any = self._build(*values)
        if queryset._iterable_class is not iterable:
            raise ImproperlyConfigured(_ASK_FOR.get(queryset._iterable_class, _ASK_FOR[None]))
        return queryset

    def _too_long(self, shape: _Shape) -> bool:
        # A list longer than ``longest`` (a school's worth of people) takes the ORM's way: one compiled statement per
        # length would pile up, and the compile is small beside such a read.
        return any(isinstance(kind, int) and kind > self._longest for kind in shape)

    def _fetch(self, values: tuple[Any, ...], shape: _Shape) -> tuple[_Compiled, Iterable[Any]]:
        compiled, places = self._compiled(shape)
        params = list(compiled.marked)
        for n, (argument, item) in places.items():
            params[n] = _adapted(values[argument] if item is None else values[argument][item])
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return compiled, compiled.converted(fetched)

    def _compiled(self, shape: _Shape) -> tuple[_Compiled, _Places]:
        by_shape: dict[tuple[str, _Shape], tuple[_Compiled, _Places]] = (
            self._local.__dict__.setdefault("by_shape", {})
        )
        key = (connection.alias, shape)
        if key not in by_shape:
            (queryset, compiler, sql, params, places), (_q, _c, other_sql, _p, other_places) = (
                self._compile(shape, self._INTS[0], self._DAYS[0], self._MOMENTS[0]),
                self._compile(shape, self._INTS[1], self._DAYS[1], self._MOMENTS[1]),
            )
            wanted = {(argument, item) for argument, kind in enumerate(shape)
                      for item in (range(kind) if isinstance(kind, int) else [None])}
            if sql != other_sql or places != other_places or set(places.values()) != wanted:
                raise ImproperlyConfigured(f"the values' places in the compiled statement are not all clear: {sql}")
            by_shape[key] = (_Compiled.of(queryset, compiler, sql, params, connection.alias), places)
        return by_shape[key]

    def _compile(
        self, shape: _Shape, ints: int, days: dt.date, moments: dt.datetime
    ) -> tuple[Any, Any, str, Any, _Places]:
        stand_ins: list[Any] = []
        where: dict[object, tuple[int, int | None]] = {}
        serial = 0
        for argument, kind in enumerate(shape):
            if isinstance(kind, int):
                items = []
                for item in range(kind):
                    serial += 1
                    items.append(ints + serial)
                    where[ints + serial] = (argument, item)
                stand_ins.append(items)
            elif kind == "date":
                serial += 1
                stand_ins.append(days + dt.timedelta(days=serial))
                where[_adapted(stand_ins[-1])] = (argument, None)
            elif kind == "datetime":
                serial += 1
                stand_ins.append(moments + dt.timedelta(minutes=serial))
                where[_adapted(stand_ins[-1])] = (argument, None)
            else:
                serial += 1
                stand_ins.append(ints + serial)
                where[ints + serial] = (argument, None)
        queryset: Any = self._build(*stand_ins)  # its private parts are read below
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ImproperlyConfigured("a prepared read builds rows and their select_related only")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = {n: where[p] for n, p in enumerate(params) if _hashable(p) and p in where}
        return queryset, compiler, sql, params, places


def _shape(value: object) -> int | str:
    if isinstance(value, list | tuple):
        return len(value)
    if type(value) in (int, dt.date) or (isinstance(value, dt.datetime) and value.tzinfo is not None):
        return type(value).__name__
    raise TypeError(f"a prepared read takes ids, lists of ids, dates and aware datetimes, not {value!r}")


def _adapted(value: Any) -> Any:
    """A value as the ORM sends it for a field of its type (ids as they are)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
