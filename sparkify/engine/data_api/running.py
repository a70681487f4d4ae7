"""Statements run asynchronously: each on a worker thread with its own backend connection through the
endpoint, or on a session's connection (SessionId, SessionKeepAliveSeconds); a batch in one transaction;
CancelStatement through the wire protocol's cancel request."""

from __future__ import annotations

import contextlib
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg2
import psycopg2.errors

from sparkify.engine.data_api.database import Endpoint, ResultTooLarge, error_text, quote_for, run
from sparkify.engine.data_api.faults import (
    BatchExecuteStatementException,
    ExecuteStatementException,
    ResourceNotFoundException,
    ValidationException,
)
from sparkify.engine.data_api.logins import Login
from sparkify.engine.data_api.parameters import bind
from sparkify.engine.data_api.statements import ACTIVE, Limits, Part, Statement


class Cancelled(Exception):
    """CancelStatement reached the statement."""


@dataclass
class Session:
    """A backend connection kept between statements for ``keep_alive`` seconds after each one."""

    id: str
    database: str
    login: Login
    keep_alive: float
    target: dict[str, str]
    connection: Any = None
    busy: bool = True
    expires_at: float = math.inf
    lock: threading.Lock = field(default_factory=threading.Lock)


class Sessions:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, database: str, login: Login, keep_alive: float, target: dict[str, str]) -> Session:
        session = Session(str(uuid.uuid4()), database, login, keep_alive, target)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def take(self, session_id: str, keep_alive: float | None) -> Session:
        """The session for a statement, marked busy; a session runs one statement at a time."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.expires_at <= time.monotonic():
                raise ResourceNotFoundException(
                    f"Session {session_id} does not exist or has expired.", session_id
                )
            if session.busy:
                raise ValidationException(f"Session {session_id} is running another statement.")
            session.busy = True
            if keep_alive is not None:
                session.keep_alive = keep_alive
            return session

    def release(self, session: Session, *, broken: bool = False) -> None:
        with self._lock:
            session.busy = False
            session.expires_at = time.monotonic() + session.keep_alive
            if broken or session.keep_alive <= 0:
                self._close(session)

    def reap(self) -> None:
        now = time.monotonic()
        with self._lock:
            for session in [s for s in self._sessions.values() if not s.busy and s.expires_at <= now]:
                self._close(session)

    def close_all(self) -> None:
        with self._lock:
            for session in list(self._sessions.values()):
                self._close(session)

    def _close(self, session: Session) -> None:
        self._sessions.pop(session.id, None)
        if session.connection is not None:
            session.connection.close()


class Runner:
    def __init__(self, endpoint: Endpoint, sessions: Sessions, limits: Limits) -> None:
        self.endpoint = endpoint
        self.sessions = sessions
        self.limits = limits

    def submit(self, statement: Statement, login: Login, database: str, session: Session | None) -> None:
        """Connect (here, so that an endpoint that cannot be reached is the caller's exception, as an
        unavailable cluster is), then run the statement on a worker thread.  A login the database refuses
        fails the statement, as it does on the service."""
        statement.set_status("PICKED")
        try:
            connection = self._connection(login, database, session)
        except psycopg2.Error as exc:
            self._end(statement, statement.parts, "FAILED", error_text(exc))
            if session is not None:
                self.sessions.release(session, broken=True)
            if "FATAL:" not in str(exc):
                unreachable = BatchExecuteStatementException if statement.batch else ExecuteStatementException
                reason = str(exc).strip().splitlines()[0]
                raise unreachable(f"The cluster cannot be reached: {reason}", statement.id) from None
            return
        worker = threading.Thread(
            target=self._run, args=(statement, connection, session), name=f"data-api-{statement.id}"
        )
        worker.daemon = True
        worker.start()

    def cancel(self, statement: Statement) -> None:
        """Ask the backend to cancel, again every 0.1 s while the statement still runs: a cancel request
        that arrives between two statements of the session cancels nothing."""
        statement.cancel_requested.set()
        threading.Thread(target=self._keep_cancelling, args=(statement,), daemon=True).start()

    def _keep_cancelling(self, statement: Statement) -> None:
        deadline = time.monotonic() + 30
        while statement.status in ACTIVE and time.monotonic() < deadline:
            connection = statement.connection
            if connection is not None and statement.status == "STARTED":
                with contextlib.suppress(psycopg2.Error):
                    connection.cancel()
            time.sleep(0.1)

    def _run(self, statement: Statement, connection: Any, session: Session | None) -> None:
        statement.pid = connection.get_backend_pid()
        broken = False
        try:
            self._execute(statement, connection)
        except (psycopg2.InterfaceError, psycopg2.OperationalError):
            broken = True
        finally:
            statement.connection = None
            if session is not None:
                self.sessions.release(session, broken=broken or connection.closed != 0)
            else:
                connection.close()

    def _connection(self, login: Login, database: str, session: Session | None) -> Any:
        if session is not None and session.connection is not None:
            return session.connection
        connection = self.endpoint.connect(login, database)
        if session is not None:
            session.connection = connection
        return connection

    def _execute(self, statement: Statement, connection: Any) -> None:
        values = {parameter["name"]: parameter["value"] for parameter in statement.parameters or []}
        quote = quote_for(connection)
        connection.autocommit = not statement.batch
        statement.connection = connection
        try:
            with connection.cursor() as cursor:
                for _index, part in enumerate(statement.parts):
                    self._run_part(statement, part, cursor, bind(part.sql, values, quote))
            if statement.batch:
                connection.commit()
        except (Cancelled, psycopg2.Error, ResultTooLarge) as exc:
            if statement.batch and not connection.closed:
                connection.rollback()
            self._fail(statement, exc)
            if isinstance(exc, (psycopg2.InterfaceError, psycopg2.OperationalError)):
                raise
            return
        finally:
            if not connection.closed:
                connection.autocommit = True
        self._end(statement, [], "FINISHED")

    def _run_part(self, statement: Statement, part: Part, cursor: Any, sql: str) -> None:
        if statement.cancel_requested.is_set():
            raise Cancelled()
        part.start()
        if statement.status != "STARTED":
            statement.set_status("STARTED")
        result, rows = run(cursor, sql, self.limits.result_bytes)
        part.result, part.result_rows, part.has_result_set = result, rows, result is not None
        part.result_size = result.size if result is not None else 0
        part.finish("FINISHED")

    def _fail(self, statement: Statement, exc: Exception) -> None:
        cancelled = (
            isinstance(exc, (Cancelled, psycopg2.errors.QueryCanceled))
            and statement.cancel_requested.is_set()
        )
        if cancelled:
            self._end(statement, statement.parts, "ABORTED")
            return
        message = error_text(exc) if isinstance(exc, psycopg2.Error) else str(exc)
        self._end(statement, statement.parts, "FAILED", message)

    def _end(self, statement: Statement, parts: list[Part], status: str, error: str | None = None) -> None:
        """The statement ends ``status``; the part that was running ends the same way, the parts that never
        started end ABORTED (a batch's later statements after a failure)."""
        for part in parts:
            if part.status == "STARTED":
                part.finish(status, error)
            elif part.status == "SUBMITTED":
                part.finish("ABORTED")
        statement.set_status(status, error)
