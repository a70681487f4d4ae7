"""The statements a database ran, for Redshift's history views: sys_query_history, stl_query,
stl_querytext, svl_qlog, sys_load_history and sys_unload_history (sparkify/engine/sql/redshift/history.sql).

Recording costs a client's statement no round trip: a statement's record is made in memory as its answer
passes by (its start and end, its rows from the command tag, an error's words), and the records are written
in batches on a connection of the history's own, by a thread of the history's own (every
:data:`WRITE_EVERY` seconds, or sooner once :data:`FLUSH_EVERY` have gathered: it works while the sessions
wait for their answers), and by the session itself before a statement that reads one of the views (so that
it sees everything run before it) and when a session or the warehouse ends.  Query ids are handed out in
blocks taken from a sequence, so that every process recording in a database has ids of its own, and a
COPY's id is known before it runs: its rows in stl_load_errors and stl_load_commits carry it, and so does
pg_last_copy_id().

The history is bounded as a cluster's is (Redshift keeps about seven days): the newest ``size`` statements
of the last ``days`` days are kept, older ones deleted as new ones are written.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass, fields
from typing import Any

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.text import COPY_TEXT_ESCAPES, first_keyword, mask_secrets
from sparkify.engine.sql.tokens import SqlLexError, words

log = logging.getLogger(__name__)

#: Records gathered before the writer is woken, and the seconds it otherwise sleeps.  Each write also
#: keeps the bound, at a price of its own: a client's burst of short statements is written 1,024 at a time.
FLUSH_EVERY = 1024
WRITE_EVERY = 1.0
#: Query ids taken from the sequence at a time (the sequence's increment in history.sql).
ID_BLOCK = 1000
DEFAULT_SIZE = 10_000
DEFAULT_DAYS = 7.0
#: The characters of a statement's text kept (stl_querytext's pieces); a longer text (a big INSERT … VALUES)
#: is cut there.
MAX_TEXT = 16_000

#: The views that read the records: a statement naming one has the history written first.
HISTORY_VIEWS = frozenset(
    {
        "SYS_QUERY_HISTORY",
        "SYS_QUERY_TEXT",
        "SYS_LOAD_HISTORY",
        "SYS_UNLOAD_HISTORY",
        "STL_QUERY",
        "STL_QUERYTEXT",
        "STL_DDLTEXT",
        "STL_UTILITYTEXT",
        "SVL_QLOG",
        "SVL_STATEMENTTEXT",
        "PG_LAST_QUERY_ID",
    }
)

_DDL = frozenset({"CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "REVOKE", "COMMENT"})
_TYPES = {"SELECT": "SELECT", "WITH": "SELECT", "INSERT": "INSERT", "UPDATE": "UPDATE", "DELETE": "DELETE"}
_TYPES |= {"COPY": "COPY", "UNLOAD": "UNLOAD", "MERGE": "MERGE", "CALL": "COMMAND", "VALUES": "SELECT"}


@dataclass(frozen=True)
class HistoryBound:
    """How much history is kept: the newest ``size`` statements of the last ``days`` days."""

    size: int = DEFAULT_SIZE
    days: float = DEFAULT_DAYS


@dataclass
class LoadDetails:
    """What sys_load_history tells of a COPY."""

    table_name: str
    data_source: str
    file_format: str
    loaded_rows: int
    loaded_bytes: int
    source_file_count: int
    error_count: int


@dataclass
class UnloadDetails:
    """What sys_unload_history tells of an UNLOAD."""

    unloaded_location: str
    unload_format: str
    unloaded_rows: int
    unloaded_files_count: int
    unloaded_files_size: int


@dataclass(slots=True)
class QueryRecord:
    """One statement: who ran it, its text as the client sent it, and how it ended."""

    query_id: int
    user_name: str
    session_id: int
    query_text: str
    start: float
    end: float = 0.0
    status: str = "running"
    returned_rows: int = 0
    error_message: str = ""
    load: LoadDetails | None = None
    unload: UnloadDetails | None = None
    #: The statement's query type when the caller knows it already (a known frame's next row: its frame's
    #: type); None: worked out from the text.
    query_type: str | None = None

    def finish(self, status: str, *, rows: int = 0, error: str = "") -> None:
        self.end = time.time()
        self.status = status
        self.returned_rows = rows
        self.error_message = error[:512]

    def copy_line(self, database: str) -> str:
        """The record as a line of COPY's text format, in :data:`STAGING`'s columns."""
        if self.query_type is None:
            kind, text = _typed_text(self.query_text)
        else:  # a text of a frame, each one new (executemany's rows): none of _typed_text's cache
            kind, text = self.query_type, _copy_text(_storable_text(self.query_text))
        end = repr(self.end) if self.end else _NULL
        error = _copy_text(self.error_message) if self.error_message else _NULL
        line = (
            f"{self.query_id}\t{_copy_text(self.user_name)}\t{_copy_text(database)}\t{self.session_id}\t"
            f"{kind}\t{self.status}\t{self.start!r}\t{end}\t{error}\t{self.returned_rows}\t{text}"
        )
        if self.load is None and self.unload is None:
            return line + _NO_DETAILS
        details = [_details(self.load, _LOAD_COLUMNS), _details(self.unload, _UNLOAD_COLUMNS)]
        return line + "".join(details) + "\n"


def _details(details: LoadDetails | UnloadDetails | None, columns: int) -> str:
    """A COPY's or an UNLOAD's fields of a record's line (NULLs for a record without them)."""
    if details is None:
        return "\t\\N" * columns
    return "".join("\t" + (_NULL if value is None else _copy_text(str(value))) for value in astuple(details))


#: The writer's own table of the records of one write (history.sql's record_staged_queries reads it),
#: emptied at each write's commit.
STAGING = """CREATE TEMPORARY TABLE IF NOT EXISTS staged_queries (
    query_id bigint, user_name text, database_name text, session_id integer, query_type text, status text,
    start_epoch double precision, end_epoch double precision, error_message text, returned_rows bigint,
    query_text text, table_name text, data_source text, file_format text, loaded_rows bigint,
    loaded_bytes bigint, source_file_count integer, error_count bigint, unloaded_location text,
    unload_format text, unloaded_rows bigint, unloaded_files_count bigint, unloaded_files_size bigint
) ON COMMIT DELETE ROWS"""
_NULL = "\\N"
_LOAD_COLUMNS = len(fields(LoadDetails))
_UNLOAD_COLUMNS = len(fields(UnloadDetails))
_NO_DETAILS = "\t\\N" * (_LOAD_COLUMNS + _UNLOAD_COLUMNS) + "\n"
#: COPY's text format: a backslash, tab, newline or carriage return escaped, so that no value ends its
#: field or its line; a NUL, which no PostgreSQL text holds, as U+FFFD.
_COPY_ESCAPES = str.maketrans({**COPY_TEXT_ESCAPES, "\0": "\ufffd"})


def _copy_text(value: str) -> str:
    # Most values hold none of them: five searches in C cost far less than a translation through the table's
    # dict, character by character (about 7 µs for a 60-character text here, on every record's text, user
    # and database).
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value or "\0" in value:
        return value.translate(_COPY_ESCAPES)
    return value


#: Texts up to this length have their type and kept text worked out once: a client's texts come again and
#: again (``select 1``, ``BEGIN``, ``COMMIT``); longer ones (a big INSERT … VALUES) rarely do.
_TYPED_TEXT = 2048


def _typed_text(sql: str) -> tuple[str, str]:
    """A statement's query type and its text as kept, as COPY reads it."""
    return _typed_text_cached(sql) if len(sql) <= _TYPED_TEXT else _text_and_type(sql)


def _text_and_type(sql: str) -> tuple[str, str]:
    return query_type(sql), _copy_text(_storable_text(sql))


_typed_text_cached = functools.lru_cache(maxsize=1024)(_text_and_type)


def _storable_text(sql: str) -> str:
    """The text kept: cut at :data:`MAX_TEXT`, credentials and passwords masked (as a cluster's history
    masks them)."""
    text = sql[:MAX_TEXT]
    lowered = text.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        text = mask_secrets(text)
    return text


_SECRET_WORDS = ("password", "credentials", "access_key", "secret", "session_token")


@functools.lru_cache(maxsize=1024)
def query_type(sql: str) -> str:
    """sys_query_history's query_type: SELECT, INSERT, UPDATE, DELETE, COPY, UNLOAD, CTAS, DDL, UTILITY."""
    keyword = first_keyword(sql)
    if keyword == "CREATE":
        try:
            found = words(sql)
        except SqlLexError:
            return "DDL"
        return "CTAS" if "TABLE" in found[:5] and "AS" in found else "DDL"
    if keyword in _DDL:
        return "DDL"
    return _TYPES.get(keyword, "UTILITY")


def rows_of_tag(tag: bytes) -> int:
    """The row count of a CommandComplete tag (``SELECT 3``, ``INSERT 0 2``); 0 when it has none."""
    last = tag.rstrip(b"\0").rpartition(b" ")[2]
    return int(last) if last.isdigit() else 0


def reads_history(sql: str) -> bool:
    """Whether ``sql`` names one of the history views (a cheap look at the text first)."""
    lowered = sql.lower()
    if (
        "sys_" not in lowered
        and "stl_" not in lowered
        and "svl_" not in lowered
        and "last_query" not in lowered
    ):
        return False
    try:
        return not HISTORY_VIEWS.isdisjoint(words(sql))
    except SqlLexError:
        return False


class QueryHistory:
    """The history of one database, shared by every session of this process that runs statements in it.

    ``connect`` opens the history's own connection (autocommit is set here); records are staged by COPY
    and go through ``sparkify_redshift.record_staged_queries``, which keeps the bound.
    """

    def __init__(self, connect: Callable[[], Any], database: str, bound: HistoryBound | None = None) -> None:
        self._connect = connect
        self.database = database
        self.bound = bound or HistoryBound()
        self._lock = threading.Lock()  # the pending records and the id block
        self._write_lock = threading.Lock()  # the connection
        self._pending: list[QueryRecord] = []
        self._ids: Iterator[int] = iter(())
        self._connection: Any = None
        self._staging = False  # whether the connection has its STAGING table
        self._wanted = threading.Event()  # wakes the writer before its time
        self._closing = threading.Event()
        self._writer: threading.Thread | None = None

    def begin(self, user_name: str, session_id: int, text: str, kind: str | None = None) -> QueryRecord:
        """A record for a statement that starts now; ``kind``, its query type where the caller knows it."""
        return QueryRecord(self.next_id(), user_name, session_id, text, time.time(), query_type=kind)

    def next_id(self) -> int:
        # The next of the block without the lock (a range's iterator steps atomically); at its end, under
        # the lock, another session may have taken a new block already.
        query_id = next(self._ids, None)
        if query_id is not None:
            return query_id
        with self._lock:
            for query_id in self._ids:
                return query_id
            first = self._reserve_ids()
            self._ids = iter(range(first + 1, first + ID_BLOCK))
            return first

    def done(self, record: QueryRecord) -> None:
        """``record`` has ended: kept until the writer's next round."""
        with self._lock:
            self._pending.append(record)
            full = len(self._pending) >= FLUSH_EVERY
            if self._writer is None and not self._closing.is_set():
                self._writer = threading.Thread(target=self._write_in_turn, name="query-history", daemon=True)
                self._writer.start()
        if full:
            self._wanted.set()

    def _write_in_turn(self) -> None:
        while not self._closing.is_set():
            self._wanted.wait(WRITE_EVERY)
            self._wanted.clear()
            self.flush()

    def flush(self, *, release: bool = False) -> None:
        """Write the records gathered so far; a failure loses them (logged), the statements go on.  With
        ``release`` (a session's end) the history's connection is closed after: an idle database keeps no
        session of ours, so a DROP DATABASE of it does not wait on one (the next record opens it again)."""
        with self._lock:
            records, self._pending = self._pending, []
        if records:
            self._write(records)
        if release:
            self._release()

    def _write(self, records: list[QueryRecord]) -> None:
        lines = io.StringIO("".join([record.copy_line(self.database) for record in records]))
        try:
            with self._write_lock:
                self._with_cursor(lambda cursor: self._record(cursor, lines))
        except Exception as exc:
            log.warning("query history not written: %s", str(exc).strip())

    def _record(self, cursor: Any, lines: io.StringIO) -> None:
        """The records' lines staged by COPY, then recorded, in one transaction (which empties the stage)."""
        if not self._staging:
            cursor.execute(STAGING)
            self._staging = True
        cursor.execute("BEGIN")
        cursor.copy_expert("COPY pg_temp.staged_queries FROM STDIN", lines)
        cursor.execute(
            f"SELECT {SHIM_SCHEMA}.record_staged_queries(%s, %s)", (self.bound.size, self.bound.days)
        )
        cursor.execute("COMMIT")

    def close(self) -> None:
        self._closing.set()
        self._wanted.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
        self.flush(release=True)

    def _release(self) -> None:
        with self._write_lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _reserve_ids(self) -> int:
        try:
            with self._write_lock:
                return int(self._run(f"SELECT nextval('{SHIM_SCHEMA}.query_ids')", ())[0])
        except Exception as exc:
            log.warning("query ids not reserved: %s", str(exc).strip())
            return 0

    def _run(self, sql: str, params: tuple[Any, ...]) -> Any:
        def one_row(cursor: Any) -> Any:
            cursor.execute(sql, params)
            return cursor.fetchone()

        return self._with_cursor(one_row)

    def _with_cursor(self, work: Callable[[Any], Any]) -> Any:
        """``work`` done with a cursor of the history's connection; a failure closes the connection (the
        next use opens another)."""
        if self._connection is None or self._connection.closed:
            self._connection = self._connect()
            self._connection.autocommit = True
            self._staging = False
        try:
            with self._connection.cursor() as cursor:
                return work(cursor)
        except Exception:
            self._connection.close()
            self._connection = None
            raise
