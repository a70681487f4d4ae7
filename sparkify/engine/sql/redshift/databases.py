"""Schema names qualified with a database (``CREATE SCHEMA IF NOT EXISTS "dev"."staging"``), rewritten on
tokens.

Redshift takes ``database.schema`` wherever a schema is named, and dbt-redshift writes it so when its profile
sets ``datasharing``.  PostgreSQL takes a database-qualified name for a relation or a function (when the
database is the session's own) but not for a schema: its grammar has no such name.  The statement runs in a
DO block that first checks each named database against the session's own, then executes the statement with
the database left out; a name of another database fails as PostgreSQL fails a relation of one, with SQLSTATE
0A000.
"""

from __future__ import annotations

from sparkify.engine.sql.text import quote_literal
from sparkify.engine.sql.tokens import Token

# The statements whose names after SCHEMA [IF [NOT] EXISTS] (and, for DROP, after each comma) are schemas.
_SCHEMA_STATEMENTS = frozenset([("CREATE", "SCHEMA"), ("DROP", "SCHEMA"), ("ALTER", "SCHEMA")])
_LIST_ENDS = frozenset(["CASCADE", "RESTRICT", "AUTHORIZATION", "QUOTA", "RENAME", "OWNER", "CREATE"])


def in_own_database(found: list[Token]) -> str | None:
    """For CREATE / DROP / ALTER SCHEMA naming ``database.schema``: a DO block that runs the statement
    without the databases when each is the session's own, and otherwise fails as PostgreSQL fails a relation
    of another database; None for any other statement."""
    words = [token.word for token in found]
    if tuple(words[:2]) not in _SCHEMA_STATEMENTS:
        return None
    qualified = _qualified_schemas(found, words)
    if not qualified:
        return None
    dropped = {position for index in qualified for position in (index, index + 1)}
    statement = " ".join(
        token.text.lower() if token.text.startswith('"') else token.text  # folded, as Redshift folds names
        for position, token in enumerate(found)
        if position not in dropped and token.text != ";"
    )
    checks = " ".join(
        f"IF current_database() <> {quote_literal(_folded(found[index].text))} THEN RAISE EXCEPTION USING "
        "ERRCODE = '0A000', MESSAGE = "
        + quote_literal(
            "cross-database references are not implemented: "
            f'"{_folded(found[index].text)}.{_folded(found[index + 2].text)}"'
        )
        + "; END IF;"
        for index in qualified
    )
    tag = "ddl"
    while f"${tag}$" in statement:
        tag += "_"
    return f"DO $sparkify$ BEGIN {checks} EXECUTE ${tag}${statement}${tag}$; END $sparkify$"


def _qualified_schemas(found: list[Token], words: list[str]) -> list[int]:
    """The indexes of the databases that qualify the statement's schema names."""
    qualified = []
    index = _after_if_exists(words, 2)
    while index + 2 < len(found) and words[index] not in _LIST_ENDS:
        if _is_name(found[index]) and found[index + 1].text == "." and _is_name(found[index + 2]):
            qualified.append(index)
        comma = next((k for k in range(index, len(found)) if found[k].text == ","), None)
        if words[0] != "DROP" or comma is None:
            break
        index = comma + 1
    return qualified


def _after_if_exists(words: list[str], index: int) -> int:
    if words[index : index + 3] == ["IF", "NOT", "EXISTS"]:
        return index + 3
    if words[index : index + 2] == ["IF", "EXISTS"]:
        return index + 2
    return index


def _is_name(token: Token) -> bool:
    return token.name == "IDENT" or bool(token.word)


def _folded(name: str) -> str:
    """A name as Redshift folds it by default: quoted or not, lower case."""
    return (name[1:-1].replace('""', '"') if name.startswith('"') else name).lower()
