"""The fast path of a text or CSV COPY: each file's bytes straight into PostgreSQL's own ``COPY … FROM
STDIN``, with no Python work per line.

Taken only where PostgreSQL reads a file exactly as Redshift does, which the COPY's options and column
types decide once, and which cheap checks over each chunk of bytes (C speed) keep true: text without
ESCAPE goes in as PostgreSQL CSV with a quote character the chunk does not hold; CSV must have its quotes
only at the edges of fields (PostgreSQL would also take one in the middle); a length-limited column
needs ASCII text (Redshift counts bytes, PostgreSQL characters).  Whatever PostgreSQL rejects, or a check
refuses, abandons the fast path: the caller rolls back to its savepoint and loads the files again on the
careful path, line by line, which finds, records and counts each bad line.  All or nothing holds.
"""

from __future__ import annotations

import io
import queue
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sparkify.engine.copy.convert import Column
from sparkify.engine.copy.produce import CopyResult, FileStats
from sparkify.engine.copy.progress import FileProgress
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.copy.statement import CopyCommand
from sparkify.engine.copy.text_lines import open_binary, source_bodies_streamed
from sparkify.engine.sql.text import quote_ident

READ_BYTES = 1 << 20
_CHUNKS_AHEAD = 4
_TEXT_QUOTE = b"\x01"  # PostgreSQL's CSV needs a quote character; text has none, so one it never holds
# Types PostgreSQL reads as Redshift does from the same text (dates, times, booleans and DECIMAL scale
# differ in what each accepts; those go the careful way).
_SAME_TYPES = ("smallint", "integer", "bigint", "double precision", "real", "text", "character varying")
_LIMITED_TYPES = ("character varying", "character")
# Options whose effect shows on lines PostgreSQL accepts: the careful path honours them.
_CAREFUL_OPTIONS = (
    "escape",
    "remove_quotes",
    "empty_as_null",
    "blanks_as_null",
    "trim_blanks",
    "ignore_blank_lines",
    "accept_any_date",
    "noload",
)


class FastPathAbandoned(Exception):
    """A chunk PostgreSQL might read otherwise than Redshift: load the COPY the careful way."""


def fast_path_fits(command: CopyCommand, columns: list[Column]) -> bool:
    if command.data_format not in ("text", "csv") or command.encoding != "utf8":
        return False
    if any(getattr(command, option) for option in _CAREFUL_OPTIONS):
        return False
    if command.dateformat or command.timeformat:
        return False
    if command.null_as is not None and any(char in command.null_as for char in "\r\n\x00\\"):
        return False
    kinds = [column.type_name.split("(")[0] for column in columns]
    # PostgreSQL rounds a DECIMAL to its scale half away from zero, as ROUNDEC does; COPY truncates.
    numeric_same = [column.type_name == "numeric" or command.round_decimals for column in columns]
    return all(kind in _SAME_TYPES or (kind == "numeric" and same) for kind, same in zip(kinds, numeric_same))


def copy_files_fast(
    cursor: Any,
    command: CopyCommand,
    columns: list[Column],
    files: list[SourceFile],
    result: CopyResult,
    progress: FileProgress,
) -> None:
    """COPY each file with PostgreSQL's COPY; raises when PostgreSQL or a check refuses a chunk."""
    target = f"{command.relation} ({', '.join(quote_ident(column.name) for column in columns)})"
    sql = f"COPY {target} FROM STDIN WITH ({_postgres_options(command)})"
    limited = any(column.type_name.split("(")[0] in _LIMITED_TYPES for column in columns)
    check = _chunk_check(command, ascii_only=limited)
    for source, fetched in source_bodies_streamed(files, table=command.table, region=command.region):
        stream = _CheckedBytes(_file_chunks(source, fetched.data if fetched else None, command), check)
        try:
            cursor.copy_expert(sql, stream, READ_BYTES)
        finally:
            stream.stop()
        if stream.error is not None:
            raise stream.error
        retries = fetched.retries if fetched else 0
        result.files.append(FileStats(source.name, cursor.rowcount, cursor.rowcount, retries=retries))
        progress.file_done(cursor.rowcount, source.size, retries)


def _postgres_options(command: CopyCommand) -> str:
    null = "\\N" if command.null_as is None else command.null_as
    quote = _TEXT_QUOTE if command.data_format == "text" else command.quote.encode()
    return (
        f"FORMAT csv, DELIMITER {_char(command.field_delimiter)}, QUOTE {_char(quote.decode())}, "
        f"ESCAPE {_char(quote.decode())}, NULL E'{_escaped(null)}'"
    )


def _char(char: str) -> str:
    return f"E'\\x{ord(char):02x}'" if ord(char) < 0x80 else "'" + char.replace("'", "''") + "'"


def _escaped(text: str) -> str:
    return "".join(f"\\x{ord(char):02x}" if ord(char) < 0x80 else char for char in text)


def _chunk_check(command: CopyCommand, *, ascii_only: bool) -> Callable[[bytes], None]:
    """A function that raises :class:`FastPathAbandoned` for a chunk PostgreSQL may read differently."""
    # "\." alone on a line ends PostgreSQL's input.
    forbidden: tuple[bytes, ...] = (b"\\.\n", b"\\.\r")
    if command.data_format == "text":
        forbidden += (_TEXT_QUOTE, b"\r")  # Redshift's text keeps a CR as data; PostgreSQL ends a line
        misplaced = None
    else:
        quote, delimiter = re.escape(command.quote.encode()), re.escape(command.field_delimiter.encode())
        # A quote with neither side at a field's edge (delimiter, line end, another quote), or white space
        # between a quote and a delimiter (Redshift skips it; PostgreSQL keeps it).  Every alternative
        # starts with the quote, which the regular expression engine searches for at C speed.
        edge = rb"[^" + delimiter + rb"\r\n" + quote + rb"]"
        blank = rb"[ \t]".replace(re.escape(command.field_delimiter.encode()), b"")
        misplaced = re.compile(
            quote
            + rb"(?:(?<="
            + edge
            + quote
            + rb")(?="
            + edge
            + rb")|(?="
            + blank
            + rb"+(?:"
            + delimiter
            + rb"|\r|\n))|(?<=[\n"
            + delimiter
            + rb"]"
            + blank
            + quote
            + rb")|(?<="
            + blank
            + blank
            + quote
            + rb"))"
        )

    def check(chunk: bytes) -> None:
        if ascii_only and not chunk.isascii():
            raise FastPathAbandoned("a length-limited column and multi-byte text")
        for byte in forbidden:
            if byte in chunk:
                raise FastPathAbandoned(f"the data holds {byte!r}")
        if misplaced is not None and misplaced.search(chunk):
            raise FastPathAbandoned("a quote inside a field")

    return check


def _file_chunks(source: SourceFile, fetched: bytes | None, command: CopyCommand) -> Iterator[bytes]:
    """The file's bytes in chunks, after its IGNOREHEADER lines, ending with a newline."""
    stream = open_binary(source, fetched, command.compression, table=command.table, region=command.region)
    try:
        for _ in range(command.ignore_header):
            stream.readline()
        last = b"\n"
        while chunk := stream.read(READ_BYTES):
            last = chunk[-1:]
            yield chunk
        if last != b"\n":
            yield b"\n"
    finally:
        stream.close()


class _CheckedBytes(io.RawIOBase):
    """A readable file over checked chunks, for ``copy_expert``.  A thread reads, decompresses and checks
    the next chunks while PostgreSQL takes this one (the checks would otherwise leave it waiting); what
    stopped the reading is kept, as psycopg2 reports only "error in .read() call"."""

    def __init__(self, chunks: Iterator[bytes], check: Callable[[bytes], None]) -> None:
        self.ready: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=_CHUNKS_AHEAD)
        self.stopped = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._produce, args=(chunks, check), daemon=True)
        self.thread.start()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        item = self.ready.get()
        if isinstance(item, BaseException):
            self.error = item
            raise item
        return item

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _produce(self, chunks: Iterator[bytes], check: Callable[[bytes], None]) -> None:
        seam = b""  # the end of the last chunk: a check must also see what spans two chunks
        try:
            for chunk in chunks:
                check(seam + chunk)
                seam = chunk[-2:]
                if not self._hand_over(chunk):
                    return
            self._hand_over(b"")
        except Exception as exc:  # raised in the reader's thread, by read()
            self._hand_over(exc)
        finally:
            chunks.close()  # type: ignore[attr-defined]  # a generator: closes its file

    def _hand_over(self, item: bytes | BaseException) -> bool:
        while not self.stopped.is_set():
            try:
                self.ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False
