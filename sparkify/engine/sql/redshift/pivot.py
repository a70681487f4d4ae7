"""Redshift's PIVOT and UNPIVOT (the FROM clause's rotations), rewritten on tokens into PostgreSQL.

``src PIVOT (agg(x) [AS a] FOR col IN (v1 [AS n1], …))`` becomes a derived table of conditional
aggregates, ``agg(x) FILTER (WHERE col = v1) AS "n1_a"``, grouped by the input's other columns (the
guide's "implicit" columns).  ``src UNPIVOT [INCLUDE | EXCLUDE NULLS] (value FOR name IN (c1 [AS n1], …))``
becomes the input's other columns beside a ``LATERAL (VALUES ('n1', c1), …)`` of name and value, without
the NULL values unless INCLUDE NULLS.

Both need the input's columns, which the text tells when the input is a subquery with a select list of
named items, or a common table expression of one; a table's come from the session (``columns_of``, in the
table's order); any other input (a ``SELECT *`` subquery) is refused in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift.lateral import ColumnLookup
from sparkify.engine.sql.redshift.walk import folded_name, rewritten_from_the_last, top_level_index
from sparkify.engine.sql.text import quote_ident
from sparkify.engine.sql.tokens import Token, closing_paren, replace_spans, split_arguments

_ROTATIONS = frozenset(["PIVOT", "UNPIVOT"])
_INPUT_NEEDED = (
    "{word} on the local engine needs its input's columns: write it as a subquery that names them, "
    "as in FROM (SELECT a, b, c FROM t) {word} (…)"
)


def rewrite_rotations(sql: str, columns_of: ColumnLookup | None = None) -> str:
    """``sql`` with every PIVOT and UNPIVOT made PostgreSQL's, innermost first; ``columns_of`` tells the
    columns of a table named as the input."""
    return rewritten_from_the_last(
        sql, _last_rotation, lambda text, found, index: _rotated(text, found, index, columns_of)
    )


def _last_rotation(found: list[Token]) -> int | None:
    """The last PIVOT/UNPIVOT keyword that follows a table expression and opens its clause."""
    for index in range(len(found) - 1, 0, -1):
        token = found[index]
        if token.word not in _ROTATIONS or index + 1 >= len(found):
            continue
        following, before = found[index + 1], found[index - 1]
        after_table = before.text == ")" or before.name == "IDENT" or before.text.startswith('"')
        if after_table and (following.text == "(" or following.word in ("INCLUDE", "EXCLUDE")):
            return index
    return None


@dataclass(frozen=True)
class _Input:
    start: int  # first token of the input (its "(" or name)
    text: str  # the input as a FROM item, without an alias
    columns: list[str]  # its columns, folded, in order


def _rotated(sql: str, found: list[Token], index: int, columns_of: ColumnLookup | None) -> str:
    word = found[index].word
    source = _input_of(sql, found, index, word, columns_of)
    clause_open = index + 1
    include_nulls = False
    if found[clause_open].word in ("INCLUDE", "EXCLUDE"):
        include_nulls = found[clause_open].word == "INCLUDE"
        clause_open += 2  # INCLUDE NULLS / EXCLUDE NULLS
    close = closing_paren(found, clause_open)
    alias, end = _alias_after(found, close + 1)
    if not source.columns:
        body = f"SELECT * FROM {source.text}"
    elif word == "PIVOT":
        body = _pivot(sql, found, clause_open, close, source)
    else:
        body = _unpivot(sql, found, clause_open, close, source, include_nulls)
    name = alias or f"__{word.lower()}"
    return replace_spans(sql, [(found[source.start].start, found[end - 1].end, f"({body}) AS {name}")])


def _input_of(sql: str, found: list[Token], index: int, word: str, columns_of: ColumnLookup | None) -> _Input:
    """The table expression before the PIVOT/UNPIVOT at ``index`` (an alias of it is dropped)."""
    last = index - 1
    if found[last].text != ")" and found[last - 1].text == ")":
        last -= 1  # (subquery) alias
    elif found[last].text != ")" and found[last - 1].word == "AS" and found[last - 2].text == ")":
        last -= 2  # (subquery) AS alias
    if found[last].text == ")":
        open_index = _opening_paren(found, last)
        columns = _select_list_names(found, open_index + 1, last)
        if columns is None:
            raise UnsupportedStatementError(_INPUT_NEEDED.format(word=word))
        return _Input(open_index, sql[found[open_index].start : found[last].end], columns)
    return _table_input(found, last, word, columns_of)


def _table_input(found: list[Token], last: int, word: str, columns_of: ColumnLookup | None) -> _Input:
    """A table (or common table expression) before PIVOT/UNPIVOT, its alias dropped: its columns come from
    the statement's WITH list, else from the session (in the table's order)."""
    if found[last - 1].word == "AS":
        last -= 2
    elif _is_alias(found[last - 1]) and found[last - 1].text != ".":
        last -= 1
    start = last - 2 if last >= 2 and found[last - 1].text == "." else last
    schema = folded_name(found[start]) if start < last else ""
    name = folded_name(found[last])
    columns = _cte_columns(found, name) if not schema else None
    if columns is None and columns_of is not None:
        # No such table in the session: the query that reads it says so in PostgreSQL's words (and the
        # endpoint's first translation, which knows no tables, is translated again by the session).
        columns = list(columns_of([(schema, name)]).get((schema, name), ()))
    if columns is None:
        raise UnsupportedStatementError(_INPUT_NEEDED.format(word=word))
    return _Input(start, " ".join(token.text for token in found[start : last + 1]), columns)


def _is_alias(token: Token) -> bool:
    return token.name == "IDENT" or token.text.startswith('"')


def _opening_paren(found: list[Token], close: int) -> int:
    depth = 0
    for index in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(found[index].text, 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced parentheses")


def _cte_columns(found: list[Token], name: str) -> list[str] | None:
    """The columns of the common table expression ``name`` of this statement, if its text names them."""
    for index in range(len(found) - 3):
        named = folded_name(found[index]) == name and found[index + 1].word == "AS"
        listed = index > 0 and (
            found[index - 1].word in ("WITH", "RECURSIVE") or found[index - 1].text == ","
        )
        if named and listed and found[index + 2].text == "(":
            return _select_list_names(found, index + 3, closing_paren(found, index + 2))
    return None


def _select_list_names(found: list[Token], low: int, high: int) -> list[str] | None:
    """The output names of the query ``found[low:high]``'s select list; None where one is not named."""
    if low >= high or found[low].word != "SELECT":
        return None
    start = low + 1
    if found[start].word in ("DISTINCT", "ALL"):
        start += 1
    depth = 0
    end = high
    for index in range(start, high):
        depth += {"(": 1, ")": -1}.get(found[index].text, 0)
        if depth == 0 and found[index].word in ("FROM", "INTO", "WHERE", "UNION", "EXCEPT", "MINUS"):
            end = index
            break
    names = []
    for first, last in split_arguments(found, start, end):
        name = _item_name(found, first, last)
        if name is None:
            return None
        names.append(name)
    return names


def _item_name(found: list[Token], first: int, last: int) -> str | None:
    final = found[last - 1]
    if final.text == "*":
        return None
    if last - first >= 2 and found[last - 2].word == "AS":
        return folded_name(final)
    if _is_name(final) and all(_is_name(t) or t.text == "." for t in found[first:last]):
        return folded_name(final)  # a column, maybe qualified
    if last - first >= 2 and _is_name(final) and _is_name(found[last - 2]) is False:
        previous = found[last - 2]
        if previous.text in (")",) or previous.name in ("SCONST", "ICONST", "FCONST"):
            return folded_name(final)  # an expression and its alias without AS
    return None


def _is_name(token: Token) -> bool:
    return token.name in ("IDENT", "UIDENT") or (bool(token.word) and token.name not in ("Op",))


def _alias_after(found: list[Token], index: int) -> tuple[str | None, int]:
    """The alias after a rotation's clause, and the index after it."""
    if index < len(found) and found[index].word == "AS":
        return found[index + 1].text, index + 2
    if index < len(found) and found[index].name == "IDENT":
        return found[index].text, index + 1
    return None, index


def _pivot(sql: str, found: list[Token], low: int, high: int, source: _Input) -> str:
    """The PostgreSQL query of ``PIVOT ( … )``, its parentheses at ``low`` and ``high``."""
    for_index = top_level_index(found, low + 1, high, ("FOR",))
    in_index = top_level_index(found, for_index, high, ("IN",))
    pivot_column = folded_name(found[for_index + 1])
    aggregates = []
    used = {pivot_column}
    for first, last in split_arguments(found, low + 1, for_index):
        alias = None
        if last - first >= 3 and found[last - 2].word == "AS":
            alias, last = folded_name(found[last - 1]), last - 2
        aggregates.append((_text(sql, found, first, last), alias))
        used |= {folded_name(t) for t in found[first:last] if _is_name(t)}
    values_close = closing_paren(found, in_index + 1)
    outputs = []
    for first, last in split_arguments(found, in_index + 2, values_close):
        alias = None
        if last - first >= 3 and found[last - 2].word == "AS":
            alias, last = folded_name(found[last - 1]), last - 2
        value = _text(sql, found, first, last)
        condition = (
            f"{quote_ident(pivot_column)} IS NULL"
            if found[first].word == "NULL" and last == first + 1
            else f"{quote_ident(pivot_column)} = {value}"
        )
        label = alias if alias is not None else _constant_name(found, first, last)
        for aggregate, aggregate_alias in aggregates:
            name = f"{label}_{aggregate_alias}" if aggregate_alias else label
            outputs.append(f"{aggregate} FILTER (WHERE {condition}) AS {quote_ident(name)}")
    implicit = [quote_ident(column) for column in source.columns if column not in used]
    group = f" GROUP BY {', '.join(implicit)}" if implicit else ""
    return f"SELECT {', '.join([*implicit, *outputs])} FROM {source.text} AS __pivot_input{group}"


def _unpivot(sql: str, found: list[Token], low: int, high: int, source: _Input, include_nulls: bool) -> str:
    """The PostgreSQL query of ``UNPIVOT ( … )``, its parentheses at ``low`` and ``high``."""
    for_index = top_level_index(found, low + 1, high, ("FOR",))
    in_index = top_level_index(found, for_index, high, ("IN",))
    value_column = folded_name(found[low + 1])
    name_column = folded_name(found[for_index + 1])
    values_close = closing_paren(found, in_index + 1)
    pairs = []
    used = set()
    for first, last in split_arguments(found, in_index + 2, values_close):
        column = folded_name(found[last - 1] if last == first + 1 else found[first])
        label = column
        if last - first >= 3 and found[last - 2].word == "AS":
            label = (
                _constant_name(found, last - 1, last)
                if found[last - 1].name == "SCONST"
                else folded_name(found[last - 1])
            )
            column = folded_name(found[last - 3])
        used.add(column)
        literal = "'" + label.replace("'", "''") + "'"
        pairs.append(f"({literal}::varchar, __unpivot_input.{quote_ident(column)})")
    implicit = [f"__unpivot_input.{quote_ident(c)}" for c in source.columns if c not in used]
    names = f"__unpivot_values({quote_ident(name_column)}, {quote_ident(value_column)})"
    selected = ", ".join(
        [
            *implicit,
            f"__unpivot_values.{quote_ident(name_column)}",
            f"__unpivot_values.{quote_ident(value_column)}",
        ]
    )
    where = "" if include_nulls else f" WHERE __unpivot_values.{quote_ident(value_column)} IS NOT NULL"
    return (
        f"SELECT {selected} FROM {source.text} AS __unpivot_input "
        f"CROSS JOIN LATERAL (VALUES {', '.join(pairs)}) AS {names}{where}"
    )


def _constant_name(found: list[Token], first: int, last: int) -> str:
    """The column name Redshift gives an IN value without an alias: the constant itself."""
    if last != first + 1:
        return "?column?"
    token = found[first]
    if token.name == "SCONST":
        body = token.text[1:-1] if token.text.startswith("'") else token.text[2:-1]
        return body.replace("''", "'")
    if token.word == "NULL":
        return "null"
    return token.text.lower()


def _text(sql: str, found: list[Token], first: int, last: int) -> str:
    return sql[found[first].start : found[last - 1].end]
