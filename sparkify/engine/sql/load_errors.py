"""Load errors: the record of one rejected input line, Redshift's ``stl_load_errors`` on PostgreSQL, and
the hints that tell a user what to do about each kind of error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STL_LOAD_ERRORS_DDL = """
CREATE TABLE IF NOT EXISTS stl_load_errors (
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


def record_in_stl_load_errors(connection: Any, table: str, rejected: list[RejectedRecord]) -> int:
    """Append ``rejected`` to the emulated stl_load_errors and commit; return the query id.

    Redshift keeps these rows whatever happens to the COPY's transaction, hence a connection of its own.
    """
    with connection.cursor() as cursor:
        cursor.execute(STL_LOAD_ERRORS_DDL)
        cursor.execute("LOCK TABLE stl_load_errors IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "SELECT COALESCE(MAX(query), 0) + 1, to_regclass(%s)::oid FROM stl_load_errors", (table,)
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
            """INSERT INTO stl_load_errors (userid, slice, tbl, starttime, session, query, filename,
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


def hint_for(item: RejectedRecord) -> str:
    """What to do about one rejected record, in a sentence."""
    value = item.raw_value.strip()
    if item.code == 1206 and re.fullmatch(r"\d{13}", value):
        return "the value looks like epoch milliseconds: add TIMEFORMAT 'epochmillisecs'"
    if item.code == 1206 and re.fullmatch(r"\d{10}", value):
        return "the value looks like epoch seconds: add TIMEFORMAT 'epochsecs'"
    if item.code == 1220 and "NUL character" in item.reason:
        return "remove the NUL character from the data: neither Redshift nor PostgreSQL stores it in text"
    if item.code in (1205, 1206):
        return (
            "the value is not a date or time in the COPY's TIMEFORMAT/DATEFORMAT: fix the data or the format"
        )
    return _HINTS.get(item.code, "fix the line, or raise [ETL] MAXERROR in dwh.cfg to skip such lines")


_HINTS = {
    1204: "widen the column in sql_queries.py, or add TRUNCATECOLUMNS to the COPY",
    1207: "the field is not a whole number: check the JSONPaths order or the column type",
    1208: "the field is not a number: check the JSONPaths order or the column type",
    1213: "the field is empty but the column is NOT NULL: fix the data or allow NULL",
    1216: "the line is not a JSON object: fix or remove it, or raise [ETL] MAXERROR to skip such lines",
    1220: "the file is not valid UTF-8: re-encode it, or add ACCEPTINVCHARS to the COPY",
    1222: "the number is too large for the column: use BIGINT",
}


def describe(rejected: list[RejectedRecord], *, limit: int = 10) -> list[str]:
    """Report lines for the first ``limit`` rejected records: where, column, value, why, what to do."""
    lines = []
    for item in rejected[:limit]:
        where = f"{item.filename}:{item.line}"
        column = f" column {item.column}" if item.column else ""
        value = f" value {quoted_as_written(_short(item.raw_value))}" if item.raw_value else ""
        lines.append(f"  {where}{column}{value}: {item.reason} (error {item.code}) — {hint_for(item)}")
    if len(rejected) > limit:
        lines.append(f"  … and {len(rejected) - limit} more; all of them are in stl_load_errors")
    return lines


def quoted_as_written(text: str) -> str:
    """``text`` in single quotes as the input wrote it: backslashes and quotes kept, only characters a
    terminal would not show (NUL, tab, newline…) written as escapes."""
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + "'"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
