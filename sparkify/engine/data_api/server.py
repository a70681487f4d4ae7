"""The HTTP side: AWS JSON 1.1 over HTTP/1.1, as botocore speaks it to the Data API — a POST to ``/`` with
``X-Amz-Target: RedshiftData.<Operation>``, a SigV4 ``Authorization`` header and a JSON body; the answer
is the output shape's JSON, or ``{"__type": <exception>, "message": …}`` with a 4xx/5xx status."""

from __future__ import annotations

import json
import logging
import re
import socket
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from sparkify.engine.data_api.database import Endpoint
from sparkify.engine.data_api.faults import (
    DataApiFault,
    InternalServerException,
    MissingAuthenticationTokenException,
    UnknownOperationException,
    ValidationException,
)
from sparkify.engine.data_api.logins import Logins
from sparkify.engine.data_api.service import DataApi
from sparkify.engine.data_api.statements import Limits
from sparkify.engine.errors import DataApiStartError

LOG = logging.getLogger(__name__)
MAX_BODY_BYTES = 16 * 1024 * 1024  # 40 statements of 100 KB and their parameters fit many times over
TARGET_PREFIX = "RedshiftData."
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/redshift-data/aws4_request")


class DataApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service: DataApi, host: str, port: int) -> None:
        self.service = service
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def service_actions(self) -> None:
        """Between requests (``serve_forever`` calls this every poll): close the sessions whose keep-alive
        has run out, so that an idle service holds no backend session longer than it was asked to."""
        self.service.sessions.reap()

    def close(self) -> None:
        """Stop listening and close the sessions' backend connections (after ``serve_forever`` returned)."""
        self.server_close()
        self.service.close()


def data_api_server(
    endpoint: Endpoint,
    master_password: str,
    host: str,
    port: int,
    limits: Limits | None = None,
    master_user: str = "",
) -> DataApiServer:
    """The service bound to ``host:port`` (``0``: a free port) for the endpoint at ``endpoint``; the caller
    runs ``serve_forever`` (on a thread of its own beside an endpoint, or in the foreground).  Raises
    DataApiStartError when it cannot listen there."""
    service = DataApi(endpoint, Logins(master_password, master_user), limits or Limits())
    try:
        return DataApiServer(service, host, port)
    except OSError as exc:
        raise DataApiStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: DataApiServer

    def setup(self) -> None:
        super().setup()
        # The headers and the body go out as two writes: without NODELAY the second waits for the
        # client's delayed ACK (40 ms a request on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        try:
            status, payload = 200, self._answer()
        except DataApiFault as fault:
            status, payload = fault.status, fault.body()
        except Exception:
            LOG.exception("the Data API failed on a request")
            fault = InternalServerException("The service failed on this request; see its log.")
            status, payload = fault.status, fault.body()
        body = orjson.dumps(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ValidationException(f"The request is larger than {MAX_BODY_BYTES} bytes.")
        body = self.rfile.read(length)
        target = self.headers.get("X-Amz-Target", "")
        if not target.startswith(TARGET_PREFIX):
            raise UnknownOperationException(f"Operation {target or '(none)'} is not supported.")
        scope = _SCOPE.search(self.headers.get("Authorization", ""))
        if scope is None:
            raise MissingAuthenticationTokenException("Missing Authentication Token")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise ValidationException("The request body is not JSON.") from None
        return self.server.service.handle(target[len(TARGET_PREFIX) :], request, scope.group(1))

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: their bodies hold SQL and parameter values."""
