"""The statements the service has been given: each one's state (SUBMITTED → PICKED → STARTED → FINISHED |
FAILED | ABORTED), its SQL parts (one for ExecuteStatement, each SQL of a BatchExecuteStatement), their
results, and the registry that enforces the documented limits on active statements and retention."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sparkify.engine.data_api.faults import ActiveStatementsExceededException, ResourceNotFoundException

ACTIVE = frozenset({"SUBMITTED", "PICKED", "STARTED"})


@dataclass(frozen=True)
class Limits:
    """The Data API's documented limits; the service's command line may lower them (tests do)."""

    statement_bytes: int = 100 * 1024  # "The maximum query statement size is 100 KB."
    result_bytes: int = 100 * 1024 * 1024  # "The maximum query result size is 100 MB."
    retention_seconds: float = 24 * 3600  # "The maximum retention time for query results is 24 hours."
    active_statements: int = 200  # "… active queries (STARTED and SUBMITTED) per … cluster is 200."
    page_bytes: int = 1024 * 1024  # one page of GetStatementResult, counted as its values' text


@dataclass
class Result:
    """A finished part's result set: ColumnMetadata, each column's type OID, the rows as the driver gave
    them, and each row's size in bytes (its values' text), which pages are cut by."""

    columns: list[dict[str, Any]]
    type_oids: list[int]
    rows: list[tuple[Any, ...]]
    row_sizes: list[int]

    @property
    def size(self) -> int:
        return sum(self.row_sizes)


@dataclass
class Part:
    """One SQL statement of a request and what became of it."""

    id: str
    sql: str
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    status: str = "SUBMITTED"
    error: str | None = None
    duration_ns: int = -1
    result_rows: int = -1
    result_size: int = -1
    has_result_set: bool = False
    result: Result | None = None
    started: float | None = None

    def start(self) -> None:
        self.status, self.updated_at, self.started = "STARTED", time.time(), time.monotonic()

    def finish(self, status: str, error: str | None = None) -> None:
        self.status, self.updated_at, self.error = status, time.time(), error
        if self.started is not None:
            self.duration_ns = int((time.monotonic() - self.started) * 1e9)

    def describe(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "Id": self.id,
            "QueryString": self.sql,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "Duration": self.duration_ns,
            "ResultRows": self.result_rows,
            "ResultSize": self.result_size,
            "HasResultSet": self.has_result_set,
            "RedshiftQueryId": 0,
        }
        if self.error is not None:
            answer["Error"] = self.error
        return answer


@dataclass
class Statement:
    """An ExecuteStatement or BatchExecuteStatement request: where it runs, as whom, and its parts."""

    id: str
    parts: list[Part]
    batch: bool
    target: dict[str, str]  # the request's ClusterIdentifier / WorkgroupName, Database, DbUser, SecretArn
    name: str | None = None
    parameters: list[dict[str, str]] | None = None
    result_format: str = "JSON"
    session_id: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    status: str = "SUBMITTED"
    error: str | None = None
    pid: int = -1
    started: float | None = None
    duration_ns: int = -1
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    connection: Any = None  # the backend connection while the statement runs (CancelStatement uses it)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, sqls: list[str], *, batch: bool, **fields: Any) -> Statement:
        statement_id = str(uuid.uuid4())
        if batch:
            parts = [Part(f"{statement_id}:{number}", sql) for number, sql in enumerate(sqls, 1)]
        else:
            parts = [Part(statement_id, sqls[0])]
        return cls(statement_id, parts, batch, **fields)

    def set_status(self, status: str, error: str | None = None) -> None:
        with self.lock:
            self.status, self.updated_at = status, time.time()
            if error is not None:
                self.error = error
            if status == "STARTED":
                self.started = time.monotonic()
            elif status not in ACTIVE and self.started is not None:
                self.duration_ns = int((time.monotonic() - self.started) * 1e9)

    def describe(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "Duration": self.duration_ns,
            "RedshiftPid": self.pid,
            "RedshiftQueryId": 0,
            "ResultFormat": self.result_format,
            "HasResultSet": any(part.has_result_set for part in self.parts),
            "ResultRows": self._total("result_rows"),
            "ResultSize": self._total("result_size"),
            **self.target,
        }
        if not self.batch:
            answer["QueryString"] = self.parts[0].sql
        else:
            answer["SubStatements"] = [part.describe() for part in self.parts]
        for key, value in (("Error", self.error), ("QueryParameters", self.parameters)):
            if value is not None:
                answer[key] = value
        if self.session_id:
            answer["SessionId"] = self.session_id
        return answer

    def listed(self) -> dict[str, Any]:
        """The statement as ListStatements gives it (StatementData)."""
        answer: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "IsBatchStatement": self.batch,
            "ResultFormat": self.result_format,
        }
        if self.batch:
            answer["QueryStrings"] = [part.sql for part in self.parts]
        else:
            answer["QueryString"] = self.parts[0].sql
        optional = {
            "StatementName": self.name,
            "SecretArn": self.target.get("SecretArn"),
            "QueryParameters": self.parameters,
            "SessionId": self.session_id,
        }
        answer.update({key: value for key, value in optional.items() if value is not None})
        return answer

    def _total(self, name: str) -> int:
        values = [getattr(part, name) for part in self.parts if getattr(part, name) >= 0]
        return sum(values) if values else -1


class Registry:
    """Every statement of the last ``retention_seconds``, by Id; admits a new one only below the limit of
    active statements."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._statements: dict[str, Statement] = {}
        self._lock = threading.Lock()

    def admit(self, statement: Statement) -> None:
        with self._lock:
            self._forget_expired()
            active = sum(1 for known in self._statements.values() if known.status in ACTIVE)
            if active >= self.limits.active_statements:
                raise ActiveStatementsExceededException(
                    f"Active statements exceeded the allowed quota ({self.limits.active_statements})."
                )
            self._statements[statement.id] = statement

    def find(self, statement_id: str) -> tuple[Statement, Part | None]:
        """The statement an Id names and, for a sub-statement's Id (``…:2``), that part."""
        base, _, number = statement_id.partition(":")
        with self._lock:
            self._forget_expired()
            statement = self._statements.get(base)
        if statement is None or (number and not (statement.batch and number.isdigit())):
            raise ResourceNotFoundException("Query does not exist.", statement_id)
        if not number:
            return statement, None
        index = int(number) - 1
        if not 0 <= index < len(statement.parts):
            raise ResourceNotFoundException("Query does not exist.", statement_id)
        return statement, statement.parts[index]

    def newest_first(self) -> list[Statement]:
        with self._lock:
            self._forget_expired()
            return sorted(self._statements.values(), key=lambda known: known.created_at, reverse=True)

    def _forget_expired(self) -> None:
        horizon = time.time() - self.limits.retention_seconds
        for statement_id in [key for key, known in self._statements.items() if known.created_at < horizon]:
            if self._statements[statement_id].status not in ACTIVE:
                del self._statements[statement_id]
