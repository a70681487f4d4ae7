"""What the endpoint does with one statement, decided once per text: forward it (translated by the one
SQL emulation), run it here (COPY, UNLOAD), or refuse it as Redshift would."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from pglast import parser as _pg

from sparkify.engine.endpoint import serverside
from sparkify.engine.errors import EngineError
from sparkify.engine.sql import adapter
from sparkify.engine.sql.redshift.history import query_type
from sparkify.engine.sql.redshift.lateral import AskedLookup
from sparkify.engine.sql.redshift.lexing import numbers_apart
from sparkify.engine.sql.text import first_keyword
from sparkify.engine.sql.tokens import SqlLexError, tokens, words


@dataclass(frozen=True)
class Forward:
    sql: str
    unchanged: bool
    #: The command tag Redshift answers with, where the translation's differs (None: the backend's).
    tag: str | None = None
    #: The statement uses a select-list alias whose meaning depends on the session's tables: ``sql`` is
    #: its translation with no table columns known; the session translates it again, asking its backend.
    lateral: bool = False


@dataclass(frozen=True)
class ServerSide:
    handler: serverside.Handler
    sql: str


@dataclass(frozen=True)
class Refuse:
    message: str
    sqlstate: str


Step = Forward | ServerSide | Refuse


_CACHED_TEXT = 8192  # longer texts (a big INSERT … VALUES) are rarely sent twice: not kept


def classify(sql: str, *, standard_strings: bool = False, case_sensitive: bool = False) -> Step:
    """The emulation's verdict on one statement: translated, run here, or refused.  Cached for short
    texts, and for a few long ones with parameters (a Parse of a many-row INSERT, once per batch): clients
    send the same ones again and again (every Parse of redshift_connector, pgbench -M
    extended), and the verdict depends on the text and the session's standard_conforming_strings and
    enable_case_sensitive_identifier alone."""
    if len(sql) <= _CACHED_TEXT:
        return _classify_cached(sql, standard_strings, case_sensitive)
    if "$" in sql:  # a client's parameters, likely: the same long text comes again for each batch of rows
        return _classify_long(sql, standard_strings, case_sensitive)
    return _classify(sql, standard_strings, case_sensitive)


def long_frame_sample(sql: str, reading: tuple[bool, bool]) -> str | None:
    """For a long text in a frame known under ``reading`` (a big INSERT of other values), the frame's sample
    (:func:`adapter.frame_sample`): what the session asks about history views and its own values instead
    of the whole text.  None otherwise: a short text's plan is cached, and asking costs more than it saves."""
    return adapter.frame_sample(sql, reading) if len(sql) > _CACHED_TEXT else None


def _classify(sql: str, standard_strings: bool = False, case_sensitive: bool = False) -> Step:
    no_columns = AskedLookup()  # the session's tables: none, but whether they were asked tells
    try:
        translated = adapter.translate(
            sql, no_columns, standard_strings=standard_strings, case_sensitive=case_sensitive
        )
    except EngineError as exc:
        return Refuse(str(exc), "0A000")
    except ValueError:  # not lexically SQL: PostgreSQL answers it in its own words
        return Forward(sql, True)
    keyword = first_keyword(sql)
    handler = serverside.handler_for(keyword, sql)
    if handler is not None:
        return ServerSide(handler, sql)
    if translated is sql:  # passed as written (the common case): no tag of a DO block to give
        return Forward(sql, True, None, no_columns.asked)
    return Forward(translated, translated == sql, _redshift_tag(keyword, sql, translated), no_columns.asked)


#: Redshift's tags for statements the emulation runs as a DO block (no effect, or a shim's call).
_TAGS_OF_DO_BLOCKS = {
    "VACUUM": "VACUUM",
    "ALTER": "ALTER TABLE",
    "GRANT": "GRANT",
    "REVOKE": "REVOKE",
    "COMMENT": "COMMENT",
}
#: CREATE / ALTER USER with Redshift's options, and CREATE ROLE, run as DO blocks too.
_TAGS_OF_ACCESS_BLOCKS = frozenset({"CREATE USER", "ALTER USER", "CREATE ROLE"})
#: CREATE / DROP / ALTER SCHEMA of a database-qualified name (``"dev"."staging"``), run as DO blocks too.
_TAGS_OF_SCHEMA_BLOCKS = frozenset({"CREATE SCHEMA", "DROP SCHEMA", "ALTER SCHEMA"})


def _redshift_tag(keyword: str, sql: str, translated: str) -> str | None:
    """The tag Redshift answers with where PostgreSQL would tag the translation DO.  A CREATE TABLE runs as
    one DO block (the table and its recorded layout): CREATE TABLE, and SELECT for a CREATE TABLE … AS
    (PostgreSQL 8.0's tag); a CREATE VIEW (the view and its definition), VACUUM and ALTER TABLE's DISTSTYLE,
    SORTKEY and APPEND, a CREATE PROCEDURE (its arguments' typmods recorded) and a CREATE FUNCTION (set
    apart from a procedure) run as DO blocks too."""
    if first_keyword(translated) != "DO" or keyword == "DO":
        return None
    try:
        leading = " ".join(words(sql)[:2])
    except SqlLexError:
        return None
    if leading in _TAGS_OF_ACCESS_BLOCKS or leading in _TAGS_OF_SCHEMA_BLOCKS:
        return leading
    if keyword != "CREATE":
        return _TAGS_OF_DO_BLOCKS.get(keyword)
    try:
        found = tokens(sql)
    except SqlLexError:
        return None
    if "VIEW" in [token.word for token in found[:5]]:  # a view and its recorded definition
        return "CREATE VIEW"
    routine = {"PROCEDURE", "FUNCTION"} & {token.word for token in found[:4]}
    if routine:  # one that names a long name, recorded first (long_names.py)
        return f"CREATE {routine.pop()}"
    depth = 0
    for token in found:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0 and token.word == "AS":
            return "SELECT"
    return "CREATE TABLE"


_classify_cached = functools.lru_cache(maxsize=1024)(_classify)
_classify_long = functools.lru_cache(maxsize=16)(_classify)

#: The texts one session keeps as forwarded as written; past it they are all forgotten at once.
_KEPT_TEXTS = 512


class AsWritten:
    """The simple-query texts of one statement a session's plan forwarded as written, by the reading they
    were planned under (standard_conforming_strings, enable_case_sensitive_identifier): a text the client
    sends again (``select 1``, ``BEGIN``, ``COMMIT``) goes again without being planned.  Kept only when
    the plan depends on the text and the reading alone, as :func:`classify`'s own cache does: translated
    unchanged, none of the session's tables asked, no history view read (its records are written first),
    no session value put in (``version()``, ``pg_last_query_id()``).  Each with its statement (the text
    without the comments and white space before it) and the statement's first keyword."""

    def __init__(self, size: int = _KEPT_TEXTS) -> None:
        self.size = size
        self._texts: dict[tuple[str, bool, bool], tuple[str, str]] = {}

    def get(self, sql: str, reading: tuple[bool, bool]) -> tuple[str, str] | None:
        return self._texts.get((sql, *reading))

    def learn(self, sql: str, reading: tuple[bool, bool], statement: str) -> None:
        if len(sql) > _CACHED_TEXT:
            return
        if len(self._texts) >= self.size:
            self._texts.clear()
        self._texts[(sql, *reading)] = (statement, first_keyword(statement))


#: The frames one session keeps checked; past it they are all forgotten at once.
_KEPT_FRAMES = 64


class CheckedFrames:
    """What one session learnt of each known frame (:func:`adapter.frame_sample`) its statements came in,
    once per frame instead of once per statement (executemany's rows are each a new text in one frame):
    whether a statement of it goes as written (``passes``: the sample names no history view and no session
    value, which the literal lists between never hold), and then its first keyword and query type.

    Both are the sample's: the text before the lists (the frame's head) holds the first keyword, as the
    lists start with a parenthesis or white space, and the query type is the first keyword's, but for a
    CREATE (read further: worked out per statement, None here).  Keyed on the sample alone: the reading
    is the frame's (a frame is learnt and asked for under one), and whether a text names a history view or
    a session value depends on the text alone, not on the values (a value put in always changes it)."""

    def __init__(self, size: int = _KEPT_FRAMES) -> None:
        self.size = size
        self._checked: dict[str, tuple[str, str | None] | None] = {}

    def get(self, sample: str, passes: Callable[[str], bool]) -> tuple[str, str | None] | None:
        """The first keyword and query type of the statements of the frame of ``sample`` (None: each one
        is planned)."""
        try:
            return self._checked[sample]
        except KeyError:
            pass
        keyword = first_keyword(sample)
        checked = (keyword, None if keyword == "CREATE" else query_type(sample)) if passes(sample) else None
        if len(self._checked) >= self.size:
            self._checked.clear()
        self._checked[sample] = checked
        return checked


def statements_of(sql: str) -> tuple[str, ...]:
    """The statements of one query text; () when it has none or is not lexically SQL (PostgreSQL then
    answers it in its own words)."""
    return _statements_cached(sql) if len(sql) <= _CACHED_TEXT else _statements(sql)


def _statements(sql: str) -> tuple[str, ...]:
    if adapter.in_known_frame(sql):  # one statement, as the one its frame was learnt from
        return (sql,)
    try:
        return _split(sql)
    except _pg.ParseError:
        pass
    try:  # ``THEN 1WHEN``, as Redshift's lexer reads it (translate puts the space in)
        return _split(numbers_apart(sql))
    except _pg.ParseError:
        return ()


def _split(sql: str) -> tuple[str, ...]:
    """PostgreSQL's scanner splits at the top-level semicolons, in C: a big INSERT's rows cost no Python
    object each.  Each statement comes without the white space and comments before it."""
    return tuple(sql[part] for part in _pg.split(sql, with_parser=False, only_slices=True))


_statements_cached = functools.lru_cache(maxsize=1024)(_statements)
