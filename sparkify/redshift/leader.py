"""Which statements Redshift runs on its leader node alone: those that read only catalog tables.

The developer guide: a query that references only catalog tables (a PG prefix, such as PG_TABLE_DEF) runs
exclusively on the leader node, which is PostgreSQL and takes PostgreSQL's functions, arrays and
operators; the "not supported on Redshift tables" refusals are about queries on user and system tables.
Tools rely on this: SQLAlchemy's reflection asks ``pg_class`` with ``= ANY (ARRAY[…])``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sparkify.sqltokens import Token

_READS = frozenset(["SELECT", "WITH", "SHOW"])
_CATALOG_SCHEMAS = frozenset(["PG_CATALOG", "INFORMATION_SCHEMA"])


def reads_only_catalog(found: list[Token]) -> bool:
    """True for a query whose every table (after FROM or JOIN, at any depth) is a catalog table."""
    if not found or found[0].word not in _READS:
        return False
    relations = list(_relations(found))
    return bool(relations) and all(_is_catalog(relation) for relation in relations)


def _relations(found: list[Token]) -> Iterator[tuple[str, str]]:
    """The tables after each FROM and JOIN, and after each comma of a FROM list, as (schema, name)."""
    index = 0
    while index < len(found):
        if found[index].word not in ("FROM", "JOIN"):
            index += 1
            continue
        index += 1
        while index < len(found):
            relation, index = _relation_at(found, index)
            if relation is not None:
                yield relation
            comma = _comma_after(found, index)
            if comma is None:
                break
            index = comma + 1


def _relation_at(found: list[Token], index: int) -> tuple[tuple[str, str] | None, int]:
    """The table named at ``index`` (None for a subquery or a function) and the index after its name."""
    token = found[index]
    following = found[index + 1] if index + 1 < len(found) else None
    if token.text == "(" or (following is not None and following.text == "("):
        return None, index + 1  # a subquery (its own FROMs come later) or a function such as generate_series
    if following is not None and following.text == "." and index + 2 < len(found):
        return (_name(token), _name(found[index + 2])), index + 3
    return ("", _name(token)), index + 1


def _comma_after(found: list[Token], index: int) -> int | None:
    """The index of a comma that follows at once (after an optional alias): another table of the list."""
    for position in range(index, min(index + 3, len(found))):
        token = found[position]
        if token.text == ",":
            return position
        if token.word != "AS" and token.name != "IDENT":
            return None
    return None


def _name(token: Token) -> str:
    text = token.text
    return text[1:-1] if text.startswith('"') else text.upper()


def _is_catalog(relation: tuple[str, str]) -> bool:
    schema, name = relation
    if schema:
        return schema.upper() in _CATALOG_SCHEMAS
    return name.upper().startswith("PG_")
