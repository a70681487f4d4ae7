"""Split text records into fields as Redshift's COPY does: delimited text (with ESCAPE and REMOVEQUOTES),
CSV (quoted fields over several lines, doubled quotes) and FIXEDWIDTH.

A field is ``(value, raw)``: ``raw`` is the field as the file writes it, which NULL AS compares with and
stl_load_errors shows; ``raw`` is None for a quoted CSV field, which is never NULL.  A splitter raises
:class:`FieldsRejected` for a record it cannot split, or :class:`NeedsMoreText` when the record goes on
past the end of the line (an escaped newline, a quoted newline).
"""

from __future__ import annotations

from collections.abc import Callable

from sparkify.engine.copy.statement import CopyCommand

ERR_MALFORMED = 1216

Field = tuple[str, "str | None"]
Splitter = Callable[[str], list[Field]]


class FieldsRejected(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class NeedsMoreText(Exception):
    """The record continues on the next line."""


def splitter_for(command: CopyCommand) -> Splitter:
    if command.data_format == "csv":
        return _csv_splitter(command.field_delimiter, command.quote)
    if command.data_format == "fixedwidth":
        return _fixed_splitter(command.fixed_widths)
    return _text_splitter(command.field_delimiter, command.escape, command.remove_quotes)


def _text_splitter(delimiter: str, escape: bool, remove_quotes: bool) -> Splitter:
    def plain(text: str) -> list[Field]:
        return [(part, part) for part in text.split(delimiter)]

    def careful(text: str) -> list[Field]:
        if not ("\\" in text and escape) and not (remove_quotes and ('"' in text or "'" in text)):
            return plain(text)
        return _split_escaped(text, delimiter, escape, remove_quotes)

    return careful if escape or remove_quotes else plain


def _split_escaped(text: str, delimiter: str, escape: bool, remove_quotes: bool) -> list[Field]:
    fields: list[Field] = []
    value: list[str] = []
    start, position, quote = 0, 0, ""
    while position < len(text):
        char = text[position]
        if escape and char == "\\":
            if position + 1 == len(text):
                raise NeedsMoreText  # an escaped newline: the value goes on on the next line
            value.append(text[position + 1])
            position += 2
            continue
        if quote:
            # The closing quote is the one a delimiter (or the line's end) follows: a quote inside stays.
            if char == quote and (position + 1 == len(text) or text[position + 1] == delimiter):
                quote = ""
            else:
                value.append(char)
        elif char == delimiter:
            fields.append(("".join(value), text[start:position]))
            value, start = [], position + 1
        elif remove_quotes and char in "'\"" and position == start:
            quote = char
        else:
            value.append(char)
        position += 1
    if quote:
        raise FieldsRejected(ERR_MALFORMED, "Missing closing quote for REMOVEQUOTES")
    fields.append(("".join(value), text[start:]))
    return fields


def _csv_splitter(delimiter: str, quote: str) -> Splitter:
    def split(text: str) -> list[Field]:
        if text.endswith("\r"):  # CSV's CRLF line end (a quoted CR stays: the record is not done)
            text = text[:-1]
        if quote not in text:
            return [(part, part) for part in text.split(delimiter)]
        return _split_csv(text, delimiter, quote)

    return split


def _split_csv(text: str, delimiter: str, quote: str) -> list[Field]:
    fields: list[Field] = []
    position, length = 0, len(text)
    while True:
        # White space between a delimiter and a quote is not part of the field.
        skipped = position
        while skipped < length and text[skipped] in " \t" and text[skipped] != delimiter:
            skipped += 1
        if skipped < length and text[skipped] == quote:
            value, position = _quoted_csv_value(text, skipped + 1, delimiter, quote)
            fields.append((value, None))
        else:
            end = text.find(delimiter, position)
            end = length if end < 0 else end
            part = text[position:end]
            if quote in part:
                raise FieldsRejected(ERR_MALFORMED, "Invalid quote formatting for CSV")
            fields.append((part, part))
            position = end
        if position >= length:
            return fields
        position += 1  # past the delimiter


def _quoted_csv_value(text: str, position: int, delimiter: str, quote: str) -> tuple[str, int]:
    """The value of the quoted field whose text starts at ``position``, and where the field ends."""
    pieces = []
    while True:
        close = text.find(quote, position)
        if close < 0:
            raise NeedsMoreText
        pieces.append(text[position:close])
        if text.startswith(quote, close + 1):
            pieces.append(quote)
            position = close + 2
            continue
        position = close + 1
        while position < len(text) and text[position] in " \t" and text[position] != delimiter:
            position += 1
        if position < len(text) and text[position] != delimiter:
            raise FieldsRejected(ERR_MALFORMED, "Invalid quote formatting for CSV")
        return "".join(pieces), position


def _fixed_splitter(widths: tuple[int, ...]) -> Splitter:
    def split(text: str) -> list[Field]:
        fields: list[Field] = []
        position = 0
        for width in widths:
            if position >= len(text):
                break
            part = text[position : position + width]
            fields.append((part, part))
            position += width
        if text[position:].strip():
            extra = text[position:]
            fields.append((extra, extra))
        return fields

    return split
