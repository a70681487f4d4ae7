"""Parse a Redshift COPY statement into a :class:`CopyCommand`.

The statement is read on PostgreSQL's own tokens (:mod:`sparkify.engine.sql.tokens`), after Redshift's
reading of backslashes in literals.  Options (:mod:`sparkify.engine.copy.options`) may come in any order
and any keyword case.  An option this emulator does not implement is refused by name: silently ignoring
one could change what gets loaded.
"""

from __future__ import annotations

from sparkify.engine.copy.command import TEXT_FORMATS, CopyCommand
from sparkify.engine.copy.options import apply_option, check_combinations
from sparkify.engine.copy.tokens import StatementTokens, folded_name
from sparkify.engine.errors import CopyStatementError
from sparkify.engine.sql.redshift.long_names import stored_name

__all__ = ["TEXT_FORMATS", "CopyCommand", "parse_copy"]


def parse_copy(sql: str) -> CopyCommand:
    """Parse ``sql``; raise :class:`CopyStatementError` naming what is wrong or unsupported."""
    tokens = StatementTokens(sql)
    if not tokens.take_word("COPY"):
        raise CopyStatementError("not a COPY statement")
    schema, table = _table_name(tokens)
    columns = _column_list(tokens)
    if not tokens.take_word("FROM"):
        raise CopyStatementError("COPY statement: expected FROM after the table name")
    source = tokens.expect_string("FROM")
    command = CopyCommand(table=table, columns=columns, source=source, schema=schema)
    while not tokens.at_end():
        token = tokens.take()
        if token.text == ",":
            continue
        if not token.word:
            raise CopyStatementError(f"COPY statement: unexpected {token.text!r}")
        command.options.append(token.word)
        apply_option(tokens, command, token.word)
    check_combinations(command)
    return command


def _table_name(tokens: StatementTokens) -> tuple[str | None, str]:
    """``table``, ``schema.table`` or ``database.schema.table``, each part quoted or not."""
    parts = [_name(tokens, "a table name")]
    while tokens.peek_text() == "." and len(parts) < 3:
        tokens.take()
        parts.append(_name(tokens, "a table name"))
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


def _name(tokens: StatementTokens, what: str) -> str:
    token = tokens.take()
    name = folded_name(token)
    if not name or "\x00" in name:
        raise CopyStatementError(f"COPY statement: expected {what}, found {token.text or 'the end'!r}")
    return stored_name(name)  # a name past 63 bytes: the one PostgreSQL holds (long_names.py)


def _column_list(tokens: StatementTokens) -> tuple[str, ...] | None:
    if tokens.peek_text() != "(":
        return None
    tokens.take()
    names = [_name(tokens, "a column name")]
    while tokens.peek_text() == ",":
        tokens.take()
        names.append(_name(tokens, "a column name"))
    if tokens.take().text != ")":
        raise CopyStatementError("COPY statement: the column list is not closed with ')'")
    return tuple(names)
