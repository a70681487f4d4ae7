"""SQL text as tokens: PostgreSQL's own lexer (through pglast), so that every rewrite and every check works
on keywords and identifiers and never on what sits inside a string literal, a quoted identifier or a
comment.

Redshift's lexical rules are PostgreSQL's (it began as PostgreSQL 8.0), so one lexer serves both.  A token
keeps its place in the text: a rewrite replaces spans of the original and leaves every other byte as the
client wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import parser as _pg

_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


class SqlLexError(ValueError):
    """The text is not lexically valid SQL (an unterminated string, quoted identifier or comment)."""


@dataclass(frozen=True)
class Token:
    """One token: its PostgreSQL lexer name (``IDENT``, ``SCONST``, ``SELECT``, ``ASCII_59`` …), where it
    stands in the text (``end`` exclusive), and the text itself."""

    name: str
    start: int
    end: int
    text: str

    @property
    def word(self) -> str:
        """The upper-cased text of a keyword or a bare identifier; '' for anything else.

        A quoted identifier ("DISTKEY") is a name, never a keyword: it gives ''.
        """
        if self.text[:1] in ('"', "'", "$") or not (self.text[:1].isalpha() or self.text[:1] == "_"):
            return ""
        if self.name in ("SCONST", "BCONST", "XCONST", "USCONST", "UIDENT", "FCONST", "ICONST"):
            return ""
        return self.text.upper()

    @property
    def is_comment(self) -> bool:
        return self.name in _COMMENTS


def tokens(sql: str, *, comments: bool = False) -> list[Token]:
    """The tokens of ``sql`` in order; comments only when asked for.  Raises :class:`SqlLexError`."""
    try:
        scanned = _pg.scan(sql)
    except _pg.ParseError as exc:
        raise SqlLexError(str(exc)) from None
    found = []
    for item in scanned:
        if item.name in _COMMENTS and not comments:
            continue
        found.append(Token(item.name, item.start, item.end + 1, sql[item.start : item.end + 1]))
    return found


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql`` without their terminating semicolons; empty statements are dropped.

    Splits on top-level semicolons only: one inside a literal, a quoted name, a comment or a
    dollar-quoted body does not count.  One scan, on the scanner's token names alone: a big INSERT is
    split at little more than the cost of its scan.
    """
    try:
        scanned = _pg.scan(sql)
    except _pg.ParseError as exc:
        raise SqlLexError(str(exc)) from None
    statements = []
    start = 0
    depth = 0
    empty = True  # no token but comments since the last semicolon
    for item in scanned:
        name = item.name
        if name == "ASCII_59" and depth == 0:
            if not empty:
                statements.append(sql[start : item.start])
            start, empty = item.end + 1, True
            continue
        if name == "ASCII_40":
            depth += 1
        elif name == "ASCII_41":
            depth = max(depth - 1, 0)
        empty = empty and name in _COMMENTS
    if not empty:
        statements.append(sql[start:])
    return statements


def first_keyword(sql: str) -> str:
    """The statement's first word, upper-cased, after leading comments and white space; '' if none."""
    try:
        found = tokens(sql)
    except SqlLexError:
        return ""
    return found[0].word if found else ""


def words(sql: str) -> list[str]:
    """The upper-cased keywords and bare identifiers of ``sql`` in order (literals and comments skipped)."""
    return [token.word for token in tokens(sql) if token.word]


def replace_spans(sql: str, replacements: list[tuple[int, int, str]]) -> str:
    """``sql`` with each ``(start, end, text)`` span replaced; spans must not overlap."""
    pieces = []
    position = 0
    for start, end, text in sorted(replacements):
        if start < position:
            raise ValueError("overlapping replacements")
        pieces.append(sql[position:start])
        pieces.append(text)
        position = end
    pieces.append(sql[position:])
    return "".join(pieces)


def closing_paren(found: list[Token], open_index: int) -> int:
    """The index of the ``)`` that closes the ``(`` at ``open_index``; raises ValueError if none does."""
    depth = 0
    for index in range(open_index, len(found)):
        if found[index].text == "(":
            depth += 1
        elif found[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced parentheses")


def split_arguments(found: list[Token], low: int, high: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` token ranges of the comma-separated items in ``found[low:high]``, splitting at
    commas outside any parentheses or brackets; an empty range gives no item."""
    items = []
    depth = 0
    start = low
    for index in range(low, high):
        text = found[index].text
        if text in ("(", "["):
            depth += 1
        elif text in (")", "]"):
            depth -= 1
        elif text == "," and depth == 0:
            items.append((start, index))
            start = index + 1
    if start < high:
        items.append((start, high))
    return items


def is_call(found: list[Token], index: int) -> bool:
    """Whether the word at ``index`` is a function name: followed by ``(`` and not a qualified name's
    second part (``schema.name(``)."""
    return (
        index + 1 < len(found)
        and found[index + 1].text == "("
        and bool(found[index].word)
        and not (index > 0 and found[index - 1].text == ".")
    )


def with_redshift_escapes(sql: str) -> str:
    """``sql`` with each plain string literal that holds a backslash made an ``E''`` literal.

    Redshift reads a backslash in a plain literal as an escape (``'it\\'s'`` is ``it's``); PostgreSQL, with
    standard_conforming_strings on, reads it as itself and would end that literal early.  A small scanner
    finds the literals the Redshift way (skipping comments, quoted names and dollar-quoted bodies, leaving
    ``E''``, ``B''``, ``X''`` and ``U&''`` literals as written), so that PostgreSQL's lexer then agrees.
    """
    return replace_spans(sql, [(start, start, "E") for start, _ in escaped_literal_spans(sql)])


def escaped_literal_spans(sql: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each plain string literal of ``sql`` that holds a backslash, read the
    Redshift way (a backslash escapes the character after it, a quote included)."""
    spans: list[tuple[int, int]] = []
    position = 0
    while position < len(sql):
        end = _skipped_span(sql, position)
        if end > position:
            position = end
            continue
        char = sql[position]
        if char == "'" and not _prefixed_literal(sql, position):
            end, escaped = _plain_literal_end(sql, position)
            if escaped:
                spans.append((position, end))
            position = end
        elif char == "'":
            position = _literal_end(sql, position, backslashes=sql[position - 1] in "eE")
        else:
            position += 1
    return spans


def _skipped_span(sql: str, position: int) -> int:
    """The end of a comment, quoted name or dollar-quoted body starting at ``position`` (else position)."""
    if sql.startswith("--", position):
        newline = sql.find("\n", position)
        return len(sql) if newline < 0 else newline + 1
    if sql.startswith("/*", position):
        depth, index = 0, position
        while index < len(sql):
            if sql.startswith("/*", index):
                depth, index = depth + 1, index + 2
            elif sql.startswith("*/", index):
                depth, index = depth - 1, index + 2
                if depth == 0:
                    return index
            else:
                index += 1
        return len(sql)
    if sql[position] == '"':
        index = position + 1
        while index < len(sql):
            if sql[index] == '"':
                if sql.startswith('""', index):
                    index += 2
                    continue
                return index + 1
            index += 1
        return len(sql)
    if sql[position] == "$" and (position == 0 or not _identifier_char(sql[position - 1])):
        close = sql.find("$", position + 1)
        tag = sql[position : close + 1] if close > 0 else ""
        if tag and all(_identifier_char(c) for c in tag[1:-1]) and not tag[1:2].isdigit():
            body_end = sql.find(tag, close + 1)
            return len(sql) if body_end < 0 else body_end + len(tag)
    return position


def _identifier_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _prefixed_literal(sql: str, quote: int) -> bool:
    """Whether the quote at ``quote`` opens an E'', B'', X'', N'' or U&'' literal."""
    if quote >= 2 and sql[quote - 2 : quote] in ("U&", "u&"):
        return True
    if quote == 0 or sql[quote - 1] not in "eEbBxX":
        return False
    return quote == 1 or not _identifier_char(sql[quote - 2])


def _plain_literal_end(sql: str, quote: int) -> tuple[int, bool]:
    """The end of the plain literal at ``quote``, read as Redshift reads it; whether it holds a backslash."""
    index = quote + 1
    escaped = False
    while index < len(sql):
        if sql[index] == "\\":
            escaped = True
            index += 2
        elif sql.startswith("''", index):
            index += 2
        elif sql[index] == "'":
            return index + 1, escaped
        else:
            index += 1
    return len(sql), escaped


def _literal_end(sql: str, quote: int, *, backslashes: bool) -> int:
    index = quote + 1
    while index < len(sql):
        if (backslashes and sql[index] == "\\") or sql.startswith("''", index):
            index += 2
        elif sql[index] == "'":
            return index + 1
        else:
            index += 1
    return len(sql)
