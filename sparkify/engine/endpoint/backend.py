"""A backend session: one unix-socket connection to the embedded PostgreSQL, speaking the protocol itself,
and a small psycopg2-like face over it for the server-side statements (COPY, UNLOAD) that run on the
client's own session, inside the client's own transaction."""

from __future__ import annotations

import socket
from collections import namedtuple
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sparkify.engine.endpoint import messages as m
from sparkify.engine.sql.text import quote_literal

Column = namedtuple("Column", "name type_code")

_INTEGER_TYPES = frozenset({20, 21, 23, 26})  # int8, int2, int4, oid
_FLOAT_TYPES = frozenset({700, 701})
_BOOL, _NUMERIC = 16, 1700


class BackendError(Exception):
    """An ErrorResponse of the embedded server; ``pgcode`` and ``pgerror`` as psycopg2 names them."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.fields = m.error_fields(payload)
        self.pgcode = self.fields.get("C", "XX000")
        self.pgerror = self.fields.get("M", "")
        super().__init__(self.pgerror)


class BackendUnavailable(m.ProtocolError):
    """The embedded server's socket does not answer (stopped under the endpoint)."""


class Backend:
    """One session of the embedded server, opened with the client's accepted startup parameters."""

    def __init__(self, socket_path: str, parameters: dict[str, str], *, wait: bool = True) -> None:
        """Connect and send the startup; with ``wait``, read the server's answers up to its first
        ReadyForQuery, else :meth:`finish_startup` does (the server starts the session meanwhile)."""
        self.socket_path = socket_path
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(socket_path)
        except OSError as exc:
            sock.close()
            raise BackendUnavailable(f"the embedded PostgreSQL is not reachable: {exc.strerror}") from None
        self.channel = m.Channel(sock, name="the embedded PostgreSQL")
        self.pid = 0
        self.secret = 0
        self.status = b"I"
        #: ParameterStatus and NoticeResponse messages of the startup, for the client.
        self.greeting: list[bytes] = []
        #: The run-time parameters the server reported (ParameterStatus), as the client knows them.
        self.reported: dict[str, str] = {}
        #: Whether a backslash in a plain literal is itself in this session (standard_conforming_strings):
        #: read before every statement, kept as it changes.
        self.standard_strings = True
        self.channel.write(m.startup_packet(parameters))
        self.channel.flush()
        if wait:
            self.finish_startup()

    def finish_startup(self) -> None:
        """The server's answers to the startup, up to its first ReadyForQuery; an error closes the session."""
        while True:
            kind, payload = self.channel.read_message()
            if kind == b"R":
                if m.unpack_int32(payload) != 0:
                    self.close()
                    raise m.ProtocolError("the embedded PostgreSQL asked for a password; it must trust local")
            elif kind in (b"S", b"N"):
                self.greeting.append(m.message(kind, payload))
                if kind == b"S":
                    self.note_parameter(payload)
            elif kind == b"K":
                self.pid, self.secret = m.unpack_int32(payload), m.unpack_int32(payload, 4)
            elif kind == b"E":
                self.close()
                raise BackendError(payload)
            elif kind == b"Z":
                self.status = payload[:1]
                return

    def note_parameter(self, payload: bytes) -> None:
        """Remember a ParameterStatus's value (a client's SET of a reported parameter sends one)."""
        name, offset = m.read_cstring(payload)
        self.reported[name] = m.read_cstring(payload, offset)[0]
        self.standard_strings = self.reported.get("standard_conforming_strings", "on") == "on"

    def send(self, data: bytes) -> None:
        self.channel.write(data)

    def read(self) -> tuple[bytes, bytes]:
        return self.channel.read_message()

    def cancel(self) -> None:
        """Ask the server to cancel what this session runs (a CancelRequest on a connection of its own)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(self.socket_path)
            sock.sendall(m.int32(16) + m.int32(m.CANCEL_REQUEST) + m.int32(self.pid) + m.int32(self.secret))

    def close(self) -> None:
        try:
            self.channel.outbox.clear()
            self.channel.sock.sendall(m.message(b"X"))
        except OSError:
            pass
        self.channel.sock.close()

    def connection(self) -> ShimConnection:
        return ShimConnection(self)


class ShimConnection:
    """What run_copy and run_unload need of a psycopg2 connection, over a :class:`Backend`."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def closed(self) -> bool:
        """As psycopg2 says it: true once the session's socket is gone."""
        return self.backend.channel.sock.fileno() == -1

    def cursor(self) -> ShimCursor:
        return ShimCursor(self.backend)


class ShimCursor:
    """execute / fetchone / fetchall / description / rowcount / copy_expert, on the simple query protocol."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.connection = ShimConnection(backend)
        self.description: list[Column] | None = None
        self.rows: list[tuple[Any, ...]] = []
        self.rowcount = -1

    def __enter__(self) -> ShimCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.rows = []

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        if params is not None:
            sql = sql % tuple(_literal(value) for value in params)
        self.description, self.rows, self.rowcount = None, [], -1
        self.backend.send(m.message(b"Q", m.cstring(sql)))
        self.backend.channel.flush()
        self._read_results(None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for params in rows:
            self.execute(sql, params)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows.pop(0) if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def copy_expert(self, sql: str, file: Any, size: int = 8192) -> None:
        """COPY … FROM STDIN reading ``file``, or COPY … TO STDOUT writing it."""
        self.description, self.rows, self.rowcount = None, [], -1
        self.backend.send(m.message(b"Q", m.cstring(sql)))
        self.backend.channel.flush()
        self._read_results(file, size)

    def _read_results(self, file: Any, size: int = 8192) -> None:
        error: BackendError | None = None
        while True:
            kind, payload = self.backend.read()
            if kind == b"T":
                self.description = _row_description(payload)
            elif kind == b"D":
                self.rows.append(_data_row(payload, self.description or []))
            elif kind == b"C":
                tag = payload.rstrip(b"\0").split()
                self.rowcount = int(tag[-1]) if tag and tag[-1].isdigit() else -1
            elif kind == b"E":
                error = BackendError(payload)
            elif kind == b"G":
                self._send_copy_data(file, size)
            elif kind == b"d" and file is not None:
                file.write(payload)
            elif kind == b"Z":
                self.backend.status = payload[:1]
                if error is not None:
                    raise error
                return

    def _send_copy_data(self, file: Any, size: int) -> None:
        if file is None:
            self.backend.send(m.message(b"f", m.cstring("no data for COPY FROM STDIN")))
            return
        try:
            while chunk := file.read(size):
                self.backend.send(m.message(b"d", chunk.encode() if isinstance(chunk, str) else bytes(chunk)))
        except BaseException:
            # Ends the COPY on the server with an error, then drains to ReadyForQuery before re-raising.
            self.backend.send(m.message(b"f", m.cstring("the COPY's input failed")))
            self.backend.channel.flush()
            while self.backend.read()[0] != b"Z":
                pass
            raise
        self.backend.send(m.message(b"c"))
        self.backend.channel.flush()


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(value) if not isinstance(value, Decimal) else str(value)
    if isinstance(value, list | tuple):  # as psycopg2 adapts a list: an array (give it a cast)
        return "ARRAY[" + ", ".join(_literal(item) for item in value) + "]"
    return quote_literal(str(value))


def _row_description(payload: bytes) -> list[Column]:
    count = int.from_bytes(payload[:2], "big")
    columns, offset = [], 2
    for _ in range(count):
        name, offset = m.read_cstring(payload, offset)
        type_oid = m.unpack_int32(payload, offset + 6)
        columns.append(Column(name, type_oid))
        offset += 18
    return columns


def _data_row(payload: bytes, columns: list[Column]) -> tuple[Any, ...]:
    count = int.from_bytes(payload[:2], "big")
    values: list[Any] = []
    offset = 2
    for index in range(count):
        length = m.unpack_int32(payload, offset)
        offset += 4
        if length < 0:
            values.append(None)
            continue
        text = payload[offset : offset + length].decode()
        offset += length
        values.append(_convert(text, columns[index].type_code if index < len(columns) else 25))
    return tuple(values)


def _convert(text: str, type_oid: int) -> Any:
    if type_oid == _BOOL:
        return text == "t"
    if type_oid in _INTEGER_TYPES:
        return int(text)
    if type_oid in _FLOAT_TYPES:
        return float(text)
    if type_oid == _NUMERIC:
        return Decimal(text)
    return text
