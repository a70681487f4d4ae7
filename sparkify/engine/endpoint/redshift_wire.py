"""Where Redshift's own drivers read the wire differently from PostgreSQL: the binary INTERVAL.

Redshift's INTERVAL, like PostgreSQL 8.0's, has no days field: its binary form is 12 bytes, the time in
microseconds and then the months (redshift_connector reads and writes ``!qhh``: time, 0, months).
PostgreSQL's is 16 bytes: time, days, months.  For a client that announced itself as a Redshift driver,
the endpoint turns the binary INTERVAL columns it asked for into Redshift's form (the days folded into the
time, as Redshift holds them), and the binary INTERVAL parameters it sends into PostgreSQL's.  Every other
binary format redshift_connector reads without the BINARY protocol (integers, floats, text, booleans,
timestamps, time with time zone) is the same on both.
"""

from __future__ import annotations

import struct

from sparkify.engine.endpoint import messages as m

INTERVAL_OID = 1186
BYTEA_OID = 17  # the local VARBYTE
_UNKNOWN_OIDS = (0, 705)
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_MICROSECONDS_A_DAY = 86_400_000_000
_POSTGRES_INTERVAL = struct.Struct("!qii")  # time (µs), days, months
_REDSHIFT_INTERVAL = struct.Struct("!qhh")  # time (µs), 0, months
NO_COLUMNS: frozenset[int] = frozenset()


def parameter_types(parse_payload: bytes) -> tuple[int, ...]:
    """The parameter type OIDs a Parse message declares."""
    _, offset = m.read_cstring(parse_payload)
    _, offset = m.read_cstring(parse_payload, offset)
    count = struct.unpack_from("!h", parse_payload, offset)[0]
    return struct.unpack_from(f"!{count}I", parse_payload, offset + 2)


def parameter_description(payload: bytes) -> tuple[int, ...]:
    """The parameter type OIDs of a ParameterDescription (what the server inferred)."""
    count = struct.unpack_from("!h", payload)[0]
    return struct.unpack_from(f"!{count}I", payload, 2)


def with_inferred(declared: tuple[int, ...], inferred: tuple[int, ...]) -> tuple[int, ...]:
    """The parameter types a client declared, each unknown one replaced by the one the server inferred."""
    return tuple(
        inferred[index] if index >= len(declared) or declared[index] in _UNKNOWN_OIDS else declared[index]
        for index in range(len(inferred))
    )


def column_types(row_description: bytes) -> tuple[int, ...]:
    """The column type OIDs of a RowDescription."""
    count = struct.unpack_from("!h", row_description)[0]
    types, offset = [], 2
    for _ in range(count):
        _, offset = m.read_cstring(row_description, offset)
        types.append(struct.unpack_from("!I", row_description, offset + 6)[0])
        offset += 18
    return tuple(types)


def bind_for_postgres(bind: bytes, parameter_oids: tuple[int, ...]) -> tuple[bytes, tuple[int, ...]]:
    """The Bind message with its binary INTERVAL parameters in PostgreSQL's form and its VARBYTE ones (hex
    digits, as redshift_connector sends bytes) read as hex, and its result formats."""
    _, offset = m.read_cstring(bind)
    _, offset = m.read_cstring(bind, offset)
    head = offset
    count = struct.unpack_from("!h", bind, offset)[0]
    formats = struct.unpack_from(f"!{count}h", bind, offset + 2)
    offset += 2 + 2 * count
    parameters = struct.unpack_from("!h", bind, offset)[0]
    offset += 2
    pieces, changed = [], False
    for index in range(parameters):
        length = struct.unpack_from("!i", bind, offset)[0]
        value = bind[offset + 4 : offset + 4 + max(length, 0)]
        offset += 4 + max(length, 0)
        binary = (formats[index] if count > 1 else formats[0] if count == 1 else 0) == 1
        oid = parameter_oids[index] if index < len(parameter_oids) else 0
        if (
            not binary
            and oid == BYTEA_OID
            and length > 0
            and length % 2 == 0
            and _HEX_DIGITS.issuperset(value)
        ):
            # redshift_connector sends bytes as their hex digits, which Redshift's VARBYTE reads as hex
            value, length, changed = b"\\x" + value, length + 2, True
        elif binary and oid == INTERVAL_OID and length == _REDSHIFT_INTERVAL.size:
            time, days, months = _REDSHIFT_INTERVAL.unpack(value)
            value, length, changed = (
                _POSTGRES_INTERVAL.pack(time, days, months),
                _POSTGRES_INTERVAL.size,
                True,
            )
        pieces.append(struct.pack("!i", length) + value)
    result_count = struct.unpack_from("!h", bind, offset)[0]
    result_formats = struct.unpack_from(f"!{result_count}h", bind, offset + 2)
    if not changed:
        return bind, result_formats
    rebuilt = bind[: head + 2 + 2 * count] + struct.pack("!h", parameters)
    return rebuilt + b"".join(pieces) + bind[offset:], result_formats


def binary_interval_columns(types: tuple[int, ...], result_formats: tuple[int, ...]) -> frozenset[int]:
    """The positions of the INTERVAL columns the client asked for in binary."""
    if not result_formats:
        return NO_COLUMNS
    return frozenset(
        index
        for index, oid in enumerate(types)
        if oid == INTERVAL_OID
        and (result_formats[index] if len(result_formats) > 1 else result_formats[0]) == 1
    )


def data_row_for_redshift(row: bytes, columns: frozenset[int]) -> bytes:
    """A DataRow with the binary INTERVAL values at ``columns`` in Redshift's 12-byte form."""
    count = struct.unpack_from("!h", row)[0]
    pieces, offset = [row[:2]], 2
    for index in range(count):
        length = struct.unpack_from("!i", row, offset)[0]
        value = row[offset + 4 : offset + 4 + max(length, 0)]
        offset += 4 + max(length, 0)
        if index in columns and length == _POSTGRES_INTERVAL.size:
            time, days, months = _POSTGRES_INTERVAL.unpack(value)
            value, length = _REDSHIFT_INTERVAL.pack(time + days * _MICROSECONDS_A_DAY, 0, months), 12
        pieces.append(struct.pack("!i", length) + value)
    return b"".join(pieces)


#: What the extended result metadata (server_protocol_version 1) tells of a column of a table: schema, table,
#: column names, and whether it is nullable and an IDENTITY column.
ColumnOrigin = tuple[str, str, str, bool, bool]
_NULLABLE, _AUTOINCREMENT, _READ_ONLY, _SEARCHABLE = 0x1, 0x10, 0x100, 0x1000


def extended_row_description(
    row_description: bytes, origins: dict[int, dict[int, ColumnOrigin]], database: str
) -> bytes:
    """A RowDescription with Redshift's extended result metadata after each field: its schema, table, column
    and catalog names, and its nullable / autoincrement / read-only / searchable flags (redshift_connector
    reads them when it was granted server_protocol_version 1 or more).  ``origins``: by table oid, by
    column number, the columns of the tables the fields come from; a computed field has empty names."""
    count = struct.unpack_from("!h", row_description)[0]
    pieces, offset = [row_description[:2]], 2
    for _ in range(count):
        _, end = m.read_cstring(row_description, offset)
        table_oid, attnum = struct.unpack_from("!Ih", row_description, end)
        pieces.append(row_description[offset : end + 18])
        offset = end + 18
        origin = origins.get(table_oid, {}).get(attnum)
        if origin is None:
            names, flags = ("", "", "", ""), _NULLABLE | _READ_ONLY | _SEARCHABLE
        else:
            schema, table, column, not_null, identity = origin
            names = (schema, table, column, database)
            flags = (0 if not_null else _NULLABLE) | (_AUTOINCREMENT if identity else 0) | _SEARCHABLE
        pieces.append(b"".join(m.cstring(name) for name in names) + struct.pack("!h", flags))
    return b"".join(pieces)


def table_oids(row_description: bytes) -> set[int]:
    """The tables (by oid) the fields of a RowDescription come from."""
    count = struct.unpack_from("!h", row_description)[0]
    oids, offset = set(), 2
    for _ in range(count):
        _, offset = m.read_cstring(row_description, offset)
        oids.add(struct.unpack_from("!I", row_description, offset)[0])
        offset += 18
    return oids - {0}
