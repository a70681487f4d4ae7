"""What the clause rewrites (PIVOT/UNPIVOT, QUALIFY, SUPER paths) share: a name as Redshift folds it, and
rewriting one place at a time, the last first, so that an inner place is rewritten before what holds it."""

from __future__ import annotations

from collections.abc import Callable

from sparkify.engine.sql.redshift.quoted_names import ascii_lower, quoted_name
from sparkify.engine.sql.tokens import Token, tokens


def folded_name(token: Token) -> str:
    """A name as Redshift reads it: quoted or not, lower case, unless the session keeps quoted names' case."""
    text = token.text
    if text.startswith('"'):
        return quoted_name(text)[1:-1].replace('""', '"')
    return ascii_lower(text)


def rewritten_from_the_last(
    sql: str, find: Callable[[list[Token]], int | None], rewrite: Callable[[str, list[Token], int], str]
) -> str:
    """``sql`` with ``rewrite(sql, tokens, index)`` applied where ``find(tokens)`` points, again on each
    result, until ``find`` points nowhere."""
    while True:
        found = tokens(sql)
        index = find(found)
        if index is None:
            return sql
        sql = rewrite(sql, found, index)


def top_level_index(
    found: list[Token],
    low: int,
    high: int,
    words: tuple[str, ...] | frozenset[str],
    default: int | None = None,
) -> int:
    """The first of ``words`` in ``found[low:high]`` outside parentheses; ``default``, else ValueError."""
    depth = 0
    for index in range(low, high):
        depth += {"(": 1, ")": -1}.get(found[index].text, 0)
        if depth == 0 and found[index].word in words:
            return index
    if default is None:
        raise ValueError(f"no {words}")
    return default
