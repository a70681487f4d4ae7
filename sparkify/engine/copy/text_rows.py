"""Turn a text COPY's files (delimited, CSV, fixed-width) into COPY text rows, record by record.

The same messages as JSON's :class:`~sparkify.engine.copy.produce.RowConverter` — rows, rejected
records, per-file stats — so that MAXERROR, stl_load_errors and the parallel workers work alike.  Values
go through the same column converters as JSON's (Redshift's rules for each type); what is particular to
text is here: NULL AS, the field count, the header, blank lines and records over several lines.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from sparkify.engine.copy.convert import Column, ValueRejected, build_converter
from sparkify.engine.copy.produce import file_messages
from sparkify.engine.copy.sniff import check_whole_file
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.copy.statement import CopyCommand
from sparkify.engine.copy.text_fields import (
    ERR_MALFORMED,
    Field,
    FieldsRejected,
    NeedsMoreText,
    splitter_for,
)
from sparkify.engine.copy.text_lines import (
    ERR_UTF8,
    Line,
    open_binary,
    physical_lines,
    source_bodies_streamed,
)

ERR_EXTRA_COLUMN = 1202
ERR_MISSING_COLUMN = 1203
ERR_DELIMITER = 1214
DEFAULT_NULL = "\\N"
MAX_RECORD_CHARS = 4 * 1024 * 1024  # Redshift's 4 MB row limit bounds a record that never ends
_UNCLOSED = "Unexpected end of data: a quote or an escape is not closed"


class TextRowConverter:
    """Converts one text file's records to COPY text; describes each record it cannot convert."""

    def __init__(self, command: CopyCommand, columns: list[Column]) -> None:
        self.command = command
        self.columns = columns
        self.converters = [build_converter(column, command) for column in columns]
        self.split = splitter_for(command)
        self.text_columns = [_is_text(column) for column in columns]
        self.null = DEFAULT_NULL if command.null_as is None else command.null_as
        self.escaped_default_null = command.escape and command.null_as is None
        self.fixed = command.data_format == "fixedwidth"

    def messages(self, batch: list[SourceFile]) -> Iterator[tuple[Any, ...]]:
        """("rows", bytes), ("reject", …) and ("file", stats) messages for ``batch``, in file order."""
        command = self.command
        for source, fetched in source_bodies_streamed(batch, table=command.table, region=command.region):
            outcomes = self._records(source, fetched.data if fetched else None)
            yield from file_messages(source.name, fetched.retries if fetched else 0, outcomes)

    def _records(self, source: SourceFile, fetched: bytes | None) -> Iterator[tuple[int, str, Any]]:
        """(first line number, record text, row bytes or (code, reason, column, value)) per record."""
        command = self.command
        stream = open_binary(source, fetched, command.compression, table=command.table, region=command.region)
        if command.encoding == "utf8":
            check_whole_file(
                _head(stream), name=source.name, table=command.table, compression=command.compression
            )
        lines = physical_lines(
            stream,
            encoding=command.encoding,
            replacement=command.accept_inv_chars,
            table=command.table,
            name=source.name,
        )
        for line in lines:
            if line.number <= command.ignore_header:
                continue
            if line.problem:
                yield line.number, line.text, (ERR_UTF8, line.problem, None, None)
                continue
            if command.ignore_blank_lines and not line.text:
                continue
            yield self._record(line, lines)

    def _record(self, first: Line, lines: Iterator[Line]) -> tuple[int, str, Any]:
        text = first.text
        while True:
            try:
                fields = self.split(text)
                break
            except NeedsMoreText:
                following = next(lines, None)
                if following is None or len(text) > MAX_RECORD_CHARS:
                    return first.number, text, (ERR_MALFORMED, _UNCLOSED, None, None)
                text += "\n" + following.text
            except FieldsRejected as exc:
                return first.number, text, (exc.code, exc.reason, None, None)
        return first.number, text, self._row(fields)

    def _row(self, fields: list[Field]) -> Any:
        wanted = len(self.columns)
        if len(fields) == wanted + 1 and fields[-1][1] == "" and not self.fixed:
            fields.pop()  # a delimiter at the end of the line, as Redshift allows
        if len(fields) > wanted:
            return ERR_EXTRA_COLUMN, "Extra column(s) found", None, fields[wanted][1] or fields[wanted][0]
        if len(fields) < wanted:
            if not self.command.fill_record:
                if self.fixed:
                    return ERR_MISSING_COLUMN, "Missing data: the line is shorter than FIXEDWIDTH", None, None
                return ERR_DELIMITER, "Delimiter not found", None, None
            fields = fields + [("", "")] * (wanted - len(fields))
        out = []
        for index, (value, raw) in enumerate(fields):
            try:
                converted = self.converters[index](self._value(index, value, raw))
            except ValueRejected as exc:
                return exc.code, exc.reason, self.columns[index], raw if raw is not None else value
            except UnicodeEncodeError:
                return ERR_UTF8, "String contains invalid UTF-8", self.columns[index], value
            out.append("\\N" if converted is None else converted)
        return ("\t".join(out) + "\n").encode("utf-8")

    def _value(self, index: int, value: str, raw: str | None) -> str | None:
        if raw is not None and (raw == self.null or (self.escaped_default_null and value == DEFAULT_NULL)):
            return None
        if self.command.trim_blanks and self.text_columns[index]:
            return value.rstrip(" ")
        return value


def _head(stream: IO[bytes]) -> bytes:
    """The first bytes of ``stream``, left in it to be read."""
    if isinstance(stream, io.BytesIO):
        return stream.getbuffer()[:64].tobytes()
    peek = getattr(stream, "peek", None)
    return peek(64)[:64] if peek is not None else b""


def _is_text(column: Column) -> bool:
    return column.type_name.split("(")[0] in ("character varying", "character", "text")
