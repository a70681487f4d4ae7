"""COPY … FORMAT AS PARQUET (or ORC): each file's row groups (stripes) as COPY CSV rows, the columns
matched by position.

Redshift's rules for columnar data: the file's columns go into the table's columns in order and their
numbers must match (FILLRECORD lets a file have fewer, the rest NULL); a column whose Parquet type does not
fit the table's column fails the COPY, and so does any bad value: MAXERROR does not apply.  pyarrow is an
optional dependency, imported when a Parquet statement runs (:func:`import_pyarrow`).
"""

from __future__ import annotations

import decimal
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sparkify.engine.copy import s3io
from sparkify.engine.copy.convert import ERR_NOT_NULL, ERR_OVERFLOW, ERR_TOO_LONG, INT_RANGES, Column
from sparkify.engine.copy.produce import CopyResult, FileStats
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.copy.statement import CopyCommand
from sparkify.engine.errors import LoadError, MissingOptionalDependency

BATCH_ROWS = 65536
_FORMAT_NAMES = {"parquet": "Parquet", "orc": "ORC"}
INSTALL_HINT = "pip install 'sparkify-dwh[parquet]' (or pip install pyarrow)"


def import_pyarrow(statement: str, form: str = "PARQUET") -> Any:
    """pyarrow with its parquet and csv modules, or the one-line error that says how to install it."""
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.csv
        import pyarrow.orc
        import pyarrow.parquet
    except ImportError:
        raise MissingOptionalDependency(
            f"{statement} FORMAT {form} needs pyarrow, which is not installed: {INSTALL_HINT}"
        ) from None
    return pyarrow


def parquet_rows(
    command: CopyCommand, columns: list[Column], files: list[SourceFile], result: CopyResult, progress: Any
) -> Iterator[bytes]:
    """COPY CSV rows (``FORMAT csv``) for every file in order; books each file's stats into ``result``."""
    pa = import_pyarrow("COPY", command.data_format.upper())
    progress = progress or _NoProgress()
    for source in files:
        stats = FileStats(source.name)
        if source.size == 0:
            # An empty object (a tool's folder marker or _SUCCESS file) holds no rows: Redshift loads the
            # prefix's other files and books this one with none.
            result.files.append(stats)
            progress.file_done(0, 0, 0)
            continue
        with _opened(source, command) as handle:
            reader = _parquet_file(pa, handle, source, command)
            checks = _column_checks(pa, reader.schema_arrow, columns, source, command)
            for batch in reader.iter_batches(batch_size=BATCH_ROWS):
                for check in checks:
                    check(batch, stats.read)
                yield _csv_rows(pa, batch, columns)
                stats.read += batch.num_rows
        stats.loaded = stats.read
        result.files.append(stats)
        progress.file_done(stats.loaded, source.size, 0)


class _NoProgress:
    def file_done(self, rows: int, size: int, retries: int = 0) -> None:
        return None


@contextmanager
def _opened(source: SourceFile, command: CopyCommand) -> Iterator[Any]:
    """A seekable file of the source: the local file, or the S3 object spooled to a temporary file (a
    Parquet file is read from its footer, and memory stays bounded whatever the object's size)."""
    if source.bucket is None:
        try:
            handle = open(source.location, "rb")  # noqa: SIM115  (closed below)
        except OSError as exc:
            reason = f"cannot read the file: {exc.strerror or exc}"
            raise LoadError(command.table, reason, filename=source.name) from None
        with handle:
            yield handle
        return
    with tempfile.TemporaryFile() as spool:
        try:
            s3io.client(command.region).download_fileobj(source.bucket, source.location, spool)
        except Exception as exc:  # botocore's errors: one line, no traceback
            raise LoadError(command.table, f"cannot read the object: {exc}", filename=source.name) from None
        spool.seek(0)
        yield spool


def _parquet_file(pa: Any, handle: Any, source: SourceFile, command: CopyCommand) -> Any:
    orc = command.data_format == "orc"
    try:
        if orc:
            return _OrcFile(pa.orc.ORCFile(handle))
        # INT96 (Spark's and the SDK for pandas' timestamps) read in microseconds, as Redshift keeps them:
        # nanoseconds would wrap years before 1677 and after 2262.
        return pa.parquet.ParquetFile(handle, coerce_int96_timestamp_unit="us")
    except (pa.ArrowException, OSError) as exc:
        kind = "an ORC" if orc else "a Parquet"
        raise LoadError(command.table, f"the file is not {kind} file ({exc})", filename=source.name) from None


class _OrcFile:
    """An ORC file read as a ParquetFile is: its schema, and its stripes as record batches."""

    def __init__(self, orc_file: Any) -> None:
        self.orc_file = orc_file
        self.schema_arrow = orc_file.schema

    def iter_batches(self, batch_size: int) -> Iterator[Any]:
        for stripe in range(self.orc_file.nstripes):
            batch = self.orc_file.read_stripe(stripe)
            for start in range(0, batch.num_rows, batch_size):
                yield batch.slice(start, batch_size)


def _category(kind: str) -> str:
    if kind in INT_RANGES:
        return "integer"
    return {
        "numeric": "decimal",
        "real": "floating",
        "double precision": "floating",
        "boolean": "boolean",
        "character varying": "string",
        "character": "string",
        "text": "string",
        "date": "date",
        "timestamp without time zone": "timestamp",
        "timestamp with time zone": "timestamp",
    }.get(kind, "other")


def _fits(pa: Any, category: str, arrow_type: Any) -> bool:
    types = pa.types
    if types.is_nested(arrow_type) or (types.is_dictionary(arrow_type) and category != "string"):
        return False
    return {
        "integer": types.is_integer,
        "decimal": lambda t: types.is_decimal(t) or types.is_integer(t),
        "floating": types.is_floating,
        "boolean": types.is_boolean,
        "string": lambda t: types.is_string(t) or types.is_large_string(t) or types.is_dictionary(t),
        "date": types.is_date,
        "timestamp": types.is_timestamp,
    }.get(category, lambda t: True)(arrow_type)


def _column_checks(
    pa: Any, schema: Any, columns: list[Column], source: SourceFile, command: CopyCommand
) -> list[Any]:
    """Checks the file's schema against the table's columns now, and returns the per-batch value checks."""
    found, wanted = len(schema), len(columns)
    if found > wanted or (found < wanted and not command.fill_record):
        raise LoadError(
            command.table,
            f"the file has {found} column(s) and the table {wanted}: with columnar data COPY matches "
            "columns by position and the numbers must match",
            filename=source.name,
        )
    checks = []
    for index, (field, column) in enumerate(zip(schema, columns)):
        kind = column.type_name.split("(")[0]
        into_super = kind == "json" and command.serialize_to_json  # SUPER takes any type as JSON
        if not into_super and not _fits(pa, _category(kind), field.type):
            raise LoadError(
                command.table,
                f"incompatible {_FORMAT_NAMES[command.data_format]} schema for column '{column.name}'. "
                f"Column type: {column.type_name}, {_FORMAT_NAMES[command.data_format]} type: {field.type} "
                f"(column {index + 1}, {field.name!r})",
                filename=source.name,
            )
        checks.extend(_value_checks(pa, index, column, kind, source, command))
    checks.extend(_missing_not_null(columns[found:], source, command))
    return checks


def _value_checks(
    pa: Any, index: int, column: Column, kind: str, source: SourceFile, command: CopyCommand
) -> list[Any]:
    compute = pa.compute

    def fail(batch: Any, first_row: int, mask: Any, code: int, reason: str) -> None:
        row = compute.index(mask, True).as_py()
        value = batch.column(index)[row].as_py()
        raise LoadError(
            command.table,
            f"{reason} (error {code})",
            filename=source.name,
            line=first_row + row + 1,
            column=column.name,
            value=None if value is None else str(value),
        )

    def not_null(batch: Any, first_row: int) -> None:
        if batch.column(index).null_count:
            fail(
                batch,
                first_row,
                compute.is_null(batch.column(index)),
                ERR_NOT_NULL,
                "Missing data for not-null field",
            )

    def byte_length(batch: Any, first_row: int) -> None:
        lengths = compute.binary_length(batch.column(index).cast(pa.string()))
        if (compute.max(lengths).as_py() or 0) > column.max_bytes:
            fail(
                batch,
                first_row,
                compute.greater(lengths, column.max_bytes),
                ERR_TOO_LONG,
                "String length exceeds DDL length",
            )

    def integer_range(batch: Any, first_row: int) -> None:
        limit = INT_RANGES[kind]
        values = batch.column(index)
        extremes = compute.min_max(values).as_py()
        if extremes["min"] is not None and not -limit <= extremes["min"] <= extremes["max"] < limit:
            outside = compute.or_(compute.less(values, -limit), compute.greater_equal(values, limit))
            fail(
                batch,
                first_row,
                compute.fill_null(outside, False),
                ERR_OVERFLOW,
                f"Numeric value out of range for {kind}",
            )

    checks = [not_null] if column.not_null else []
    if column.max_bytes is not None:
        checks.append(byte_length)
    if kind in INT_RANGES:
        checks.append(integer_range)
    return checks


def _missing_not_null(missing: list[Column], source: SourceFile, command: CopyCommand) -> list[Any]:
    """FILLRECORD fills the columns a file lacks with NULL: a NOT NULL one among them fails the COPY."""
    for column in missing:
        if column.not_null:
            raise LoadError(
                command.table,
                f"Missing data for not-null field (error {ERR_NOT_NULL}): the file has no column for it",
                filename=source.name,
                column=column.name,
            )
    return []


def _csv_rows(pa: Any, batch: Any, columns: list[Column]) -> bytes:
    """The batch as CSV for PostgreSQL's ``COPY … (FORMAT csv)``: strings quoted, NULL an empty field;
    the columns FILLRECORD adds are NULL; a SUPER column's values as JSON text."""
    width = len(columns)
    arrays = [
        _json_texts(pa, array)
        if column.type_name == "json"
        else array.cast(array.type.value_type)
        if pa.types.is_dictionary(array.type)
        else array
        for array, column in zip(batch.columns, columns)
    ]
    arrays += [pa.nulls(batch.num_rows, pa.string())] * (width - len(arrays))
    table = pa.Table.from_arrays(arrays, names=[f"c{index}" for index in range(width)])
    sink = io.BytesIO()
    pa.csv.write_csv(table, sink, pa.csv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


def _json_texts(pa: Any, array: Any) -> Any:
    """Each value as SUPER holds it, compact JSON (a NULL stays NULL): structs as objects, lists as arrays,
    maps as objects, scalars as JSON scalars."""
    is_map = pa.types.is_map(array.type)
    texts = [
        None
        if value is None
        else json.dumps(
            dict(value) if is_map else value, default=_json_scalar, ensure_ascii=False, separators=(",", ":")
        )
        for value in array.to_pylist()
    ]
    return pa.array(texts, pa.string())


def _json_scalar(value: Any) -> Any:
    """What JSON has no type for: a Decimal as its number, dates and times as their text, bytes as hex."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
