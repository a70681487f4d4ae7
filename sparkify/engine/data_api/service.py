"""The Data API's operations: each takes the request's members (already checked against the service
model) and gives the response's members, or raises one of the service's exceptions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sparkify.engine.data_api import catalog, results
from sparkify.engine.data_api.database import Endpoint, checked_size
from sparkify.engine.data_api.faults import ResourceNotFoundException, ValidationException
from sparkify.engine.data_api.logins import Login, Logins
from sparkify.engine.data_api.running import Runner, Session, Sessions
from sparkify.engine.data_api.shapes import check_input, operation
from sparkify.engine.data_api.statements import ACTIVE, Limits, Part, Registry, Statement

TARGET_MEMBERS = ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
CLIENT_TOKEN_SECONDS = 8 * 3600  # "The maximum retention time for a client token … is 8 hours."
NO_RESULT = "Query does not have result. Please check query status with DescribeStatement API."


class DataApi:
    def __init__(self, endpoint: Endpoint, logins: Logins, limits: Limits) -> None:
        self.endpoint = endpoint
        self.logins = logins
        self.limits = limits
        self.registry = Registry(limits)
        self.sessions = Sessions()
        self.runner = Runner(endpoint, self.sessions, limits)
        self._answered: dict[str, tuple[float, dict[str, Any]]] = {}  # ClientToken: (until, answer)
        self._answered_lock = threading.Lock()
        self._operations: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "ExecuteStatement": self.execute_statement,
            "BatchExecuteStatement": self.batch_execute_statement,
            "DescribeStatement": self.describe_statement,
            "GetStatementResult": self.get_statement_result,
            "GetStatementResultV2": self.get_statement_result_v2,
            "ListStatements": self.list_statements,
            "CancelStatement": self.cancel_statement,
            "ListDatabases": self.list_databases,
            "ListSchemas": self.list_schemas,
            "ListTables": self.list_tables,
            "DescribeTable": self.describe_table,
        }

    def handle(self, name: str, request: Any, region: str) -> dict[str, Any]:
        check_input(operation(name), request)
        self.sessions.reap()
        return self._operations[name](request, region)

    def close(self) -> None:
        self.sessions.close_all()

    # --- running statements -----------------------------------------------------------------------------

    def execute_statement(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        return self._submit([request["Sql"]], request, region, batch=False)

    def batch_execute_statement(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        return self._submit(request["Sqls"], request, region, batch=True)

    def _submit(
        self, sqls: list[str], request: dict[str, Any], region: str, *, batch: bool
    ) -> dict[str, Any]:
        """Run a request once: a retry with the same ClientToken (the SDKs send one) gets the first answer."""
        token = request.get("ClientToken")
        with self._answered_lock:
            now = time.monotonic()
            self._answered = {key: kept for key, kept in self._answered.items() if kept[0] > now}
            if token in self._answered:
                return self._answered[token][1]
        answer = self._submit_once(sqls, request, region, batch=batch)
        if token:
            with self._answered_lock:
                self._answered[token] = (time.monotonic() + CLIENT_TOKEN_SECONDS, answer)
        return answer

    def _submit_once(
        self, sqls: list[str], request: dict[str, Any], region: str, *, batch: bool
    ) -> dict[str, Any]:
        for sql in sqls:
            checked_size(sql, self.limits.statement_bytes)
        session, login, database, target = self._where(request, region)
        statement = Statement.of(
            sqls,
            batch=batch,
            target=target,
            name=request.get("StatementName"),
            parameters=request.get("Parameters"),
            result_format=request.get("ResultFormat", "JSON"),
            session_id=session.id if session else None,
        )
        try:
            self.registry.admit(statement)
        except Exception:
            if session is not None:
                self.sessions.release(session)
            raise
        self.runner.submit(statement, login, database, session)
        answer = {"Id": statement.id, "CreatedAt": statement.created_at, **target}
        if session is not None:
            answer["SessionId"] = session.id
        return answer

    def _where(
        self, request: dict[str, Any], region: str
    ) -> tuple[Session | None, Login, str, dict[str, str]]:
        """The session, login, database and target members (ClusterIdentifier …) a statement runs with."""
        keep_alive = request.get("SessionKeepAliveSeconds")
        if request.get("SessionId"):
            session = self.sessions.take(request["SessionId"], keep_alive)
            return session, session.login, session.database, session.target
        target = self._target(request)
        login = self.logins.for_request(request, region)
        if keep_alive:
            return (
                self.sessions.open(target["Database"], login, keep_alive, target),
                login,
                target["Database"],
                target,
            )
        return None, login, target["Database"], target

    def _target(self, request: dict[str, Any]) -> dict[str, str]:
        if request.get("ClusterIdentifier") and request.get("WorkgroupName"):
            raise ValidationException(
                "Either ClusterIdentifier or WorkgroupName must be specified, not both."
            )
        if not (request.get("ClusterIdentifier") or request.get("WorkgroupName")):
            raise ValidationException("Either ClusterIdentifier or WorkgroupName must be specified.")
        if not request.get("Database"):
            raise ValidationException("Database must be specified.")
        return {name: request[name] for name in TARGET_MEMBERS if request.get(name)}

    # --- reading statements -----------------------------------------------------------------------------

    def describe_statement(self, request: dict[str, Any], _region: str) -> dict[str, Any]:
        statement, _part = self.registry.find(request["Id"])
        return statement.describe()

    def get_statement_result(self, request: dict[str, Any], _region: str) -> dict[str, Any]:
        part, result = self._result(request["Id"], "JSON")
        start = results.token_row(part.id, request.get("NextToken"))
        records, end = results.json_page(result, start, self.limits.page_bytes)
        answer = {"Records": records, "ColumnMetadata": result.columns, "TotalNumRows": len(result.rows)}
        if end < len(result.rows):
            answer["NextToken"] = results.next_token(part.id, end)
        return answer

    def get_statement_result_v2(self, request: dict[str, Any], _region: str) -> dict[str, Any]:
        part, result = self._result(request["Id"], "CSV")
        start = results.token_row(part.id, request.get("NextToken"))
        text, end = results.csv_page(result, start, self.limits.page_bytes)
        answer = {
            "Records": [{"CSVRecords": text}],
            "ColumnMetadata": result.columns,
            "TotalNumRows": len(result.rows),
            "ResultFormat": "CSV",
        }
        if end < len(result.rows):
            answer["NextToken"] = results.next_token(part.id, end)
        return answer

    def _result(self, statement_id: str, result_format: str) -> tuple[Part, results.Result]:
        statement, part = self.registry.find(statement_id)
        if part is None:
            if statement.batch:
                raise ValidationException(
                    "BatchExecuteStatement result can only be retrieved with sub-statement id."
                )
            part = statement.parts[0]
        if statement.result_format != result_format:
            use = "GetStatementResultV2" if statement.result_format == "CSV" else "GetStatementResult"
            raise ValidationException(
                f"The result format of this query is {statement.result_format}: use {use}."
            )
        if part.status != "FINISHED" or part.result is None:
            raise ResourceNotFoundException(NO_RESULT, statement_id)
        return part, part.result

    def list_statements(self, request: dict[str, Any], _region: str) -> dict[str, Any]:
        if request.get("ClusterIdentifier") and request.get("WorkgroupName"):
            raise ValidationException("Either ClusterIdentifier or WorkgroupName can be specified, not both.")
        wanted = [statement for statement in self.registry.newest_first() if _listed(statement, request)]
        start = results.token_row("ListStatements", request.get("NextToken"))
        size = request.get("MaxResults") or 100
        answer: dict[str, Any] = {
            "Statements": [statement.listed() for statement in wanted[start : start + size]]
        }
        if start + size < len(wanted):
            answer["NextToken"] = results.next_token("ListStatements", start + size)
        return answer

    def cancel_statement(self, request: dict[str, Any], _region: str) -> dict[str, Any]:
        statement, _part = self.registry.find(request["Id"])
        if statement.status not in ACTIVE:
            raise ValidationException(
                f"Could not cancel a query that is already in {statement.status} state."
            )
        self.runner.cancel(statement)
        return {"Status": True}

    # --- the catalog ------------------------------------------------------------------------------------

    def list_databases(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        names = self._catalog(request, region, catalog.databases)
        return self._paged("Databases", names, request)

    def list_schemas(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        names = self._catalog(request, region, catalog.schemas)
        return self._paged("Schemas", names, request)

    def list_tables(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        tables = self._catalog(request, region, catalog.tables)
        return self._paged("Tables", tables, request)

    def describe_table(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        table_name, columns = self._catalog(request, region, catalog.columns)
        answer = self._paged("ColumnList", columns, request)
        if table_name:
            answer["TableName"] = table_name
        return answer

    def _catalog(
        self, request: dict[str, Any], region: str, read: Callable[[Any, dict[str, Any]], Any]
    ) -> Any:
        target = self._target(request)
        login = self.logins.for_request(request, region)
        connection = self.endpoint.connect_for_metadata(login, target["Database"])
        try:
            with connection.cursor() as cursor:
                return read(cursor, request)
        finally:
            connection.close()

    def _paged(self, member: str, items: list[Any], request: dict[str, Any]) -> dict[str, Any]:
        start = results.token_row(member, request.get("NextToken"))
        size = request.get("MaxResults") or len(items) or 1
        answer: dict[str, Any] = {member: items[start : start + size]}
        if start + size < len(items):
            answer["NextToken"] = results.next_token(member, start + size)
        return answer


def _listed(statement: Statement, request: dict[str, Any]) -> bool:
    status = request.get("Status", "ALL")
    if status != "ALL" and statement.status != status:
        return False
    if request.get("StatementName") and not (statement.name or "").startswith(request["StatementName"]):
        return False
    return all(
        statement.target.get(name) == request[name]
        for name in ("ClusterIdentifier", "WorkgroupName", "Database")
        if request.get(name)
    )
