"""Statements the endpoint runs itself instead of forwarding: Redshift's COPY and UNLOAD on the client's
own backend session.

The dispatch is one table, keyword → handler.  A handler gets a :class:`Context` (a psycopg2-like
connection over the client's session, and the recorder of rejected records) and the statement text, and
returns the command tag to answer with (``COPY 8056``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparkify.engine.copy import run_copy
from sparkify.engine.copy.details import load_details
from sparkify.engine.copy.loader import RejectionRecorder
from sparkify.engine.endpoint import server_files
from sparkify.engine.errors import LoadError
from sparkify.engine.sql.redshift.history import LoadDetails, UnloadDetails
from sparkify.engine.sql.redshift.load_commits import record_load_commits
from sparkify.engine.sql.tokens import SqlLexError, words
from sparkify.engine.unload.statement import run_unload, unload_details


@dataclass
class Context:
    connection: Any
    record_rejections: RejectionRecorder
    #: The query id of the last COPY, for pg_last_copy_id(); a handler sets it.
    last_copy_id: int = -1
    #: The query id of the last UNLOAD, for pg_last_unload_id(); a handler sets it.
    last_unload_id: int = -1
    #: The query id the history gave the running statement: its stl_load_errors and stl_load_commits rows
    #: carry it (None: ids of their own).
    query_id: int | None = None
    #: What the running statement's handler tells the history of it.
    details: LoadDetails | UnloadDetails | None = None


Handler = Callable[[Context, str], str]


def copy_handler(context: Context, sql: str) -> str:
    server_files.check_copy(context.connection, sql)
    try:
        result = run_copy(context.connection, sql, record_rejections=context.record_rejections)
    except LoadError as exc:
        # The id its rows in stl_load_errors carry (0: none).
        context.last_copy_id = exc.query_id if context.query_id is None else context.query_id
        context.details = load_details(sql, None, rejected=len(exc.rejected))
        raise
    context.last_copy_id = result.query_id if context.query_id is None else context.query_id
    # stl_load_commits, PG_LAST_COPY_COUNT()
    record_load_commits(context.connection, result.files, query_id=context.query_id)
    context.details = load_details(sql, result)
    return f"COPY {result.rows_loaded}"


def unload_handler(context: Context, sql: str) -> str:
    server_files.check_unload(context.connection, sql)
    if context.query_id is not None:
        context.last_unload_id = context.query_id
    context.details = unload_details(sql, None)  # what a failed UNLOAD leaves in the history
    context.details = unload_details(sql, run_unload(context.connection, sql))
    return "UNLOAD"


#: Statement keyword → handler: the emulator's statements, the same ones the in-process path runs.
HANDLERS: dict[str, Handler] = {"COPY": copy_handler, "UNLOAD": unload_handler}


def handler_for(keyword: str, sql: str) -> Handler | None:
    """The handler that runs ``sql`` server-side, or None when it is forwarded (PostgreSQL's own
    ``COPY … FROM STDIN`` / ``TO STDOUT`` included: the client streams those itself)."""
    handler = HANDLERS.get(keyword)
    if handler is None:
        return None
    if keyword == "COPY":
        try:
            if {"STDIN", "STDOUT"} & set(words(sql)):
                return None
        except SqlLexError:
            return None
    return handler


def error_of(exc: BaseException) -> tuple[str, str, str]:
    """(message, SQLSTATE, detail) of a failed server-side statement, worded as Redshift words them."""
    from sparkify.engine.endpoint.backend import BackendError
    from sparkify.engine.endpoint.redshift_errors import redshift_message
    from sparkify.engine.errors import CopyTargetMissing, EngineError

    if isinstance(exc, CopyTargetMissing):  # as PostgreSQL and a cluster answer for any missing table
        return f'relation "{exc.table}" does not exist', "42P01", ""
    if isinstance(exc, LoadError) and exc.rejected:
        # Redshift's own words, which clients written for Redshift recognise; the emulator's
        # explanation of the first rejected record goes in the detail.
        return (
            f"Load into table '{exc.table}' failed. Check 'stl_load_errors' system table for details.",
            "XX000",
            str(exc),
        )
    if isinstance(exc, BackendError):
        return redshift_message(exc.pgerror, exc.pgcode), exc.pgcode, exc.fields.get("D", "")
    if isinstance(exc, EngineError):
        return str(exc), getattr(exc, "sqlstate", None) or "XX000", ""
    return f"the statement failed in the endpoint: {type(exc).__name__}: {exc}", "XX000", ""
