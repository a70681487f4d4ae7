"""What a user of our scripts should do about each rejected record: the hints and the report lines.

The records themselves and ``stl_load_errors`` are the engine's (:mod:`sparkify.engine.sql.load_errors`).
"""

from __future__ import annotations

import re

from sparkify.engine.errors import quoted_as_written
from sparkify.engine.sql.load_errors import RejectedRecord


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


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
