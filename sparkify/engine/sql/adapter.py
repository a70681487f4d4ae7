"""Redshift SQL as the local PostgreSQL should run it: the one entry point of the emulation's SQL side.

The scripts' embedded path (:mod:`sparkify.warehouse`) and the endpoint both call :func:`translate`,
:func:`session_setup_statements` and :func:`prepare_database`, so the two cannot drift apart.  Every
rewrite works on tokens (:mod:`sparkify.engine.sql.tokens`); the pieces live in
:mod:`sparkify.engine.sql.redshift`: refusals, CREATE TABLE, expressions, and the function and catalog shims.

Backslashes: PostgreSQL reads a backslash in a plain literal as itself, Redshift as an escape.  The
adapter gives Redshift's reading: a plain literal with a backslash becomes an ``E''`` literal before
PostgreSQL's lexer sees it (``'it\\'s'`` is ``it's``, ``'a\\\\.b'`` is ``a\\.b``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.literals import Lifted, RewrittenTranslations, lifted_literals
from sparkify.engine.sql.redshift import SHIM_SCHEMA, shims
from sparkify.engine.sql.redshift.access import DATABASE_SETUP, cluster_setup_statements
from sparkify.engine.sql.redshift.ddl import IDENTITY_CACHE, TableLayout, adapt_create_table, adapt_other_ddl
from sparkify.engine.sql.redshift.decimal_branches import may_declare_decimals, with_declared_decimals
from sparkify.engine.sql.redshift.late_binding import late_binding_creation
from sparkify.engine.sql.redshift.lateral import (
    AskedLookup,
    ColumnLookup,
    columns_in_session,
    uses_lateral_aliases,
    with_lateral_aliases,
)
from sparkify.engine.sql.redshift.leader import leader_sql, learn_catalog, reads_only_catalog, system_views
from sparkify.engine.sql.redshift.lexing import numbers_apart
from sparkify.engine.sql.redshift.long_names import long_names, recording, with_stored_names
from sparkify.engine.sql.redshift.navigation import has_name_path, session_decides, with_super_navigation
from sparkify.engine.sql.redshift.pivot import rewrite_rotations
from sparkify.engine.sql.redshift.procedures import (
    beside_a_procedure,
    procedure_statement,
    routine_signatures,
)
from sparkify.engine.sql.redshift.qualify import rewrite_qualify
from sparkify.engine.sql.redshift.quoted_names import case_sensitivity, keeps_case
from sparkify.engine.sql.redshift.refusals import refusal
from sparkify.engine.sql.redshift.rewrite import rewrite_expressions
from sparkify.engine.sql.redshift.statements import REDSHIFT_SETTINGS, SHIM_PATH, rewrite_statement
from sparkify.engine.sql.redshift.super_paths import rewrite_super_paths
from sparkify.engine.sql.redshift.unnesting import has_unnesting, rewrite_unnesting
from sparkify.engine.sql.redshift.views import is_late_binding, view_definition
from sparkify.engine.sql.shapes import ShapeVerdicts, lexed, shape_of
from sparkify.engine.sql.text import postgres_literal, quote_literal
from sparkify.engine.sql.tokens import SqlLexError, Token, tokens, with_redshift_escapes

__all__ = [
    "IDENTITY_CACHE",
    "REDSHIFT_STRING_SETTINGS",
    "SHIM_SCHEMA",
    "ColumnLookup",
    "cluster_setup_statements",
    "columns_in_session",
    "frame_sample",
    "in_known_frame",
    "postgres_ddl",
    "postgres_only_feature",
    "postgres_statement",
    "prepare_database",
    "session_settings",
    "session_setup_statements",
    "startup_options",
    "translate",
]

_EMULATED = frozenset(["COPY", "UNLOAD"])

#: The session settings of every emulated session, given at its start (so that a client reads them in the
#: startup's ParameterStatus).  A Redshift cluster reports standard_conforming_strings off and reads a
#: backslash in a plain '…' literal as an escape; a libpq-based driver that quotes on the client (psycopg2,
#: psycopg 3's ClientCursor) then doubles every backslash, and PostgreSQL reads what it sends as written.
#: No warning for each backslash: Redshift gives none.
#: The translation's fast path (:mod:`sparkify.engine.sql.shapes`): which statement shapes pass unchanged.
_SHAPE_VERDICTS = ShapeVerdicts()
#: Its second fast path (:mod:`sparkify.engine.sql.literals`): rewritten statements' templates.
_REWRITTEN = RewrittenTranslations()

REDSHIFT_STRING_SETTINGS = {"standard_conforming_strings": "off", "escape_string_warning": "off"}


def startup_options() -> str:
    """:data:`REDSHIFT_STRING_SETTINGS` as libpq's ``options`` connection parameter."""
    return " ".join(f"-c {name}={value}" for name, value in REDSHIFT_STRING_SETTINGS.items())


def translate(
    sql: str,
    columns_of: ColumnLookup | None = None,
    *,
    standard_strings: bool = False,
    case_sensitive: bool | None = None,
) -> str:
    """One Redshift statement as PostgreSQL should run it; raises UnsupportedStatementError, with
    Redshift's wording, for SQL that Redshift would reject.  COPY and UNLOAD are returned as written:
    the emulators execute them.

    ``standard_strings``: the session's standard_conforming_strings is on (a client set it), so a
    backslash in a plain literal is itself, as the client then writes it, and not Redshift's escape.
    ``case_sensitive``: the session's enable_case_sensitive_identifier is true, so quoted names keep
    their case (by default Redshift folds them); None: as set for what runs now (UNLOAD's query, as
    its statement was read).

    ``columns_of`` tells the columns of the session's tables (:func:`columns_in_session`): with it, a
    select-list alias used in a later item or in WHERE becomes its expression, as on Redshift, unless a
    FROM table has a column of that name.  It is asked only for a statement with such a use."""
    if case_sensitive is None:
        case_sensitive = keeps_case()
    with case_sensitivity(case_sensitive):
        return _translation(sql, columns_of, (standard_strings, case_sensitive))


def _translation(sql: str, columns_of: ColumnLookup | None, reading: tuple[bool, bool]) -> str:
    """:func:`translate` under the session's ``reading`` (standard_conforming_strings, case sensitivity)."""
    standard_strings = reading[0]
    if _SHAPE_VERDICTS.in_known_frame(sql, reading):
        return sql  # a known frame around lone literals: as the statement it was learnt from, unchanged
    scanned = lexed(sql)  # one scan for the first keyword and the shape, a big INSERT's rows included
    if scanned is not None and scanned.leading_keyword in _EMULATED:
        return sql
    if not standard_strings and "\\" in sql:  # no backslash, no literal to mark as E''
        sql = with_redshift_escapes(sql)
        scanned = lexed(sql)
    shape = shape_of(scanned) if scanned is not None else None
    if shape is not None and _SHAPE_VERDICTS.passes_unchanged(shape, reading, _sample_translation):
        _SHAPE_VERDICTS.learn_frame(sql, shape, reading)
        return sql  # its shape's sample passed unchanged: so does every statement of the shape
    lifted = lifted_literals(scanned) if scanned is not None else None
    if lifted is not None:
        return _rewritten_translation(lifted, reading, columns_of)
    return _lexed_translation(sql, columns_of)


def _rewritten_translation(
    lifted: Lifted, reading: tuple[bool, bool], columns_of: ColumnLookup | None
) -> str:
    """The statement's translation from its key's template (:mod:`sparkify.engine.sql.literals`).  A
    statement whose translation asks for the session's tables (their columns or their types) keeps no
    template: its translation is the full path's every time, and the lookup is asked as often.  Without a
    lookup the translation depends on the text alone: the templates learnt with and without one are kept
    apart, and so are those of each reading (standard_conforming_strings, case sensitivity)."""
    lookup = None if columns_of is None else AskedLookup(columns_of)
    return _REWRITTEN.translation(
        lifted,
        (reading, lookup is None),
        lambda text: _lexed_translation(text, lookup),
        lambda _: lookup is None or not lookup.asked,
    )


def in_known_frame(sql: str, reading: tuple[bool, bool] | None = None) -> bool:
    """Whether ``sql`` is one statement of a known frame (see :class:`ShapeVerdicts`), whatever the
    session's settings: a frame holds no backslash, so each setting lexes and splits it alike.  With
    ``reading`` (standard_conforming_strings, case sensitivity), a frame learnt under it: then ``sql`` also
    passes :func:`translate` under it unchanged."""
    if reading is not None:
        return _SHAPE_VERDICTS.in_known_frame(sql, reading)
    return any(
        _SHAPE_VERDICTS.in_known_frame(sql, (standard_strings, case_sensitive))
        for standard_strings in (False, True)
        for case_sensitive in (False, True)
    )


def frame_sample(sql: str, reading: tuple[bool, bool]) -> str | None:
    """For ``sql`` in a frame learnt under ``reading`` (:func:`in_known_frame`), that frame around one row
    of one literal: what stands outside its literal lists, the names and calls, in a short statement (the
    endpoint asks it for history views and the session's own values instead of a long INSERT); None when
    ``sql`` is in no known frame."""
    return _SHAPE_VERDICTS.frame_sample(sql, reading)


def _sample_translation(sample: str) -> str | None:
    """A shape's sample as the full path translates it, or None when the session's tables decide: a
    select-list alias used later stands for its expression only where no FROM table has that column."""
    translated = _lexed_translation(sample, None)
    decides = translated == sample and (
        uses_lateral_aliases(sample) or session_decides(sample) or may_declare_decimals(sample)
    )
    return None if decides else translated


def _lexed_translation(sql: str, columns_of: ColumnLookup | None) -> str:
    """The full translation of ``sql``, its Redshift escapes already marked."""
    try:
        found = tokens(sql)
    except SqlLexError:
        sql = numbers_apart(sql)  # ``THEN 1WHEN``, as Redshift's lexer reads it
        try:
            found = tokens(sql)
        except SqlLexError:
            return sql  # PostgreSQL reports the lexical error itself
    held = long_names(found)
    if held:  # PostgreSQL keeps 63 bytes of a name, Redshift 127: the longer ones under their stored names
        sql = with_stored_names(sql, found)
        found = tokens(sql)
    try:
        message = refusal(sql, found)
    except (ValueError, IndexError):
        message = None  # not well-formed: PostgreSQL reports the syntax error itself
    if message:
        raise UnsupportedStatementError(message)
    try:
        adapted = _adapted(sql, found, columns_of)
    except (ValueError, IndexError):
        return sql  # not well-formed (an unclosed call, a clause cut short): PostgreSQL says where
    return recording([token.word for token in found[:2]], held, adapted) if held else adapted


def _adapted(sql: str, found: list[Token], columns_of: ColumnLookup | None) -> str:
    # The leader node's catalog (Redshift's columns and clauses, its aliases included), else Redshift's
    # system views named in its pg_catalog among other tables.
    catalog = reads_only_catalog(found)
    adapted = leader_sql(sql, found) if catalog else system_views(sql, found)
    if adapted != sql:
        sql, found = adapted, tokens(adapted)
    signed = routine_signatures(sql, found)  # Redshift's INTERVAL types in a routine's signature: domains
    if signed != sql:
        sql, found = signed, tokens(signed)
    statement = rewrite_statement(found) or procedure_statement(sql, found)
    if statement is not None:
        return statement
    adapted = postgres_statement(sql)
    layout = adapt_create_table(sql)[1]
    if not catalog:  # the catalog's own arrays (psql's prattrs[i]) stay PostgreSQL's
        adapted = _reshaped(adapted, found, columns_of)
    adapted = rewrite_expressions(adapted)
    if not catalog and has_name_path(found):
        adapted = with_super_navigation(adapted, columns_of)
    if columns_of is not None and not catalog:
        adapted = with_lateral_aliases(adapted, columns_of)
    if not catalog:
        adapted = with_declared_decimals(adapted, getattr(columns_of, "types", None))
    if layout is not None:
        return _with_layout(adapted, layout)
    view = view_definition(sql, adapted)
    if view is None:
        return beside_a_procedure(adapted)
    late_binding = (
        late_binding_creation(adapted) if is_late_binding([t.word for t in found if t.text != ";"]) else None
    )
    return _with_view_text(adapted, *view, creation=late_binding)


def _reshaped(sql: str, found: list[Token], columns_of: ColumnLookup | None) -> str:
    """``sql`` with PartiQL's unnesting FROM items lateral subqueries, Redshift's PIVOT, UNPIVOT and QUALIFY
    clauses made PostgreSQL's derived tables, and its subscripted SUPER paths json steps."""
    named = {token.word for token in found}
    if has_unnesting(found):
        sql = rewrite_unnesting(sql)
    if named & {"PIVOT", "UNPIVOT"}:
        sql = rewrite_rotations(sql, columns_of)
    if "QUALIFY" in named:
        sql = rewrite_qualify(sql)
    if any(token.text == "[" for token in found):
        sql = rewrite_super_paths(sql)
    return sql


def postgres_ddl(sql: str) -> str:
    """``sql`` with Redshift-only table clauses taken out and Redshift's types and identity columns
    spelt PostgreSQL's way; statements other than CREATE TABLE are returned unchanged."""
    adapted, layout = adapt_create_table(sql)
    return adapted if layout is not None else adapt_other_ddl(sql)


def postgres_statement(sql: str) -> str:
    """``sql`` as PostgreSQL should run it: DDL adapted, and a DELETE of a whole table as TRUNCATE.

    Inside a transaction the two mean the same on PostgreSQL, where TRUNCATE does not leave a million dead
    rows behind; Redshift gets the DELETE as written, since its TRUNCATE would commit the transaction.
    """
    found = tokens(sql)
    words = [token.word for token in found if token.text != ";"]
    if words[:2] == ["DELETE", "FROM"] and len(found) - found.count(";") >= 3:
        rest = [token for token in found[2:] if token.text != ";"]
        if len(rest) == 1 and rest[0].word:
            return f"TRUNCATE {rest[0].text}"
    return postgres_ddl(sql)


def postgres_only_feature(sql: str) -> str | None:
    """Redshift's error message for ``sql`` if Redshift would reject it (PostgreSQL would not), else None."""
    try:
        return refusal(sql, tokens(sql))
    except SqlLexError:
        return None


def _with_layout(sql: str, layout: TableLayout) -> str:
    """The CREATE TABLE ``sql`` and the recording of its layout, as one statement (a DO block)."""
    body = sql.strip().rstrip(";").strip()
    tag = "ddl"
    while f"${tag}$" in body:
        tag += "_"
    name = postgres_literal(layout.table)
    sortkeys = _text_array(layout.sortkeys)
    columns = _text_array(layout.encodings)
    encodings = _text_array(layout.encodings.values())
    like = f"to_regclass({postgres_literal(layout.like)})" if layout.like else "NULL"
    keys = ", ".join(
        f"jsonb_build_object('kind', {quote_literal(key.kind)}, 'columns', {_text_array(key.columns)}, "
        f"'name', {postgres_literal(key.name) if key.name else 'NULL'}::text, "
        f"'references', {_regclass_oid(key.references)}, "
        f"'referenced_columns', {_text_array(key.referenced_columns)})"
        for key in layout.keys
    )
    record = (
        f"PERFORM {SHIM_SCHEMA}.record_table_layout(to_regclass({name}), {quote_literal(layout.diststyle)}, "
        f"{postgres_literal(layout.distkey) if layout.distkey else 'NULL'}, {sortkeys}, "
        f"{quote_literal(layout.sortstyle or 'compound')}, {columns}, {encodings}, {like}, "
        f"jsonb_build_array({keys}), {_text_array(layout.nullable_identities)});"
    )
    return (
        "DO $sparkify$ DECLARE existed boolean; BEGIN "
        f"existed := to_regclass({name}) IS NOT NULL; "
        f"EXECUTE ${tag}${body}${tag}$; "
        f"IF NOT existed THEN {record} END IF; END $sparkify$"
    )


def _with_view_text(sql: str, name: str, definition: str, creation: str | None = None) -> str:
    """The CREATE VIEW ``sql`` (or the statement ``creation`` that makes a late-binding view) and the
    recording of the definition a cluster prints, as one DO block."""
    body = sql.strip().rstrip(";").strip()
    tag = "ddl"
    while f"${tag}$" in body:
        tag += "_"
    creation = creation or f"EXECUTE ${tag}${body}${tag}$;"
    # the client's text as it came (a late-binding view's: its lines and any backslash), dollar-quoted
    text_tag = "viewtext"
    while f"${text_tag}$" in definition:
        text_tag += "_"
    return (
        f"DO $sparkify$ BEGIN {creation} "
        f"PERFORM {SHIM_SCHEMA}.record_view_text(to_regclass({postgres_literal(name)}), "
        f"${text_tag}${definition}${text_tag}$); "
        "END $sparkify$"
    )


def _regclass_oid(name: str | None) -> str:
    """The oid of the table ``name`` as the session finds it, in SQL (NULL: none named, or no such table)."""
    return f"to_regclass({postgres_literal(name)})::oid" if name else "NULL"


def _text_array(values: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join(postgres_literal(value) for value in values) + "]::text[]"


#: Redshift's functions before PostgreSQL's, and Redshift's session defaults (UTC, ISO dates).
_SESSION_SETTINGS = {
    "search_path": f'"$user", public, {SHIM_PATH}',
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    **{f"redshift.{name}": value for name, value in REDSHIFT_SETTINGS.items()},
}
#: md5 passwords are Redshift's own (CREATE USER keeps them); PostgreSQL 18 warns of each one (an older
#: server has no such setting).
_IF_KNOWN = {"md5_password_warnings": "off"}


def session_setup_statements() -> list[str]:
    """Statements each session runs before the client's first one: :data:`_SESSION_SETTINGS` set.  Used by
    the in-process path (the adapter, COPY and UNLOAD called directly); the endpoint's sessions start with
    them (:func:`session_settings`)."""
    search_path, *others = _SESSION_SETTINGS.items()
    return [
        f"SET search_path TO {search_path[1]}",
        *(f"SET {name} TO {quote_literal(value)}" for name, value in others),
        # current_setting, not pg_settings: that view builds every setting's row, milliseconds in a new
        # session.
        *(
            f"SELECT set_config({quote_literal(name)}, {quote_literal(value)}, false) "
            f"WHERE current_setting({quote_literal(name)}, true) IS NOT NULL"
            for name, value in _IF_KNOWN.items()
        ),
    ]


def session_settings(known: Container[str]) -> dict[str, str]:
    """The same settings as startup parameters (the endpoint's backend sessions start with them: no
    statement, and RESET returns to them); ``known``: the server's settings, lower case."""
    return {**_SESSION_SETTINGS, **{name: value for name, value in _IF_KNOWN.items() if name in known}}


def prepare_database(connection: Any) -> None:
    """Install what the emulation needs in the database ``connection`` is on (function shims, catalog
    views); idempotent, cheap when already done.  ``connection`` is a psycopg2 connection of a superuser."""
    shims.install(connection)
    with connection.cursor() as cursor:
        cursor.execute(DATABASE_SETUP)
    if not connection.autocommit:
        connection.commit()
    learn_catalog(connection)
    _SHAPE_VERDICTS.forget()  # a verdict learnt before the catalog was known may differ now
    _REWRITTEN.forget()
