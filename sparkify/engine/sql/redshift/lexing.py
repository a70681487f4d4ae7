"""Redshift's lexer where PostgreSQL's is stricter: a number glued to the word after it.

Redshift's lexer is PostgreSQL 8.0's, which reads ``THEN 1WHEN`` as ``THEN 1 WHEN``; PostgreSQL 15 and
later refuse it ("trailing junk after numeric literal").  Tools send such text: redshift_connector's
``get_columns`` with a schema pattern joins ``"… THEN 1" "WHEN …"``.  PostgreSQL's own lexer finds each
such literal; a space is put between its digits and the word, and nothing else is touched.
"""

from __future__ import annotations

from pglast import parser as _pg

_TRAILING_JUNK = "trailing junk after numeric literal"
_NUMBER_CHARACTERS = frozenset("0123456789.")


def numbers_apart(sql: str, *, limit: int = 1000) -> str:
    """``sql`` with a space after each number the lexer finds glued to a word; ``sql`` itself when the
    lexer has nothing of the kind to say (or some other lexical error comes first)."""
    for _ in range(limit):
        try:
            _pg.scan(sql)
            return sql
        except _pg.ParseError as exc:
            message, position = (*exc.args, None)[:2]
            if _TRAILING_JUNK not in str(message) or not isinstance(position, int):
                return sql
        end = _number_end(sql, position)
        if end == position or end >= len(sql):
            return sql
        sql = sql[:end] + " " + sql[end:]
    return sql


def _number_end(sql: str, start: int) -> int:
    """Where the number the lexer found at ``start`` ends: digits and a point, then an exponent."""
    end = start
    while end < len(sql) and sql[end] in _NUMBER_CHARACTERS:
        end += 1
    exponent = end + 1 + (sql[end + 1 : end + 2] in ("+", "-"))
    if end > start and sql[end : end + 1] in ("e", "E") and sql[exponent : exponent + 1].isdigit():
        end = exponent
        while end < len(sql) and sql[end].isdigit():
            end += 1
    return end
