"""Parse a Redshift COPY statement into a :class:`CopyCommand`.

Options may come in any order and any keyword case.  An option this emulator does not implement is
refused by name: silently ignoring one could change what gets loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sparkify.engine.errors import CopyStatementError

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<quoted>"(?:[^"]|"")+")
      | (?P<number>-?\d+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_$.]*)
      | (?P<punct>[(),;])
    )""",
    re.VERBOSE | re.ASCII,
)

# Options that do not change what is loaded: accepted, remembered, not acted on.
_NO_EFFECT_SWITCHES = {"COMPUPDATE", "STATUPDATE"}
_FLAGS = {
    "BLANKSASNULL": "blanks_as_null",
    "EMPTYASNULL": "empty_as_null",
    "TRUNCATECOLUMNS": "truncate_columns",
    "NOLOAD": "noload",
    "MANIFEST": "manifest",
    "SERIALIZETOJSON": "serialize_to_json",
}
_COMPRESSIONS = {"GZIP": "gzip", "BZIP2": "bzip2", "ZSTD": "zstd"}
_OTHER_FORMATS = {
    "CSV",
    "AVRO",
    "PARQUET",
    "ORC",
    "FIXEDWIDTH",
    "SHAPEFILE",
    "DELIMITER",
    "RCFILE",
    "TEXTFILE",
}
_AUTH_STRINGS = {"ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "CREDENTIALS"}


@dataclass
class CopyCommand:
    """What a COPY statement asks for.  Credentials are kept only as the names of the options given."""

    table: str
    columns: tuple[str, ...] | None
    source: str
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
    data_format: str = "json"  # or "parquet"
    fill_record: bool = False  # FILLRECORD: a Parquet file may lack the table's last columns
    serialize_to_json: bool = False  # SERIALIZETOJSON: any Parquet column into a SUPER column, as JSON
    options: list[str] = field(default_factory=list)  # the option keywords as given, for their checks

    @property
    def json_auto(self) -> bool:
        return self.json_option.lower() in ("auto", "auto ignorecase")

    @property
    def ignore_case(self) -> bool:
        return self.json_option.lower() == "auto ignorecase"


class _Tokens:
    def __init__(self, sql: str) -> None:
        self.items: list[tuple[str, str]] = []
        position = 0
        text = sql.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise CopyStatementError(
                    f"COPY statement: cannot read the text at {text[position : position + 30]!r}"
                )
            kind = match.lastgroup or ""
            self.items.append((kind, match.group(kind)))
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
        self.index = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.index] if self.index < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def take_word(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.upper() in words:
            self.index += 1
            return True
        return False

    def expect_string(self, option: str) -> str:
        self.take_word("AS")
        kind, value = self.take()
        if kind != "string":
            raise CopyStatementError(
                f"COPY option {option} needs a quoted string, found {value or 'the end'!r}"
            )
        return value[1:-1].replace("''", "'")


def parse_copy(sql: str) -> CopyCommand:
    """Parse ``sql``; raise :class:`CopyStatementError` naming what is wrong or unsupported."""
    tokens = _Tokens(sql)
    if not tokens.take_word("COPY"):
        raise CopyStatementError("not a COPY statement")
    table = _identifier(tokens)
    columns = _column_list(tokens)
    if not tokens.take_word("FROM"):
        raise CopyStatementError("COPY statement: expected FROM after the table name")
    command = CopyCommand(table=table, columns=columns, source=tokens.expect_string("FROM"))
    while True:
        kind, value = tokens.take()
        if kind == "end" or value == ";":
            break
        if value == ",":
            continue
        if kind != "word":
            raise CopyStatementError(f"COPY statement: unexpected {value!r}")
        command.options.append(value.upper())
        _apply_option(tokens, command, value.upper())
    if tokens.peek()[0] != "end":
        raise CopyStatementError("COPY statement: text after the closing semicolon")
    if command.data_format == "parquet":
        _check_columnar_options(command)
        return command
    if command.fill_record:
        raise CopyStatementError("COPY option FILLRECORD is not supported by the local engine")
    if command.serialize_to_json:
        raise CopyStatementError("COPY option SERIALIZETOJSON is for columnar data: FORMAT AS PARQUET or ORC")
    if not command.json_option:
        raise CopyStatementError(
            "COPY statement: the local engine loads JSON and Parquet only; add FORMAT AS JSON 'auto'"
        )
    return command


# Redshift's parameters for columnar data (COPY from columnar data formats); FORMAT names the format.
_COLUMNAR_OPTIONS = {
    "FORMAT",
    "PARQUET",
    "ACCEPTINVCHARS",
    "FILLRECORD",
    "STATUPDATE",
    "MANIFEST",
    "IAM_ROLE",
    "SERIALIZETOJSON",
}


def _check_columnar_options(command: CopyCommand) -> None:
    for option in command.options:
        if option not in _COLUMNAR_OPTIONS and option not in _AUTH_STRINGS:
            # Redshift's words, as the guide quotes them for REGION ("Region argument is not supported
            # for PARQUET based COPY"), and what it takes instead.
            shown = "Region" if option == "REGION" else option
            raise CopyStatementError(
                f"{shown} argument is not supported for PARQUET based COPY (with columnar data Redshift "
                "takes only ACCEPTINVCHARS, FILLRECORD, MANIFEST, STATUPDATE and the authorization)"
            )


def _apply_option(tokens: _Tokens, command: CopyCommand, option: str) -> None:
    if option == "FILLRECORD":
        command.fill_record = True
    elif option == "PARQUET" and not command.json_option:  # FORMAT AS is optional
        command.data_format = "parquet"
    elif option in _FLAGS:
        setattr(command, _FLAGS[option], True)
    elif option in _COMPRESSIONS:
        command.compression = _COMPRESSIONS[option]
    elif option in _NO_EFFECT_SWITCHES:
        tokens.take_word("ON", "OFF", "TRUE", "FALSE", "PRESET")
    elif option == "IAM_ROLE":
        if not tokens.take_word("DEFAULT"):
            tokens.expect_string(option)
        command.authorization.append(option)
    elif option in _AUTH_STRINGS:
        tokens.expect_string(option)
        command.authorization.append(option)
    elif option == "REGION":
        command.region = tokens.expect_string(option)
    elif option in ("FORMAT", "JSON"):
        _apply_format(tokens, command, option)
    elif option == "TIMEFORMAT":
        command.timeformat = tokens.expect_string(option)
    elif option == "DATEFORMAT":
        command.dateformat = tokens.expect_string(option)
    elif option == "ACCEPTINVCHARS":
        command.accept_inv_chars = _optional_string(tokens) or "?"
    elif option == "MAXERROR":
        tokens.take_word("AS")
        kind, value = tokens.take()
        if kind != "number" or int(value) < 0:
            raise CopyStatementError(f"COPY option MAXERROR needs a whole number, found {value!r}")
        command.maxerror = int(value)
    else:
        raise CopyStatementError(f"COPY option {option} is not supported by the local engine")


def _apply_format(tokens: _Tokens, command: CopyCommand, option: str) -> None:
    if option == "FORMAT":
        tokens.take_word("AS")
        _, value = tokens.take()
        if value.upper() == "PARQUET" and not command.json_option:
            command.data_format = "parquet"
            return
        if value.upper() in _OTHER_FORMATS:
            raise CopyStatementError(
                f"COPY format {value.upper()} is not supported by the local engine (JSON and Parquet only)"
            )
        if value.upper() != "JSON":
            raise CopyStatementError(f"COPY statement: unknown format {value!r}")
    command.json_option = tokens.expect_string("JSON")
    lowered = command.json_option.lower()
    if lowered not in ("auto", "auto ignorecase", "noshred") and not re.match(
        r"^(s3|file)://|^/", command.json_option
    ):
        raise CopyStatementError(
            f"COPY option JSON: {command.json_option!r} is neither 'auto', 'auto ignorecase' "
            "nor a JSONPaths file"
        )
    if lowered == "noshred":
        raise CopyStatementError(
            "COPY option JSON 'noshred' (SUPER columns) is not supported by the local engine"
        )


def _optional_string(tokens: _Tokens) -> str | None:
    tokens.take_word("AS")
    kind, value = tokens.peek()
    if kind != "string":
        return None
    tokens.take()
    return value[1:-1].replace("''", "'")


def _identifier(tokens: _Tokens) -> str:
    kind, value = tokens.take()
    if kind == "quoted":
        return value[1:-1].replace('""', '"')
    if kind == "word":
        return value.lower()
    raise CopyStatementError(f"COPY statement: expected a table name, found {value or 'the end'!r}")


def _column_list(tokens: _Tokens) -> tuple[str, ...] | None:
    if tokens.peek()[1] != "(":
        return None
    tokens.take()
    names = [_identifier(tokens)]
    while tokens.peek()[1] == ",":
        tokens.take()
        names.append(_identifier(tokens))
    if tokens.take()[1] != ")":
        raise CopyStatementError("COPY statement: the column list is not closed with ')'")
    return tuple(names)
