"""One client's session: its messages, after the startup, relayed to its own backend session.

Messages that need no rewriting go through as the client sent them.  Every statement is first put
through the one SQL emulation (:func:`sparkify.engine.sql.adapter.translate`); a statement Redshift
would refuse is answered with an error and the session goes on; a Redshift COPY runs here, on the client's
backend session and inside its transaction.

The extended protocol's answers must keep the order of the requests.  Requests are forwarded as they
come; before the endpoint answers one itself (a COPY's ParseComplete, a refusal), it first collects the
backend's answers to everything forwarded before: ``pending`` counts the requests whose answer is due.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg2

from sparkify.engine.endpoint import error_words, identity, redshift_wire, serverside
from sparkify.engine.endpoint import messages as m
from sparkify.engine.endpoint.backend import Backend, BackendError
from sparkify.engine.endpoint.plan import (
    AsWritten,
    CheckedFrames,
    Forward,
    Refuse,
    ServerSide,
    Step,
    classify,
    long_frame_sample,
    statements_of,
)
from sparkify.engine.endpoint.redshift_errors import redshift_error_payload
from sparkify.engine.endpoint.rewrite import endpoint_sql
from sparkify.engine.sql import adapter, typed_values
from sparkify.engine.sql.load_errors import RejectedRecord, record_in_stl_load_errors
from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.case_setting import ASK as CASE_SETTING_QUERY
from sparkify.engine.sql.redshift.case_setting import CaseSensitivity
from sparkify.engine.sql.redshift.history import (
    LoadDetails,
    QueryHistory,
    QueryRecord,
    UnloadDetails,
    reads_history,
    rows_of_tag,
)
from sparkify.engine.sql.redshift.long_names import (
    known_real_name,
    may_be_stored,
    remember_real_name,
    with_real_names,
)
from sparkify.engine.sql.redshift.quoted_names import case_sensitivity
from sparkify.engine.sql.redshift.show import is_show_listing
from sparkify.engine.sql.text import first_keyword
from sparkify.engine.sql.tokens import SqlLexError, tokens


class EndpointView(Protocol):
    """What a session needs of the endpoint that accepted it (:class:`~.server.Endpoint` is one): the
    version text clients see, and how to open a connection of its own to the embedded server."""

    version_text: str

    def connect_args(self, database: str, *, user: str | None = None) -> dict[str, Any]: ...

    def history_for(self, database: str) -> QueryHistory: ...


log = logging.getLogger(__name__)

#: Backend messages that end the answer to one extended-protocol request.
_ANSWER_ENDS = frozenset({b"1", b"2", b"3", b"n", b"T", b"C", b"I", b"s"})
#: Backend messages that end a statement: CommandComplete, EmptyQueryResponse, PortalSuspended, an error.
_STATEMENT_ENDS = frozenset({b"C", b"I", b"s", b"E"})
_COUNTED = frozenset(b"123nTCIs")  # the same, as the relay's pass-through reads them
#: Backend messages taken apart by the relay (see ClientSession.relayed): ReadyForQuery, errors,
#: ParameterStatus, CopyInResponse and RowDescriptions (Redshift's types) always; rows while their values
#: change for the client; a statement's end while a Redshift tag, a history record or a rows plan waits
#: for it; descriptions while a statement is described.
_ALWAYS_APART = frozenset(b"ZESGT")
_ROWS = frozenset(b"D")
_ENDS_APART = frozenset(b"CIs")
_APART_WHILE_DESCRIBING = frozenset(b"tTn")
#: The stops of the pass-through (see ClientSession._relayed_apart): by whether rows, a statement's end and
#: descriptions are taken apart.
_STOPS = {
    (rows, ends, describing): _ALWAYS_APART
    | (_ROWS if rows else frozenset())
    | (_ENDS_APART if ends else frozenset())
    | (_APART_WHILE_DESCRIBING if describing else frozenset())
    for rows in (False, True)
    for ends in (False, True)
    for describing in (False, True)
}
_COLUMN_ORIGINS = (
    "SELECT a.attrelid::bigint, a.attnum, n.nspname, c.relname, a.attname, a.attnotnull, a.attidentity <> '' "
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE a.attrelid = ANY(%s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped"
)
#: The shim's types a cluster has built in (abstime.sql), found by name in the session's database.
_SHIM_TYPES = (
    "SELECT t.oid::bigint FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    f"WHERE n.nspname = '{SHIM_SCHEMA}' AND t.typname = 'abstime'"
)
_REAL_NAME = f"SELECT real_name FROM {SHIM_SCHEMA}.long_names WHERE stored_name = %s"
_KEPT_DESCRIPTIONS = 64
#: A RowDescription as the client gets it: its columns (oid, size, modifier), what the values of its rows
#: become, and its bytes.
_Columns = tuple[tuple[int, int, int], ...]
_Description = tuple[_Columns, redshift_wire.Conversions, bytes]
_READY = {status: m.ready_for_query(status) for status in (b"I", b"T", b"E")}
_ABORT = "DO $abort$ BEGIN RAISE EXCEPTION 'a statement of this transaction failed'; END $abort$"


class ClientSession:
    """The relay loop of one client, after authentication, until it leaves or the endpoint stops."""

    def __init__(
        self,
        endpoint: EndpointView,
        client: m.Channel,
        backend: Backend,
        database: str,
        *,
        redshift_driver: bool,
        protocol: int = 0,
    ) -> None:
        self.endpoint = endpoint
        self.client = client
        self.backend = backend
        self.database = database
        self.pending = 0
        self.skipping = False  # after an error in an extended-protocol batch, until its Sync
        self.flush_due = False  # a client's Flush came with more requests: its answers go with theirs
        self.statements: dict[str, ServerSide] = {}  # prepared server-side statements, by name
        self.portals: dict[str, ServerSide] = {}
        #: Redshift's command tags for forwarded statements whose translation PostgreSQL tags otherwise:
        #: by prepared statement and portal name.
        self.statement_tags: dict[str, str] = {}
        self.portal_tags: dict[str, str] = {}
        #: For each forwarded statement whose answer is due, in order: its tag (None: the backend's) and what
        #: its rows' values become for the client (VARBYTE's text, the INTERVALs' binary forms).
        self.due: deque[tuple[str | None, redshift_wire.Conversions]] = deque()
        #: What the values of the rows now coming become: from the RowDescription just relayed (a simple
        #: query's, a portal's Describe), until the statement's CommandComplete.
        self.rows_plan: redshift_wire.Conversions = redshift_wire.NO_COLUMNS
        #: A Redshift driver (redshift_connector) reads binary INTERVALs as Redshift sends them, and learns
        #: its result columns from a statement's Describe only: for it, the parameter and column types of
        #: its statements.  For every client, what the values of each portal's rows become.
        self.redshift_driver = redshift_driver
        self.statement_types: dict[str, tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]]] = {}
        self.portal_conversions: dict[str, redshift_wire.Conversions] = {}
        #: The Describes whose answers are due: b"S" or b"P", and the statement's or portal's name.
        self.due_describes: deque[tuple[bytes, str]] = deque()
        #: The result transfer granted (server_protocol_version): from 1, RowDescriptions carry Redshift's
        #: extended metadata, from the columns of the tables they come from (by table oid, kept per session).
        self.protocol = protocol
        self.column_origins: dict[int, dict[int, redshift_wire.ColumnOrigin]] = {}
        self.shim_types: dict[int, int] | None = None  # by _shim_types, once a made type is described
        #: RowDescriptions as the backend sent them: their columns, what the values of their rows become,
        #: and what the client gets.
        self.descriptions: dict[bytes, _Description] = {}
        self.context = serverside.Context(backend.connection(), self._record_rejections)
        self._side_connection: Any = None
        self.case_sensitivity = CaseSensitivity()
        self.as_written = AsWritten()
        self.checked_frames = CheckedFrames()
        #: The client's text and the translation last sent for it, when they differ: an error's position
        #: is given in the client's text (errors come back before anything else is sent).
        self.sent_texts: tuple[str, str] | None = None
        #: The query history (sys_query_history …): the records of the forwarded statements whose answer is
        #: due, in order, and the client's text of each forwarded prepared statement and portal.
        self.history = endpoint.history_for(database)
        self.user_name = backend.reported.get("session_authorization", "")
        self.running: deque[QueryRecord] = deque()
        self.statement_texts: dict[str, str] = {}
        self.portal_texts: dict[str, str] = {}
        self.last_query_id = -1
        #: The session's setup statement, sent before the client was let in, is yet to be answered.
        self.setup_due = True
        client.before_block = self._flush_both
        backend.channel.before_block = self._flush_both
        self._handlers = {
            b"Q": self.simple_query,
            b"P": self.parse,
            b"B": self.bind,
            b"D": self.describe,
            b"E": self.execute,
            b"C": self.close,
            b"H": self.flush,
            b"S": self.sync,
            b"F": self.function_call,
        }

    def _flush_both(self) -> None:
        if self.backend.channel.outbox:
            self.backend.channel.flush()
        if self.client.outbox:
            self.client.flush()

    def serve(self) -> None:
        while True:
            if self.flush_due and not self.client.holds_message():
                self.collect_answers()  # a Flush's answers, before waiting for the client
            try:
                kind, payload = self.client.read_message(m.MAX_CLIENT_MESSAGE, m.FRONTEND_TYPES)
            except m.UnknownMessageType as exc:
                self.client.write(m.error_response(str(exc), "08P01", severity="FATAL"))
                raise
            if kind == b"X":
                return
            if self.setup_due:
                self.finish_setup()
            handler = self._handlers.get(kind)
            try:
                if handler is not None:
                    handler(payload)
            except m.MalformedMessage as exc:
                self.client.write(m.error_response(str(exc), "08P01", severity="FATAL"))
                raise
            # CopyData, CopyDone and CopyFail outside a COPY, and a stray password message: ignored, as by
            # PostgreSQL.

    def finish_setup(self) -> None:
        """The backend's answer to the session's setup statement (see :meth:`.server.Endpoint._admit`); a
        failure ends the session, before anything of the client's runs."""
        self.setup_due = False
        failure = None
        while True:
            kind, payload = self.backend.read()
            if kind == b"E":
                failure = BackendError(payload)
            elif kind == b"Z":
                self.backend.status = payload[:1]
                break
        if failure is not None:
            self.client.write(
                m.error_response(
                    f"the session setup failed: {failure.pgerror}", failure.pgcode, severity="FATAL"
                )
            )
            raise m.ProtocolError(f"the session setup failed: {failure.pgerror}")

    def close_side_connection(self) -> None:
        if self._side_connection is not None:
            self._side_connection.close()
        # The session's statements, for other processes to read; no connection of ours stays in the database.
        self.history.flush(release=True)

    # --- planning ---------------------------------------------------------------------------------------

    def plan(self, sql: str) -> Step:
        """What to do with one statement.  A question the planning asks of the client's session that fails
        (a cancel or a statement_timeout meeting it) is that statement's failure, in the backend's words: the
        connection goes on."""
        try:
            return self._plan(sql)
        except BackendError as failure:
            return Refuse(failure.pgerror, failure.pgcode)

    def _plan(self, sql: str) -> Step:
        case_sensitive = self.case_sensitivity.value(self._asked_case_sensitivity)
        step = classify(sql, standard_strings=self.backend.standard_strings, case_sensitive=case_sensitive)
        self.case_sensitivity.planned(sql)
        sample = long_frame_sample(sql, (self.backend.standard_strings, case_sensitive))
        if reads_history(sample or sql):  # it sees every statement run before it
            self.history.flush()
        if isinstance(step, Forward):
            lateral = self.with_session_columns(sql, case_sensitive) if step.lateral else None
            if (
                sample is not None
                and lateral is None
                and step.sql is sql
                and self.with_session_values(sample) == sample
            ):
                return Forward(sql, True, step.tag, step.lateral)  # its literal lists hold no session value
            final = self.with_session_values(lateral or step.sql)
            return Forward(final, final == sql, step.tag, step.lateral)
        return step

    def with_session_values(self, sql: str) -> str:
        """``sql`` with the session's values put in (``version()``, ``pg_last_query_id()`` …)."""
        return endpoint_sql(
            sql,
            version=self.endpoint.version_text,
            last_copy_id=self.context.last_copy_id,
            last_query_id=self.last_query_id,
            last_unload_id=self.context.last_unload_id,
        )

    def reading(self) -> tuple[bool, bool]:
        """The session settings a statement's translation depends on: standard_conforming_strings and
        enable_case_sensitive_identifier."""
        return self.backend.standard_strings, self.case_sensitivity.value(self._asked_case_sensitivity)

    def known_as_written(self, sql: str, reading: tuple[bool, bool]) -> tuple[str, str, str | None] | None:
        """The statement, first keyword and (where known) query type of a simple query's text that is
        forwarded as written without being planned: a text the session planned so before
        (:class:`AsWritten`), or one statement in a frame known to pass unchanged
        (:func:`adapter.frame_sample`: an INSERT of other values, a client's next row) when no history view
        and no session value are in it: asked of the frame's sample once per frame (:class:`CheckedFrames`),
        as the literal lists between hold neither.  None: it is planned."""
        known = self.as_written.get(sql, reading)
        if known is not None:
            return (*known, None)
        sample = adapter.frame_sample(sql, reading)
        if sample is None:
            return None
        checked = self.checked_frames.get(sample, self._goes_as_written)
        return None if checked is None else (sql, *checked)

    def _goes_as_written(self, sample: str) -> bool:
        return not reads_history(sample) and self.with_session_values(sample) == sample

    def with_session_columns(self, sql: str, case_sensitive: bool) -> str | None:
        """``sql`` translated with its lateral aliases decided by the columns of the session's tables (None
        when the backend cannot be asked: its transaction failed, the statement will fail anyway).  The
        backend answers everything forwarded before first; the question is one simple query."""
        self.collect_answers()
        if self.skipping or self.backend.status == b"E":
            return None
        lookup = adapter.columns_in_session(self.context.connection.cursor())
        return adapter.translate(
            sql, lookup, standard_strings=self.backend.standard_strings, case_sensitive=case_sensitive
        )

    def _asked_case_sensitivity(self) -> str | None:
        """The backend session's enable_case_sensitive_identifier (None: it cannot be asked now, its
        transaction failed).  The backend answers everything forwarded before first."""
        self.collect_answers()
        if self.skipping or self.backend.status == b"E":
            return None
        cursor = self.context.connection.cursor()
        cursor.execute(CASE_SETTING_QUERY)
        row = cursor.fetchone()
        return row[0] if row else None

    # --- simple query -----------------------------------------------------------------------------------

    def simple_query(self, payload: bytes) -> None:
        if (
            self.skipping
        ):  # after an error in an extended-protocol batch, discarded until Sync, as by PostgreSQL
            return
        sql, _ = m.read_cstring(payload)
        reading = self.reading()
        known = self.known_as_written(sql, reading)
        if known is not None:
            self.forward_as_written(payload, *known)
            return
        statements = statements_of(sql)
        if not statements:  # empty, or not lexically SQL: PostgreSQL answers it in its own words
            self.send_to_backend(b"Q", payload)
            self.relay_until_ready()
            return
        steps = [self.plan(statement) for statement in statements]
        if all(isinstance(step, Forward) for step in steps):
            self.running.extend(self.begin_record(statement) for statement in statements)
            if all(step.unchanged for step in steps):  # type: ignore[union-attr]
                if len(steps) == 1 and _repeats_as_written(statements[0], steps[0]):  # type: ignore[arg-type]
                    self.as_written.learn(sql, reading, statements[0])
                self.sent_texts = None
                self.send_to_backend(b"Q", self.typed_values(payload, statements))
            else:
                sent = ";\n".join(step.sql for step in steps)  # type: ignore[union-attr]
                self.sent_texts = (sql, sent)
                self.send_to_backend(b"Q", m.cstring(sent))
                self.due.extend((step.tag, redshift_wire.NO_COLUMNS) for step in steps)  # type: ignore[union-attr]
            self.relay_until_ready()
            return
        self._run_steps(steps, statements, sql)
        self.skipping = False
        self.client.write(m.ready_for_query(self.backend.status))

    def forward_as_written(self, payload: bytes, statement: str, keyword: str, kind: str | None) -> None:
        """A simple query of one statement known to go as the client wrote it (:meth:`known_as_written`)."""
        self.case_sensitivity.planned(statement, keyword)
        self.running.append(self.begin_record(statement, kind))
        self.sent_texts = None
        self.send_to_backend(b"Q", self.typed_values(payload, (statement,)))
        self.relay_until_ready()

    def typed_values(self, payload: bytes, statements: tuple[str, ...]) -> bytes:
        """A simple query going as written, or for a big INSERT of literals into columns with a length its
        form that PostgreSQL coerces once per column (:mod:`typed_values`: the same statement), asking the
        session for the columns' types."""
        if len(statements) != 1 or len(statements[0]) < typed_values.SMALLEST:
            return payload
        sql = statements[0]
        sample = adapter.frame_sample(sql, self.reading())
        typed = typed_values.typed_insert(sql, sample, self._column_types)
        if typed is None:
            return payload
        self.sent_texts = (sql, typed)
        return m.cstring(typed)

    def _column_types(self, table: str, columns: Sequence[str]) -> dict[str, typed_values.ColumnType] | None:
        """The columns' types as the backend session sees the table (None when it cannot be asked: its
        transaction failed).  The backend answers everything forwarded before first."""
        self.collect_answers()
        if self.skipping or self.backend.status == b"E":
            return None
        try:
            return typed_values.column_types_in_session(self.context.connection.cursor())(table, columns)
        except BackendError:  # a cancel or a timeout met it: the INSERT goes as written, to its own answer
            return None

    def _run_steps(self, steps: list[Step], statements: tuple[str, ...], sql: str) -> None:
        """Statements of one query (``sql``), some forwarded, some run here: in order, stopping at the
        first error."""
        index = 0
        while index < len(steps):
            step = steps[index]
            if isinstance(step, Forward):
                group = []
                while index < len(steps) and isinstance(steps[index], Forward):
                    group.append(steps[index].sql)  # type: ignore[union-attr]
                    self.due.append((steps[index].tag, redshift_wire.NO_COLUMNS))  # type: ignore[union-attr]
                    self.running.append(self.begin_record(statements[index]))
                    index += 1
                self.sent_texts = (sql, ";\n".join(group))
                self.send_to_backend(b"Q", m.cstring(";\n".join(group)))
                if self.relay_until_ready(forward_ready=False):
                    return
                continue
            index += 1
            failed = self.run_server_side(step) if isinstance(step, ServerSide) else self.refuse(step)
            if failed:
                return

    # --- extended query ---------------------------------------------------------------------------------

    def parse(self, payload: bytes) -> None:
        if self.skipping:
            return
        name, offset = m.read_cstring(payload)
        sql, rest = m.read_cstring(payload, offset)
        self.statements.pop(name, None)
        self.statement_tags.pop(name, None)
        several = len(statements_of(sql)) != 1
        step = Forward(sql, True) if several else self.plan(sql)  # several: PostgreSQL refuses them itself
        if isinstance(step, Forward):
            self.statement_texts[name] = sql
            if step.tag is not None:
                self.statement_tags[name] = step.tag
            if self.redshift_driver:
                self.statement_types[name] = (_parameter_types(payload), ())
            types = payload[rest:]
            if self.redshift_driver:
                types = redshift_wire.parse_for_postgres(_unreferenced_as_text(step.sql, types))
            if step.unchanged and types is payload[rest:]:
                body = payload
            else:
                body = m.cstring(name) + m.cstring(step.sql) + types
            self.sent_texts = None if step.unchanged else (sql, step.sql)
            self.forward_request(b"P", body)
        elif isinstance(step, ServerSide):
            self.statements[name] = step
            self.answer(m.PARSE_COMPLETE)
        else:
            self.refuse(step)

    def bind(self, payload: bytes) -> None:
        if self.skipping:
            return
        portal, offset = m.read_cstring(payload)
        statement, _ = m.read_cstring(payload, offset)
        self.portals.pop(portal, None)
        self.portal_tags.pop(portal, None)
        if statement in self.statement_tags:
            self.portal_tags[portal] = self.statement_tags[statement]
        self.portal_texts[portal] = self.statement_texts.get(statement, "")
        if statement in self.statements:
            self.portals[portal] = self.statements[statement]
            self.answer(m.BIND_COMPLETE)
            return
        if self.redshift_driver:
            payload = self._bind_for_postgres(portal, statement, payload)
        self.forward_request(b"B", payload)

    def _bind_for_postgres(self, portal: str, statement: str, payload: bytes) -> bytes:
        """A Redshift driver's Bind, its binary INTERVAL parameters in PostgreSQL's form; notes what the
        values of the portal's rows become (the driver describes the statement, not the portal).  A
        malformed Bind goes as it is: PostgreSQL answers it in its own words."""
        parameters, columns = self.statement_types.get(statement, ((), ()))
        self.portal_conversions.pop(portal, None)
        try:
            payload, result_formats = redshift_wire.bind_for_postgres(
                payload, parameters, names_only=is_show_listing(self.statement_texts.get(statement, ""))
            )
        except (struct.error, m.MalformedMessage):
            return payload
        planned = redshift_wire.conversions(columns, result_formats, True, self.protocol)
        payload = redshift_wire.text_where_binary_cannot_go(payload, columns, result_formats)
        if planned:
            self.portal_conversions[portal] = planned
        return payload

    def describe(self, payload: bytes) -> None:
        if self.skipping:
            return
        name, _ = m.read_cstring(payload, 1)
        if payload[:1] == b"S" and name in self.statements:
            self.answer(m.NO_PARAMETERS + m.NO_DATA)
        elif payload[:1] == b"P" and name in self.portals:
            self.answer(m.NO_DATA)
        else:
            self.due_describes.append((payload[:1], name))
            self.forward_request(b"D", payload)

    def execute(self, payload: bytes) -> None:
        if self.skipping:
            return
        portal, _ = m.read_cstring(payload)
        step = self.portals.get(portal)
        if step is None:
            self.due.append(
                (self.portal_tags.get(portal), self.portal_conversions.get(portal, redshift_wire.NO_COLUMNS))
            )
            self.running.append(self.begin_record(self.portal_texts.get(portal, "")))
            self.forward_request(b"E", payload)
            return
        self.collect_answers()
        if self.skipping:
            return
        self.context.connection.cursor().execute("")  # learns the transaction status as of now
        if self.run_server_side(step):
            self.skipping = True

    def close(self, payload: bytes) -> None:
        if self.skipping:
            return
        name, _ = m.read_cstring(payload, 1)
        (self.statement_tags if payload[:1] == b"S" else self.portal_tags).pop(name, None)
        (self.statement_types if payload[:1] == b"S" else self.portal_conversions).pop(name, None)
        table = self.statements if payload[:1] == b"S" else self.portals
        if name in table:
            del table[name]
            self.answer(m.CLOSE_COMPLETE)
        else:
            self.forward_request(b"C", payload)

    def flush(self, payload: bytes) -> None:
        """A Flush: the answers so far are the client's at once, unless it sent more requests with it
        (redshift_connector's Bind, Flush, Execute, Flush, Sync): then they go with the answers to those,
        and the backend is not waited for at each Flush, a round trip each; at the latest before the
        endpoint waits for the client (:meth:`serve`)."""
        self.send_to_backend(b"H", payload)
        if self.client.holds_message():
            self.flush_due = True
        else:
            self.collect_answers()

    def sync(self, payload: bytes) -> None:
        self.send_to_backend(b"S", payload)
        self.relay_until_ready()

    def function_call(self, payload: bytes) -> None:
        self.send_to_backend(b"F", payload)
        self.relay_until_ready()

    def forward_request(self, kind: bytes, payload: bytes) -> None:
        self.send_to_backend(kind, payload)
        self.pending += 1

    def answer(self, data: bytes) -> None:
        """An answer the endpoint makes itself, after the backend's answers to earlier requests."""
        self.collect_answers()
        if not self.skipping:
            self.client.write(data)

    # --- relaying ---------------------------------------------------------------------------------------

    def send_to_backend(self, kind: bytes, payload: bytes) -> None:
        self.backend.channel.write(m.message(kind, payload))

    def collect_answers(self) -> None:
        """Relay the backend's answers to every forwarded request; stop early at an error."""
        self.flush_due = False
        if self.pending == 0:
            return
        self.send_to_backend(b"H", b"")
        while self.pending > 0:
            kind, payload = self.backend.channel.read_passing(self.client, self._relayed_apart() | _COUNTED)
            self.client.write(self.relayed(kind, payload))
            if kind == b"E":
                self.pending = 0
                self.skipping = True
            elif kind in _ANSWER_ENDS:
                self.pending -= 1
            elif kind == b"G":
                self.relay_copy_in()

    def relay_until_ready(self, *, forward_ready: bool = True) -> bool:
        """Relay the backend's messages up to ReadyForQuery; True when an error was among them."""
        failed = False
        channel, client = self.backend.channel, self.client
        while True:
            kind, payload = channel.read_passing(client, self._relayed_apart())
            if kind == b"Z":
                self.backend.status = payload[:1]
                self.pending = 0
                self.flush_due = False
                self.skipping = False
                self.due.clear()  # what an error left unanswered is not answered any more
                self.due_describes.clear()
                self.running.clear()  # statements an error kept from running
                self.rows_plan = redshift_wire.NO_COLUMNS
                if forward_ready:
                    client.write(_READY.get(payload) or m.ready_for_query(payload))
                return failed
            client.write(self.relayed(kind, payload))
            if kind == b"E":
                failed = True
            elif kind == b"G":
                self.relay_copy_in()

    def _relayed_apart(self) -> frozenset[int]:
        """The backend messages :meth:`relayed` may change now, or that change the session's state: the
        others pass through as they came."""
        rows = bool(self.rows_plan or (self.due and self.due[0][1]))
        ends = bool(self.due or self.running or self.rows_plan)
        return _STOPS[rows, ends, bool(self.due_describes)]

    def relayed(self, kind: bytes, payload: bytes) -> bytes:
        """A backend message for the client: a statement's CommandComplete with Redshift's tag where the
        translation's differs (a CREATE TABLE run as a DO block); Redshift's types in RowDescriptions and
        their values in DataRows (:mod:`redshift_wire`).  A statement's end goes into its history record."""
        if kind in _STATEMENT_ENDS and self.running:
            self.end_record(self.running.popleft(), kind, payload)
        if kind == b"E":
            in_clients_words = error_words.in_clients_words(payload, self.sent_texts)
            if b"~" in in_clients_words:  # a name past 63 bytes, as the client wrote it (long_names.py)
                in_clients_words = with_real_names(in_clients_words)
            return m.message(kind, redshift_error_payload(in_clients_words))
        if kind == b"D":
            planned = self.due[0][1] if self.due and self.due[0][1] else self.rows_plan
            if planned:
                return m.message(kind, redshift_wire.data_row_for_client(payload, planned))
        elif kind in (b"C", b"I", b"s"):
            self.rows_plan = redshift_wire.NO_COLUMNS
            if self.due:
                tag, _ = self.due.popleft()
                if tag is not None and kind == b"C" and payload == b"DO\0":
                    return m.command_complete(tag)
        elif kind == b"S":
            self.backend.note_parameter(payload)
            payload = identity.redshift_parameter(payload)
        elif kind == b"T":
            payload = self._row_description_for_client(payload)
            if self.protocol >= 1:
                payload = self._with_extended_metadata(payload)
        elif kind == b"n" and self.due_describes:
            self.due_describes.popleft()
        return m.message(kind, payload)

    def _row_description_for_client(self, payload: bytes) -> bytes:
        """A RowDescription with Redshift's types, and what the values of its rows become.  Kept by the
        backend's bytes: the same columns come again and again (``select 1``, a client's catalog queries, a
        prepared statement's portal described at each run), and both depend on them alone (and on the
        session's driver and result transfer)."""
        known = self.descriptions.get(payload)
        if known is None:
            known = self._described_for_client(payload)
            if len(self.descriptions) >= _KEPT_DESCRIPTIONS:
                self.descriptions.clear()
            self.descriptions[payload] = known
        columns, conversions, described = known
        self._learn_columns(columns, conversions)
        return described

    def _described_for_client(self, payload: bytes) -> _Description:
        """The backend's RowDescription as a cluster gives it: the shim's types by Redshift's OIDs (ABSTIME),
        a column named by a stored long name by its real name, Redshift's types; its columns, and what the
        values of its rows become."""
        described = redshift_wire.columns(payload)
        if any(oid >= redshift_wire.FIRST_MADE_OID for oid, _, _ in described):
            payload = redshift_wire.with_types_renamed(payload, self._shim_types())
            described = redshift_wire.columns(payload)
        conversions = redshift_wire.conversions(described, None, self.redshift_driver, self.protocol)
        if b"~" in payload:  # a column of a name past 63 bytes: its real name (long_names.py)
            payload = redshift_wire.with_field_names(payload, self._real_name)
        return described, conversions, redshift_wire.row_description_for_redshift(payload, self.protocol)

    def _learn_columns(self, described: _Columns, conversions: redshift_wire.Conversions) -> None:
        """What a RowDescription tells: a simple query's or a portal's rows to come, a statement's columns."""
        if not self.due_describes:  # a simple query's
            self.rows_plan = conversions
            return
        kind, name = self.due_describes.popleft()
        if kind == b"P":
            self.rows_plan = conversions
            self.portal_conversions[name] = conversions
        elif name in self.statement_types:
            parameters, _ = self.statement_types[name]
            self.statement_types[name] = (parameters, described)

    def _shim_types(self) -> dict[int, int]:
        """The shim's types of this database that a cluster has built in, by OID: their Redshift OIDs."""
        if self.shim_types is None:
            side = self._side()
            with side.cursor() as cursor:
                cursor.execute(_SHIM_TYPES)
                self.shim_types = {oid: redshift_wire.ABSTIME_OID for (oid,) in cursor.fetchall()}
            side.rollback()
        return self.shim_types

    def _with_extended_metadata(self, row_description: bytes) -> bytes:
        """The RowDescription as Redshift gives it at server_protocol_version 1 and above."""
        unknown = redshift_wire.table_oids(row_description) - self.column_origins.keys()
        if unknown:
            side = self._side()
            with side.cursor() as cursor:
                cursor.execute(_COLUMN_ORIGINS, (sorted(unknown),))
                found = cursor.fetchall()
            side.rollback()  # no snapshot kept open: the next look sees later tables
            for oid in unknown:
                self.column_origins[oid] = {}
            for oid, attnum, *origin in found:
                self.column_origins[oid][attnum] = tuple(origin)  # type: ignore[assignment]
        return redshift_wire.extended_row_description(row_description, self.column_origins, self.database)

    def _real_name(self, field: bytes) -> bytes | None:
        """The real name of a result column named by a stored name, None for any other name."""
        if not may_be_stored(field):
            return None
        stored = field.decode("utf-8", "replace")
        real = known_real_name(stored)
        if real is None:  # made by another process: recorded by the CREATE that named it
            side = self._side()
            with side.cursor() as cursor:
                cursor.execute(_REAL_NAME, (stored,))
                found = cursor.fetchone()
            side.rollback()
            real = found[0] if found else stored
            remember_real_name(stored, real)
        return real.encode()

    def relay_copy_in(self) -> None:
        """The client streams a COPY … FROM STDIN: its CopyData goes through until CopyDone or CopyFail."""
        while True:
            kind, payload = self.client.read_message(m.MAX_CLIENT_MESSAGE, m.FRONTEND_TYPES)
            self.send_to_backend(kind, payload)
            if kind not in (b"d", b"H", b"S"):
                return

    # --- statements run here ----------------------------------------------------------------------------

    def run_server_side(self, step: ServerSide) -> bool:
        """Run ``step`` in the client's transaction, or in one of its own; answer it; True on failure."""
        status = self.backend.status
        if status == b"E":
            return self.refuse(
                Refuse(
                    "current transaction is aborted, commands ignored until end of transaction block", "25P02"
                )
            )
        cursor = self.context.connection.cursor()
        record = self.begin_record(step.sql)
        self.context.query_id, self.context.details = record.query_id, None
        try:
            if status == b"I":
                cursor.execute("BEGIN")
            with case_sensitivity(self.case_sensitivity.last_known):  # COPY's table as the session names it
                tag = step.handler(self.context, step.sql)
            if status == b"I":
                cursor.execute("COMMIT")
        except (Exception, KeyboardInterrupt) as exc:
            if isinstance(exc, m.ProtocolError):
                raise
            message, sqlstate, detail = serverside.error_of(exc)
            log.info("%s: %s", first_keyword(step.sql), message)
            self._end_failed_transaction(cursor, status)
            self.client.write(m.error_response(message, sqlstate, detail=detail))
            self._keep_server_side_record(record, "failed", error=message)
            return True
        self.client.write(m.command_complete(tag))
        self._keep_server_side_record(record, "success", rows=rows_of_tag(tag.encode()))
        return False

    def _keep_server_side_record(
        self, record: QueryRecord, status: str, *, rows: int = 0, error: str = ""
    ) -> None:
        record.finish(status, rows=rows, error=error)
        if isinstance(self.context.details, LoadDetails):
            record.load = self.context.details
        elif isinstance(self.context.details, UnloadDetails):
            record.unload = self.context.details
        self.context.query_id = None
        self.last_query_id = record.query_id
        self.history.done(record)

    # --- the query history ------------------------------------------------------------------------------

    def begin_record(self, text: str, kind: str | None = None) -> QueryRecord:
        return self.history.begin(self.user_name, self.backend.pid, text, kind)

    def end_record(self, record: QueryRecord, kind: bytes, payload: bytes) -> None:
        """A forwarded statement's end: its rows from the command tag, or the error's words."""
        if kind == b"E":
            record.finish("failed", error=m.error_fields(payload).get("M", ""))
        else:
            record.finish("success", rows=rows_of_tag(payload) if kind == b"C" else 0)
        if self.running:  # the next one starts as this one ends
            self.running[0].start = record.end
        self.last_query_id = record.query_id
        self.history.done(record)

    def refuse(self, step: Refuse) -> bool:
        self.collect_answers()
        if self.skipping:  # the backend failed earlier in this batch and discards all until Sync
            return True
        self.client.write(m.error_response(step.message, step.sqlstate))
        if self.backend.status != b"E":
            # Fails the backend's transaction as the refused statement would have: an open block is
            # aborted, and so is the implicit one of an extended-protocol batch (what it ran is undone).
            self._end_failed_transaction(self.context.connection.cursor(), b"T")
        self.skipping = True
        return True

    def _end_failed_transaction(self, cursor: Any, status: bytes) -> None:
        """A failed statement ends the transaction as on Redshift: rolled back if it was the statement's
        own, aborted (until the client's ROLLBACK) if the client had opened it."""
        with contextlib.suppress(BackendError):
            cursor.execute("ROLLBACK" if status == b"I" else _ABORT)

    def _record_rejections(self, table: str, rejected: list[RejectedRecord]) -> int:
        """stl_load_errors outlives the COPY's transaction, as on Redshift: written on its own connection."""
        return record_in_stl_load_errors(self._side(), table, rejected, query_id=self.context.query_id)

    def _side(self) -> Any:
        """The session's own connection to the embedded server, outside the client's transaction."""
        if self._side_connection is None:
            self._side_connection = psycopg2.connect(**self.endpoint.connect_args(self.database))
        return self._side_connection


def _repeats_as_written(statement: str, step: Forward) -> bool:
    """Whether a statement forwarded as written goes so again whenever its text comes under the same
    reading: its plan asked none of the session's tables and wrote no history first."""
    return step.unchanged and step.tag is None and not step.lateral and not reads_history(statement)


def _unreferenced_as_text(sql: str, types: bytes) -> bytes:
    """A Parse's parameter types with each unknown one the statement never names made text: Redshift
    takes more values than a statement uses (``select %s`` with a string, one value a character), where
    PostgreSQL cannot type an unnamed one."""
    try:
        count = struct.unpack_from("!h", types)[0]
        oids = list(struct.unpack_from(f"!{count}I", types, 2))
    except struct.error:
        return types
    unknown = [index for index, oid in enumerate(oids) if oid in (0, 705)]
    if not unknown:
        return types
    try:
        named = {int(token.text[1:]) - 1 for token in tokens(sql) if token.name == "PARAM"}
    except (SqlLexError, ValueError):
        return types
    missing = [index for index in unknown if index not in named]
    if not missing:
        return types
    for index in missing:
        oids[index] = 25
    return struct.pack(f"!h{count}I", count, *oids) + types[2 + 4 * count :]


def _parameter_types(parse_payload: bytes) -> tuple[int, ...]:
    try:
        return redshift_wire.parameter_types(parse_payload)
    except (struct.error, m.MalformedMessage):
        return ()
