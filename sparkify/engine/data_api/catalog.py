"""ListDatabases, ListSchemas, ListTables and DescribeTable: catalog queries sent through the endpoint, so
they see Redshift's catalog as any client does (the emulation's own schema stays out of sight)."""

from __future__ import annotations

from typing import Any

from sparkify.engine.data_api.results import column_metadata

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
# Schemas a session makes for itself, which a cluster's catalog listing does not show.
# (``%%``: these conditions go into queries with parameters, where the driver reads ``%`` as a placeholder.)
HIDDEN_SCHEMAS = (
    "nspname <> 'pg_toast' AND nspname NOT LIKE 'pg\\_temp\\_%%'"
    " AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%%'"
)
RELATION_KINDS = "('r', 'v', 'm', 'p', 'f')"


def databases(cursor: Any, _request: dict[str, Any]) -> list[str]:
    cursor.execute(
        "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname"
    )
    return [row[0] for row in cursor.fetchall()]


def schemas(cursor: Any, request: dict[str, Any]) -> list[str]:
    cursor.execute(
        f"SELECT nspname FROM pg_namespace WHERE nspname LIKE %s AND {HIDDEN_SCHEMAS} ORDER BY nspname",
        (request.get("SchemaPattern") or "%",),
    )
    return [row[0] for row in cursor.fetchall()]


def tables(cursor: Any, request: dict[str, Any]) -> list[dict[str, str]]:
    cursor.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE c.relkind IN {RELATION_KINDS} AND n.nspname LIKE %s AND c.relname LIKE %s"
        f" AND {HIDDEN_SCHEMAS}"
        " ORDER BY n.nspname, c.relname",
        (request.get("SchemaPattern") or "%", request.get("TablePattern") or "%"),
    )
    return [
        {"name": name, "schema": schema, "type": _table_type(schema, kind)} for schema, name, kind in cursor
    ]


def _table_type(schema: str, kind: str) -> str:
    view = kind in ("v", "m")
    if schema in SYSTEM_SCHEMAS:
        return "SYSTEM VIEW" if view else "SYSTEM TABLE"
    return "VIEW" if view else "TABLE"


def columns(cursor: Any, request: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """The columns of the named table (or of every table of the schema, or of the database)."""
    conditions, arguments = [f"c.relkind IN {RELATION_KINDS}", HIDDEN_SCHEMAS], []
    for member, column in (("Schema", "n.nspname"), ("Table", "c.relname")):
        if request.get(member):
            conditions.append(f"{column} = %s")
            arguments.append(request[member])
    cursor.execute(
        "SELECT n.nspname, c.relname, a.attname, t.typname, a.atttypmod, a.attnotnull,"
        " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        f" WHERE a.attnum > 0 AND NOT a.attisdropped AND {' AND '.join(conditions)}"
        " ORDER BY n.nspname, c.relname, a.attnum",
        arguments,
    )
    found = []
    for schema, table, name, type_name, typmod, not_null, default in cursor.fetchall():
        column = column_metadata(
            name, type_name, typmod, nullable=0 if not_null else 1, schema=schema, table=table
        )
        del column["label"]
        if default is not None:
            column["columnDefault"] = default
        found.append(column)
    return (request.get("Table") or None), found
