"""Write many rows in ONE statement, whatever their number.

``bulk_create(update_conflicts=True)`` splits its INSERT into batches by the backend's parameter
limit (999 on SQLite: ~60 daily results per batch), so the number of queries would grow with the
number of people. Here the rows travel as a single JSON parameter that the database unpacks
(``json_each`` on SQLite, ``json_to_recordset`` on PostgreSQL: the text is read as it streams, without
building a ``jsonb`` value of the whole payload first) into one INSERT … ON CONFLICT DO UPDATE. Other
backends fall back to bulk_create.

The rows may be model instances or plain mappings of attribute names (``staff_id``, ``date``, …) to
values: a recompute writes tens of thousands of rows, and a mapping costs a fraction of an instance.
Each value is prepared for the database as the model's field would prepare it (``get_db_prep_save``),
except the plain ones that field would pass on unchanged (a ``str`` for a text field, an ``int`` for an
integer field or a key, a ``bool`` for a boolean, ``None``); the prepared dates and times repeat from
row to row and are remembered within the call.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connection, connections, models

# Field types whose database value is the Python value itself when it has exactly this type.
_PLAIN: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "IntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveBigIntegerField": int,
    "SmallIntegerField": int,
    "BigIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "BooleanField": bool,
}
_REMEMBERED = 4096  # prepared values kept per field and call (dates, windows, the computation's time)


def _column(field: models.Field) -> str:
    """A concrete field's column (Django leaves ``column`` None only on fields that have none)."""
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return _json_default(value)


def _preparer(field: models.Field, conn) -> Callable[[Any], Any]:
    """The field's value as the JSON payload carries it: get_db_prep_save, skipped where it is the identity."""
    # A key is prepared as the key it points to.
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    plain = _PLAIN.get(target.get_internal_type())
    remembered: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        if value is None or (plain is not None and type(value) is plain):
            return value
        try:
            return remembered[value]
        except KeyError:
            prepared = _jsonable(field.get_db_prep_save(value, conn))
            if len(remembered) < _REMEMBERED:
                remembered[value] = prepared
            return prepared
        except TypeError:  # not hashable
            return _jsonable(field.get_db_prep_save(value, conn))

    return prepare


def upsert(
    model: type[models.Model],
    objs: Sequence[models.Model] | Sequence[Mapping[str, Any]],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> int:
    """Insert ``objs`` (instances, or mappings of attribute names to values) or update the rows that share
    their ``unique_fields``; one query. Returns len(objs)."""
    if not objs:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor not in {"sqlite", "postgresql"}:
        instances = [obj if isinstance(obj, models.Model) else model(**obj) for obj in objs]
        model._default_manager.bulk_create(
            instances, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )
        return len(objs)

    column = {f.name: _column(f) for f in fields}
    conn = connections[connection.alias]  # the connection itself: every value below is prepared against it
    columns_prepared = [(column[f.name], f.attname, _preparer(f, conn)) for f in fields]
    rows = [
        {name: prepare(values[attname]) for name, attname, prepare in columns_prepared}
        for values in (
            {f.attname: getattr(obj, f.attname) for f in fields} if isinstance(obj, models.Model) else obj
            for obj in objs
        )
    ]
    payload = json.dumps(rows, default=_json_default)
    del rows
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(column[f.name]) for f in fields)
    conflict = ", ".join(qn(column[name]) for name in unique_fields)
    updates = ", ".join(f"{qn(column[name])} = excluded.{qn(column[name])}" for name in update_fields)

    if connection.vendor == "sqlite":
        select = ", ".join(f"json_extract(value, '$.{column[f.name]}')" for f in fields)
        # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join constraint.
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {select} FROM json_each(%s) WHERE true "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
    else:
        record = ", ".join(f"{qn(column[f.name])} {f.db_type(connection)}" for f in fields)
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_to_recordset(%s::json) AS r({record}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
    return len(objs)
