"""Convert JSON values to PostgreSQL COPY text by Redshift's rules for each column type.

Redshift's rules, not PostgreSQL's: VARCHAR(n) counts bytes, a blank field in a non-text column is NULL,
TIMEFORMAT 'epochmillisecs' reads integers as milliseconds since 1970 UTC.  A value that does not fit
raises :class:`ValueRejected` with Redshift's load error code.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from sparkify.engine.copy.statement import CopyCommand
from sparkify.engine.errors import CopyStatementError
from sparkify.engine.sql.text import COPY_TEXT_ESCAPES

ERR_TOO_LONG = 1204
ERR_DATE = 1205
ERR_TIMESTAMP = 1206
ERR_DIGIT = 1207
ERR_FLOAT = 1208
ERR_DECIMAL = 1209
ERR_BOOLEAN = 1210
ERR_NOT_NULL = 1213
ERR_UTF8 = 1220
ERR_OVERFLOW = 1222

_EPOCH = dt.datetime(1970, 1, 1)
INT_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$", re.ASCII)
_COPY_ESCAPES = str.maketrans(COPY_TEXT_ESCAPES)
_BOOLEAN_WORDS = {
    "t": "t",
    "true": "t",
    "1": "t",
    "y": "t",
    "yes": "t",
    "on": "t",
    "f": "f",
    "false": "f",
    "0": "f",
    "n": "f",
    "no": "f",
    "off": "f",
}

Converter = Callable[[Any], "str | None"]


class ValueRejected(Exception):
    """A value that cannot go into its column; ``code`` is Redshift's load error code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Column:
    """A target column as the catalogue describes it; ``max_bytes`` is VARCHAR(n)'s n."""

    name: str
    type_name: str
    not_null: bool
    max_bytes: int | None = None


def build_converter(column: Column, command: CopyCommand) -> Converter:
    """A function from a JSON value to COPY text (or None for NULL), for ``column`` under ``command``."""
    kind = column.type_name.split("(")[0]
    if kind in ("character varying", "character", "text"):
        inner = _text_converter(column, command)
    elif kind in INT_RANGES:
        inner = _integer_converter(kind)
    elif kind in ("double precision", "real"):
        inner = _not_blank(_float_value)
    elif kind == "numeric":
        inner = _not_blank(_decimal_converter(column.type_name, command.round_decimals))
    elif kind == "boolean":
        inner = _not_blank(_boolean_value)
    elif kind.startswith("timestamp"):
        inner = _not_blank(_any_date(_timestamp_converter(command.timeformat), command.accept_any_date))
    elif kind == "date":
        inner = _not_blank(_any_date(_date_converter(command.dateformat), command.accept_any_date))
    elif kind == "json":
        inner = _super_value
    else:
        raise CopyStatementError(
            f"column {column.name} has type {column.type_name}, which the local COPY cannot load"
        )
    if not column.not_null:
        return inner

    def required(value: Any) -> str | None:
        converted = inner(value)
        if converted is None:
            raise ValueRejected(ERR_NOT_NULL, f"Missing data for not-null field {column.name}")
        return converted

    return required


def _text_converter(column: Column, command: CopyCommand) -> Converter:
    limit = column.max_bytes
    truncate = command.truncate_columns
    empty_as_null, blanks_as_null = command.empty_as_null, command.blanks_as_null

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        text = value if isinstance(value, str) else _as_text(value)
        if not text:
            return None if empty_as_null or blanks_as_null else ""
        if blanks_as_null and text.isspace():
            return None
        if "\x00" in text:
            raise ValueRejected(ERR_UTF8, "String contains a NUL character (U+0000)")
        if limit is not None and len(text) * 4 > limit:
            text = _fit_bytes(text, limit, truncate, column.type_name)
        return text.translate(_COPY_ESCAPES)

    return convert


def _super_value(value: Any) -> str | None:
    """A SUPER column (held as json) takes the value as compact JSON, keys in their written order."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_COPY_ESCAPES)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fit_bytes(text: str, limit: int, truncate: bool, type_name: str) -> str:
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    if truncate:
        return encoded[:limit].decode("utf-8", "ignore")
    raise ValueRejected(
        ERR_TOO_LONG, f"String length exceeds DDL length: {len(encoded)} bytes into {type_name.upper()}"
    )


def _not_blank(convert: Callable[[Any], str]) -> Converter:
    """Non-text columns read a blank string as NULL, as Redshift does."""

    def wrapped(value: Any) -> str | None:
        if value is None or (isinstance(value, str) and (not value or value.isspace())):
            return None
        return convert(value)

    return wrapped


def _integer_converter(kind: str) -> Converter:
    bound = INT_RANGES[kind]
    type_label = kind.capitalize()

    def convert(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            shown = _as_text(value)
            raise ValueRejected(
                ERR_DIGIT, f"Invalid digit, Value '{_first_bad_char(shown)}', Type: {type_label}"
            )
        if isinstance(value, str):
            if not _INTEGER_TEXT.match(value):
                raise ValueRejected(
                    ERR_DIGIT, f"Invalid digit, Value '{_first_bad_char(value)}', Type: {type_label}"
                )
            value = int(value)
        if not -bound <= value < bound:
            raise ValueRejected(ERR_OVERFLOW, f"Overflow, Value exceeds the range of type {type_label}")
        return str(value)

    return _not_blank(convert)


def _first_bad_char(text: str) -> str:
    stripped = text.strip()
    for position, char in enumerate(stripped):
        if not (char in "0123456789" or (position == 0 and char in "+-")):
            return char
    return stripped[:1]


def _float_value(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueRejected(ERR_FLOAT, "Invalid float value: a boolean")
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ValueRejected(ERR_FLOAT, f"Invalid float value {value!r}") from None
        return "NaN" if math.isnan(number) else repr(number)
    raise ValueRejected(ERR_FLOAT, "Invalid float value: an object or array")


def _decimal_value(value: Any) -> str:
    if isinstance(value, (bool, dict, list)):
        raise ValueRejected(ERR_DECIMAL, "Invalid decimal value")
    try:
        return str(Decimal(str(value).strip()))
    except InvalidOperation:
        raise ValueRejected(ERR_DECIMAL, f"Invalid decimal value {value!r}") from None


_WIDE_DECIMALS = Context(prec=100)


def _decimal_converter(type_name: str, round_decimals: bool) -> Callable[[Any], str]:
    """DECIMAL(p, s): a value with more decimals than s is truncated to s, as COPY does by default, or
    rounded (half away from zero, as INSERT rounds) with ROUNDEC."""
    match = re.match(r"^numeric\(\d+,(\d+)\)$", type_name)
    if match is None:
        return _decimal_value
    step = Decimal(1).scaleb(-int(match.group(1)))
    rounding = ROUND_HALF_UP if round_decimals else ROUND_DOWN

    def convert(value: Any) -> str:
        text = _decimal_value(value)
        number = Decimal(text)
        if not number.is_finite() or int(number.as_tuple().exponent) >= int(step.as_tuple().exponent):
            return text
        return str(number.quantize(step, rounding=rounding, context=_WIDE_DECIMALS))

    return convert


def _any_date(convert: Callable[[Any], str], accept_any_date: bool) -> Callable[[Any], str | None]:
    """ACCEPTANYDATE: a date or time that does not match its format loads as NULL instead of failing."""
    if not accept_any_date:
        return convert

    def lenient(value: Any) -> str | None:
        try:
            return convert(value)
        except ValueRejected:
            return None

    return lenient


def _boolean_value(value: Any) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    word = _BOOLEAN_WORDS.get(str(value).strip().lower())
    if word is None:
        raise ValueRejected(ERR_BOOLEAN, f"Invalid boolean value {value!r}")
    return word


def _timestamp_converter(timeformat: str | None) -> Callable[[Any], str]:
    fmt = (timeformat or "YYYY-MM-DD HH:MI:SS").strip()
    if fmt.lower() in EPOCH_FORMATS:
        as_text = epoch_text_function(fmt)

        def from_epoch(value: Any) -> str:
            number = _epoch_number(value, fmt)
            try:
                return as_text(number)
            except OverflowError:
                raise ValueRejected(ERR_TIMESTAMP, f"Timestamp out of range: {number} for '{fmt}'") from None

        return from_epoch
    parse = _text_datetime_parser(fmt, ERR_TIMESTAMP, "timestamp")
    return lambda value: parse(value).isoformat(sep=" ")


EPOCH_FORMATS = ("epochmillisecs", "epochsecs")


def epoch_text_function(timeformat: str) -> Callable[[int], str]:
    """The function from an epoch number to timestamp text for TIMEFORMAT 'epochmillisecs' or 'epochsecs'."""
    return epoch_millisecond_text if timeformat.lower() == "epochmillisecs" else epoch_second_text


# A datetime per value costs a microsecond, a third of all the work on a log line; events come in time
# order, so the text up to the minute is cached and seconds and milliseconds come from tables.
_MINUTE_TEXT: dict[int, str] = {}
_MINUTE_CACHE_SIZE = 1 << 16
_SECOND_TEXT = [f"{second:02d}" for second in range(60)]
_MILLISECOND_TEXT = [f".{millisecond:03d}" for millisecond in range(1000)]


def epoch_millisecond_text(value: int) -> str:
    """``value`` ms after 1970-01-01 00:00 as timestamp text; OverflowError outside years 1 to 9999."""
    minute, millisecond = divmod(value, 60_000)
    second, millisecond = divmod(millisecond, 1000)
    prefix = _MINUTE_TEXT.get(minute) or _minute_text(minute)
    return prefix + _SECOND_TEXT[second] + _MILLISECOND_TEXT[millisecond]


def epoch_second_text(value: int) -> str:
    """``value`` seconds after 1970-01-01 00:00 as timestamp text; OverflowError outside years 1 to 9999."""
    minute, second = divmod(value, 60)
    prefix = _MINUTE_TEXT.get(minute) or _minute_text(minute)
    return prefix + _SECOND_TEXT[second]


def _minute_text(minute: int) -> str:
    text = (_EPOCH + dt.timedelta(minutes=minute)).isoformat(sep=" ", timespec="minutes") + ":"
    if len(_MINUTE_TEXT) >= _MINUTE_CACHE_SIZE:
        _MINUTE_TEXT.clear()
    _MINUTE_TEXT[minute] = text
    return text


def _epoch_number(value: Any, fmt: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    raise ValueRejected(ERR_TIMESTAMP, f"Invalid timestamp format or value {_as_text(value)!r} for '{fmt}'")


def _date_converter(dateformat: str | None) -> Callable[[Any], str]:
    parse = _text_datetime_parser((dateformat or "YYYY-MM-DD").strip(), ERR_DATE, "date")
    return lambda value: parse(value).date().isoformat()


_AUTO_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
)
_FORMAT_PARTS = [
    ("YYYY", "%Y"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("HH", "%H"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("MS", "%f"),
    ("US", "%f"),
    ("MM", "%m"),
    ("MON", "%b"),
    ("DD", "%d"),
    ("YY", "%y"),
    ("AM", "%p"),
    ("PM", "%p"),
]


def _text_datetime_parser(fmt: str, code: int, label: str) -> Callable[[Any], dt.datetime]:
    formats = _AUTO_FORMATS if fmt.lower() == "auto" else _with_fractions(_strptime_format(fmt))

    def parse(value: Any) -> dt.datetime:
        if isinstance(value, str):
            text = value.strip()
            for candidate in formats:
                try:
                    return dt.datetime.strptime(text, candidate)
                except ValueError:
                    continue
        raise ValueRejected(code, f"Invalid {label} format or value {_as_text(value)!r} for '{fmt}'")

    return parse


def _with_fractions(directives: str) -> tuple[str, ...]:
    """A format with seconds also reads fractional seconds after them, as Redshift's SS does."""
    if "%S" in directives and "%f" not in directives:
        return (directives, directives.replace("%S", "%S.%f", 1))
    return (directives,)


def _strptime_format(fmt: str) -> str:
    result, position = "", 0
    upper = fmt.upper()
    while position < len(fmt):
        for part, directive in _FORMAT_PARTS:
            if upper.startswith(part, position):
                result += directive
                position += len(part)
                break
        else:
            result += fmt[position].replace("%", "%%")
            position += 1
    return result
