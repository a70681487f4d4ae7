"""Small pure helpers for SQL text: quoting, masking, statement kinds.

Every value from the configuration reaches SQL through :func:`quote_literal` and every name through
:func:`quote_ident`, so that nothing is pasted raw.
"""

from __future__ import annotations

import re

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_RESERVED = frozenset(
    [
        "all",
        "and",
        "any",
        "as",
        "asc",
        "authorization",
        "between",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "is",
        "join",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "select",
        "session_user",
        "some",
        "symmetric",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "when",
        "where",
        "with",
    ]
)
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)(\b(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|CREDENTIALS|PASSWORD)\s+)'(?:[^']|'')*'"
    ),
    re.compile(r"(?i)(aws_(?:secret_access_key|access_key_id|session_token)=)[^;'\s]+"),
)
_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


def quote_literal(value: str) -> str:
    """Quote ``value`` as a SQL string literal that reads the same on Redshift and PostgreSQL."""
    if "\\" in value or any(ord(char) < 32 for char in value):
        # Redshift reads a backslash in a literal as an escape, PostgreSQL does not: refuse rather than guess.
        raise ValueError(f"{value!r} contains a backslash or a control character; it cannot be quoted safely")
    return "'" + value.replace("'", "''") + "'"


def postgres_literal(value: str) -> str:
    """Quote ``value`` as a string literal that PostgreSQL reads as ``value`` whatever the session's
    standard_conforming_strings: an ``E''`` literal where it holds a backslash or a control character (a
    name a client quoted, ``"a\\b"``), else :func:`quote_literal`'s.  For the SQL the engine writes for
    the local PostgreSQL, never for a cluster."""
    if "\x00" in value:
        raise ValueError("a NUL cannot be held in a PostgreSQL string")
    if "\\" not in value and all(ord(char) >= 32 for char in value):
        return quote_literal(value)
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Return ``name`` as is when it is a plain lowercase identifier, else double-quoted."""
    if not name or "\x00" in name:
        raise ValueError(f"{name!r} is not a usable identifier")
    if _PLAIN_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def mask_secrets(sql: str) -> str:
    """Replace credentials and passwords in ``sql`` with ``'***'`` so the text can be logged."""
    masked = _SECRET_PATTERNS[0].sub(r"\1'***'", sql)
    return _SECRET_PATTERNS[1].sub(r"\1***", masked)


def first_keyword(sql: str) -> str:
    """The statement's first word, upper-cased, after leading comments and white space."""
    # matched where the noise ends, not on a copy: asked of every statement, a long INSERT's too
    match = _FIRST_WORD.match(sql, _LEADING_NOISE.match(sql).end())  # type: ignore[union-attr]
    return match.group(0).upper() if match else ""


def collapse_whitespace(sql: str) -> str:
    """One space wherever ``sql`` has white space: for comparing and for one-line logs."""
    return " ".join(sql.split())


#: COPY's text format escapes these characters in a value, so that no value ends its field or its line
#: (the COPY emulator's rows and the query history's records are written so).
COPY_TEXT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def relation_oid(schema: str, name: str) -> str:
    """SQL for the oid of the relation the session finds as ``schema``.``name`` (SQL expressions of type
    text; an empty schema: by the search_path), NULL when there is none, and never an error: where the
    session may not use the schema, ``to_regclass('s.t')`` raises (permission denied for schema s), and a
    lookup the endpoint asks on the client's session must not fail for it — the client's own statement then
    meets PostgreSQL's refusal in its own words.  The search_path leaves out the schemas the session may
    not use, so an unqualified name is ``to_regclass``'s, and so is one in ``pg_temp``, the name of the
    session's own temporary schema (always its to use)."""
    return (
        f"CASE WHEN {schema} = '' THEN {_by_search_path(name)}"
        f" WHEN {schema} = 'pg_temp' THEN {_in_temporary_schema(name)}"
        f" ELSE {_by_names(schema, name)} END"
    )


def named_relation_oid(schema: str, name: str) -> str:
    """:func:`relation_oid` for names known here (``schema`` empty: by the search_path), with only the
    lookup they need: PostgreSQL plans it in less time than the three."""
    if not schema:
        return _by_search_path(quote_literal(name))
    if schema == "pg_temp":
        return _in_temporary_schema(quote_literal(name))
    return _by_names(quote_literal(schema), quote_literal(name))


def _by_search_path(name: str) -> str:
    return f"pg_catalog.to_regclass(pg_catalog.quote_ident({name}))::pg_catalog.oid"


def _in_temporary_schema(name: str) -> str:
    return f"pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident({name}))::pg_catalog.oid"


def _by_names(schema: str, name: str) -> str:
    return (
        "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE n.nspname = {schema} AND c.relname = {name})"
    )
