"""Redshift's lateral column aliases, on tokens: an alias of the select list stands for its expression in
the WHERE clause and in the later items of the same list (``n.nspname AS "schema" … WHERE schema =
'public'``).  The developer guide (SELECT list): "The alias is recognized right after it is defined in
the target list … If there is a column with the same name defined in the FROM clause as the previously
aliased expression, the column in the FROM clause takes priority."  PostgreSQL has no such thing: each
such name becomes the aliased expression in parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sparkify.engine.sql.tokens import Token, closing_paren, split_arguments


def lateral_aliases(
    sql: str, found: list[Token], columns_of: Callable[[int, int], frozenset[str]]
) -> list[tuple[int, int, str]]:
    """Names that stand for an explicit alias of the select list (``expression AS name``), replaced by the
    aliased expression in parentheses: in the WHERE clause, and in the select list after the alias, as
    Redshift allows (``n.nspname AS "schema" … WHERE schema = 'public'``, ``… AS is_autoincrement,
    is_autoincrement AS is_generatedcolumn``).

    A column of the FROM tables has priority over an alias, as on Redshift: ``columns_of(low, high)`` gives
    the columns of the tables named in ``found[low:high]``.
    """
    replacements = []
    for select, start, end in _selects(found):
        items = _select_items(found, select + 1, start)
        columns = columns_of(start, end)
        defined: dict[str, str] = {}
        for first, last in items:
            alias = _alias_of(found, first, last)
            body_end = last - 2 if alias else last
            replacements += _references(found, first, body_end, defined)
            if alias and alias not in columns and _folded(found[last - 3]) != alias:
                defined[alias] = sql[found[first].start : found[last - 3].end]
        if defined:
            replacements += _references(found, start, end, defined, where_only=True)
    return replacements


def _select_items(found: list[Token], low: int, high: int) -> list[tuple[int, int]]:
    if low < high and found[low].word in ("DISTINCT", "ALL"):
        low += 1
    return split_arguments(found, low, high)


def _alias_of(found: list[Token], first: int, last: int) -> str:
    """The explicit alias of the select item ``first:last`` (``… AS name``), folded; '' if none."""
    if last - first < 3 or found[last - 2].word != "AS":
        return ""
    return _folded(found[last - 1])


def _references(
    found: list[Token], low: int, high: int, aliases: dict[str, str], *, where_only: bool = False
) -> list[tuple[int, int, str]]:
    """Replacements for the bare names among ``found[low:high]`` that are keys of ``aliases`` (outside
    nested subqueries; with ``where_only``, in the WHERE clause alone)."""
    replacements = []
    depth, inside = 0, not where_only
    index = low
    while index < high:
        token = found[index]
        if token.text == "(" and index + 1 < high and found[index + 1].word == "SELECT":
            index = closing_paren(found, index) + 1
            continue
        depth += (token.text == "(") - (token.text == ")")
        if where_only and depth == 0 and token.word == "WHERE":
            inside = True
        elif where_only and depth == 0 and token.word in _WHERE_ENDS:
            inside = False
        elif inside and _folded(token) in aliases and _is_bare_name(found, index):
            replacements.append((token.start, token.end, f"({aliases[_folded(token)]})"))
        index += 1
    return replacements


# Words that may stand next to an operand: a keyword between two others is part of a phrase instead
# (``without time zone``, ``at time zone``), never a column.
_BEFORE_OPERAND = frozenset(
    ["SELECT", "WHERE", "AND", "OR", "NOT", "CASE", "WHEN", "THEN", "ELSE", "ON", "BY"]
)
_AFTER_OPERAND = frozenset(
    ["AND", "OR", "IS", "NOT", "AS", "WHEN", "THEN", "ELSE", "END", "LIKE", "ILIKE", "IN", "BETWEEN", "FROM"]
)


def _is_bare_name(found: list[Token], index: int) -> bool:
    """A name standing alone: neither part of a qualified name, a function name, a type after ``::`` nor
    the alias after AS; a keyword (``schema``) only where an operand stands."""
    before = found[index - 1] if index > 0 else None
    after = found[index + 1] if index + 1 < len(found) else None
    if before is not None and (before.text in (".", "::") or before.word == "AS"):
        return False
    if after is not None and after.text in (".", "("):
        return False
    if found[index].name == "IDENT":
        return True
    return (before is None or not before.word or before.word in _BEFORE_OPERAND) and (
        after is None or not after.word or after.word in _AFTER_OPERAND
    )


_CLAUSE_ENDS = frozenset(["UNION", "INTERSECT", "EXCEPT"])
_WHERE_ENDS = frozenset(["GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "WINDOW", *_CLAUSE_ENDS])


def _selects(found: list[Token]) -> Iterator[tuple[int, int, int]]:
    """Each SELECT with a FROM: the indexes of SELECT, of its FROM, and of the end of its query block."""
    for select, token in enumerate(found):
        if token.word != "SELECT":
            continue
        depth, start = 0, None
        for index in range(select + 1, len(found)):
            text = found[index].text
            depth += (text == "(") - (text == ")")
            if depth < 0 or (depth == 0 and (text == ";" or found[index].word in _CLAUSE_ENDS)):
                break
            if depth == 0 and start is None and found[index].word == "FROM":
                start = index
        else:
            index = len(found)
        if start is not None:
            yield select, start, index


def _folded(token: Token) -> str:
    """A name as PostgreSQL folds it ('' for anything that is not a name)."""
    if token.text.startswith('"'):
        return token.text[1:-1]
    return token.text.lower() if token.word else ""
