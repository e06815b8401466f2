"""Write many rows in ONE statement, whatever their number.

``bulk_create(update_conflicts=True)`` splits its INSERT into batches by the backend's parameter
limit (999 on SQLite: ~60 daily results per batch), so the number of queries would grow with the
number of people. Here the rows travel as a single JSON parameter that the database unpacks
(``json_each`` on SQLite, ``jsonb_to_recordset`` on PostgreSQL) into one INSERT … ON CONFLICT
DO UPDATE. Other backends fall back to bulk_create.
"""

import json
from collections.abc import Sequence

from django.db import connection, models


def _column(field: models.Field) -> str:
    """A concrete field's column (Django leaves ``column`` None only on fields that have none)."""
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def upsert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
) -> int:
    """Insert ``objs`` or update the rows that share their ``unique_fields``; one query. Returns len(objs)."""
    if not objs:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor not in {"sqlite", "postgresql"}:
        model._default_manager.bulk_create(
            objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )
        return len(objs)

    column = {f.name: _column(f) for f in fields}
    rows = [{column[f.name]: f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields} for obj in objs]
    payload = json.dumps(rows, default=_json_default)
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
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
    return len(objs)
