"""The service's side of the wire: connections to the local endpoint (psycopg2, PostgreSQL's protocol), a
statement's text sent as written, its result read with the types the Data API reports, and the
database's error as the service words it (``ERROR: …`` with Detail, Hint and Position lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.extensions

from sparkify.engine.data_api.faults import DatabaseConnectionException, ValidationException
from sparkify.engine.data_api.logins import Login
from sparkify.engine.data_api.results import column_metadata, value_size
from sparkify.engine.data_api.statements import Result

# Types whose values are kept as the database's text (the Data API gives them as stringValue): numbers
# with a scale, dates and times, JSON, and the arrays psycopg2 would turn into lists.
TEXT_OIDS = (1700, 1082, 1083, 1266, 1114, 1184, 1186, 114, 3802, 17, 1790)
ARRAY_TEXT_OIDS = (1000, 1005, 1007, 1016, 1021, 1022, 1009, 1015, 1014, 1231, 1182, 1115, 1185, 1183, 1001)
_AS_TEXT = psycopg2.extensions.new_type(TEXT_OIDS, "DATA_API_TEXT", lambda value, _cursor: value)
_ARRAYS_AS_TEXT = psycopg2.extensions.new_type(ARRAY_TEXT_OIDS, "DATA_API_ARRAY_TEXT", lambda v, _c: v)


class ResultTooLarge(Exception):
    """The result set is larger than the Data API returns."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def connect(self, login: Login, database: str) -> Any:
        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=login.user,
            password=login.password,
            dbname=database,
            application_name="sparkify-data-api",
            connect_timeout=30,
        )
        psycopg2.extensions.register_type(_AS_TEXT, connection)
        psycopg2.extensions.register_type(_ARRAYS_AS_TEXT, connection)
        connection.autocommit = True
        return connection

    def connect_for_metadata(self, login: Login, database: str) -> Any:
        """A connection for ListDatabases … DescribeTable, or DatabaseConnectionException."""
        try:
            return self.connect(login, database)
        except psycopg2.Error as exc:
            raise DatabaseConnectionException(error_text(exc)) from None


def quote_for(connection: Any) -> Any:
    """The driver's quoting of a string literal on ``connection`` (its encoding, its escaping rules)."""

    def quote(value: str) -> str:
        literal = psycopg2.extensions.QuotedString(value)
        literal.prepare(connection)
        return literal.getquoted().decode("utf-8")

    return quote


def run(cursor: Any, sql: str, result_bytes: int) -> tuple[Result | None, int]:
    """Run ``sql``; its result set (None when it has none) and the rows it returned or affected."""
    cursor.execute(sql)
    if cursor.description is None:
        return None, cursor.rowcount
    rows = cursor.fetchall()
    row_sizes = [sum(value_size(value) for value in row) for row in rows]
    if sum(row_sizes) > result_bytes:
        raise ResultTooLarge(f"Query result size exceeds the limit of {result_bytes} bytes.")
    type_oids = [column.type_code for column in cursor.description]
    return Result(describe_columns(cursor), type_oids, rows, row_sizes), len(rows)


#: The types the endpoint gives as Redshift's, which the embedded catalog does not know by these OIDs.
_REDSHIFT_TYPE_NAMES = {6551: "varbyte", 1188: "intervaly2m", 1190: "intervald2s"}


def describe_columns(cursor: Any) -> list[dict[str, Any]]:
    """ColumnMetadata of the cursor's result: type names, and the table, schema and nullability of a
    column that comes straight from a table, read from the catalog on the same session."""
    columns = list(cursor.description)  # the catalog queries below replace the cursor's description
    cursor.execute(
        "SELECT oid, typname FROM pg_type WHERE oid = ANY(%s)",
        ([int(column.type_code) for column in columns],),
    )
    type_names = {**dict(cursor.fetchall()), **_REDSHIFT_TYPE_NAMES}
    tables = sorted({column.table_oid for column in columns if column.table_oid})
    sources: dict[tuple[int, int], tuple[str, str, bool, int]] = {}
    if tables:
        cursor.execute(
            "SELECT a.attrelid, a.attnum, n.nspname, c.relname, a.attnotnull, a.atttypmod FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE a.attrelid = ANY(%s) AND a.attnum > 0",
            (tables,),
        )
        sources = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}
    described = []
    for column in columns:
        schema, table, not_null, typmod = sources.get(
            (column.table_oid, column.table_column), ("", "", False, _typmod(column))
        )
        described.append(
            column_metadata(
                column.name,
                type_names.get(column.type_code, "unknown"),
                typmod,
                nullable=0 if not_null else 1,
                schema=schema,
                table=table,
            )
        )
    return described


def _typmod(column: Any) -> int:
    """A computed column's type modifier, as psycopg2 decoded it into a NUMERIC's precision and scale."""
    if column.precision is not None and column.scale is not None and column.type_code == 1700:
        return ((column.precision << 16) | column.scale) + 4
    return -1


def error_text(exc: psycopg2.Error) -> str:
    """The database's error as the Data API reports it: ``ERROR: message`` and its Detail, Hint and
    Position lines; a refused login as ``FATAL: …``."""
    diag = exc.diag
    if diag.message_primary:
        lines = [f"{diag.severity or 'ERROR'}: {diag.message_primary}"]
        for label, value in (("Detail", diag.message_detail), ("Hint", diag.message_hint)):
            if value:
                lines.append(f"  {label}: {value}")
        if diag.statement_position:
            lines.append(f"  Position: {diag.statement_position}")
        return "\n".join(lines)
    message = str(exc).strip()
    if "FATAL:" in message:
        # libpq may try the host twice (each address, with and without TLS) and repeat the refusal
        return "FATAL: " + message.split("FATAL:", 1)[1].strip().splitlines()[0]
    return message


def checked_size(sql: str, limit: int) -> None:
    if len(sql.encode()) > limit:
        raise ValidationException(
            f"Query string is too long. The maximum query statement size is {limit // 1024} KB."
        )
