"""What the rewrites on PostgreSQL's syntax tree (pglast) share: a node's children, a query's WITH list,
a list of names, the words that end a select item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pglast import ast

#: Words that end a select item at its own depth.
SELECT_ITEM_ENDS = frozenset(
    [
        "FROM",
        "INTO",
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "WINDOW",
        "FETCH",
        "FOR",
    ]
)


def children(node: Any) -> Iterator[Any]:
    """The nodes directly under ``node`` (a node, or a list of them)."""
    if isinstance(node, list | tuple):
        for item in node:
            if isinstance(item, ast.Node | list | tuple):
                yield item
        return
    if not isinstance(node, ast.Node):
        return
    for name in node.__slots__:
        value = getattr(node, name, None)
        if isinstance(value, ast.Node | list | tuple):
            yield value


def with_ctes(node: Any, ctes: Mapping[str, Any]) -> Mapping[str, Any]:
    """``ctes`` (name: common table expression) with those of ``node``'s own WITH list."""
    clause = getattr(node, "withClause", None)
    if clause is None or not clause.ctes:
        return ctes
    return {**ctes, **{cte.ctename: cte for cte in clause.ctes}}


def string_names(strings: Any) -> frozenset[str]:
    """The names of a list of String nodes (an alias's column names)."""
    return frozenset(item.sval for item in strings or () if isinstance(item, ast.String))
