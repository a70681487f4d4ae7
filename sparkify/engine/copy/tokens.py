"""A COPY statement as a stream of PostgreSQL tokens, with Redshift's reading of names and literals.

Redshift reads a backslash in a plain literal as an escape (``'\\t'`` is a tab, ``'\\001'`` octal), folds
names to lower case, quoted ones included (unless ``enable_case_sensitive_identifier``, which the local
engine does not offer), and keeps ``'\\N'`` (COPY's default null string) as the two characters it is.
"""

from __future__ import annotations

from sparkify.engine.errors import CopyStatementError
from sparkify.engine.sql.redshift.quoted_names import ascii_lower, quoted_name
from sparkify.engine.sql.tokens import SqlLexError, Token, escaped_literal_spans, replace_spans, tokens

_END = Token("end", 0, 0, "")
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'"}


class StatementTokens:
    """The tokens of one statement, read front to back."""

    def __init__(self, sql: str) -> None:
        # PostgreSQL's lexer would end a Redshift literal at its escaped quote ('it\\'s'), or refuse its
        # escaped NUL ('\\0'): such literals are lexed as a same-length stand-in and read from the text.
        escaped = escaped_literal_spans(sql)
        stand_ins = [(start, end, "'" + "x" * (end - start - 2) + "'") for start, end in escaped]
        try:
            found = tokens(replace_spans(sql, stand_ins))
        except SqlLexError as exc:
            raise CopyStatementError(f"COPY statement: cannot read the text ({exc})") from None
        originals = {start: sql[start:end] for start, end in escaped}
        self.items = [
            Token(token.name, token.start, token.end, "E" + originals[token.start])
            if token.start in originals and token.name == "SCONST"
            else token
            for token in found
        ]
        self.index = 0

    def peek(self) -> Token:
        return self.items[self.index] if self.index < len(self.items) else _END

    def peek_text(self) -> str:
        return self.peek().text

    def take(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def at_end(self) -> bool:
        """Whether the statement ends here (a closing semicolon is taken; text after it is an error)."""
        if self.peek().name == "ASCII_59":
            self.take()
            if self.index < len(self.items):
                raise CopyStatementError("COPY statement: text after the closing semicolon")
        return self.index >= len(self.items)

    def take_word(self, *words: str) -> str:
        """The next token's word if it is one of ``words`` (taken), else ''."""
        word = self.peek().word
        if word and word in words:
            self.index += 1
            return word
        return ""

    def expect_string(self, option: str) -> str:
        self.take_word("AS")
        token = self.take()
        if token.name != "SCONST":
            raise CopyStatementError(
                f"COPY option {option} needs a quoted string, found {token.text or 'the end'!r}"
            )
        return literal_value(token.text)

    def optional_string(self) -> str | None:
        self.take_word("AS")
        if self.peek().name != "SCONST":
            return None
        return literal_value(self.take().text)

    def expect_count(self, option: str) -> int:
        """A whole number of zero or more, written bare or quoted ('5' is taken as Redshift takes it)."""
        self.take_word("AS")
        token = self.take()
        text = literal_value(token.text) if token.name == "SCONST" else token.text
        if token.name not in ("ICONST", "SCONST") or not text.isdigit():
            raise CopyStatementError(f"COPY option {option} needs a whole number, found {token.text!r}")
        return int(text)


def literal_value(text: str) -> str:
    """The value of a string literal token: ``''`` is a quote; an ``E''`` literal's backslash escapes
    (``\\t``, ``\\n``, ``\\\\``, ``\\'``, octal ``\\ddd``) are read, any other backslash stays itself."""
    escaped = text[:1] in "eE"
    body = text[2:-1] if escaped else text[1:-1]
    body = body.replace("''", "'")
    if not escaped or "\\" not in body:
        return body
    pieces, position = [], 0
    while position < len(body):
        char = body[position]
        if char != "\\" or position + 1 == len(body):
            pieces.append(char)
            position += 1
            continue
        following = body[position + 1]
        octal = _octal_digits(body, position + 1)
        if octal:
            pieces.append(chr(int(octal, 8) & 0xFF))
            position += 1 + len(octal)
        elif following in _SIMPLE_ESCAPES:
            pieces.append(_SIMPLE_ESCAPES[following])
            position += 2
        else:
            pieces.append("\\" + following)
            position += 2
    return "".join(pieces)


def _octal_digits(body: str, start: int) -> str:
    end = start
    while end < len(body) and end - start < 3 and body[end] in "01234567":
        end += 1
    return body[start:end]


def folded_name(token: Token) -> str | None:
    """A name as Redshift reads it: bare, folded to lower case; quoted, folded too unless the session keeps
    quoted names' case; None when the token is no name."""
    if token.name == "IDENT" and token.text.startswith('"'):
        return quoted_name(token.text)[1:-1].replace('""', '"')
    if token.word:
        return ascii_lower(token.text)
    return None
