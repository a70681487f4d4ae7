"""Named parameters (``:name``) bound into a statement's text on tokens: a ``:`` right before a name that
the request gives a value for becomes that value as a quoted string literal, which the database converts
implicitly, as Redshift does.  A ``:name`` inside a literal, a quoted identifier or a comment is text, and
``::`` is a cast; a ``:name`` with no value is left for the database to refuse."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from sparkify.engine.sql.tokens import SqlLexError, replace_spans, tokens


def bind(sql: str, values: dict[str, str], quote: Callable[[str], str]) -> str:
    """``sql`` with each ``:name`` of ``values`` replaced by ``quote(value)``; unchanged if none is used.

    ``quote`` makes the literal (the driver's own quoting for the connection), so no value can end it.
    A text that does not lex is returned as it is: the database gives the error the client expects.
    """
    if not values:
        return sql
    try:
        found = tokens(sql)
    except SqlLexError:
        return sql
    replacements = []
    for colon, name in itertools.pairwise(found):
        if colon.text == ":" and name.start == colon.end and name.text in values:
            replacements.append((colon.start, name.end, quote(values[name.text])))
    return replace_spans(sql, replacements) if replacements else sql
