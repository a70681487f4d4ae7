"""Redshift's QUALIFY clause, rewritten on tokens into a derived table PostgreSQL runs.

``SELECT items FROM … [WHERE …] [GROUP BY …] [HAVING …] QUALIFY condition [ORDER BY …] [LIMIT …]``
becomes ``SELECT <the items by their names> FROM (SELECT <the items>, (condition) AS __qualify FROM …)
AS __qualified WHERE __qualify [ORDER BY …] [LIMIT …]``: the condition's window functions are computed
at the query's own level, after its grouping, as Redshift computes them, and the rows are filtered after.

The outer query takes each item by a name of its own (``__qualify_1`` …) and gives it back its output
name; a ``*`` or ``alias.*`` travels as the whole row of its FROM relation (``(__qualify_1).*``), so the
columns and their order are the query's own.
"""

from __future__ import annotations

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift.walk import folded_name, top_level_index
from sparkify.engine.sql.text import quote_ident
from sparkify.engine.sql.tokens import Token, closing_paren, replace_spans, split_arguments, tokens

_CLAUSE_AFTER = frozenset(["ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "MINUS"])
_UNNAMED = "QUALIFY on the local engine needs each select item named: give {item!r} an alias (… AS name)"


def rewrite_qualify(sql: str) -> str:
    """``sql`` with each QUALIFY clause made a filter over a derived table, the last one first.  A word
    QUALIFY that does not stand where a clause does (a column so named) is left as it is."""
    skipped = 0
    while True:
        found = tokens(sql)
        clauses = [index for index in range(len(found)) if _is_clause(found, index)]
        if len(clauses) <= skipped:
            return sql
        index = clauses[len(clauses) - 1 - skipped]
        try:
            sql = _qualified(sql, found, index)
        except ValueError:
            skipped += 1


def _is_clause(found: list[Token], index: int) -> bool:
    """Whether the word at ``index`` is QUALIFY after a FROM list and before a condition."""
    if found[index].word != "QUALIFY" or index == 0 or index + 1 >= len(found):
        return False
    before, after = found[index - 1], found[index + 1]
    return (
        before.text[-1] not in _OPERATOR_CHARACTERS + ",(."
        and before.word not in _NOT_BEFORE_A_CLAUSE
        and after.text[0] not in _OPERATOR_CHARACTERS + ",).;:"
        and after.word not in ("FROM", "AS", "AND", "OR", "IS", "IN", "LIKE", "BETWEEN")
    )


_OPERATOR_CHARACTERS = "=<>!+-*/%^~|&#@"
_NOT_BEFORE_A_CLAUSE = frozenset(
    [
        "SELECT",
        "DISTINCT",
        "AS",
        "FROM",
        "BY",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "ON",
        "WHEN",
        "THEN",
        "ELSE",
        "HAVING",
    ]
)


def _qualified(sql: str, found: list[Token], qualify: int) -> str:
    select, end = _query_bounds(found, qualify)
    from_index = top_level_index(found, select + 1, qualify, ("FROM",))
    condition_end = top_level_index(found, qualify + 1, end, _CLAUSE_AFTER, default=end)
    items_start = select + 1
    if found[items_start].word in ("DISTINCT", "ALL"):
        items_start += 1
    inner_items, outer_items, outputs = [], [], []
    relations = _relation_names(found, from_index + 1, qualify)
    for number, (first, last) in enumerate(split_arguments(found, items_start, from_index), start=1):
        name = f"__qualify_{number}"
        item = sql[found[first].start : found[last - 1].end]
        if found[last - 1].text == "*":
            stars = relations if last == first + 1 else [found[first].text]
            for offset, relation in enumerate(stars):
                inner_items.append(f"{relation} AS {name}_{offset}")
                outer_items.append(f"({name}_{offset}).*")
            continue
        named = _output_name(found, first, last)
        if named is None:
            raise UnsupportedStatementError(_UNNAMED.format(item=item))
        output, body_end = named
        outputs.append(output)
        inner_items.append(f"{sql[found[first].start : found[body_end - 1].end]} AS {name}")
        outer_items.append(f"{name} AS {quote_ident(output)}")
    distinct = sql[found[select + 1].start : found[select + 1].end] + " " if items_start > select + 1 else ""
    condition = sql[found[qualify + 1].start : found[condition_end - 1].end]
    order_items, tail = _outer_tail(sql, found, condition_end, end, outputs)
    inner_items += order_items
    inner = (
        f"SELECT {', '.join(inner_items)}, ({condition}) AS __qualify "
        f"{sql[found[from_index].start : found[qualify - 1].end]}"
    )
    rewritten = (
        f"SELECT {distinct}{', '.join(outer_items)} FROM ({inner}) AS __qualified WHERE __qualify{tail}"
    )
    return replace_spans(sql, [(found[select].start, found[end - 1].end, rewritten)])


def _query_bounds(found: list[Token], qualify: int) -> tuple[int, int]:
    """The SELECT that owns the QUALIFY at ``qualify``, and the end of its query (exclusive)."""
    depth = 0
    select = None
    for index in range(qualify - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(found[index].text, 0)
        if depth < 0:
            break
        if depth == 0 and found[index].word == "SELECT":
            select = index
            break
    if select is None:
        raise ValueError("QUALIFY outside a SELECT")
    depth = 0
    for index in range(qualify, len(found)):
        depth += {"(": 1, ")": -1}.get(found[index].text, 0)
        if depth < 0 or (depth == 0 and found[index].text == ";"):
            return select, index
    return select, len(found)


def _relation_names(found: list[Token], low: int, high: int) -> list[str]:
    """The names (aliases where given) of the FROM list's relations, for a bare ``*``."""
    end = top_level_index(found, low, high, ("WHERE", "GROUP", "HAVING", "WINDOW"), default=high)
    names = []
    for first, last in split_arguments(found, low, end):
        pieces = [first]
        depth = 0
        for index in range(first, last):
            depth += {"(": 1, ")": -1}.get(found[index].text, 0)
            if depth == 0 and found[index].word == "JOIN":
                pieces.append(index + 1)
        for piece in pieces:
            names.append(_relation_name(found, piece, last))
    return names


def _relation_name(found: list[Token], first: int, last: int) -> str:
    index = first
    if found[index].text == "(":
        index = closing_paren(found, index) + 1
    else:
        while index + 2 < last and found[index + 1].text == ".":
            index += 2
        index += 1
    if index < last and found[index].word == "AS":
        index += 1
    if index < last and (found[index].name == "IDENT" or found[index].text.startswith('"')):
        return found[index].text
    if found[first].text == "(":
        raise UnsupportedStatementError("QUALIFY on the local engine needs an alias on a subquery in FROM")
    return found[index - 1].text


def _output_name(found: list[Token], first: int, last: int) -> tuple[str, int] | None:
    """The item's output name (its alias, a column's name, or a function call's name), and where the
    item's expression ends."""
    final = found[last - 1]
    if last - first >= 3 and found[last - 2].word == "AS":
        return folded_name(final), last - 2
    bare = _last_name(found, first, last)
    if bare is not None:
        return bare, last
    if final.name == "IDENT" and last - first >= 2 and found[last - 2].text == ")":
        return folded_name(final), last - 1  # an expression and its alias without AS
    if found[first].word and last > first + 1 and found[first + 1].text == "(":
        close = closing_paren(found, first + 1)
        if close == last - 1:
            return found[first].text.lower(), last
        if found[close + 1].word == "OVER" and closing_paren(found, close + 2) == last - 1:
            return found[first].text.lower(), last
    return None


def _last_name(found: list[Token], first: int, last: int) -> str | None:
    """The name of a (maybe qualified) column reference spanning the item, else None."""
    names = found[first:last:2]
    dots = found[first + 1 : last : 2]
    if all(t.name == "IDENT" or t.text.startswith('"') for t in names) and all(t.text == "." for t in dots):
        return folded_name(found[last - 1])
    return None


def _outer_tail(
    sql: str, found: list[Token], low: int, high: int, outputs: list[str]
) -> tuple[list[str], str]:
    """What follows QUALIFY, for the outer query: an ORDER BY key that is an output name or position
    stays; any other key is computed by the inner query (``__qualify_order_1`` …), where its names mean
    what they meant.  LIMIT and OFFSET follow as written."""
    if low >= high:
        return [], ""
    if found[low].word != "ORDER" or any(
        found[i].word in ("UNION", "EXCEPT", "INTERSECT", "MINUS") for i in range(low, high)
    ):
        return [], " " + sql[found[low].start : found[high - 1].end]
    keys_end = top_level_index(found, low + 2, high, ("LIMIT", "OFFSET"), default=high)
    inner, keys = [], []
    for number, (first, last) in enumerate(split_arguments(found, low + 2, keys_end), start=1):
        expression_end = last
        while expression_end > first + 1 and found[expression_end - 1].word in _ORDER_WORDS:
            expression_end -= 1
        direction = sql[found[expression_end].start : found[last - 1].end] if expression_end < last else ""
        expression = sql[found[first].start : found[expression_end - 1].end]
        single = expression_end == first + 1
        if single and (found[first].name == "ICONST" or folded_name(found[first]) in outputs):
            keys.append(f"{expression} {direction}".rstrip())
            continue
        inner.append(f"{expression} AS __qualify_order_{number}")
        keys.append(f"__qualify_order_{number} {direction}".rstrip())
    rest = sql[found[keys_end].start : found[high - 1].end] if keys_end < high else ""
    return inner, f" ORDER BY {', '.join(keys)} {rest}".rstrip()


_ORDER_WORDS = frozenset(["ASC", "DESC", "NULLS", "FIRST", "LAST"])
