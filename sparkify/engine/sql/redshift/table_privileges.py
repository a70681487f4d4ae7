"""Redshift's ALTER and DROP privileges on tables and views (r_GRANT), which PostgreSQL has not: only an
owner alters or drops there.

``GRANT ALTER, DROP, SELECT ON t TO u`` becomes PostgreSQL's GRANT of the privileges it has (SELECT) and a
call of the shim schema's ``grant_table_privileges``, which records the others (REVOKE removes them).  The
shim's event triggers honour them: before an ALTER or DROP of a table or view, each one the session's user
may alter or drop by such a grant is lent to that user, and given back to its owner after the statement
(access.sql).  ``GRANT ALL`` on tables is PostgreSQL's ALL and Redshift's ALTER, DROP and RULE (the legacy
privilege a cluster still lists among ALL's), each with its grantor and its grant option, as SHOW GRANTS
lists them.
"""

from __future__ import annotations

import itertools

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.text import postgres_literal
from sparkify.engine.sql.tokens import Token

#: The privileges on tables that PostgreSQL has no equal of.
RECORDED = frozenset(["ALTER", "DROP"])
#: What ALL on tables holds besides PostgreSQL's ALL (RULE: listed, and nothing to enforce).
ALL_RECORDED = ("ALTER", "DROP", "RULE")
#: The words of a GRANT or REVOKE that :func:`table_privilege_statement` may answer.
WORDS = RECORDED | {"ALL"}
_GRANTEE_ENDS = frozenset(["WITH", "CASCADE", "RESTRICT"])


def table_privilege_statement(found: list[Token], words: list[str]) -> str | None:
    """A GRANT or REVOKE of ALTER, DROP or ALL on tables, as a DO block; None for any other statement."""
    meaningful = [token for token in found if token.text != ";"]
    first = 4 if words[1:4] == ["GRANT", "OPTION", "FOR"] else 1
    on = _top_level(words, "ON", first)
    if on is None or not WORDS & set(words[first:on]):
        return None
    privileges = _items(meaningful, first, on)
    recorded = [item[0].word for item in privileges if len(item) == 1 and item[0].word in RECORDED]
    if any(_is_all(item) for item in privileges):
        recorded = list(ALL_RECORDED)
    if not recorded:
        return None
    to = _top_level(words, "TO" if words[0] == "GRANT" else "FROM", on)
    if to is None:
        return None
    tables = _tables(meaningful, words, on + 1, to)
    if tables is None:
        return None
    end = next((i for i in range(to + 1, len(words)) if words[i] in _GRANTEE_ENDS), len(meaningful))
    grantees = [_grantee(item) for item in _items(meaningful, to + 1, end)]
    statements = []
    others = [_text(item) for item in privileges if not (len(item) == 1 and item[0].word in RECORDED)]
    if others:
        head = " ".join(token.text for token in meaningful[:first])
        rest = " ".join(token.text for token in meaningful[on:])
        statement = f"{head} {', '.join(others)} {rest}"
        statements.append(f"EXECUTE {postgres_literal(statement)};")
    names = "ARRAY[" + ", ".join(postgres_literal(name) for name in grantees) + "]::text[]"
    chosen = "ARRAY[" + ", ".join(postgres_literal(name) for name in recorded) + "]::text[]"
    action = postgres_literal(_action(words, first))
    statements.append(
        f"PERFORM {SHIM_SCHEMA}.grant_table_privileges({tables}, {chosen}, {names}, {action}, current_user);"
    )
    return "DO $sparkify$ BEGIN " + " ".join(statements) + " END $sparkify$"


def _action(words: list[str], first: int) -> str:
    """What the statement does to the recorded privileges: GRANT, GRANT OPTION (WITH GRANT OPTION), REVOKE,
    or REVOKE OPTION (REVOKE GRANT OPTION FOR: the privilege stays, its grant option goes)."""
    if words[0] == "GRANT":
        return "GRANT OPTION" if words[-3:] == ["WITH", "GRANT", "OPTION"] else "GRANT"
    return "REVOKE OPTION" if first == 4 else "REVOKE"


def _is_all(item: list[Token]) -> bool:
    """``ALL`` or ``ALL PRIVILEGES`` as a privilege (not ``ALL (column, …)``)."""
    return [token.word for token in item] in (["ALL"], ["ALL", "PRIVILEGES"])


def _top_level(words: list[str], wanted: str, start: int) -> int | None:
    return next((index for index in range(start, len(words)) if words[index] == wanted), None)


def _items(meaningful: list[Token], low: int, high: int) -> list[list[Token]]:
    """The comma-separated items of ``meaningful[low:high]`` (commas inside parentheses kept)."""
    items: list[list[Token]] = [[]]
    depth = 0
    for token in meaningful[low:high]:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if token.text == "," and depth == 0:
            items.append([])
        else:
            items[-1].append(token)
    return [item for item in items if item]


def _text(item: list[Token]) -> str:
    return " ".join(token.text for token in item)


def _tables(meaningful: list[Token], words: list[str], low: int, high: int) -> str | None:
    """The tables after ON, as an SQL array of regclass resolved in the client's session; None for
    objects other than tables (a schema, a database, a function)."""
    if words[low : low + 4] == ["ALL", "TABLES", "IN", "SCHEMA"]:
        schemas = ", ".join(postgres_literal(_text(item)) for item in _items(meaningful, low + 4, high))
        return (
            "ARRAY(SELECT c.oid::regclass FROM pg_catalog.pg_class c "
            f"WHERE c.relnamespace = ANY (ARRAY[{schemas}]::regnamespace[]) "
            "AND c.relkind IN ('r', 'p', 'v', 'm'))"
        )
    if words[low] in ("SCHEMA", "DATABASE", "FUNCTION", "PROCEDURE", "LANGUAGE", "ALL"):
        return None
    low += 1 if words[low] == "TABLE" else 0
    items = _items(meaningful, low, high)
    if any(_is_keyword_object(item) for item in items):  # ON DATASHARE d, ON MODEL m …: no table
        return None
    names = [_text(item).replace(" ", "") for item in items]
    return "ARRAY[" + ", ".join(f"{postgres_literal(name)}::regclass" for name in names) + "]"


def _is_keyword_object(item: list[Token]) -> bool:
    """Whether a name after ON is no dotted table name: two names in a row (``DATASHARE d``)."""
    return any(a.text != "." and b.text != "." for a, b in itertools.pairwise(item))


def _grantee(item: list[Token]) -> str:
    """A grantee's role name as PostgreSQL stores it (``public`` for PUBLIC), without Redshift's ROLE or
    GROUP before it."""
    if len(item) > 1 and item[0].word in ("ROLE", "GROUP"):
        item = item[1:]
    text = _text(item).replace(" ", "")
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    return text.lower()
