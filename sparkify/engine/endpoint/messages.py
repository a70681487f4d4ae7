"""PostgreSQL frontend/backend protocol 3.0 framing: reading whole messages with a size cap, buffered
writing, and builders of the few backend messages the endpoint makes itself."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable

#: The largest client message the endpoint buffers; a larger length prefix ends that connection only.
MAX_CLIENT_MESSAGE = 64 << 20
#: Startup packets are small by nature (PostgreSQL's own limit is 10,000 bytes).
MAX_STARTUP_PACKET = 10_000

CLIENT = "the client"
PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102

_INT32 = struct.Struct("!i")
_HEADER = struct.Struct("!ci")
_RECV_BYTES = 1 << 16
_FLUSH_BYTES = 1 << 16
_KINDS = tuple(bytes([code]) for code in range(256))  # a message's type byte, as read_message gives it


class ProtocolError(Exception):
    """The peer broke the protocol or went away: its connection ends, nothing else does."""


class ClientClosed(ProtocolError):
    """The peer closed its end: the ordinary way a session ends when no Terminate was sent."""


class MalformedMessage(ProtocolError):
    """A message whose contents do not agree with its format (a string without its NUL, …)."""


class EndpointStopping(ProtocolError):
    """The endpoint is shutting down: the session ends at its next read of the client."""


class UnknownMessageType(ProtocolError):
    """A message type the frontend never sends: refused before its length is trusted."""


#: Every message type a frontend sends after the startup.
FRONTEND_TYPES = frozenset(b"QPBDECHSFXdcfp"[i : i + 1] for i in range(14))


class Channel:
    """One side of a connection: whole messages in, buffered bytes out.

    The inbox is read from ``start`` on, and emptied once all of it is read: a reply of many small
    messages costs no shift of the buffer per message.  A read waits in ``recv`` itself (no poll first):
    the endpoint's stop shuts the reading half of its clients' sockets (:func:`wake_reader`), which ends
    a wait there at once."""

    def __init__(self, sock: socket.socket, *, name: str, stop: threading.Event | None = None) -> None:
        self.sock = sock
        self.name = name
        #: Set when the endpoint stops: the next read of this peer ends the session.
        self.stop = stop
        self.inbox = bytearray()
        self.start = 0
        self.outbox = bytearray()
        #: Called before a read would block: the other side's pending output goes out first.
        self.before_block: Callable[[], None] | None = None

    def _fill(self, wanted: int) -> None:
        """At least ``wanted`` unread bytes in the inbox."""
        while len(self.inbox) - self.start < wanted:
            if self.start:  # the read part goes before the buffer grows
                del self.inbox[: self.start]
                self.start = 0
            if self.before_block is not None:
                self.before_block()
            if self.stop is not None and self.stop.is_set():
                raise EndpointStopping("the endpoint is stopping")
            try:
                # At most 1 MB a call: a peer that trickles a large message never costs a large buffer.
                chunk = self.sock.recv(min(max(_RECV_BYTES, wanted - len(self.inbox)), 1 << 20))
            except OSError as exc:
                raise ProtocolError(f"{self.name} connection failed: {exc.strerror or exc}") from None
            if not chunk:
                if self.stop is not None and self.stop.is_set():
                    raise EndpointStopping("the endpoint is stopping")
                closed = ClientClosed if self.name == CLIENT else ProtocolError
                raise closed(f"{self.name} closed the connection")
            self.inbox += chunk

    def _consume(self, size: int) -> None:
        self.start += size
        if self.start == len(self.inbox):
            self.inbox.clear()
            self.start = 0

    def read_exact(self, size: int) -> bytes:
        self._fill(size)
        data = bytes(self.inbox[self.start : self.start + size])
        self._consume(size)
        return data

    def read_startup(self) -> tuple[int, bytes]:
        """An untyped startup-phase packet: (code, payload after the code)."""
        length = _INT32.unpack(self.read_exact(4))[0]
        if not 8 <= length <= MAX_STARTUP_PACKET:
            raise ProtocolError(f"invalid startup packet length {length}")
        body = self.read_exact(length - 4)
        return _INT32.unpack_from(body)[0], body[4:]

    def read_message(
        self, cap: int | None = None, kinds: frozenset[bytes] | None = None
    ) -> tuple[bytes, bytes]:
        """The next typed message: (type byte, payload); with ``kinds``, only those types are accepted."""
        if len(self.inbox) - self.start < 5:
            self._fill(5)
        kind, length = _HEADER.unpack_from(self.inbox, self.start)
        if kinds is not None and kind not in kinds:
            raise UnknownMessageType(f"invalid frontend message type {kind[0]}")
        if length < 4 or (cap is not None and length > cap):
            raise ProtocolError(f"{self.name} sent a message of invalid length {length}")
        if len(self.inbox) - self.start <= length:
            self._fill(1 + length)
        start = self.start
        payload = bytes(self.inbox[start + 5 : start + 1 + length])
        self._consume(1 + length)
        return kind, payload

    def holds_message(self) -> bool:
        """Whether a whole message is read already, waiting in the inbox."""
        waiting = len(self.inbox) - self.start
        return waiting >= 5 and waiting > _INT32.unpack_from(self.inbox, self.start + 1)[0]

    def read_passing(self, out: Channel, stops: frozenset[int]) -> tuple[bytes, bytes]:
        """The next message to take apart: the first of a kind in ``stops``, or the first not all read yet
        (read whole here).  Every whole message before it is written to ``out`` as it came, in one piece:
        rows, notices and tags that need no change are never taken apart.  One call per message taken apart
        (a round trip's few messages are most of the relay's work)."""
        inbox, first = self.inbox, self.start
        at, end = first, len(inbox)
        while end - at >= 5:
            after = at + 1 + _INT32.unpack_from(inbox, at + 1)[0]
            if after > end or after <= at + 4:  # not all read yet, or a bad length: read_message says
                break
            if inbox[at] in stops:  # whole: taken out here, without a read's checks and fills
                if at > first:
                    out.write(inbox[first:at])
                kind, payload = _KINDS[inbox[at]], bytes(inbox[at + 5 : after])
                if after == end:
                    inbox.clear()
                    self.start = 0
                else:
                    self.start = after
                return kind, payload
            at = after
        if at > first:
            out.write(inbox[first:at])
            self._consume(at - first)
        return self.read_message()

    def write(self, data: bytes | memoryview) -> None:
        self.outbox += data
        if len(self.outbox) >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.outbox:
            return
        try:
            self.sock.sendall(self.outbox)
        except OSError as exc:
            raise ProtocolError(f"{self.name} connection failed: {exc.strerror or exc}") from None
        self.outbox.clear()


def wake_reader(sock: socket.socket) -> None:
    """End a wait in ``recv`` on ``sock`` (the endpoint stops): its reading half is shut, its writing half
    stays for the last message.  A TLS socket's own ``shutdown`` would drop its TLS layer first."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RD)


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + _INT32.pack(len(payload) + 4) + payload


def cstring(text: str) -> bytes:
    return text.encode() + b"\0"


def read_cstring(payload: bytes, offset: int = 0) -> tuple[str, int]:
    """The NUL-terminated string at ``offset`` and the offset after it."""
    end = payload.find(b"\0", offset)
    if end < 0:
        raise MalformedMessage("invalid message format: a string without its terminating NUL")
    return payload[offset:end].decode("utf-8", "replace"), end + 1


def parse_startup_parameters(payload: bytes) -> dict[str, str]:
    parameters: dict[str, str] = {}
    offset = 0
    while offset < len(payload) and payload[offset] != 0:
        name, offset = read_cstring(payload, offset)
        value, offset = read_cstring(payload, offset)
        parameters[name] = value
    return parameters


def startup_packet(parameters: dict[str, str]) -> bytes:
    body = (
        _INT32.pack(PROTOCOL_3_0) + b"".join(cstring(k) + cstring(v) for k, v in parameters.items()) + b"\0"
    )
    return _INT32.pack(len(body) + 4) + body


def int32(value: int) -> bytes:
    return _INT32.pack(value)


def unpack_int32(data: bytes, offset: int = 0) -> int:
    return _INT32.unpack_from(data, offset)[0]


def authentication(code: int, data: bytes = b"") -> bytes:
    return message(b"R", _INT32.pack(code) + data)


def error_response(message_text: str, sqlstate: str, *, severity: str = "ERROR", detail: str = "") -> bytes:
    fields = b"S" + cstring(severity) + b"V" + cstring(severity) + b"C" + cstring(sqlstate)
    fields += b"M" + cstring(message_text)
    if detail:
        fields += b"D" + cstring(detail)
    return message(b"E", fields + b"\0")


def error_fields(payload: bytes) -> dict[str, str]:
    """The fields of an ErrorResponse or NoticeResponse payload, by their one-letter code."""
    fields: dict[str, str] = {}
    offset = 0
    while offset < len(payload) and payload[offset] != 0:
        code = chr(payload[offset])
        value, offset = read_cstring(payload, offset + 1)
        fields[code] = value
    return fields


def ready_for_query(status: bytes) -> bytes:
    return message(b"Z", status)


def command_complete(tag: str) -> bytes:
    return message(b"C", cstring(tag))


PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
NO_PARAMETERS = message(b"t", b"\0\0")
