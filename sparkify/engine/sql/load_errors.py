"""Load errors: the record of one rejected input line, and Redshift's ``stl_load_errors`` on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sparkify.engine.sql.redshift import SHIM_SCHEMA

#: Where the emulation keeps it: in the shim schema, out of the user's schemas as a cluster's system tables
#: are (psql's table list and the tools' do not show it), and on every emulated session's search path.
STL_LOAD_ERRORS = f"{SHIM_SCHEMA}.stl_load_errors"

STL_LOAD_ERRORS_DDL = f"""
CREATE TABLE IF NOT EXISTS {STL_LOAD_ERRORS} (
    userid          INTEGER,
    slice           INTEGER,
    tbl             INTEGER,
    starttime       TIMESTAMP,
    session         INTEGER,
    query           INTEGER,
    filename        VARCHAR(256),
    line_number     BIGINT,
    colname         VARCHAR(127),
    type            VARCHAR(10),
    col_length      VARCHAR(10),
    position        INTEGER,
    raw_line        VARCHAR(1024),
    raw_field_value VARCHAR(1024),
    err_code        INTEGER,
    err_reason      VARCHAR(100),
    is_partial      INTEGER,
    start_offset    BIGINT
)
"""


@dataclass
class RejectedRecord:
    """One input record that was not loaded, with what Redshift's stl_load_errors says of it."""

    filename: str
    line: int
    column: str
    code: int
    reason: str
    raw_line: str
    raw_value: str = ""
    column_type: str = ""
    column_length: str = ""


def record_in_stl_load_errors(
    connection: Any, table: str, rejected: list[RejectedRecord], *, query_id: int | None = None
) -> int:
    """Append ``rejected`` to the emulated stl_load_errors and commit; return the query id: ``query_id``
    (the query history's id of the COPY), or the next after the table's last.

    Redshift keeps these rows whatever happens to the COPY's transaction, hence a connection of its own.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {STL_LOAD_ERRORS} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"SELECT COALESCE(%s, MAX(query) + 1, 1), to_regclass(%s)::oid FROM {STL_LOAD_ERRORS}",
            (query_id, table),
        )
        query_id, table_oid = cursor.fetchone()
        rows = [
            (
                0,
                0,
                table_oid,
                query_id,
                storable(item.filename)[:256],
                item.line,
                storable(item.column)[:127],
                item.column_type[:10],
                item.column_length[:10],
                storable(item.raw_line)[:1024],
                storable(item.raw_value)[:1024],
                item.code,
                storable(item.reason)[:100],
            )
            for item in rejected
        ]
        cursor.executemany(
            f"""INSERT INTO {STL_LOAD_ERRORS} (userid, slice, tbl, starttime, session, query, filename,
                   line_number, colname, type, col_length, position, raw_line, raw_field_value, err_code,
                   err_reason, is_partial, start_offset)
               VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC', pg_backend_pid(), %s, %s, %s, %s, %s, %s, 0,
                       %s, %s, %s, %s, 0, 0)""",
            rows,
        )
    connection.commit()
    return int(query_id)


def storable(text: str) -> str:
    """``text`` as a PostgreSQL string can hold it: a NUL character becomes U+FFFD, as a terminal shows it."""
    return text.replace("\x00", "\ufffd")
