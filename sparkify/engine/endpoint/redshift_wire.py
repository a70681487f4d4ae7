"""Where Redshift's wire differs from PostgreSQL's in the types: VARBYTE, the INTERVALs, parameters.

- **VARBYTE** (held as bytea) is Redshift's type 6551 in every RowDescription, and its text is the bytes'
  hex digits without PostgreSQL's ``\\x`` (``select 'abc'::varbyte`` is ``616263``, as psql shows it on a
  cluster; redshift_connector decodes the digits).  A value a driver binds to a VARBYTE is read as
  Redshift reads a string there, its UTF-8 bytes: redshift_connector sends bytes as their hex digits, so a
  cluster stores those digits and gives them back (the driver's own tests say so).
- **INTERVAL YEAR TO MONTH / DAY TO SECOND** (PostgreSQL's interval with those ranges) are Redshift's
  types 1188 (``intervaly2m``) and 1190 (``intervald2s``); their binary forms are the months (4 bytes) and
  the microseconds (8 bytes), which is how redshift_connector reads and sends them.
- **INTERVAL**: Redshift's, like PostgreSQL 8.0's, has no days field: its binary form is 12 bytes, the time
  in microseconds and then the months (redshift_connector reads and writes ``!qhh``: time, 0, months).
  PostgreSQL's is 16 bytes: time, days, months.  For a client that announced itself as a Redshift driver,
  the endpoint turns the binary INTERVAL columns it asked for into Redshift's form (the days folded into
  the time, as Redshift holds them), and the binary INTERVAL parameters it sends into PostgreSQL's.

- **NUMERIC** at the binary transfer (server_protocol_version 2): the unscaled integer in 8 or 16 bytes,
  at the scale of the column's type modifier (a computed NUMERIC, which has none, is described as
  :data:`COMPUTED_NUMERIC`); a VARBYTE's text is then its bytes as they are.
- **TIME**: a cluster wraps 24:00:00 to 00:00:00, and holds a TIMETZ as its UTC time of day.
- **ABSTIME** (the shim's timestamptz of that name, abstime.sql) is Redshift's type 702; its binary form is
  the seconds since 1970 in 4 bytes, infinity as 2038-01-19 03:14:04 and -infinity as 1901-12-13 20:45:52
  (what redshift_connector's suite reads from a cluster).

Every other binary format redshift_connector reads (integers, floats, text, booleans, dates, timestamps) is
the same on both.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from sparkify.engine.endpoint import messages as m

INTERVAL_OID = 1186
BYTEA_OID = 17  # the local VARBYTE
VARBYTE_OID = 6551  # Redshift's
INTERVALY2M_OID = 1188  # Redshift's INTERVAL YEAR TO MONTH
INTERVALD2S_OID = 1190  # Redshift's INTERVAL DAY TO SECOND
_MICROSECONDS_A_DAY = 86_400_000_000
_POSTGRES_INTERVAL = struct.Struct("!qii")  # time (µs), days, months
_REDSHIFT_INTERVAL = struct.Struct("!qhh")  # time (µs), 0, months
_MONTHS = struct.Struct("!i")
_MICROSECONDS = struct.Struct("!q")
_FIELD_TYPE = struct.Struct("!IhiH")  # a RowDescription field's type OID, size, type modifier and format
_TIMETZ = struct.Struct("!qi")  # time of day (µs), zone (seconds west of UTC)
# PostgreSQL's interval typmod: the range's fields in its upper half (datetime.h's bits).
_YEAR_MONTH_FIELDS = (1 << 1) | (1 << 2)
_DAY_SECOND_FIELDS = (1 << 3) | (1 << 10) | (1 << 11) | (1 << 12)

NUMERIC_OID = 1700
TIME_OID = 1083
TIMETZ_OID = 1266
ABSTIME_OID = 702  # Redshift's ABSTIME (the shim's type of that name has an OID of its database's)
#: The first OID of a type made in a database (PostgreSQL's FirstNormalObjectId): the shim's types among them.
FIRST_MADE_OID = 16384
_ABSTIME_SECONDS = struct.Struct("!i")
_ABSTIME_END, _ABSTIME_START = 0x7FFFFFFC, -(2**31)  # infinity and -infinity
_POSTGRES_EPOCH = 946_684_800  # 2000-01-01 in seconds since 1970
ACLITEM_OID = 1033
ACLITEM_ARRAY_OID = 1034
#: The result transfer (server_protocol_version) from which Redshift sends binary NUMERICs and raw VARBYTEs.
BINARY_PROTOCOL = 2
#: The scale a computed NUMERIC (no declared precision) is given in binary: Redshift's drivers read a binary
#: NUMERIC at the scale its type modifier says, and a cluster always says one.
COMPUTED_NUMERIC = (38, 18)

#: What a DataRow's value at a column becomes for the client, by column position: a kind, and for a binary
#: NUMERIC its scale.
Conversions = dict[int, tuple[str, int]]
NO_COLUMNS: Conversions = {}
_HEX = ("hex", 0)  # a VARBYTE's text: its digits without PostgreSQL's \x
_RAW = ("raw", 0)  # a VARBYTE's "text" at the binary transfer: the bytes themselves
_TWELVE_BYTES = ("interval", 0)  # a binary INTERVAL in Redshift's 12 bytes
_Y2M = ("y2m", 0)  # a binary INTERVAL YEAR TO MONTH as its months
_D2S = ("d2s", 0)  # a binary INTERVAL DAY TO SECOND as its microseconds
_MIDNIGHT_TEXT = ("24:00 text", 0)  # a TIME of 24:00:00 is Redshift's 00:00:00 (a cluster wraps it)
_MIDNIGHT = ("24:00", 0)  # the same in binary
_UTC_TIME = ("utc", 0)  # a binary TIMETZ as Redshift holds it: the UTC time of day, zone 0
_ABSTIME = ("abstime", 0)  # a binary ABSTIME as Redshift's 4 bytes of seconds since 1970
_ACL_ARRAY = ("aclitem[]", 0)  # an aclitem[] asked for in binary, which PostgreSQL cannot send: its text
_NUMERIC = "numeric"  # a binary NUMERIC as Redshift's: the unscaled integer, 8 or 16 bytes


def interval_kind(typmod: int) -> int:
    """Redshift's type of a PostgreSQL interval of this typmod: 1188, 1190, or 1186 (no range, or another)."""
    if typmod < 0:
        return INTERVAL_OID
    fields = (typmod >> 16) & 0x7FFF
    if fields and not fields & ~_YEAR_MONTH_FIELDS:
        return INTERVALY2M_OID
    if fields and not fields & ~_DAY_SECOND_FIELDS:
        return INTERVALD2S_OID
    return INTERVAL_OID


def parameter_types(parse_payload: bytes) -> tuple[int, ...]:
    """The parameter type OIDs a Parse message declares."""
    _, offset = m.read_cstring(parse_payload)
    _, offset = m.read_cstring(parse_payload, offset)
    count = struct.unpack_from("!h", parse_payload, offset)[0]
    return struct.unpack_from(f"!{count}I", parse_payload, offset + 2)


def columns(row_description: bytes) -> tuple[tuple[int, int, int], ...]:
    """Each field of a RowDescription: its type OID, its type modifier and its format."""
    count = struct.unpack_from("!h", row_description)[0]
    found, offset = [], 2
    for _ in range(count):
        _, offset = m.read_cstring(row_description, offset)
        oid, _size, typmod, form = _FIELD_TYPE.unpack_from(row_description, offset + 6)
        found.append((oid, typmod, form))
        offset += 18
    return tuple(found)


def row_description_for_redshift(row_description: bytes, protocol: int) -> bytes:
    """A RowDescription with Redshift's type OIDs: VARBYTE for bytea, 1188 and 1190 for the intervals of
    YEAR TO MONTH and DAY TO SECOND ranges; at the binary transfer, a computed NUMERIC's precision and
    scale (:data:`COMPUTED_NUMERIC`)."""
    count = struct.unpack_from("!h", row_description)[0]
    pieces, offset = [row_description[:2]], 2
    for _ in range(count):
        _, end = m.read_cstring(row_description, offset)
        oid, size, typmod, form = _FIELD_TYPE.unpack_from(row_description, end + 6)
        if oid == BYTEA_OID:
            oid = VARBYTE_OID
        elif oid == INTERVAL_OID:
            oid = interval_kind(typmod)
        elif oid == NUMERIC_OID and protocol >= BINARY_PROTOCOL and typmod < 0:
            typmod = (COMPUTED_NUMERIC[0] << 16 | COMPUTED_NUMERIC[1]) + 4
        pieces.append(row_description[offset : end + 6] + _FIELD_TYPE.pack(oid, size, typmod, form))
        offset = end + 18
    return b"".join(pieces)


def with_field_names(row_description: bytes, renamed: Callable[[bytes], bytes | None]) -> bytes:
    """A RowDescription with each field name ``renamed`` gives another for (None: kept)."""
    count = struct.unpack_from("!h", row_description)[0]
    pieces, offset = [row_description[:2]], 2
    for _ in range(count):
        _, end = m.read_cstring(row_description, offset)
        new_name = renamed(row_description[offset : end - 1])
        pieces.append(row_description[offset:end] if new_name is None else new_name + b"\0")
        pieces.append(row_description[end : end + 18])
        offset = end + 18
    return b"".join(pieces)


def conversions(
    described: tuple[tuple[int, int, int], ...],
    result_formats: tuple[int, ...] | None,
    redshift_driver: bool,
    protocol: int = 0,
) -> Conversions:
    """What each column's values become for the client: ``described`` as :func:`columns` gives them, in
    the formats the Bind asked for (None: the formats ``described`` names)."""
    found: Conversions = {}
    for index, (oid, typmod, form) in enumerate(described):
        if result_formats is not None:
            form = format_code(result_formats, index)
        if oid == TIME_OID:
            found[index] = _MIDNIGHT if form == 1 else _MIDNIGHT_TEXT
        elif oid == TIMETZ_OID and form == 1:
            found[index] = _UTC_TIME
        elif oid == BYTEA_OID and form == 0:
            found[index] = _RAW if protocol >= BINARY_PROTOCOL else _HEX
        elif oid == ACLITEM_ARRAY_OID and form == 1:
            found[index] = _ACL_ARRAY
        elif oid == ABSTIME_OID and form == 1:
            found[index] = _ABSTIME
        elif oid == NUMERIC_OID and form == 1 and protocol >= BINARY_PROTOCOL:
            found[index] = (_NUMERIC, (typmod - 4) & 0xFFFF if typmod >= 4 else COMPUTED_NUMERIC[1])
        elif oid == INTERVAL_OID and form == 1:
            kind = interval_kind(typmod)
            if kind == INTERVALY2M_OID:
                found[index] = _Y2M
            elif kind == INTERVALD2S_OID:
                found[index] = _D2S
            elif redshift_driver:
                found[index] = _TWELVE_BYTES
    return found


def format_code(codes: tuple[int, ...], index: int) -> int:
    """The format of the value at ``index`` as a Bind gives it: one code for each, one for all, or none
    (text)."""
    return codes[index] if len(codes) > 1 else codes[0] if codes else 0


def parse_for_postgres(types: bytes) -> bytes:
    """A Parse message's parameter types (its tail: count, then OIDs) with Redshift's INTERVAL YEAR TO MONTH
    and DAY TO SECOND declared as PostgreSQL's interval."""
    try:
        count = struct.unpack_from("!h", types)[0]
        oids = struct.unpack_from(f"!{count}I", types, 2)
    except struct.error:  # not well-formed: PostgreSQL answers it in its own words
        return types
    if not set(oids) & {INTERVALY2M_OID, INTERVALD2S_OID}:
        return types
    local = [INTERVAL_OID if oid in (INTERVALY2M_OID, INTERVALD2S_OID) else oid for oid in oids]
    return struct.pack(f"!h{count}I", count, *local) + types[2 + 4 * count :]


def bind_for_postgres(
    bind: bytes, parameter_oids: tuple[int, ...], *, names_only: bool = False
) -> tuple[bytes, tuple[int, ...]]:
    """The Bind message with its binary INTERVAL parameters (Redshift's 12 bytes, a YEAR TO MONTH's months,
    a DAY TO SECOND's microseconds) in PostgreSQL's form, and its result formats.

    ``names_only``: the parameters are names and patterns of a catalog listing (SHOW TABLES … LIKE $3), and
    one holding a NUL (which PostgreSQL refuses in any text) is NULL: no name holds one, so it matches none,
    as on a cluster."""
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
        binary = format_code(formats, index) == 1
        oid = parameter_oids[index] if index < len(parameter_oids) else 0
        local = _postgres_interval(oid, value) if binary else None
        if local is not None:
            value, length, changed = local, len(local), True
        elif names_only and not binary and b"\x00" in value:
            value, length, changed = b"", -1, True
        pieces.append(struct.pack("!i", length) + value)
    result_count = struct.unpack_from("!h", bind, offset)[0]
    result_formats = struct.unpack_from(f"!{result_count}h", bind, offset + 2)
    if not changed:
        return bind, result_formats
    rebuilt = bind[: head + 2 + 2 * count] + struct.pack("!h", parameters)
    return rebuilt + b"".join(pieces) + bind[offset:], result_formats


def _postgres_interval(oid: int, value: bytes) -> bytes | None:
    """PostgreSQL's binary interval for a Redshift driver's binary INTERVAL value, None for other values."""
    if oid == INTERVAL_OID and len(value) == _REDSHIFT_INTERVAL.size:
        time, days, months = _REDSHIFT_INTERVAL.unpack(value)
        return _POSTGRES_INTERVAL.pack(time, days, months)
    if oid == INTERVALY2M_OID and len(value) == _MONTHS.size:
        return _POSTGRES_INTERVAL.pack(0, 0, _MONTHS.unpack(value)[0])
    if oid == INTERVALD2S_OID and len(value) == _MICROSECONDS.size:
        days, time = divmod(_MICROSECONDS.unpack(value)[0], _MICROSECONDS_A_DAY)
        if days < 0 and time:  # PostgreSQL's fields share the sign: -1 day +23:00 is -01:00
            days, time = days + 1, time - _MICROSECONDS_A_DAY
        return _POSTGRES_INTERVAL.pack(time, days, 0)
    return None


def text_where_binary_cannot_go(
    bind: bytes, described: tuple[tuple[int, int, int], ...], result_formats: tuple[int, ...]
) -> bytes:
    """The Bind asking PostgreSQL for the text of the columns it cannot send in binary (aclitem[], which
    Redshift's drivers ask for in binary at the binary transfer): the endpoint then sends them in binary."""
    codes = [format_code(result_formats, index) for index in range(len(described))]
    local = [0 if oid == ACLITEM_ARRAY_OID else code for (oid, _, _), code in zip(described, codes)]
    if local == codes:
        return bind
    tail = len(bind) - 2 - 2 * len(result_formats)
    return bind[:tail] + struct.pack(f"!h{len(local)}h", len(local), *local)


def _binary_text_array(text: bytes, element_oid: int) -> bytes:
    """PostgreSQL's binary form of a one-dimensional array whose elements' binary form is their text, from
    the array's text (``{a=r/b,"c d=r/b"}``)."""
    elements = _array_elements(text.decode())
    if not elements:
        return struct.pack("!iii", 0, 0, element_oid)
    pieces = [struct.pack("!iiiii", 1, 0, element_oid, len(elements), 1)]
    for element in elements:
        encoded = element.encode()
        pieces.append(struct.pack("!i", len(encoded)) + encoded)
    return b"".join(pieces)


def _array_elements(text: str) -> list[str]:
    """The elements of a one-dimensional array's text: commas apart, a quoted element unescaped."""
    inner, elements, current, quoted, index = text[1:-1], [], [], False, 0
    while index < len(inner):
        char = inner[index]
        if char == "\\" and quoted:
            index += 1
            current.append(inner[index])
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            elements.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    if inner:
        elements.append("".join(current))
    return elements


def _abstime_seconds(microseconds: int) -> bytes:
    """A binary timestamptz (microseconds since 2000) as Redshift's binary ABSTIME: whole seconds since
    1970 in 4 bytes, within ABSTIME's range (its ends are -infinity and infinity)."""
    if microseconds == 2**63 - 1:
        return _ABSTIME_SECONDS.pack(_ABSTIME_END)
    seconds = microseconds // 1_000_000 + _POSTGRES_EPOCH
    return _ABSTIME_SECONDS.pack(min(max(seconds, _ABSTIME_START), _ABSTIME_END))


def with_types_renamed(row_description: bytes, renamed: dict[int, int]) -> bytes:
    """A RowDescription whose fields of the types in ``renamed`` (by OID) have the OIDs it gives them."""
    count = struct.unpack_from("!h", row_description)[0]
    pieces, offset = [row_description[:2]], 2
    for _ in range(count):
        _, end = m.read_cstring(row_description, offset)
        oid, size, typmod, form = _FIELD_TYPE.unpack_from(row_description, end + 6)
        field = _FIELD_TYPE.pack(renamed.get(oid, oid), size, typmod, form)
        pieces.append(row_description[offset : end + 6] + field)
        offset = end + 18
    return b"".join(pieces)


def _redshift_numeric(value: bytes, scale: int) -> bytes:
    """PostgreSQL's binary NUMERIC (base-10000 digits) as Redshift's: the value times 10**scale, a signed
    big-endian integer of 8 bytes, or 16 when it does not fit in 8."""
    count, weight, sign, _ = struct.unpack_from("!hhHh", value)
    if sign == 0xC000:  # NaN: Redshift has none; the text would say NaN, the binary cannot
        return value
    digits = 0
    for digit in struct.unpack_from(f"!{count}h", value, 8):
        digits = digits * 10_000 + digit
    exponent = 4 * (weight - count + 1) + scale
    unscaled = digits * 10**exponent if exponent >= 0 else digits // 10**-exponent
    if sign == 0x4000:
        unscaled = -unscaled
    size = 8 if -(2**63) <= unscaled < 2**63 else 16
    return unscaled.to_bytes(size, "big", signed=True)


def data_row_for_client(row: bytes, columns: Conversions) -> bytes:
    """A DataRow with the values at ``columns`` as Redshift gives them (see :func:`conversions`)."""
    count = struct.unpack_from("!h", row)[0]
    pieces, offset = [row[:2]], 2
    for index in range(count):
        length = struct.unpack_from("!i", row, offset)[0]
        value = row[offset + 4 : offset + 4 + max(length, 0)]
        offset += 4 + max(length, 0)
        kind = columns.get(index)
        if kind is not None and length >= 0:
            value = _converted(kind, value)
            length = len(value)
        pieces.append(struct.pack("!i", length) + value)
    return b"".join(pieces)


def _converted(kind: tuple[str, int], value: bytes) -> bytes:
    if kind == _HEX:
        return value[2:] if value[:2] == b"\\x" else value
    if kind == _RAW:
        return bytes.fromhex(value[2:].decode()) if value[:2] == b"\\x" else value
    if kind[0] == _NUMERIC:
        return _redshift_numeric(value, kind[1])
    if kind == _ACL_ARRAY:
        return _binary_text_array(value, ACLITEM_OID)
    if kind == _ABSTIME and len(value) == _MICROSECONDS.size:
        return _abstime_seconds(_MICROSECONDS.unpack(value)[0])
    if kind == _MIDNIGHT_TEXT:
        return b"00:00:00" + value[8:] if value[:8] == b"24:00:00" else value
    if kind == _MIDNIGHT and len(value) == _MICROSECONDS.size:
        return _MICROSECONDS.pack(_MICROSECONDS.unpack(value)[0] % _MICROSECONDS_A_DAY)
    if kind == _UTC_TIME and len(value) == _TIMETZ.size:
        time, zone = _TIMETZ.unpack(value)  # the zone in seconds west of UTC
        return _TIMETZ.pack((time + zone * 1_000_000) % _MICROSECONDS_A_DAY, 0)
    if len(value) != _POSTGRES_INTERVAL.size:
        return value
    time, days, months = _POSTGRES_INTERVAL.unpack(value)
    if kind == _Y2M:
        return _MONTHS.pack(months)
    if kind == _D2S:
        return _MICROSECONDS.pack(time + days * _MICROSECONDS_A_DAY)
    return _REDSHIFT_INTERVAL.pack(time + days * _MICROSECONDS_A_DAY, 0, months)


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
