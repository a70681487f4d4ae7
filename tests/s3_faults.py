"""A real S3 endpoint having a bad day: moto's server on loopback behind a small fault-injecting proxy.

The proxy forwards every request to moto unchanged, except the object GETs its :class:`Faults` pick:
those it answers 503 SlowDown, cuts off mid-body (the headers promise the whole object, half of it
arrives, then the connection closes), delays, or denies with 403 AccessDenied.  Clients reach it
through ``AWS_ENDPOINT_URL``, as they would reach MinIO or a VPC endpoint.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@dataclass
class Faults:
    """Which object GETs go wrong.  ``every`` rules count each key's GETs: ``slow_down_first=2`` answers
    the first two GETs of every object 503; ``cut_every=3`` cuts off every third GET of the run."""

    slow_down_first: int = 0  # the first n GETs of each object: 503 SlowDown
    cut_first: int = 0  # the first n GETs of each object: body cut off half-way
    cut_every: int = 0  # every n-th object GET of the run: body cut off half-way
    slow_down_every: int = 0  # every n-th object GET of the run: 503 SlowDown
    short_every: int = 0  # every n-th object GET of the run: half the body, headers saying that is all
    delay_seconds: float = 0.0  # before answering GETs of keys containing ``delay_keys``
    delay_keys: str = ""
    denied: set[str] = field(default_factory=set)  # keys answered 403 AccessDenied, always
    gets: Counter[str] = field(default_factory=Counter)  # GETs seen per key
    injected: Counter[str] = field(default_factory=Counter)  # faults injected, by kind
    lock: threading.Lock = field(default_factory=threading.Lock)
    total_gets: int = 0
    struck_last: set[str] = field(default_factory=set)  # keys whose last GET was given a fault

    def choose(self, key: str) -> str:
        """The fault for this GET of ``key``: "deny", "slow down", "cut" or "" (pass it through).

        The run-wide ``every`` rules never strike the same object twice in a row: with a few objects left
        retrying in lockstep, every n-th GET could otherwise fall on one of them each time, a streak that
        independent faults make vanishingly rare and that no bounded retry survives."""
        with self.lock:
            self.gets[key] += 1
            self.total_gets += 1
            seen, total = self.gets[key], self.total_gets
            periodic = key not in self.struck_last

            def every(n: int) -> bool:
                return bool(n) and periodic and total % n == 0

            if key in self.denied:
                kind = "deny"
            elif seen <= self.slow_down_first or every(self.slow_down_every):
                kind = "slow down"
            elif seen <= self.slow_down_first + self.cut_first or every(self.cut_every):
                kind = "cut"
            elif every(self.short_every):
                kind = "short"
            else:
                kind = ""
            if kind:
                self.injected[kind] += 1
                self.struck_last.add(key)
            else:
                self.struck_last.discard(key)
            return kind


class FaultyProxy:
    """A threaded HTTP proxy on 127.0.0.1 in front of ``upstream`` (host, port), injecting ``faults``."""

    def __init__(self, upstream: tuple[str, int], faults: Faults) -> None:
        self.faults = faults
        handler = type("Handler", (_Handler,), {"upstream": upstream, "faults": faults})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="faulty-s3", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultyProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    upstream: tuple[str, int]
    faults: Faults

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows stderr on failure
        return None

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self._request_body()
        fault = self.faults.choose(self._object_key()) if self._is_object_get() else ""
        if fault == "deny":
            return self._answer(403, _ACCESS_DENIED)
        if fault == "slow down":
            return self._answer(503, _SLOW_DOWN)
        if self.faults.delay_seconds and self.faults.delay_keys and self.faults.delay_keys in self.path:
            time.sleep(self.faults.delay_seconds)
        status, headers, payload = self._ask_upstream(body)
        if fault == "short":  # a proxy that drops the tail and fixes the length: nothing looks wrong
            payload = payload[: len(payload) // 2]
            headers = [
                (name, value) for name, value in headers if not name.lower().startswith("x-amz-checksum")
            ]
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command == "HEAD":
            return None
        if fault == "cut" and len(payload) > 1:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        self.wfile.write(payload)
        return None

    def _is_object_get(self) -> bool:
        parts = urlsplit(self.path)
        return self.command == "GET" and parts.path.count("/") >= 2 and not parts.query

    def _object_key(self) -> str:
        return unquote(urlsplit(self.path).path.split("/", 2)[2])

    def _request_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _ask_upstream(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding",)}
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def _answer(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
