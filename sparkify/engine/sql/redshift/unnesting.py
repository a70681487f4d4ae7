"""PartiQL's FROM clause items over SUPER values, on tokens: unnesting ``FROM t AS c, c.arr AS e [AT i]``
and object unpivoting ``FROM t AS c, UNPIVOT c.obj AS v AT k`` (the developer guide's query-super page).

An item after a comma whose first name is an alias (or table) of an earlier item of the same FROM list is a
path into that item's SUPER value, not a table: it becomes a lateral subquery over the array's elements
(``sparkify_redshift.super_elements``: each element and its 0-based index) or the object's attributes
(``super_attributes``: each value and its name), named by the item's alias, with one column of that same
name holding the element (and one named by ``AT``).  A path that is not an array (or, for UNPIVOT, not an
object) gives no rows, as on Redshift.  The navigation inside the path and on the alias afterwards
(``e.o_orderkey``) is :mod:`sparkify.engine.sql.redshift.navigation`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.tree import SELECT_ITEM_ENDS
from sparkify.engine.sql.redshift.walk import folded_name
from sparkify.engine.sql.tokens import Token, replace_spans, tokens

#: What the navigation pass recognises a rewritten item by.
ELEMENT_FUNCTIONS = frozenset(["super_elements", "super_attributes"])

#: Words that end a FROM list at its own depth (a JOIN's operand is no unnesting).
_LIST_ENDS = (
    (SELECT_ITEM_ENDS - {"FROM", "INTO"})
    | {"MINUS", "QUALIFY", "RETURNING", "PIVOT"}
    | {"ON", "USING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL"}
)


@dataclass(frozen=True)
class _Item:
    low: int  # its first token
    high: int  # after its last token


def rewrite_unnesting(sql: str) -> str:
    """``sql`` with every unnesting and object unpivoting FROM item made a lateral subquery."""
    found = tokens(sql)
    replacements: list[tuple[int, int, str]] = []
    for index, token in enumerate(found):
        if token.word == "FROM":
            replacements += _list_replacements(sql, found, _items(found, index + 1))
    return replace_spans(sql, replacements) if replacements else sql


def has_unnesting(found: list[Token]) -> bool:
    """Whether the statement may hold such an item: a FROM list of more than one item."""
    return any(token.word == "FROM" for token in found) and any(token.text == "," for token in found)


def _items(found: list[Token], start: int) -> list[_Item]:
    """The comma-separated items of the FROM list that begins at ``start``."""
    items, depth, low = [], 0, start
    index = start
    while index < len(found):
        token = found[index]
        if token.text in ("(", "["):
            depth += 1
        elif token.text in (")", "]"):
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (token.text == ";" or token.word in _LIST_ENDS):
            break
        elif depth == 0 and token.text == ",":
            items.append(_Item(low, index))
            low = index + 1
        index += 1
    if index > low:
        items.append(_Item(low, index))
    return items


def _list_replacements(sql: str, found: list[Token], items: list[_Item]) -> list[tuple[int, int, str]]:
    replacements = []
    visible: set[str] = set()
    elements: set[str] = set()  # the aliases of unnested values
    for position, item in enumerate(items):
        rewritten = _rewritten(sql, found, item, visible, elements) if position else None
        if rewritten is not None:
            alias, text = rewritten
            replacements.append((found[item.low].start, found[item.high - 1].end, text))
            visible.add(alias)
            elements.add(alias)
        else:
            visible |= _names_of(found, item)
    return replacements


def _names_of(found: list[Token], item: _Item) -> set[str]:
    """The names an ordinary FROM item makes visible: its alias, else its table's name."""
    names = set()
    if found[item.high - 1].word or found[item.high - 1].text.startswith('"'):
        names.add(folded_name(found[item.high - 1]))
    for index in range(item.low, item.high - 1):
        if found[index].word == "AS":
            names.add(folded_name(found[index + 1]))
    return names


def _rewritten(
    sql: str, found: list[Token], item: _Item, visible: set[str], elements: set[str]
) -> tuple[str, str] | None:
    """The alias and the lateral subquery of an unnesting or unpivoting item; None for any other item.
    A path of one name is an unnested value's alias (a table named again, ``FROM t, t AS t2``, is a
    table), or follows UNPIVOT."""
    low, high = item.low, item.high
    unpivot = found[low].word == "UNPIVOT"
    if unpivot:
        low += 1
    if low >= high or not _is_name(found[low]) or folded_name(found[low]) not in visible:
        return None
    path_end = _path_end(found, low, high)
    if path_end == low + 1 and not unpivot and folded_name(found[low]) not in elements:
        return None
    rest = found[path_end:high]
    if rest and rest[0].word == "AS":
        rest = rest[1:]
    if not rest or not _is_name(rest[0]):
        return None
    alias, at = rest[0], None
    if len(rest) == 3 and rest[1].word == "AT" and _is_name(rest[2]):
        at = rest[2]
    elif len(rest) != 1:
        return None
    if unpivot and at is None:
        return None
    path = sql[found[low].start : found[path_end - 1].end]
    function = "super_attributes" if unpivot else "super_elements"
    second = "key" if unpivot else "index"
    columns = f"__elements.element AS {alias.text}"
    if at is not None:
        columns += f", __elements.{second} AS {at.text}"
    subquery = f"SELECT {columns} FROM {SHIM_SCHEMA}.{function}({path}) AS __elements"
    return folded_name(alias), f"LATERAL ({subquery}) AS {alias.text}"


def _path_end(found: list[Token], index: int, high: int) -> int:
    """After the path that starts with the name at ``index``: names, dots and subscripts."""
    index += 1
    while index < high:
        if found[index].text == "." and index + 1 < high and _is_name(found[index + 1]):
            index += 2
        elif found[index].text == "[":
            depth = 0
            while index < high:
                depth += {"[": 1, "]": -1}.get(found[index].text, 0)
                index += 1
                if depth == 0:
                    break
        else:
            break
    return index


def _is_name(token: Token) -> bool:
    return token.name == "IDENT" or token.text.startswith('"') or (bool(token.word) and token.word != "AS")
