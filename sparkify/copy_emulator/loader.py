"""Run one parsed COPY against PostgreSQL: list the sources, map and convert every record, and stream
the rows into ``COPY … FROM STDIN`` in one go.  All or nothing, as on Redshift: a COPY with more
rejected records than MAXERROR leaves nothing of itself in the target table.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sparkify.copy_emulator.convert import Column, ValueRejected, build_converter
from sparkify.copy_emulator.manifest import manifest_sources
from sparkify.copy_emulator.mapping import Extractor, auto_extractor, jsonpaths_extractor
from sparkify.copy_emulator.records import BadRecord, JsonRecords, OversizedRecord
from sparkify.copy_emulator.sources import SourceFile, list_sources, read_source, read_text_document
from sparkify.copy_emulator.statement import CopyCommand, parse_copy
from sparkify.errors import CopyStatementError, LoadError
from sparkify.load_errors import RejectedRecord
from sparkify.sqltext import quote_ident

ERR_NOT_OBJECT = 1216
_CHUNK_BYTES = 1 << 20

#: Called with the table and the rejected records; records them (stl_load_errors) and returns a query id.
RejectionRecorder = Callable[[str, list[RejectedRecord]], int]


@dataclass
class FileStats:
    """Per file: every line read is either loaded or rejected."""

    name: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0


@dataclass
class CopyResult:
    table: str
    files: list[FileStats] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    query_id: int = 0

    @property
    def rows_loaded(self) -> int:
        return sum(stats.loaded for stats in self.files)

    @property
    def lines_read(self) -> int:
        return sum(stats.read for stats in self.files)


def run_copy(connection: Any, sql: str, *, record_rejections: RejectionRecorder | None = None) -> CopyResult:
    """Execute the Redshift COPY ``sql`` on the PostgreSQL ``connection`` (inside its open transaction)."""
    command = parse_copy(sql)
    columns = target_columns(connection, command)
    files = _sources(command)
    extractor = _extractor(command, [column.name for column in columns])
    result = CopyResult(command.table)
    rows = _RowProducer(command, columns, extractor, result)
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT sparkify_copy")
        try:
            if command.noload:
                for _ in rows.produce(files):
                    pass
            else:
                _copy_from_stream(cursor, command.table, columns, _ByteStream(rows.produce(files)))
        except LoadError as exc:
            cursor.execute("ROLLBACK TO SAVEPOINT sparkify_copy")
            exc.rejected = result.rejected
            if record_rejections and result.rejected:
                exc.query_id = record_rejections(command.table, result.rejected)
            raise
        except BaseException:
            cursor.execute("ROLLBACK TO SAVEPOINT sparkify_copy")
            raise
        cursor.execute("RELEASE SAVEPOINT sparkify_copy")
    if record_rejections and result.rejected:
        result.query_id = record_rejections(command.table, result.rejected)
    return result


def _copy_from_stream(cursor: Any, table: str, columns: list[Column], stream: _ByteStream) -> None:
    target = f"{quote_ident(table)} ({', '.join(quote_ident(column.name) for column in columns)})"
    try:
        cursor.copy_expert(f"COPY {target} FROM STDIN", stream, _CHUNK_BYTES)
    except Exception:
        # psycopg2 wraps an exception raised by read() in QueryCanceled; the original says more.
        if stream.error is not None:
            raise stream.error from None
        raise


def target_columns(connection: Any, command: CopyCommand) -> list[Column]:
    """The columns a COPY fills: the listed ones, or all but IDENTITY and generated columns."""
    name = command.table if "." in command.table else quote_ident(command.table)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT attname, format_type(atttypid, atttypmod), attnotnull,
                      attidentity <> '' OR attgenerated <> ''
               FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
               ORDER BY attnum""",
            (name,),
        )
        catalogue = cursor.fetchall()
    if not catalogue:
        raise LoadError(command.table, "the table does not exist", hint="Run create_tables.py first.")
    columns = {
        column: Column(column, type_name, not_null, _varchar_bytes(type_name))
        for column, type_name, not_null, automatic in catalogue
        if not (automatic and command.columns is None)
    }
    if command.columns is None:
        return list(columns.values())
    unknown = [column for column in command.columns if column not in columns]
    if unknown:
        raise CopyStatementError(f"COPY {command.table}: no column named {', '.join(unknown)}")
    return [columns[column] for column in command.columns]


def _varchar_bytes(type_name: str) -> int | None:
    match = re.match(r"^character(?: varying)?\((\d+)\)$", type_name)
    return int(match.group(1)) if match else None


def _sources(command: CopyCommand) -> list[SourceFile]:
    if command.manifest:
        return manifest_sources(command.source, table=command.table, region=command.region)
    return list_sources(command.source, table=command.table, region=command.region)


def _extractor(command: CopyCommand, names: list[str]) -> Extractor:
    if command.json_auto:
        return auto_extractor(names, ignore_case=command.ignore_case)
    document = read_text_document(command.json_option, table=command.table, region=command.region)
    return jsonpaths_extractor(document, names, table=command.table, source=command.json_option)


class _RowProducer:
    """Turns source files into COPY text rows, recording per-file counts and every rejected record."""

    def __init__(self, command: CopyCommand, columns: list[Column], extractor: Extractor, result: CopyResult):
        self.command = command
        self.columns = columns
        self.extractor = extractor
        self.result = result
        self.converters = [build_converter(column, command) for column in columns]

    def produce(self, files: list[SourceFile]) -> Iterator[bytes]:
        table = self.command.table
        for source in files:
            stats = FileStats(source.name)
            self.result.files.append(stats)
            data = read_source(
                source, table=table, compression=self.command.compression, region=self.command.region
            )
            records = JsonRecords(data, replace_invalid_utf8=self.command.accept_inv_chars)
            try:
                for line, record in records:
                    stats.read += 1
                    row = self._row(record)
                    if isinstance(row, bytes):
                        stats.loaded += 1
                        yield row
                    else:
                        stats.rejected += 1
                        self._reject(source.name, line, records.line_text(line), *row)
            except OversizedRecord as exc:
                raise LoadError(table, str(exc), filename=source.name, line=exc.line) from None

    def _row(self, record: Any) -> bytes | tuple[int, str, Column | None, Any]:
        """The COPY text row, or (code, reason, column, value) saying why the record is rejected."""
        if isinstance(record, BadRecord):
            return record.code, record.reason, None, None
        if not isinstance(record, dict):
            return ERR_NOT_OBJECT, "Invalid JSON: the record is not an object", None, None
        values = self.extractor(record)
        try:
            fields = [convert(value) for convert, value in zip(self.converters, values)]
        except ValueRejected:
            return self._locate_rejection(values)
        text = "\t".join("\\N" if value is None else value for value in fields) + "\n"
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return 1220, "String contains invalid UTF-8 (a lone surrogate escape)", None, None

    def _locate_rejection(self, values: list[Any]) -> tuple[int, str, Column, Any]:
        for column, convert, value in zip(self.columns, self.converters, values):
            try:
                convert(value)
            except ValueRejected as exc:
                return exc.code, exc.reason, column, value
        raise AssertionError("a value was rejected once and accepted on the second look")

    def _reject(
        self,
        filename: str,
        line: int,
        raw_line: str,
        code: int,
        reason: str,
        column: Column | None,
        value: Any,
    ) -> None:
        shown = "" if column is None else value if isinstance(value, str) else _raw(value)
        self.result.rejected.append(
            RejectedRecord(
                filename,
                line,
                column.name if column else "",
                code,
                reason,
                raw_line,
                shown,
                column_type=_short_type(column),
                column_length=str(column.max_bytes or "") if column else "",
            )
        )
        if len(self.result.rejected) > self.command.maxerror:
            first = self.result.rejected[0]
            raise LoadError(
                self.command.table,
                f"{first.reason} (error {first.code}); {len(self.result.rejected)} record(s) rejected, "
                f"MAXERROR is {self.command.maxerror}. Check 'stl_load_errors' system table for details",
                filename=first.filename,
                line=first.line,
                column=first.column or None,
                value=first.raw_value or None,
            )


def _short_type(column: Column | None) -> str:
    if column is None:
        return ""
    names = {
        "character varying": "varchar",
        "double precision": "float8",
        "timestamp without time zone": "timestamp",
    }
    kind = column.type_name.split("(")[0]
    return names.get(kind, kind)


def _raw(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:1024]


class _ByteStream(io.RawIOBase):
    """A readable file over an iterator of byte rows, for ``copy_expert``; it holds one chunk at most."""

    def __init__(self, rows: Iterator[bytes]) -> None:
        self.rows = rows
        self.pending = bytearray()
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        limit = size if size and size > 0 else _CHUNK_BYTES
        pending = self.pending
        try:
            for row in self.rows:
                pending += row
                if len(pending) >= limit:
                    break
        except BaseException as exc:
            self.error = exc
            raise
        chunk = bytes(pending)
        pending.clear()
        return chunk
