"""Run one parsed COPY against PostgreSQL: list the sources, map and convert every record, and stream
the rows into ``COPY … FROM STDIN`` in one go.  All or nothing, as on Redshift: a COPY with more
rejected records than MAXERROR leaves nothing of itself in the target table.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sparkify.copy_emulator.convert import Column, ValueRejected, build_converter
from sparkify.copy_emulator.manifest import manifest_sources
from sparkify.copy_emulator.mapping import Extractor, auto_extractor, jsonpaths_extractor
from sparkify.copy_emulator.records import BadRecord, iter_records
from sparkify.copy_emulator.sources import SourceFile, list_sources, read_source, read_text_document
from sparkify.copy_emulator.statement import CopyCommand, parse_copy
from sparkify.errors import CopyStatementError, LoadError
from sparkify.sqltext import quote_ident

ERR_NOT_OBJECT = 1216
_CHUNK_BYTES = 1 << 20


@dataclass
class RejectedRecord:
    """One record that was not loaded, with what Redshift's stl_load_errors would say of it."""

    filename: str
    line: int
    column: str
    code: int
    reason: str
    raw_line: str
    raw_value: str = ""


@dataclass
class FileStats:
    name: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0


@dataclass
class CopyResult:
    table: str
    files: list[FileStats] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(stats.loaded for stats in self.files)

    @property
    def lines_read(self) -> int:
        return sum(stats.read for stats in self.files)


def run_copy(connection: Any, sql: str) -> CopyResult:
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
        except BaseException:
            cursor.execute("ROLLBACK TO SAVEPOINT sparkify_copy")
            raise
        cursor.execute("RELEASE SAVEPOINT sparkify_copy")
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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)",
            (quote_ident(command.table) if "." not in command.table else command.table,),
        )
        if cursor.fetchone()[0] is None:
            raise LoadError(command.table, "the table does not exist", hint="Run create_tables.py first.")
        cursor.execute(
            """SELECT attname, format_type(atttypid, atttypmod), attnotnull,
                      attidentity <> '' OR attgenerated <> ''
               FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
               ORDER BY attnum""",
            (quote_ident(command.table) if "." not in command.table else command.table,),
        )
        catalogue = cursor.fetchall()
    columns = {
        name: Column(name, type_name, not_null, _varchar_bytes(type_name))
        for name, type_name, not_null, automatic in catalogue
        if not (automatic and command.columns is None)
    }
    if command.columns is None:
        return list(columns.values())
    unknown = [name for name in command.columns if name not in columns]
    if unknown:
        raise CopyStatementError(f"COPY {command.table}: no column named {', '.join(unknown)}")
    return [columns[name] for name in command.columns]


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
        for source in files:
            stats = FileStats(source.name)
            self.result.files.append(stats)
            data = read_source(
                source,
                table=self.command.table,
                compression=self.command.compression,
                region=self.command.region,
            )
            for line, record in iter_records(data, replace_invalid_utf8=self.command.accept_inv_chars):
                stats.read += 1
                row = self._row(source.name, line, record)
                if row is None:
                    stats.rejected += 1
                    continue
                stats.loaded += 1
                yield row

    def _row(self, filename: str, line: int, record: Any) -> bytes | None:
        if isinstance(record, BadRecord):
            return self._reject(RejectedRecord(filename, line, "", record.code, record.reason, record.raw))
        if not isinstance(record, dict):
            return self._reject(
                RejectedRecord(
                    filename,
                    line,
                    "",
                    ERR_NOT_OBJECT,
                    "Invalid JSON: the record is not an object",
                    _raw(record),
                )
            )
        values = self.extractor(record)
        try:
            fields = [convert(value) for convert, value in zip(self.converters, values)]
        except ValueRejected:
            return self._reject(self._locate_rejection(filename, line, record, values))
        text = "\t".join("\\N" if value is None else value for value in fields) + "\n"
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return self._reject(
                RejectedRecord(
                    filename,
                    line,
                    "",
                    1220,
                    "String contains invalid UTF-8 (a lone surrogate escape)",
                    _raw(record),
                )
            )

    def _locate_rejection(self, filename: str, line: int, record: Any, values: list[Any]) -> RejectedRecord:
        for column, convert, value in zip(self.columns, self.converters, values):
            try:
                convert(value)
            except ValueRejected as exc:
                shown = value if isinstance(value, str) else _raw(value)
                return RejectedRecord(filename, line, column.name, exc.code, exc.reason, _raw(record), shown)
        raise AssertionError("a value was rejected once and accepted on the second look")

    def _reject(self, rejected: RejectedRecord) -> None:
        self.result.rejected.append(rejected)
        if len(self.result.rejected) > self.command.maxerror:
            first = self.result.rejected[0]
            raise LoadError(
                self.command.table,
                f"{first.reason} (error {first.code}); {len(self.result.rejected)} record(s) rejected, "
                f"MAXERROR is {self.command.maxerror}",
                filename=first.filename,
                line=first.line,
                column=first.column or None,
                value=first.raw_value or None,
            )
        return None


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
