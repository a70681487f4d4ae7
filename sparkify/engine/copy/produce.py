"""Turn a COPY's source files into COPY text rows, in file order, on every core.

Files are grouped into batches of a few megabytes; with more than one core, worker processes convert
batches ahead while the main process streams the finished ones into PostgreSQL in order.  Each worker
hands its output over through a small bounded queue, so memory stays bounded however large the load.
Rejected records travel with the rows and are booked in file order, so MAXERROR and the report are
exactly what a single process would give.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sparkify.engine.copy.convert import Column, ValueRejected, build_converter
from sparkify.engine.copy.mapping import Extractor, KeyExtractor
from sparkify.engine.copy.prefetch import source_bodies
from sparkify.engine.copy.progress import FileProgress
from sparkify.engine.copy.records import BadRecord, JsonRecords, OversizedRecord, raw_field
from sparkify.engine.copy.rowcode import compile_row_function
from sparkify.engine.copy.sniff import check_whole_file
from sparkify.engine.copy.sources import SourceFile, read_source
from sparkify.engine.copy.statement import CopyCommand
from sparkify.engine.copy.workers import become_worker
from sparkify.engine.errors import LoadError
from sparkify.engine.sql.load_errors import RejectedRecord

ERR_NOT_OBJECT = 1216
BATCH_BYTES = 8 << 20
CHUNK_BYTES = 1 << 20
PARALLEL_MIN_BYTES = 16 << 20
# What opening and reading one file costs, in bytes of records converted in the same time (about 80 µs a
# file against 20 ns a byte here): 14,896 song files of 840 bytes are worth two workers, as 60 MB would be.
FILE_COST_BYTES = 4 << 10
_QUEUE_CHUNKS = 6
GROUP_MESSAGES = 256


class RawText(str):
    """A rejected value as its line writes it (a string's text without its quotes)."""


@dataclass
class FileStats:
    """Per file: every line read is either loaded or rejected."""

    name: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    retries: int = field(default=0, compare=False)  # S3 retries it took; timing, not content


@dataclass
class CopyResult:
    table: str
    files: list[FileStats] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    query_id: int = 0
    request_retries: int = 0  # S3 retries of the listing, manifest and JSONPaths requests
    fast_path: bool = False  # a text COPY that PostgreSQL's own COPY loaded file by file

    @property
    def s3_retries(self) -> int:
        """Every S3 retry this COPY took: botocore's request retries and whole-GET retries."""
        return self.request_retries + sum(stats.retries for stats in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(stats.loaded for stats in self.files)

    @property
    def lines_read(self) -> int:
        return sum(stats.read for stats in self.files)


class RowConverter:
    """Converts one file's records to COPY text; describes each record it cannot convert."""

    def __init__(self, command: CopyCommand, columns: list[Column], extractor: Extractor) -> None:
        self.command = command
        self.columns = columns
        self.extractor = extractor
        self.converters = [build_converter(column, command) for column in columns]
        self.row_function: Callable[[dict[str, Any]], bytes] = self._general_row
        if isinstance(extractor, KeyExtractor):
            self.row_function = compile_row_function(columns, self.converters, extractor.keys, command)

    def messages(self, batch: list[SourceFile]) -> Iterator[tuple[Any, ...]]:
        """("rows", bytes), ("reject", …) and ("file", stats) messages for ``batch``, in file order."""
        table, region = self.command.table, self.command.region
        for source, fetched in source_bodies(batch, table=table, region=region):
            data = read_source(
                source,
                table=table,
                compression=self.command.compression,
                region=region,
                fetched=fetched.data if fetched else None,
            )
            check_whole_file(
                data, name=source.name, table=self.command.table, compression=self.command.compression
            )
            records = JsonRecords(data, replace_invalid_utf8=self.command.accept_inv_chars)
            try:
                yield from file_messages(
                    source.name, fetched.retries if fetched else 0, self._outcomes(records)
                )
            except OversizedRecord as exc:
                raise LoadError(self.command.table, str(exc), filename=source.name, line=exc.line) from None

    def _outcomes(self, records: JsonRecords) -> Iterator[tuple[int, str, Any]]:
        """(line, the line's text when rejected, the row or (code, reason, column, value)) per record."""
        row_function = self.row_function
        for line, record in records:
            if record.__class__ is dict:  # the usual record, converted without a call more
                try:
                    row = row_function(record)
                except (ValueRejected, UnicodeEncodeError):
                    row = self._row(record)
            else:
                row = self._row(record)
            if row.__class__ is bytes:
                yield line, "", row
            else:
                written = self._as_written(records.line_text(line), row)
                yield line, written[0], written[1:]

    def _as_written(self, line: str, rejection: tuple[Any, ...]) -> tuple[Any, ...]:
        """The line and (code, reason, column, value), the value as the line writes it where it can."""
        code, reason, column, value = rejection
        if column is not None and isinstance(self.extractor, KeyExtractor):
            written = raw_field(line, self.extractor.keys[self.columns.index(column)])
            if written is not None:
                value = RawText(written[1:-1] if written.startswith('"') else written)
        return line, code, reason, column, value

    def _row(self, record: Any) -> Any:
        """The COPY text row, or (code, reason, column, value) saying why the record is rejected."""
        if record.__class__ is not dict:
            if isinstance(record, BadRecord):
                return record.code, record.reason, None, None
            return ERR_NOT_OBJECT, "Invalid JSON: the record is not an object", None, None
        try:
            return self.row_function(record)
        except ValueRejected:
            return self._locate_rejection(self.extractor(record))
        except UnicodeEncodeError:
            return 1220, "String contains invalid UTF-8 (a lone surrogate escape)", None, None

    def _general_row(self, record: dict[str, Any]) -> bytes:
        """Any mapping: extract the values, then convert each with its column's converter."""
        fields = [convert(value) for convert, value in zip(self.converters, self.extractor(record))]
        return ("\t".join("\\N" if value is None else value for value in fields) + "\n").encode("utf-8")

    def _locate_rejection(self, values: list[Any]) -> tuple[int, str, Column, Any]:
        for column, convert, value in zip(self.columns, self.converters, values):
            try:
                convert(value)
            except ValueRejected as exc:
                return exc.code, exc.reason, column, value
        raise AssertionError("a value was rejected once and accepted on the second look")


def file_messages(
    name: str, retries: int, outcomes: Iterator[tuple[int, str, Any]]
) -> Iterator[tuple[Any, ...]]:
    """A file's messages from its records' outcomes — (line, raw text, the COPY text row or (code, reason,
    column, value)) — rows gathered into chunks, then the file's stats (the text formats and Avro)."""
    pending = bytearray()
    read = rejected = 0
    for line, raw, outcome in outcomes:
        read += 1
        if outcome.__class__ is bytes:
            pending += outcome
            if len(pending) >= CHUNK_BYTES:
                yield "rows", bytes(pending)
                pending.clear()
        else:
            rejected += 1
            yield ("reject", name, line, raw, *outcome)
    if pending:
        yield "rows", bytes(pending)
    yield "file", FileStats(name, read, read - rejected, rejected, retries)


class Converter(Protocol):
    """What turns a COPY's files into messages: :class:`RowConverter` (JSON) or a text format's."""

    command: CopyCommand

    def messages(self, batch: list[SourceFile]) -> Iterator[tuple[Any, ...]]: ...


def produce_rows(
    converter: Converter, files: list[SourceFile], result: CopyResult, progress: FileProgress | None = None
) -> Iterator[bytes]:
    """Chunks of COPY text for ``files`` in order; books stats and rejections into ``result``."""
    batches = _batches(files)
    workers = min(os.cpu_count() or 1, len(batches))
    parallel = workers > 1 and sum(map(_work_bytes, files)) >= PARALLEL_MIN_BYTES
    stream = (
        _parallel_messages(converter, batches, workers) if parallel else _serial_messages(converter, batches)
    )
    book = _Bookkeeper(converter.command, result, progress or _NoProgress(), {f.name: f.size for f in files})
    try:
        for message in stream:
            if message[0] == "rows":
                yield message[1]
            else:
                book.take(message)
    finally:
        stream.close()


def _serial_messages(converter: Converter, batches: list[list[SourceFile]]) -> Iterator[tuple[Any, ...]]:
    for batch in batches:
        yield from converter.messages(batch)


def _work_bytes(source: SourceFile) -> int:
    """How much converting ``source`` costs, in bytes of records: its size and the cost of opening it."""
    return source.size + FILE_COST_BYTES


def _batches(files: list[SourceFile]) -> list[list[SourceFile]]:
    batches: list[list[SourceFile]] = [[]]
    size = 0
    for source in files:
        if batches[-1] and size + _work_bytes(source) > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(source)
        size += _work_bytes(source)
    return batches if batches[0] else []


def _parallel_messages(
    converter: Converter, batches: list[list[SourceFile]], workers: int
) -> Iterator[tuple[Any, ...]]:
    """Worker k converts batches k, k+W, …; the main process reads their queues in batch order."""
    context = multiprocessing.get_context("fork")  # the converter and its compiled code are inherited
    queues = [context.Queue(maxsize=_QUEUE_CHUNKS) for _ in range(workers)]
    processes = [
        context.Process(
            target=_work, args=(converter, batches[k::workers], queues[k], os.getpid()), daemon=True
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        for index in range(len(batches)):
            queue = queues[index % workers]
            while (message := queue.get())[0] != "batch done":
                if message[0] == "error":
                    raise message[1]
                yield from message[1]
    finally:
        for process in processes:
            process.terminate()
            process.join()


def _work(converter: Converter, batches: list[list[SourceFile]], queue: Any, parent_pid: int) -> None:
    become_worker(parent_pid)
    try:
        for batch in batches:
            for messages in _grouped(converter.messages(batch)):
                queue.put(("messages", messages))
            queue.put(("batch done",))
    except Exception as exc:  # handed to the main process, which raises it there
        queue.put(("error", exc))


def _grouped(messages: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """The messages, in order, in lists of about a chunk of rows or :data:`GROUP_MESSAGES` messages: a
    message through a queue costs about as much as converting a small file (a song file: two messages)."""
    group: list[tuple[Any, ...]] = []
    size = 0
    for message in messages:
        group.append(message)
        size += len(message[1]) if message[0] == "rows" else 0
        if size >= CHUNK_BYTES or len(group) >= GROUP_MESSAGES:
            yield group
            group, size = [], 0
    if group:
        yield group


class _NoProgress:
    def file_done(self, rows: int, size: int, retries: int = 0) -> None:
        return None


class _Bookkeeper:
    """Books per-file stats and rejected records in file order; fails the COPY past MAXERROR."""

    def __init__(
        self, command: CopyCommand, result: CopyResult, progress: FileProgress, sizes: dict[str, int]
    ) -> None:
        self.command = command
        self.result = result
        self.progress = progress
        self.sizes = sizes

    def take(self, message: tuple[Any, ...]) -> None:
        if message[0] == "file":
            stats = message[1]
            self.result.files.append(stats)
            self.progress.file_done(stats.loaded, self.sizes.get(stats.name, 0), stats.retries)
        else:
            self._reject(*message[1:])

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
        shown = "" if column is None else str(value) if isinstance(value, str) else _raw(value)
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
