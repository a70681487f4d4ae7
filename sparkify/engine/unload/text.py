"""UNLOAD's delimited text as Redshift writes it, made from PostgreSQL's text format.

PostgreSQL escapes every special character (``\\n``, ``\\t``, ``\\\\``, the delimiter) and writes NULL as
``\\N``; Redshift writes values as they are, unless ESCAPE asks for a backslash before each line feed,
carriage return, delimiter, backslash (and quote, with ADDQUOTES), and writes NULL as NULL AS's string.
ADDQUOTES puts double quotes round every value.  What this writes, COPY reads back: with ESCAPE,
REMOVEQUOTES and NULL AS as the guide pairs them.
"""

from __future__ import annotations

from collections.abc import Iterable

POSTGRES_NULL = "\\N"
_POSTGRES_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def redshift_text(
    data: bytes,
    *,
    delimiter: str,
    escape: bool,
    add_quotes: bool,
    null_as: str,
    header: Iterable[str] = (),
) -> bytes:
    """PostgreSQL's ``COPY … TO STDOUT (FORMAT text, NULL '\\N')`` output ``data`` as Redshift's UNLOAD
    text; ``header`` (column names) becomes a first line written like the values."""
    specials = {"\n", "\r", delimiter, "\\"} | ({'"', "'"} if add_quotes else set())

    def written(value: str | None) -> str:
        if value is None:
            return null_as
        if escape and any(char in value for char in specials):
            value = "".join("\\" + char if char in specials else char for char in value)
        return f'"{value}"' if add_quotes else value

    lines = [delimiter.join(written(name) for name in header) + "\n"] if header else []
    text = data.decode("utf-8")
    for line in text.split("\n")[:-1] if text else []:
        lines.append(delimiter.join(written(value) for value in _postgres_fields(line, delimiter)) + "\n")
    return "".join(lines).encode("utf-8")


def _postgres_fields(line: str, delimiter: str) -> list[str | None]:
    """The values of one line of PostgreSQL's text format (None for NULL)."""
    if "\\" not in line:
        return list(line.split(delimiter))
    fields: list[str | None] = []
    value: list[str] = []
    position = 0
    while position < len(line):
        char = line[position]
        if char == "\\":
            following = line[position + 1]
            if following == "N" and not value and _ends_field(line, position + 2, delimiter):
                fields.append(None)
                position += 3
                if position > len(line):
                    return fields
                continue
            value.append(_POSTGRES_ESCAPES.get(following, following))
            position += 2
        elif char == delimiter:
            fields.append("".join(value))
            value = []
            position += 1
        else:
            value.append(char)
            position += 1
    fields.append("".join(value))
    return fields


def _ends_field(line: str, position: int, delimiter: str) -> bool:
    return position == len(line) or line[position] == delimiter
