"""One connection to the warehouse, whichever engine it is.

On Redshift (recognised from the server's version string) every statement is sent as written, and a
failed COPY is explained from Redshift's own load-error tables.  On PostgreSQL, CREATE TABLE goes through
:mod:`sparkify.engine.sql.adapter`, COPY through the emulator, and SQL that Redshift would reject is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg2

import sql_queries as q
from sparkify import load_lock
from sparkify.config import Config
from sparkify.engine.copy import CopyResult, parse_copy, run_copy
from sparkify.engine.copy.details import load_details
from sparkify.engine.server import embedded
from sparkify.engine.sql.adapter import (
    columns_in_session,
    prepare_database,
    session_setup_statements,
    startup_options,
    translate,
)
from sparkify.engine.sql.load_errors import (
    STL_LOAD_ERRORS,
    RejectedRecord,
    record_in_stl_load_errors,
)
from sparkify.engine.sql.redshift.case_setting import ASK as CASE_SETTING_QUERY
from sparkify.engine.sql.redshift.case_setting import CaseSensitivity
from sparkify.engine.sql.redshift.history import (
    DEFAULT_DAYS,
    DEFAULT_SIZE,
    HistoryBound,
    QueryHistory,
    QueryRecord,
    reads_history,
)
from sparkify.engine.sql.redshift.load_commits import record_load_commits
from sparkify.engine.sql.redshift.quoted_names import case_sensitivity
from sparkify.engine.sql.text import collapse_whitespace, first_keyword, mask_secrets
from sparkify.engine.unload.statement import run_unload, unload_details
from sparkify.errors import (
    UNDEFINED_TABLE,
    LoadError,
    TablesMissing,
    WarehouseConnectionError,
    WarehouseStatementError,
)
from sparkify.load_errors import hint_for

log = logging.getLogger(__name__)


_CREATE_TABLE_AS = re.compile(
    r"^\s*CREATE\s+(?:(?:LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?TABLE\s+([a-z_][a-z0-9_$.]*)\b[^(]*?\bAS\b",
    re.IGNORECASE,
)


class Warehouse:
    """A psycopg2 connection plus the knowledge of which engine is behind it."""

    def __init__(
        self,
        connection: Any,
        description: str,
        *,
        reopen: Callable[[], Any] | None = None,
        serverless: bool = False,
        query_history: tuple[int, int] = (DEFAULT_SIZE, int(DEFAULT_DAYS)),
    ) -> None:
        self.connection = connection
        self.description = description
        self.serverless = serverless
        self._reopen = reopen
        self._side_connection: Any = None
        self._shims_ready = False
        #: The local engine's record of the statements run (sys_query_history …), shared with the endpoint's.
        self.history: QueryHistory | None = None
        self._query_id: int | None = None  # the history's id of the COPY running, for its load records
        #: The session's enable_case_sensitive_identifier, as the translation reads it.
        self._case_sensitivity = CaseSensitivity()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            self.version: str = cursor.fetchone()[0]
        self.is_redshift = "redshift" in self.version.lower()
        if not self.is_redshift:
            self._prepare_shims()
            with connection.cursor() as cursor:
                # Room for the merge's hash joins and sorts; PostgreSQL's 4 MB default spills them to disk.
                cursor.execute("SET work_mem = '256MB'")
                for statement in session_setup_statements():  # Redshift's functions and session defaults
                    cursor.execute(statement)
            connection.commit()
            if self._shims_ready and reopen is not None:
                self.history = QueryHistory(reopen, connection.info.dbname, HistoryBound(*query_history))

    def _prepare_shims(self) -> None:
        """Redshift's functions and catalog in this database (done once; the embedded engine's superuser
        has done it already, another PostgreSQL's owner of the database does it here)."""
        try:
            prepare_database(self.connection)
            self._shims_ready = True
        except psycopg2.Error as exc:
            self.connection.rollback()
            log.warning("Redshift functions not installed in this database: %s", str(exc).strip())

    def execute(self, sql: str) -> CopyResult | None:
        """Run one statement inside the open transaction; a COPY on PostgreSQL returns its result."""
        log.debug("SQL: %s", collapse_whitespace(mask_secrets(sql)))
        with driver_errors():
            return self._execute(sql)

    def _execute(self, sql: str) -> CopyResult | None:
        if self.is_redshift:
            return self._execute_on_redshift(sql)
        case_sensitive = self._case_sensitive_for(sql)
        with self._recorded(sql) as record, case_sensitivity(case_sensitive):
            if first_keyword(sql) == "UNLOAD":
                record.unload = unload_details(sql, None)
                record.unload = unload_details(sql, run_unload(self.connection, sql))
                return None
            if first_keyword(sql) == "COPY":
                return self._copy(sql, record)
            with self.connection.cursor() as cursor:
                cursor.execute(translate(sql, columns_in_session(cursor), case_sensitive=case_sensitive))
                record.returned_rows = max(cursor.rowcount, 0)
                created = _CREATE_TABLE_AS.match(sql)
                if created:
                    # Redshift analyzes a table made by CREATE TABLE AS by itself; PostgreSQL needs asking.
                    cursor.execute(f"ANALYZE {created.group(1)}")
        return None

    def _case_sensitive_for(self, sql: str) -> bool:
        """Whether quoted names keep their case in ``sql`` (the session's enable_case_sensitive_identifier
        as it runs); then follows what ``sql`` does to the setting."""
        case_sensitive = self._case_sensitivity.value(self._case_setting)
        self._case_sensitivity.planned(sql)
        return case_sensitive

    def _case_setting(self) -> str | None:
        """The session's enable_case_sensitive_identifier (None: its transaction failed, cannot be asked)."""
        if self.connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR:
            return None
        with self.connection.cursor() as cursor:
            cursor.execute(CASE_SETTING_QUERY)
            return cursor.fetchone()[0]

    def _copy(self, sql: str, record: QueryRecord) -> CopyResult:
        translate(sql)  # refuses what Redshift would
        self._query_id = record.query_id if self.history is not None else None
        try:
            result = run_copy(self.connection, sql, record_rejections=self._record_rejections)
        except LoadError as exc:
            record.load = load_details(sql, None, rejected=len(exc.rejected))
            raise
        finally:
            self._query_id = None
        record.load = load_details(sql, result)
        record.returned_rows = result.rows_loaded
        if self._shims_ready:
            query_id = record.query_id if self.history is not None else None
            record_load_commits(self.connection, result.files, query_id=query_id)
        return result

    @contextlib.contextmanager
    def _recorded(self, sql: str) -> Iterator[QueryRecord]:
        """The history's record of ``sql``, ended as the statement ends (a throwaway one when there is no
        history: Redshift keeps its own)."""
        if self.history is None:
            yield QueryRecord(0, "", 0, sql, 0.0)
            return
        if reads_history(sql):  # it sees every statement run before it
            self.history.flush()
        record = self.history.begin(self.connection.info.user, self.connection.get_backend_pid(), sql)
        try:
            yield record
        except BaseException as exc:
            record.finish("failed", rows=record.returned_rows, error=str(exc).strip() or type(exc).__name__)
            self.history.done(record)
            raise
        record.finish("success", rows=record.returned_rows)
        self.history.done(record)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a SELECT; return the column names and all rows."""
        with driver_errors(), self._recorded(sql) as record, self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            rows = cursor.fetchall()
            record.returned_rows = len(rows)
            return names, rows

    def commit(self) -> None:
        self._case_sensitivity.planned("COMMIT")  # a SET LOCAL ends with the transaction
        with driver_errors():
            self.connection.commit()

    def rollback(self) -> None:
        self._case_sensitivity.planned("ROLLBACK")  # a SET of the transaction is undone
        with driver_errors():
            self.connection.rollback()

    def close(self) -> None:
        if self.history is not None:
            self.history.close()
        if self._side_connection is not None:
            self._side_connection.close()
        self.connection.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None and not self.connection.closed:  # a lost connection has nothing to undo
            self.rollback()
        self.close()

    def clear_load_errors(self) -> None:
        """Empty the local engine's stl_load_errors, so a new warehouse starts with a clean record.

        On Redshift it is a system table that keeps a few days of history by itself: left alone.
        """
        if self._shims_ready:  # the local engine's: the shim schema holds it
            with self.connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {STL_LOAD_ERRORS}")

    def _record_rejections(self, table: str, rejected: list[RejectedRecord]) -> int:
        """stl_load_errors outlives the COPY's transaction on Redshift: write it on its own connection."""
        if self._reopen is None or not self._shims_ready:
            return 0
        if self._side_connection is None:
            self._side_connection = self._reopen()
        return record_in_stl_load_errors(self._side_connection, table, rejected, query_id=self._query_id)

    def _execute_on_redshift(self, sql: str) -> None:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
        except psycopg2.Error as exc:
            if first_keyword(sql) != "COPY" or "load_error" not in str(exc).lower():
                raise
            self.connection.rollback()
            raise self.explain_failed_copy(parse_copy(sql).table) from None

    def explain_failed_copy(self, table: str) -> LoadError:
        """A :class:`LoadError` built from Redshift's record of this session's last COPY."""
        sql = q.serverless_load_errors_query if self.serverless else q.provisioned_load_errors_query
        _, rows = self.query(sql)
        rejected = [
            RejectedRecord(*(value.strip() if isinstance(value, str) else value for value in row))
            for row in rows
        ]
        if not rejected:
            return LoadError(table, "the COPY failed and Redshift recorded no load error for it")
        first = rejected[0]
        return LoadError(
            table,
            f"{first.reason} (error {first.code})",
            filename=first.filename,
            line=first.line,
            column=first.column or None,
            value=first.raw_value or None,
            hint=hint_for(first),
            rejected=rejected,
        )


@contextlib.contextmanager
def driver_errors() -> Iterator[None]:
    """The warehouse boundary: a driver error leaves it as a :class:`WarehouseStatementError` carrying its
    SQLSTATE, so that nothing above this module knows psycopg2."""
    try:
        yield
    except psycopg2.Error as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if exc.pgcode == UNDEFINED_TABLE:
            raise TablesMissing(f"{first_line}: run create_tables.py first", exc.pgcode) from None
        if _connection_lost(exc):
            if first_line in ("invalid socket", "connection already closed"):  # psycopg2's words, afterwards
                first_line = "the server closed it; was it stopped or killed?"
            raise WarehouseStatementError(
                f"the connection to the warehouse was lost ({first_line}); nothing of this run was "
                "committed: run it again",
                exc.pgcode,
            ) from None
        refused = f"the warehouse refused a statement: {first_line}"
        raise WarehouseStatementError(refused, exc.pgcode) from None


def _connection_lost(exc: psycopg2.Error) -> bool:
    """The server went away (killed, restarted, network): not a statement the warehouse refused."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    code = exc.pgcode
    return isinstance(exc, psycopg2.OperationalError) and (code is None or code.startswith("57P"))


def connect(config: Config) -> Warehouse:
    """Connect to the warehouse that ``config`` names, starting the embedded engine when HOST is blank."""
    if config.is_embedded:
        socket_dir, port = embedded.ensure_server(config.embedded_data_dir)
        where = f"embedded PostgreSQL in {config.embedded_data_dir}"
        admin = _open(
            host=socket_dir, port=port, dbname="postgres", user="postgres", password="", where=where
        )
        admin.autocommit = True
        try:
            embedded.ensure_database(admin, config.db_name, config.db_user)
        finally:
            admin.close()
        owner = _open(
            host=socket_dir, port=port, dbname=config.db_name, user="postgres", password="", where=where
        )
        try:
            prepare_database(owner)  # Redshift's functions and catalog, installed once per database
        finally:
            owner.close()
        host, options = socket_dir, startup_options()  # Redshift's reading of string literals
    else:
        host, port, where = config.host, config.db_port, f"{config.host}:{config.db_port}"
        options = None

    def reopen() -> Any:
        return _open(
            host=host,
            port=port,
            dbname=config.db_name,
            user=config.db_user,
            password=config.db_password,
            where=where,
            options=options,
        )

    return Warehouse(
        reopen(),
        where,
        reopen=reopen,
        serverless="redshift-serverless" in config.host,
        query_history=config.query_history,
    )


def _open(
    *, host: str, port: int, dbname: str, user: str, password: str, where: str, options: str | None = None
) -> Any:
    try:
        return psycopg2.connect(
            options=options,
            host=host,
            port=port,
            dbname=dbname,
            user=user,
            password=password or None,
            connect_timeout=int(os.environ.get("DWH_CONNECT_TIMEOUT", "15")),
            application_name=load_lock.application_name(),  # names this process to a run that waits
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        if password:
            reason = reason.replace(password, "***")
        raise WarehouseConnectionError(
            f"cannot connect to {where} as {user} (database {dbname}): {reason}. "
            "Check HOST, DB_PORT, DB_NAME, DB_USER and the password in dwh.cfg (or DWH_DB_PASSWORD)."
        ) from None
