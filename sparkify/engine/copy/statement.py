"""Parse a Redshift COPY statement into a :class:`CopyCommand`.

The statement is read on PostgreSQL's own tokens (:mod:`sparkify.sqltokens`), after Redshift's reading of
backslashes in literals.  Options may come in any order and any keyword case.  An option this emulator
does not implement is refused by name: silently ignoring one could change what gets loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkify.engine.copy.options import apply_option, check_combinations
from sparkify.engine.copy.tokens import StatementTokens, folded_name
from sparkify.engine.errors import CopyStatementError
from sparkify.engine.sql.text import quote_ident

TEXT_FORMATS = ("text", "csv", "fixedwidth")


@dataclass
class CopyCommand:
    """What a COPY statement asks for.  Credentials are kept only as the names of the options given."""

    table: str  # the table's name as Redshift reports it (folded; without its schema)
    columns: tuple[str, ...] | None
    source: str
    schema: str | None = None
    json_option: str = ""
    region: str | None = None
    timeformat: str | None = None
    dateformat: str | None = None
    blanks_as_null: bool = False
    empty_as_null: bool = False
    truncate_columns: bool = False
    noload: bool = False
    manifest: bool = False
    compression: str | None = None
    accept_inv_chars: str | None = None
    maxerror: int = 0
    authorization: list[str] = field(default_factory=list)
    data_format: str = "text"  # "text" (delimited), "csv", "fixedwidth", "json" or "parquet"
    fill_record: bool = False  # FILLRECORD: a record may lack the table's last columns
    options: list[str] = field(default_factory=list)  # the option keywords as given, for their checks
    # Text formats (delimited, CSV, fixed-width):
    delimiter: str | None = None  # None: '|' for text, ',' for CSV
    quote: str = '"'
    null_as: str | None = None  # None: '\N' (and, in CSV, an unquoted empty field stays '')
    escape: bool = False
    remove_quotes: bool = False
    trim_blanks: bool = False
    ignore_blank_lines: bool = False
    ignore_header: int = 0
    accept_any_date: bool = False
    round_decimals: bool = False
    explicit_ids: bool = False
    encoding: str = "utf8"  # utf8, utf16, utf16le or utf16be
    fixed_widths: tuple[int, ...] = ()

    @property
    def json_auto(self) -> bool:
        return self.json_option.lower() in ("auto", "auto ignorecase")

    @property
    def ignore_case(self) -> bool:
        return self.json_option.lower() == "auto ignorecase"

    @property
    def relation(self) -> str:
        """The table as SQL names it: quoted where it must be, with its schema when one was given."""
        name = quote_ident(self.table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    @property
    def field_delimiter(self) -> str:
        if self.delimiter is not None:
            return self.delimiter
        return "," if self.data_format == "csv" else "|"


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
    return name


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
