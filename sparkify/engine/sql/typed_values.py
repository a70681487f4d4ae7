"""A big multi-row ``INSERT … VALUES`` of literals, as PostgreSQL plans it cheaply: once per column, not
once per literal.

PostgreSQL coerces each literal of ``INSERT INTO t (…) VALUES (…), (…)`` to its column's type one by one,
and a column with a length (Redshift's ``VARCHAR(256)``, which pandas' TEXT becomes) adds a length check
per literal that the planner folds, literal by literal: 5,100 strings of pandas' ``to_sql`` into
``VARCHAR(256)`` cost PostgreSQL about twice their cost into TEXT.  As
``INSERT INTO t (…) SELECT * FROM (VALUES …) AS v`` the VALUES list keeps its literals' own types and the
length check runs once per row, on PostgreSQL's executor: the same rows stored, the same refusal of a
value too long (``value too long for type character varying(256)``), the same command tag.

Only where the two forms are the same statement: a list of lone literals (no DEFAULT), every row as long
as the column list, and each column's items of a kind its column takes the same way in both forms —
strings and NULL into any column whose type is not a domain or an interval; numbers only into numeric
columns; TRUE and FALSE only into booleans.  A column whose strings would be read as text in the VALUES list
(a TIMESTAMP, a DATE, a number given as a string) gets its type from a first row of typed NULLs, which
``OFFSET 1`` leaves out, so each string is read by its column type's own input function, as before.

The column types come from the session (:func:`column_types_in_session`); the text is only cut where its
known frame ends (:mod:`shapes`): the head, read by the scanner, and the literal lists, whose items are
only told apart by kind, never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sparkify.engine.sql import shapes
from sparkify.engine.sql.text import named_relation_oid, quote_literal

#: Shorter statements go as written: the session's answer about the column types costs a round trip.
SMALLEST = 16_384


@dataclass(frozen=True)
class ColumnType:
    """A target column as the session's catalog has it: its type by its schema and internal name (so
    that no modifier comes with it: ``pg_catalog."bpchar"``, not ``character``, which means CHAR(1)),
    whether it is TEXT, VARCHAR or CHAR (assigned from text as it is, a length check at most), whether it
    has a modifier (a length, a precision), its type's category and kind (``typcategory``, ``typtype``)."""

    name: str
    text_like: bool
    modified: bool
    category: str
    kind: str


#: The target table's columns, by name, as the session sees the table ``name`` (None: no such table, or
#: not a plain table).
ColumnTypes = Callable[[str, Sequence[str]], dict[str, ColumnType] | None]

#: What is left of a row's items once its strings are one quote each (:func:`_column_kinds`): white space
#: goes, a number's digits, point, signs go (leaving ``""``, or ``"e"`` from an exponent), the quote is
#: ``s``; what is left of an item must then be a keyword, or the rows are something else.
_KIND_CHARACTERS = str.maketrans({**dict.fromkeys(" \t\n\r\f\v0123456789.+-"), "'": "s"})
_NUMBER, _STRING, _NULL, _BOOLEAN, _DEFAULT = "n", "s", "NULL", "B", "DEFAULT"


@dataclass(frozen=True)
class _Head:
    """``INSERT INTO <table> (<columns>) VALUES``: the table as written, the columns' names, and where the
    VALUES keyword starts."""

    table: str
    columns: tuple[str, ...]
    values_at: int


def typed_insert(sql: str, frame_sample: str | None, column_types: ColumnTypes) -> str | None:
    """``sql`` as ``INSERT … SELECT * FROM (VALUES …)`` when it is a big INSERT of lone literals in a known
    frame (``frame_sample``: the frame around one row, :func:`adapter.frame_sample`) and the two forms are
    the same statement; None otherwise (then it goes as written)."""
    if len(sql) < SMALLEST or frame_sample is None or not frame_sample.endswith("(1)"):
        return None
    head_text = frame_sample[:-3]
    rows = sql[len(head_text) :]
    head = _insert_head(head_text)
    if head is None or not sql.startswith(head_text) or "\\" in rows:
        return None
    kinds = _column_kinds(rows, len(head.columns))
    if kinds is None:
        return None
    types = column_types(head.table, head.columns)
    if types is None or set(types) != set(head.columns):
        return None
    if not any(types[name].modified for name in head.columns):
        return None  # no length or precision to check per literal: nothing to gain
    first_row = []
    for name, found in zip(head.columns, kinds, strict=True):
        cast = _first_row_item(types[name], found)
        if cast is None:
            return None
        first_row.append(cast)
    before = head_text[: head.values_at]
    if all(item == "NULL" for item in first_row):
        return f"{before}SELECT * FROM (VALUES {rows}) AS sparkify_values"
    typed = "(" + ", ".join(first_row) + ")"
    return f"{before}SELECT * FROM (VALUES {typed}, {rows}) AS sparkify_values OFFSET 1"


def _first_row_item(column: ColumnType, kinds: set[str]) -> str | None:
    """The first row's item for a column of ``column``'s type holding items of ``kinds``: ``NULL`` where
    the literals' own types lead to the column's type as they do in a VALUES row of the INSERT, ``NULL::``
    the type where its strings must be read as that type; None where the forms would differ."""
    if column.kind != "b" or column.category == "T":  # a domain's check, an interval's fields: as written
        return None
    allowed = {_STRING, _NULL}
    if column.category == "N":
        allowed.add(_NUMBER)
    if column.category == "B":
        allowed.add(_BOOLEAN)
    if not kinds <= allowed or (_NUMBER in kinds and _STRING in kinds):
        return None
    typed_by_items = _NUMBER in kinds or _BOOLEAN in kinds
    if typed_by_items or column.text_like:
        return "NULL"
    return f"NULL::{column.name}"


def _column_kinds(rows: str, width: int) -> list[set[str]] | None:
    """The kinds of the items in each column of ``rows``, or None when ``rows`` are not rows of lone
    literals (a string, a number, NULL, TRUE, FALSE) each ``width`` items long.  Each kind of row is looked
    at once: pandas' rows are of one kind, or of a few where NULLs stand.

    In C-speed string operations, not a regular expression over every character (several times slower
    on a 50 kB INSERT): ``rows`` hold no backslash, so a string is a quote, its text, a quote, with a quote
    in the text doubled.  Split at the quotes, the pieces between two strings are the even ones, and one
    that is empty (a quote right after a closing one) is a doubled quote inside a string: left out, the
    remaining pieces joined by one quote each give each string as one quote, after its E where it had one
    (psycopg2 writes E'…' while standard_conforming_strings is off, as a cluster's is; without a backslash
    it reads as '…')."""
    pieces = rows.split("'")
    if len(pieces) % 2 == 0:
        return None  # a quote left open
    outside = pieces[0::2]
    if len(outside) > 2:
        outside = [outside[0], *filter(None, outside[1:-1]), outside[-1]]
    reduced = "'".join(outside).replace("E'", "'").replace("e'", "'").lower().translate(_KIND_CHARACTERS)
    if not (reduced.startswith("(") and reduced.endswith(")")):
        return None
    columns: list[set[str]] = [set() for _ in range(width)]
    for row in set(reduced[1:-1].split("),(")):
        items = row.split(",")
        if len(items) != width or not all(item in _KINDS for item in items):
            return None  # a call, a cast, an operator, a comment, a name, a typed or adjacent string …
        for column, item in zip(columns, items, strict=True):
            column.add(_KINDS[item])
    return None if any(_DEFAULT in column for column in columns) else columns


_KINDS = {
    "s": _STRING,
    "": _NUMBER,  # digits, a point, a sign
    "e": _NUMBER,  # with an exponent
    "null": _NULL,
    "true": _BOOLEAN,
    "false": _BOOLEAN,
    "default": _DEFAULT,
}


def _insert_head(head: str) -> _Head | None:
    """``INSERT INTO <table> (<column>, …) VALUES`` read by the scanner, names unquoted and lower-case
    only (so the catalog's names are theirs as written); None for any other head."""
    lexed = shapes.lexed(head)
    if lexed is None:
        return None
    names = lexed.names
    if names[:2] != ["INSERT", "INTO"]:
        return None
    table = _plain_names(lexed, 2, "ASCII_46")  # [schema.]table: a database's name is another's table
    if table is None or len(table[0]) > 2 or not lexed.follows(table[1], "ASCII_40"):
        return None
    listed = _plain_names(lexed, table[1] + 1, "ASCII_44")
    if listed is None or not lexed.follows(listed[1], "ASCII_41"):
        return None
    columns, at = listed
    if names[at + 1 :] != ["VALUES"] or len(set(columns)) != len(columns):
        return None
    return _Head(".".join(table[0]), tuple(columns), lexed.scanned[at + 1].start)


def _plain_names(lexed: shapes.Lexed, at: int, separator: str) -> tuple[list[str], int] | None:
    """Plain names (:func:`_plain_name`) from token ``at`` on, each after the one before and ``separator``:
    them and the token index after the last; None when a name is no plain one."""
    found = []
    while True:
        word = _plain_name(lexed, at)
        if word is None:
            return None
        found.append(word)
        at += 1
        if not lexed.follows(at, separator):
            return found, at
        at += 1


def _plain_name(lexed: shapes.Lexed, at: int) -> str | None:
    """The name at token ``at`` when it is an unquoted lower-case ASCII identifier (or a non-reserved
    keyword used as one)."""
    if at >= len(lexed.names) or lexed.scanned[at].kind not in shapes.WORD_KINDS:
        return None
    text = lexed.text(at)
    plain = text.isascii() and text.isidentifier() and text == text.lower()
    return text if plain else None


def column_types_in_session(cursor: Any) -> ColumnTypes:
    """A :data:`ColumnTypes` that asks the session of ``cursor`` (the endpoint's own, over the client's
    backend session: its search_path and transaction), in one query."""

    def column_types(table: str, columns: Sequence[str]) -> dict[str, ColumnType] | None:
        names = ", ".join(quote_literal(name) for name in columns)
        # Two tables joined, the third asked once: PostgreSQL plans this in about half the time of a
        # four-way join, and the question is asked before every big INSERT.
        schema, _, name = table.rpartition(".")
        found_oid = named_relation_oid(schema, name)
        cursor.execute(
            "SELECT a.attname::text,"
            " pg_catalog.format('%s.%I', t.typnamespace::pg_catalog.regnamespace, t.typname),"
            " t.oid IN (25, 1042, 1043), a.atttypmod >= 0, t.typcategory::text, t.typtype::text"
            " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = (SELECT c.oid FROM pg_catalog.pg_class c"
            f" WHERE c.oid = {found_oid} AND c.relkind IN ('r', 'p'))"
            f" AND a.attnum > 0 AND NOT a.attisdropped AND a.attname::text = ANY (ARRAY[{names}]::text[])"
        )
        found = {row[0]: ColumnType(*row[1:]) for row in cursor.fetchall()}
        return found or None

    return column_types
