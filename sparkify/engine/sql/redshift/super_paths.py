"""SUPER navigation by subscript, on tokens: ``c_orders[0].o_orderkey`` as PostgreSQL's json operators,
``(c_orders -> 0 -> 'o_orderkey')``.

Redshift has no arrays, so a ``[`` after a value can only navigate a SUPER value; SUPER is held as json,
whose ``->`` is lax as Redshift's navigation is: an index out of range, a missing attribute or a step into
a scalar gives NULL.  Attribute names fold to lower case, as Redshift folds them by default.  A path that
starts with an attribute (``c.c_name`` without a subscript) cannot be told from ``table.column`` on the
text alone and is left as written.
"""

from __future__ import annotations

from sparkify.engine.sql.redshift.walk import folded_name, rewritten_from_the_last
from sparkify.engine.sql.text import quote_literal
from sparkify.engine.sql.tokens import Token, closing_paren, replace_spans


def rewrite_super_paths(sql: str) -> str:
    """``sql`` with each subscripted SUPER path made a chain of json ``->`` steps, the last one first."""
    return rewritten_from_the_last(sql, _last_subscript, _path_rewritten)


def _path_rewritten(sql: str, found: list[Token], opening: int) -> str:
    start = _base_start(found, opening - 1)
    steps, end = _steps(sql, found, opening)
    base = sql[found[start].start : found[opening - 1].end]
    return replace_spans(sql, [(found[start].start, found[end - 1].end, f"({base}{steps})")])


def _last_subscript(found: list[Token]) -> int | None:
    """The first ``[`` of the last path: one that follows a name, a ``)`` or a ``]``."""
    for index in range(len(found) - 1, 0, -1):
        if found[index].text != "[" or found[index - 1].text == "]":
            continue
        before = found[index - 1]
        if before.text == ")" or before.name == "IDENT" or before.text.startswith('"'):
            start = _base_start(found, index - 1)
            if not (start >= 2 and found[start - 1].text == "." and found[start - 2].text == "]"):
                return index  # not a later step of a path that an earlier subscript began
    return None


def _base_start(found: list[Token], last: int) -> int:
    """Where the value the path starts from begins: a (qualified) name, or a parenthesised expression
    with the function name before it."""
    if found[last].text == ")":
        depth = 0
        for index in range(last, -1, -1):
            depth += {")": 1, "(": -1}.get(found[index].text, 0)
            if depth == 0:
                return index - 1 if index > 0 and found[index - 1].name == "IDENT" else index
        raise ValueError("unbalanced parentheses")
    index = last
    while index >= 2 and found[index - 1].text == "." and (found[index - 2].name == "IDENT"):
        index -= 2
    return index


def _steps(sql: str, found: list[Token], index: int) -> tuple[str, int]:
    """The json steps of the subscripts and attributes from ``index``, and the index after them."""
    steps = []
    while index < len(found):
        if found[index].text == "[":
            close = _closing_bracket(found, index)
            steps.append(f" -> ({sql[found[index + 1].start : found[close - 1].end]})")
            index = close + 1
        elif found[index].text == "." and index + 1 < len(found) and _is_attribute(found[index + 1]):
            steps.append(f" -> {quote_literal(folded_name(found[index + 1]))}")
            index += 2
        else:
            break
    return "".join(steps), index


def _closing_bracket(found: list[Token], opening: int) -> int:
    depth = 0
    index = opening
    while index < len(found):
        if found[index].text == "(":
            index = closing_paren(found, index)
        depth += {"[": 1, "]": -1}.get(found[index].text, 0)
        if depth == 0:
            return index
        index += 1
    raise ValueError("unbalanced brackets")


def _is_attribute(token: Token) -> bool:
    return token.name == "IDENT" or token.text.startswith('"') or bool(token.word)
