"""Result sets as the Data API gives them: typed fields (longValue, doubleValue, booleanValue, stringValue,
isNull, as its JDBC type mapping says), ColumnMetadata, CSV records, and pages with a NextToken."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable
from typing import Any

from sparkify.engine.data_api.faults import ValidationException
from sparkify.engine.data_api.statements import Result

BOOL, INT8, INT2, INT4, FLOAT4, FLOAT8, NUMERIC = 16, 20, 21, 23, 700, 701, 1700
TIMESTAMP = 1114
LONG_TYPES = frozenset({INT8, INT2, INT4})
DOUBLE_TYPES = frozenset({FLOAT4, FLOAT8})
TEXT_TYPE_NAMES = frozenset({"varchar", "bpchar", "text", "name", "char", "character_data"})
# Precision and scale of the types whose width is fixed, as Redshift's JDBC layer reports them.
FIXED_PRECISION = {
    "int2": (5, 0),
    "int4": (10, 0),
    "int8": (19, 0),
    "float4": (8, 8),
    "float8": (17, 17),
    "bool": (1, 0),
    "date": (13, 0),
    "time": (15, 6),
    "timetz": (21, 6),
    "timestamp": (29, 6),
    "timestamptz": (35, 6),
}
UNBOUNDED = 2147483647
NULL = {"isNull": True}


def column_metadata(
    name: str, type_name: str, typmod: int, *, nullable: int, schema: str = "", table: str = ""
) -> dict[str, Any]:
    """One ColumnMetadata entry, for a result's column or a table's (DescribeTable)."""
    precision, scale = _precision(type_name, typmod)
    return {
        "isCaseSensitive": type_name in TEXT_TYPE_NAMES,
        "isCurrency": False,
        "isSigned": type_name in ("int2", "int4", "int8", "float4", "float8", "numeric"),
        "label": name,
        "length": 0,
        "name": name,
        "nullable": nullable,
        "precision": precision,
        "scale": scale,
        "schemaName": schema,
        "tableName": table,
        "typeName": type_name,
    }


def _precision(type_name: str, typmod: int) -> tuple[int, int]:
    if type_name in FIXED_PRECISION:
        return FIXED_PRECISION[type_name]
    if type_name == "numeric":
        if typmod < 4:
            return UNBOUNDED, 0
        return ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    if type_name in ("varchar", "bpchar"):
        return (typmod - 4, 0) if typmod >= 4 else (UNBOUNDED, 0)
    return UNBOUNDED, 0


def _field_maker(type_oid: int) -> Callable[[Any], dict[str, Any]]:
    """How a column's values become Fields — the Data API's JDBC mapping: integers long, floats double,
    booleans boolean, everything else (DECIMAL, dates and times included) the database's text; chosen once
    a column rather than once a value."""
    if type_oid in LONG_TYPES:
        return lambda value: NULL if value is None else {"longValue": int(value)}
    if type_oid in DOUBLE_TYPES:
        return lambda value: NULL if value is None else {"doubleValue": float(value)}
    if type_oid == BOOL:
        return lambda value: NULL if value is None else {"booleanValue": bool(value)}
    return lambda value: NULL if value is None else {"stringValue": text(value, type_oid)}


def text(value: Any, type_oid: int) -> str:
    """A value's text as the service gives it; a TIMESTAMP keeps at least one fractional digit, as the
    service's JDBC layer writes it (``2022-02-22 00:00:00.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    written = value if isinstance(value, str) else str(value)
    if type_oid == TIMESTAMP and "." not in written:
        return written + ".0"
    return written


def value_size(value: Any) -> int:
    return 0 if value is None else len(str(value).encode())


def json_page(result: Result, start: int, page_bytes: int) -> tuple[list[list[dict[str, Any]]], int]:
    """The records from row ``start`` up to about ``page_bytes`` of values; the next start row."""
    end = _page_end(result, start, page_bytes)
    makers = [_field_maker(oid) for oid in result.type_oids]
    records = [[make(value) for make, value in zip(makers, values)] for values in result.rows[start:end]]
    return records, end


def _page_end(result: Result, start: int, page_bytes: int) -> int:
    """The row after the last of a page from ``start``: at least one row, then up to ``page_bytes``."""
    size, row = 0, start
    while row < len(result.rows) and (size < page_bytes or row == start):
        size += result.row_sizes[row]
        row += 1
    return row


def csv_page(result: Result, start: int, page_bytes: int) -> tuple[str, int]:
    """CSV lines from row ``start`` up to about ``page_bytes``: NULL as an empty field."""
    end = _page_end(result, start, page_bytes)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for values in result.rows[start:end]:
        writer.writerow(
            ["" if value is None else text(value, oid) for value, oid in zip(values, result.type_oids)]
        )
    return out.getvalue(), end


def next_token(key: str, row: int) -> str:
    return base64.urlsafe_b64encode(f"{key}\n{row}".encode()).decode()


def token_row(key: str, token: str | None) -> int:
    """The row a NextToken of ``key`` (a statement, a listing) points at; ValidationException if it is
    not one this service gave for ``key``."""
    if not token:
        return 0
    try:
        owner, row = base64.urlsafe_b64decode(token.encode()).decode().split("\n")
        if owner == key and row.isdigit():
            return int(row)
    except ValueError:
        pass
    raise ValidationException("Invalid NextToken.")
