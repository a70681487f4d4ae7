"""UNLOAD on the local engine: a Redshift UNLOAD statement's query result written as files, to S3 or to a
local path, named as Redshift names them.

Only ``cursor().execute / fetchall / description / copy_expert`` of the connection are used, so that the
endpoint can run it on its own connection shim.  PostgreSQL formats the values (``COPY … TO STDOUT``);
this module names, compresses and writes the parts and the manifest.  The local engine is one slice: a
PARALLEL ON unload writes one part, ``<prefix>0000_part_00``; PARALLEL OFF writes ``<prefix>000``.
FORMAT PARQUET is written by :mod:`sparkify.engine.unload.parquet` (pyarrow, imported only then).
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sparkify.engine.copy.sources import is_s3, local_path, s3_client, split_s3
from sparkify.engine.copy.tokens import literal_value
from sparkify.engine.errors import UnloadError
from sparkify.engine.sql.adapter import translate
from sparkify.engine.sql.redshift.history import UnloadDetails
from sparkify.engine.sql.text import quote_ident, quote_literal
from sparkify.engine.sql.tokens import SqlLexError, Token, tokens
from sparkify.engine.unload.text import redshift_text

_COMPRESSIONS = {"GZIP": ".gz", "BZIP2": ".bz2", "ZSTD": ".zst"}
_FORMATS = {"CSV": "csv", "JSON": "json", "PARQUET": "parquet"}
_AUTHORIZATION = {"IAM_ROLE", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "CREDENTIALS"}
# Encryption concerns S3's side: KMS_KEY_ID names the key of SSE-KMS; a client-side root key is accepted
# (files are written without client-side encryption: a difference the README's fidelity table names).
_ENCRYPTION_VALUES = {"KMS_KEY_ID", "MASTER_SYMMETRIC_KEY"}
# The guide: "You can't use PARQUET with DELIMITER, FIXEDWIDTH, ADDQUOTES, ESCAPE, NULL AS, HEADER, GZIP,
# BZIP2, or ZSTD."; "You can't use FIXEDWIDTH with DELIMITER or HEADER."
_NOT_WITH_PARQUET = (
    "DELIMITER",
    "FIXEDWIDTH",
    "ADDQUOTES",
    "ESCAPE",
    "NULL",
    "HEADER",
    "GZIP",
    "BZIP2",
    "ZSTD",
)
_NOT_WITH_JSON = ("DELIMITER", "FIXEDWIDTH", "HEADER", "ADDQUOTES", "ESCAPE", "NULL")
_NOT_WITH_FIXEDWIDTH = ("DELIMITER", "HEADER", "ADDQUOTES")
_NOT_WITH = {"parquet": _NOT_WITH_PARQUET, "json": _NOT_WITH_JSON, "fixedwidth": _NOT_WITH_FIXEDWIDTH}
_SIZE_UNITS = {"MB": 1024 * 1024, "GB": 1024 * 1024 * 1024}
MAX_FILE_SIZE = int(6.2 * _SIZE_UNITS["GB"])  # Redshift's default and largest part
ROW_GROUP_SIZE = 32 * _SIZE_UNITS["MB"]  # Redshift's default ROWGROUPSIZE (Parquet)
#: CSV with quote and delimiter characters no line made here holds raw: COPY writes each line exactly as made.
_LINES_AS_MADE = "WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
_TEMPORAL_TYPES = {1082, 1083, 1114, 1184, 1266}  # date, time, timestamp, timestamptz, timetz
NOT_EMPTY = (
    "Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually "
    "removing the target files in S3, or using the ALLOWOVERWRITE option."
)


@dataclass
class UnloadCommand:
    """What an UNLOAD statement asks for.  Credentials are not kept: the standard AWS chain is used."""

    query: str
    destination: str
    format: str = "text"
    header: bool = False
    delimiter: str | None = None
    null_as: str = ""
    add_quotes: bool = False
    escape: bool = False
    compression: str = ""
    parallel: bool = True
    manifest: bool = False
    manifest_verbose: bool = False
    allow_overwrite: bool = False
    clean_path: bool = False
    extension: str = ""
    #: FIXEDWIDTH 'label:width,…': each column's label and width in characters.
    fixed_widths: tuple[tuple[str, int], ...] = ()
    region: str | None = None
    encrypted: bool = False
    encrypted_auto: bool = False
    kms_key_id: str | None = None
    partition_by: tuple[str, ...] = ()
    partition_include: bool = False
    max_file_size: int = MAX_FILE_SIZE
    row_group_size: int = ROW_GROUP_SIZE
    given: list[str] = field(default_factory=list)  # the option keywords, in order


_SHAPE = "UNLOAD needs ('select …') TO 's3://bucket/prefix' as its first clauses"


def parse_unload(sql: str) -> UnloadCommand:
    """The UNLOAD statement ``sql`` as a :class:`UnloadCommand`; raises UnloadError with the reason."""
    query, rest = _query_literal(sql)
    try:
        found = [token for token in tokens(rest) if token.text != ";"]
    except SqlLexError as exc:
        raise UnloadError(f"UNLOAD statement is not valid SQL: {exc}") from None
    if len(found) < 2 or found[0].word != "TO" or found[1].name != "SCONST":
        raise UnloadError(_SHAPE)
    command = UnloadCommand(query=query, destination=_literal(found[1]))
    _read_options(command, found, 2)
    _check_combinations(command)
    return command


def _check_combinations(command: UnloadCommand) -> None:
    """The option combinations the guide says UNLOAD refuses, in its words."""
    _check_encryption(command)
    if "CLEANPATH" in command.given and "ALLOWOVERWRITE" in command.given:
        raise UnloadError("UNLOAD: you can't specify CLEANPATH with ALLOWOVERWRITE")
    refused = _NOT_WITH.get(command.format, ())
    for word in command.given:
        if word in refused:
            shown = "NULL AS" if word == "NULL" else word
            raise UnloadError(f"UNLOAD: you can't use {command.format.upper()} with {shown}")
    if command.format != "parquet" and "ROWGROUPSIZE" in command.given:
        raise UnloadError("UNLOAD: ROWGROUPSIZE needs FORMAT PARQUET")


def _check_encryption(command: UnloadCommand) -> None:
    """KMS_KEY_ID and MASTER_SYMMETRIC_KEY go with ENCRYPTED, neither with CREDENTIALS; ENCRYPTED AUTO takes
    the bucket's own key, so with neither."""
    given = command.given
    for key in sorted(_ENCRYPTION_VALUES & set(given)):
        if "ENCRYPTED" not in given:
            raise UnloadError(f"UNLOAD: {key} needs ENCRYPTED")
        if "CREDENTIALS" in given:
            raise UnloadError(f"UNLOAD: you can't use {key} with CREDENTIALS")
        if command.encrypted_auto:
            raise UnloadError(f"UNLOAD: you can't use ENCRYPTED AUTO with {key}")


def _query_literal(sql: str) -> tuple[str, str]:
    """The query of ``UNLOAD ('…')``, its literal read as Redshift reads it (a quote inside is doubled or
    escaped with a backslash, as the guide's examples write it), and the text after the parenthesis."""
    text = sql.strip()
    position = len("UNLOAD")
    if text[:position].upper() != "UNLOAD":
        raise UnloadError(_SHAPE)
    position = _skip_blanks(text, position)
    if text[position : position + 1] != "(":
        raise UnloadError(_SHAPE)
    position = _skip_blanks(text, position + 1)
    if text[position : position + 1] != "'":
        raise UnloadError(_SHAPE)
    query: list[str] = []
    position += 1
    while True:
        if position >= len(text):
            raise UnloadError("UNLOAD's query literal is not closed")
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            query.append(text[position + 1])
            position += 2
        elif char == "'" and text[position + 1 : position + 2] == "'":
            query.append("'")
            position += 2
        elif char == "'":
            break
        else:
            query.append(char)
            position += 1
    position = _skip_blanks(text, position + 1)
    if text[position : position + 1] != ")":
        raise UnloadError(_SHAPE)
    return "".join(query), text[position + 1 :]


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _literal(token: Token) -> str:
    text = token.text
    if text[:1] in ("E", "e"):
        text = text[1:].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return text[1:-1].replace("''", "'").replace("\\'", "'")


def _option_literal(token: Token) -> str:
    """An option's value, its backslashes read as COPY reads them (DELIMITER '\\t' is a tab)."""
    if token.text[:1] == "'" and "\\" in token.text:
        return literal_value("E" + token.text)
    return _literal(token)


def _read_options(command: UnloadCommand, found: list[Token], index: int) -> None:
    def value_at(position: int) -> tuple[str, int]:
        if position < len(found) and found[position].word == "AS":
            position += 1
        if position >= len(found):
            raise UnloadError(f"UNLOAD option {found[position - 1].text.upper()} needs a value")
        token = found[position]
        return (_option_literal(token) if token.name == "SCONST" else token.text), position + 1

    while index < len(found):
        word = found[index].word
        index += 1
        command.given.append(word)
        if word in _AUTHORIZATION or word in _ENCRYPTION_VALUES:
            value, index = value_at(index)
            if word == "KMS_KEY_ID":
                command.kms_key_id = value
        elif word == "REGION":
            command.region, index = value_at(index)
        elif word == "ENCRYPTED":
            command.encrypted = True
            if index < len(found) and found[index].word == "AUTO":
                command.encrypted_auto, index = True, index + 1
        elif word == "FORMAT":
            value, index = value_at(index)
            if value.upper() not in _FORMATS:
                raise UnloadError(f"UNLOAD FORMAT {value} is not one of CSV, JSON, PARQUET")
            command.format = _FORMATS[value.upper()]
        elif word in _FORMATS:
            command.format = _FORMATS[word]
        elif word == "FIXEDWIDTH":
            if command.format != "text":
                raise UnloadError(f"UNLOAD: you can't use {command.format.upper()} with FIXEDWIDTH")
            spec, index = value_at(index)
            command.format, command.fixed_widths = "fixedwidth", _fixed_widths(spec)
        elif word in _COMPRESSIONS:
            command.compression = word
        elif word == "DELIMITER":
            command.delimiter, index = value_at(index)
        elif word == "NULL":
            command.null_as, index = value_at(index)
        elif word == "EXTENSION":
            command.extension, index = value_at(index)
        elif word == "MAXFILESIZE":
            value, index = value_at(index)
            unit = found[index].word if index < len(found) and found[index].word in _SIZE_UNITS else "MB"
            index += 1 if index < len(found) and found[index].word in _SIZE_UNITS else 0
            command.max_file_size = _file_size(value, unit)
        elif word == "ROWGROUPSIZE":  # the same form as MAXFILESIZE: a number, then MB (the default) or GB
            value, index = value_at(index)
            unit = found[index].word if index < len(found) and found[index].word in _SIZE_UNITS else "MB"
            index += 1 if index < len(found) and found[index].word in _SIZE_UNITS else 0
            command.row_group_size = _row_group_size(value, unit)
        elif word == "PARTITION":
            index = _read_partition_by(command, found, index)
        elif word == "PARALLEL":
            value, index = value_at(index)
            command.parallel = value.upper() in ("ON", "TRUE")
        elif word == "MANIFEST":
            command.manifest = True
            if index < len(found) and found[index].word == "VERBOSE":
                command.manifest_verbose, index = True, index + 1
        elif word in ("HEADER", "ADDQUOTES", "ALLOWOVERWRITE", "CLEANPATH", "ESCAPE"):
            setattr(command, _SWITCHES[word], True)
        else:
            raise UnloadError(f"UNLOAD option {found[index - 1].text} is not supported by the local engine")


def _fixed_widths(spec: str) -> tuple[tuple[str, int], ...]:
    """FIXEDWIDTH's ``'label:width,label:width,…'`` (widths are whole numbers of characters)."""
    widths = []
    for item in spec.split(","):
        label, _, width = item.strip().rpartition(":")
        if not label or not width.strip().isdigit() or int(width) < 1:
            raise UnloadError(f"UNLOAD FIXEDWIDTH {spec!r} is not 'column:width,column:width,…'")
        widths.append((label.strip(), int(width)))
    return tuple(widths)


def _read_partition_by(command: UnloadCommand, found: list[Token], index: int) -> int:
    """``PARTITION BY ( column [, …] ) [INCLUDE]`` from ``found[index]`` on; the index after it."""
    if index + 1 >= len(found) or found[index].word != "BY" or found[index + 1].text != "(":
        raise UnloadError("UNLOAD option PARTITION BY needs a list of columns: PARTITION BY (column, …)")
    names, index = [], index + 2
    while index < len(found) and found[index].text != ")":
        token = found[index]
        if token.text != ",":
            names.append(_column_name(token))
        index += 1
    if index >= len(found) or not names:
        raise UnloadError("UNLOAD option PARTITION BY needs a list of columns: PARTITION BY (column, …)")
    command.partition_by = tuple(names)
    index += 1
    if index < len(found) and found[index].word == "INCLUDE":
        command.partition_include, index = True, index + 1
    return index


def _column_name(token: Token) -> str:
    """A column as Redshift folds it: bare or quoted, in lower case."""
    if token.word:
        return token.text.lower()
    if token.text.startswith('"'):
        return token.text[1:-1].replace('""', '"').lower()
    raise UnloadError(f"UNLOAD: PARTITION BY takes column names, found {token.text}")


_SWITCHES = {
    "HEADER": "header",
    "ADDQUOTES": "add_quotes",
    "ALLOWOVERWRITE": "allow_overwrite",
    "CLEANPATH": "clean_path",
    "ESCAPE": "escape",
}


def _file_size(value: str, unit: str) -> int:
    try:
        size = int(float(value) * _SIZE_UNITS[unit])
    except ValueError:
        raise UnloadError(f"UNLOAD MAXFILESIZE {value} is not a number") from None
    if not 5 * _SIZE_UNITS["MB"] <= size <= MAX_FILE_SIZE:
        raise UnloadError("UNLOAD MAXFILESIZE must be from 5 MB to 6.2 GB")
    return size


def _row_group_size(value: str, unit: str) -> int:
    try:
        size = int(float(value) * _SIZE_UNITS[unit])
    except ValueError:
        raise UnloadError(f"UNLOAD ROWGROUPSIZE {value} is not a number") from None
    if not 32 * _SIZE_UNITS["MB"] <= size <= 128 * _SIZE_UNITS["MB"]:
        raise UnloadError("UNLOAD ROWGROUPSIZE must be from 32 MB to 128 MB")
    return size


class Unloaded(list[str]):
    """The names of the files an UNLOAD wrote (manifest last), with the rows and bytes of its parts."""

    rows: int = 0
    bytes: int = 0


def unload_details(sql: str, written: Unloaded | None) -> UnloadDetails:
    """What the query history keeps of the UNLOAD ``sql`` (sys_unload_history): its place, format, rows
    and parts (None: it failed)."""
    command = parse_unload(sql)
    parts = [name for name in written or () if not name.endswith("manifest")]
    return UnloadDetails(
        unloaded_location=command.destination,
        unload_format=_FORMAT_NAMES.get(command.format, command.format.capitalize()),
        unloaded_rows=written.rows if written is not None else 0,
        unloaded_files_count=len(parts),
        unloaded_files_size=written.bytes if written is not None else 0,
    )


_FORMAT_NAMES = {"text": "Text", "csv": "CSV", "json": "JSON", "parquet": "Parquet", "fixedwidth": "Text"}


def run_unload(connection: Any, sql: str) -> Unloaded:
    """Run the UNLOAD ``sql`` on ``connection``; return the names of the files written (manifest last)."""
    command = parse_unload(sql)
    query = translate(command.query)
    columns = _columns(connection, query)
    if command.partition_by:
        parts = _write_partitions(connection, command, query, columns)
    else:
        parts = _write_slice(connection, command, query, columns)
    written = Unloaded(name for name, _ in parts)
    rows = sum(count for _, (_, count) in parts)
    written.rows, written.bytes = rows, sum(size for _, (size, _) in parts)
    connection.cursor().execute("SELECT set_config('redshift.last_unload_count', %s, false)", (str(rows),))
    if command.manifest:
        manifest_name = command.destination + "manifest"
        # COPY reads a manifest of Parquet files only with each entry's content_length: always written.
        verbose, sizes = command.manifest_verbose, command.format == "parquet"
        manifest = _manifest(parts, columns, verbose=verbose, sizes=sizes)
        _Destination(command).write(manifest_name, json.dumps(manifest).encode())
        written.append(manifest_name)
    return written


def _write_partitions(
    connection: Any, command: UnloadCommand, query: str, columns: list[tuple[str, int]]
) -> list[tuple[str, tuple[int, int]]]:
    """PARTITION BY: each partition unloaded as a slice into its own folder under the TO prefix, which
    becomes that folder (the manifest goes into it)."""
    from sparkify.engine.unload.partition import partitioned_parts

    def write_slice(
        folder: str, sliced: str, kept: list[tuple[str, int]]
    ) -> list[tuple[str, tuple[int, int]]]:
        return _write_slice(
            connection, dataclasses.replace(command, destination=folder, partition_by=()), sliced, kept
        )

    partition = (command.partition_by, command.partition_include, command.destination)
    parts = partitioned_parts(connection, query, columns, partition, write_slice)
    if not command.destination.endswith("/"):
        command.destination += "/"
    return parts


def _write_slice(
    connection: Any, command: UnloadCommand, query: str, columns: list[tuple[str, int]]
) -> list[tuple[str, tuple[int, int]]]:
    """The parts of ``query``'s result under ``command.destination``, which must be free unless
    ALLOWOVERWRITE or CLEANPATH says otherwise."""
    destination = _Destination(command)
    if command.clean_path:
        destination.remove_all()
    elif not command.allow_overwrite and destination.has_files():
        raise UnloadError(NOT_EMPTY)
    if command.format == "parquet":
        from sparkify.engine.unload.parquet import write_parquet  # pyarrow only when a Parquet UNLOAD runs

        limits = (command.max_file_size, command.row_group_size)
        return write_parquet(connection, query, lambda n: _part_name(command, n), destination, limits)
    return _write_text_parts(connection, command, query, columns, destination)


def _write_text_parts(
    connection: Any, command: UnloadCommand, query: str, columns: list[tuple[str, int]], destination: Any
) -> list[tuple[str, tuple[int, int]]]:
    """Text, CSV or JSON: the whole output made by PostgreSQL, split into parts, compressed, written."""
    data = _query_output(connection, command, query, columns)
    written = []
    for number, part in enumerate(_split(data, command.max_file_size, header=command.header)):
        name = _part_name(command, number)
        destination.write(name, _compress(part, command.compression))
        written.append((name, (len(part), part.count(b"\n") - (1 if command.header else 0))))
    return written


def _part_name(command: UnloadCommand, number: int) -> str:
    """Redshift's name for part ``number``: one slice here, so ``0000_part_NN`` (PARALLEL ON) or ``NNN``."""
    name = command.destination + (f"0000_part_{number:02d}" if command.parallel else f"{number:03d}")
    if command.extension:
        return f"{name}.{command.extension.lstrip('.')}"
    if command.format == "parquet":
        return name + ".parquet"
    return name + _COMPRESSIONS.get(command.compression, "")


def _split(data: bytes, limit: int, *, header: bool) -> list[bytes]:
    """``data`` in parts of at most ``limit`` bytes, cut between lines; each part repeats the header."""
    if len(data) <= limit:
        return [data]
    lines = data.splitlines(keepends=True)
    head = lines.pop(0) if header and lines else b""
    parts: list[bytes] = []
    current: list[bytes] = [head] if head else []
    size = len(head)
    for line in lines:
        if size + len(line) > limit and len(current) > (1 if head else 0):
            parts.append(b"".join(current))
            current, size = ([head] if head else []), len(head)
        current.append(line)
        size += len(line)
    parts.append(b"".join(current))
    return parts


def _columns(connection: Any, query: str) -> list[tuple[str, int]]:
    cursor = connection.cursor()
    cursor.execute(f"SELECT * FROM ({query}) AS unload_query LIMIT 0")
    return [(column[0], column[1]) for column in cursor.description]


def _fixed_width_sql(command: UnloadCommand, query: str, columns: list[tuple[str, int]]) -> str:
    """Each row one line of its columns, each padded with blanks to its width (never cut: a longer value
    is written whole, as Redshift's FIXEDWIDTH does not truncate); NULL as NULL AS's text."""
    if len(columns) != len(command.fixed_widths):
        raise UnloadError(
            f"UNLOAD FIXEDWIDTH gives {len(command.fixed_widths)} column widths; "
            f"the query has {len(columns)} columns"
        )
    null = quote_literal(command.null_as)
    padded = " || ".join(
        f"rpad(coalesce(unload_query.{quote_ident(name)}::text, {null}), "
        f"greatest({width}, length(coalesce(unload_query.{quote_ident(name)}::text, {null}))))"
        for (name, _), (_, width) in zip(columns, command.fixed_widths, strict=True)
    )
    rows = f"SELECT {padded} FROM ({query}) AS unload_query"
    return f"COPY ({rows}) TO STDOUT {_LINES_AS_MADE}"


def _query_output(
    connection: Any, command: UnloadCommand, query: str, columns: list[tuple[str, int]]
) -> bytes:
    buffer = io.BytesIO()
    cursor = connection.cursor()
    cursor.copy_expert(_copy_sql(command, query, columns), buffer)
    if command.format == "text":
        return redshift_text(
            buffer.getvalue(),
            delimiter=command.delimiter or "|",
            escape=command.escape,
            add_quotes=command.add_quotes,
            null_as=command.null_as,
            header=[name for name, _ in columns] if command.header else (),
        )
    return buffer.getvalue()


def _copy_sql(command: UnloadCommand, query: str, columns: list[tuple[str, int]]) -> str:
    if command.format == "fixedwidth":
        return _fixed_width_sql(command, query, columns)
    if command.format == "json":
        # One JSON object a line; dates and times as Redshift prints them, not in ISO's T form.
        selected = ", ".join(
            f"unload_query.{quote_ident(name)}::text AS {quote_ident(name)}"
            if type_code in _TEMPORAL_TYPES
            else f"unload_query.{quote_ident(name)}"
            for name, type_code in columns
        )
        inner = f"SELECT {selected} FROM ({query}) AS unload_query"
        rows = f"SELECT row_to_json(unload_row) FROM ({inner}) AS unload_row"
        # CSV with quote and delimiter characters JSON text never holds raw: each line exactly as made.
        return f"COPY ({rows}) TO STDOUT {_LINES_AS_MADE}"
    if command.format == "text":
        # PostgreSQL's escapes and its NULL, rewritten as Redshift's text (sparkify.unload_text).
        delimiter = _char_literal(command.delimiter or "|")
        return f"COPY ({query}) TO STDOUT WITH (FORMAT text, DELIMITER {delimiter}, NULL E'\\\\N')"
    options = [
        "FORMAT csv",
        f"DELIMITER {_char_literal(command.delimiter or ',')}",
        f"NULL {quote_literal(command.null_as)}",
    ]
    if command.header:
        options.append("HEADER")
    return f"COPY ({query}) TO STDOUT WITH ({', '.join(options)})"


def _char_literal(char: str) -> str:
    """One character as a PostgreSQL literal that any character (a tab, a backslash) is safe in."""
    return f"E'\\x{ord(char):02x}'" if len(char) == 1 and ord(char) < 0x80 else quote_literal(char)


def _compress(data: bytes, compression: str) -> bytes:
    if compression == "GZIP":
        return gzip.compress(data)
    if compression == "BZIP2":
        return bz2.compress(data)
    if compression == "ZSTD":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


def _manifest(
    parts: list[tuple[str, tuple[int, int]]],
    columns: list[tuple[str, int]],
    *,
    verbose: bool,
    sizes: bool = False,
) -> dict[str, Any]:
    if not verbose and sizes:
        return {"entries": [{"url": name, "meta": {"content_length": size}} for name, (size, _) in parts]}
    if not verbose:
        return {"entries": [{"url": name} for name, _ in parts]}
    entries = [
        {"url": name, "meta": {"content_length": size, "record_count": rows}} for name, (size, rows) in parts
    ]
    return {
        "entries": entries,
        "schema": {"elements": [{"name": name} for name, _ in columns]},
        "meta": {
            "content_length": sum(size for _, (size, _) in parts),
            "record_count": sum(rows for _, (_, rows) in parts),
        },
        "author": {"name": "Amazon Redshift", "version": "1.0.0"},
    }


class _Destination:
    """Where the parts go: a prefix on S3 or in a local folder."""

    def __init__(self, command: UnloadCommand) -> None:
        self.prefix = command.destination
        self.region = command.region
        self._command = command
        self._encryption: dict[str, str] | None = None

    def encryption(self) -> dict[str, str]:
        """The server-side encryption of each object written, as Redshift asks S3 for it: SSE-KMS with
        KMS_KEY_ID, the bucket's default with ENCRYPTED AUTO (SSE-S3 when it has none), else SSE-S3."""
        if self._encryption is None:
            command = self._command
            if command.kms_key_id:
                self._encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": command.kms_key_id}
            elif command.encrypted_auto and self._bucket_has_default_encryption():
                self._encryption = {}
            else:
                self._encryption = {"ServerSideEncryption": "AES256"}
        return self._encryption

    def _bucket_has_default_encryption(self) -> bool:
        bucket, _ = split_s3(self.prefix)
        try:
            s3_client(self.region).get_bucket_encryption(Bucket=bucket)
        except Exception:  # botocore's ServerSideEncryptionConfigurationNotFoundError and its kin: none
            return False
        return True

    def _existing(self) -> list[str]:
        if is_s3(self.prefix):
            bucket, key = split_s3(self.prefix)
            listing = s3_client(self.region).list_objects_v2(Bucket=bucket, Prefix=key)
            return [f"s3://{bucket}/{item['Key']}" for item in listing.get("Contents", [])]
        path = Path(local_path(self.prefix))
        folder = path if self.prefix.endswith("/") else path.parent
        if not folder.is_dir():
            return []
        stem = "" if self.prefix.endswith("/") else path.name
        return [str(entry) for entry in folder.iterdir() if entry.is_file() and entry.name.startswith(stem)]

    def has_files(self) -> bool:
        return bool(self._existing())

    def remove_all(self) -> None:
        for name in self._existing():
            if is_s3(name):
                bucket, key = split_s3(name)
                s3_client(self.region).delete_object(Bucket=bucket, Key=key)
            else:
                Path(name).unlink()

    def upload(self, name: str, file: Any) -> None:
        """A complete part from an open file (a spooled Parquet part) to S3."""
        bucket, key = split_s3(name)
        try:
            s3_client(self.region).upload_fileobj(file, bucket, key, ExtraArgs=self.encryption())
        except Exception as exc:  # botocore's errors: one line, no traceback
            raise UnloadError(f"UNLOAD cannot write {name}: {exc}") from None

    def write(self, name: str, data: bytes) -> None:
        if is_s3(name):
            bucket, key = split_s3(name)
            try:
                s3_client(self.region).put_object(Bucket=bucket, Key=key, Body=data, **self.encryption())
            except Exception as exc:  # botocore's errors: one line, no traceback
                raise UnloadError(f"UNLOAD cannot write {name}: {exc}") from None
            return
        path = Path(local_path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
