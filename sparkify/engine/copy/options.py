"""COPY's options: what each one sets on the command, and which combinations Redshift refuses.

Options that only concern AWS's side of a load (encryption, compression analysis, statistics) are
accepted and have their documented local meaning, which is none.
"""

from __future__ import annotations

import re

from sparkify.engine.copy.command import CopyCommand
from sparkify.engine.copy.tokens import StatementTokens
from sparkify.engine.errors import CopyStatementError

_FLAGS = {
    "BLANKSASNULL": "blanks_as_null",
    "EMPTYASNULL": "empty_as_null",
    "TRUNCATECOLUMNS": "truncate_columns",
    "NOLOAD": "noload",
    "MANIFEST": "manifest",
    "FILLRECORD": "fill_record",
    "ESCAPE": "escape",
    "REMOVEQUOTES": "remove_quotes",
    "TRIMBLANKS": "trim_blanks",
    "IGNOREBLANKLINES": "ignore_blank_lines",
    "ACCEPTANYDATE": "accept_any_date",
    "ROUNDEC": "round_decimals",
    "EXPLICIT_IDS": "explicit_ids",
    "SERIALIZETOJSON": "serialize_to_json",
}
_COMPRESSIONS = {"GZIP": "gzip", "BZIP2": "bzip2", "ZSTD": "zstd"}
# AWS's side only: client-side encryption is S3's business, compression analysis and statistics
# Redshift's; none changes which rows load.
_SWITCHES = {"COMPUPDATE", "STATUPDATE"}
_NO_EFFECT_FLAGS = {"ENCRYPTED"}
_NO_EFFECT_STRINGS = {"MASTER_SYMMETRIC_KEY"}
_NO_EFFECT_NUMBERS = {"COMPROWS"}
_AUTH_STRINGS = {"ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "CREDENTIALS", "WITH"}
_ENCODINGS = {"UTF8": "utf8", "UTF16": "utf16", "UTF16LE": "utf16le", "UTF16BE": "utf16be"}
_UNSUPPORTED_FORMATS = {"SHAPEFILE", "RCFILE", "TEXTFILE", "SEQUENCEFILE"}


def apply_option(tokens: StatementTokens, command: CopyCommand, option: str) -> None:
    """Read ``option``'s arguments from ``tokens`` into ``command``."""
    if option in _FLAGS:
        setattr(command, _FLAGS[option], True)
    elif option in _COMPRESSIONS:
        command.compression = _COMPRESSIONS[option]
    elif option in _SWITCHES:
        setting = tokens.take_word("ON", "OFF", "TRUE", "FALSE", "PRESET")
        if option == "STATUPDATE":
            command.statistics_off = setting in ("OFF", "FALSE")
    elif option in _NO_EFFECT_FLAGS:
        pass
    elif option in _NO_EFFECT_STRINGS:
        tokens.expect_string(option)
    elif option in _NO_EFFECT_NUMBERS:
        tokens.expect_count(option)
    elif option in ("IAM_ROLE", *_AUTH_STRINGS):
        _authorization(tokens, command, option)
    elif option in _VALUE_OPTIONS:
        _VALUE_OPTIONS[option](tokens, command)
    elif option in _FORMAT_WORDS or option == "FORMAT":
        _apply_format(tokens, command, option)
    else:
        raise CopyStatementError(f"COPY option {option} is not supported by the local engine")


def _authorization(tokens: StatementTokens, command: CopyCommand, option: str) -> None:
    if option == "WITH":  # WITH CREDENTIALS [AS] '…'
        if not tokens.take_word("CREDENTIALS"):
            raise CopyStatementError("COPY statement: expected CREDENTIALS after WITH")
        option = "CREDENTIALS"
    if not (option == "IAM_ROLE" and tokens.take_word("DEFAULT")):
        tokens.expect_string(option)
    command.authorization.append(option)


def _region(tokens: StatementTokens, command: CopyCommand) -> None:
    command.region = tokens.expect_string("REGION")


def _timeformat(tokens: StatementTokens, command: CopyCommand) -> None:
    command.timeformat = tokens.expect_string("TIMEFORMAT")


def _dateformat(tokens: StatementTokens, command: CopyCommand) -> None:
    command.dateformat = tokens.expect_string("DATEFORMAT")


def _acceptinvchars(tokens: StatementTokens, command: CopyCommand) -> None:
    replacement = tokens.optional_string()
    usable = replacement is None or (len(replacement) == 1 and replacement.isascii() and replacement != "\0")
    if not usable:
        raise CopyStatementError(
            f"COPY option ACCEPTINVCHARS needs one ASCII character other than NUL, found {replacement!r}"
        )
    command.accept_inv_chars = replacement or "?"


def _maxerror(tokens: StatementTokens, command: CopyCommand) -> None:
    command.maxerror = tokens.expect_count("MAXERROR")


def _ignoreheader(tokens: StatementTokens, command: CopyCommand) -> None:
    command.ignore_header = tokens.expect_count("IGNOREHEADER")


def _delimiter(tokens: StatementTokens, command: CopyCommand) -> None:
    command.delimiter = _one_character(tokens.expect_string("DELIMITER"), "DELIMITER")


def _quote(tokens: StatementTokens, command: CopyCommand) -> None:
    command.quote = _one_character(tokens.expect_string("QUOTE"), "QUOTE")


def _null_as(tokens: StatementTokens, command: CopyCommand) -> None:
    value = tokens.expect_string("NULL AS")
    if "\n" in value:
        raise CopyStatementError("COPY option NULL AS: a newline is the line delimiter, not a null string")
    command.null_as = value


def _encoding(tokens: StatementTokens, command: CopyCommand) -> None:
    tokens.take_word("AS")
    token = tokens.take()
    encoding = _ENCODINGS.get(token.word or token.text.strip("'").upper())
    if encoding is None:
        raise CopyStatementError(
            f"COPY option ENCODING: {token.text or 'nothing'!r} is none of UTF8, UTF16, UTF16LE, UTF16BE"
        )
    command.encoding = encoding


def _one_character(value: str, option: str) -> str:
    if len(value) != 1 or value == "\n":
        raise CopyStatementError(f"COPY option {option} needs a single character, found {value!r}")
    return value


_VALUE_OPTIONS = {
    "REGION": _region,
    "TIMEFORMAT": _timeformat,
    "DATEFORMAT": _dateformat,
    "ACCEPTINVCHARS": _acceptinvchars,
    "MAXERROR": _maxerror,
    "IGNOREHEADER": _ignoreheader,
    "DELIMITER": _delimiter,
    "QUOTE": _quote,
    "NULL": _null_as,
    "ENCODING": _encoding,
}
_FORMAT_WORDS = {"JSON", "AVRO", "PARQUET", "ORC", "CSV", "FIXEDWIDTH", *_UNSUPPORTED_FORMATS}


def _apply_format(tokens: StatementTokens, command: CopyCommand, option: str) -> None:
    """FORMAT [AS] name …, or the name alone: the format and its argument (JSON's option, CSV's QUOTE…)."""
    name = option
    if option == "FORMAT":
        tokens.take_word("AS")
        token = tokens.take()
        name = token.word
        if name not in _FORMAT_WORDS:
            raise CopyStatementError(f"COPY statement: unknown format {token.text or 'nothing'!r}")
        command.options.append(name)
    if name in _UNSUPPORTED_FORMATS:
        raise CopyStatementError(f"COPY format {name} is not supported by the local engine")
    if command.data_format != "text" and command.data_format != name.lower():
        raise CopyStatementError(
            f"COPY statement: {name} can't be used with {command.data_format.upper()} (one format per COPY)"
        )
    command.data_format = name.lower()
    if name in ("JSON", "AVRO"):  # the same argument: 'auto', 'auto ignorecase' or a JSONPaths file
        _json_option(tokens, command, name)
    elif name == "FIXEDWIDTH":
        command.fixed_widths = _fixed_widths(tokens.expect_string("FIXEDWIDTH"))
    elif name == "CSV" and tokens.take_word("QUOTE"):
        command.options.append("QUOTE")
        _quote(tokens, command)


def _json_option(tokens: StatementTokens, command: CopyCommand, name: str) -> None:
    command.json_option = tokens.optional_string() or "auto"
    lowered = command.json_option.lower()
    if lowered not in ("auto", "auto ignorecase", "noshred") and not re.match(
        r"^(s3|file)://|^/", command.json_option
    ):
        raise CopyStatementError(
            f"COPY option {name}: {command.json_option!r} is neither 'auto', 'auto ignorecase' "
            "nor a JSONPaths file"
        )
    if lowered == "noshred" and name == "AVRO":
        raise CopyStatementError("COPY option AVRO: 'noshred' is JSON's only")


def _fixed_widths(spec: str) -> tuple[int, ...]:
    """The widths of 'label:width,label:width,…' (labels are free text and mean nothing)."""
    widths = []
    for item in spec.split(","):
        label, colon, width = item.strip().rpartition(":")
        if not colon or not label.strip() or not width.strip().isdigit() or int(width) == 0:
            raise CopyStatementError(
                f"COPY option FIXEDWIDTH: {item.strip()!r} is not 'label:width' (in 'label1:width1,…')"
            )
        widths.append(int(width))
    return tuple(widths)


# Redshift's parameters for columnar data (COPY from columnar data formats); FORMAT names the format.
_COLUMNAR_OPTIONS = {
    "FORMAT",
    "PARQUET",
    "ORC",
    "ACCEPTINVCHARS",
    "FILLRECORD",
    "STATUPDATE",
    "MANIFEST",
    "IAM_ROLE",
    "SERIALIZETOJSON",
}
# The guide's "The following options aren't supported with JSON".
_NOT_WITH_JSON = ("CSV", "DELIMITER", "ESCAPE", "FILLRECORD", "FIXEDWIDTH", "IGNOREBLANKLINES", "NULL")
_NOT_WITH_JSON_LOCALLY = ("REMOVEQUOTES", "QUOTE", "IGNOREHEADER", "TRIMBLANKS", "ENCODING", "ROUNDEC")
# What the guide says each text format can't be used with.
_NOT_WITH = {
    "csv": ("FIXEDWIDTH", "REMOVEQUOTES", "ESCAPE"),
    "fixedwidth": ("CSV", "DELIMITER", "ESCAPE", "REMOVEQUOTES"),
    "text": ("QUOTE",),
}


def check_combinations(command: CopyCommand) -> None:
    """Refuse the combinations Redshift refuses, in its words where the guide gives them."""
    if command.serialize_to_json and command.data_format not in ("parquet", "orc"):
        raise CopyStatementError("COPY option SERIALIZETOJSON is for columnar data: FORMAT AS PARQUET or ORC")
    if command.data_format in ("parquet", "orc"):
        _check_columnar_options(command)
    elif command.data_format in ("json", "avro"):
        for option in (*_NOT_WITH_JSON, *_NOT_WITH_JSON_LOCALLY):
            if option in command.options:
                shown = "NULL AS" if option == "NULL" else option
                local = "" if option in _NOT_WITH_JSON else " by the local engine"
                form = command.data_format.upper()
                raise CopyStatementError(f"COPY option {shown} is not supported with {form}{local}")
    else:
        for option in _NOT_WITH[command.data_format]:
            if option in command.options:
                raise CopyStatementError(
                    f"COPY statement: {command.data_format.upper()} can't be used with {option}"
                    if option != "QUOTE"
                    else "COPY statement: QUOTE can be used only with CSV"
                )
        _check_text_characters(command)


def _check_text_characters(command: CopyCommand) -> None:
    delimiter = command.field_delimiter
    if command.data_format == "csv" and delimiter == command.quote:
        raise CopyStatementError("COPY statement: the CSV delimiter and quote character must differ")
    if command.escape and delimiter == "\\":
        raise CopyStatementError("COPY statement: the delimiter can't be the ESCAPE character (backslash)")
    widths, columns = command.fixed_widths, command.columns
    if widths and columns is not None and len(widths) != len(columns):
        raise CopyStatementError(
            f"COPY statement: FIXEDWIDTH gives {len(widths)} widths for {len(columns)} columns"
        )


def _check_columnar_options(command: CopyCommand) -> None:
    for option in command.options:
        if option not in _COLUMNAR_OPTIONS and option not in _AUTH_STRINGS:
            # Redshift's words, as the guide quotes them for REGION ("Region argument is not supported
            # for PARQUET based COPY"), and what it takes instead.
            shown = "Region" if option == "REGION" else option
            raise CopyStatementError(
                f"{shown} argument is not supported for {command.data_format.upper()} based COPY (with "
                "columnar data Redshift takes only ACCEPTINVCHARS, FILLRECORD, MANIFEST, STATUPDATE and the "
                "authorization)"
            )
