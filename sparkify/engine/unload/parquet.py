"""UNLOAD … FORMAT AS PARQUET: the query's result as Parquet parts, streamed in row groups.

PostgreSQL formats the rows (``COPY … TO STDOUT`` as CSV, the one interface the endpoint's connection shim
shares with psycopg2); each row group's worth of CSV is parsed by pyarrow into the columns' Parquet types
and written as one SNAPPY-compressed row group, so memory holds one row group whatever the result's size.
A part ends once it reaches MAXFILESIZE (approximately, as on Redshift); parts on S3 are spooled to a
temporary file and uploaded when complete.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path
from typing import Any

from sparkify.engine.copy.parquet import import_pyarrow
from sparkify.engine.copy.sources import is_s3, local_path
from sparkify.engine.errors import UnloadError
from sparkify.engine.sql.text import quote_ident

ROW_GROUP_BYTES = 32 * 1024 * 1024  # Redshift's default ROWGROUPSIZE, measured here on the CSV text


def parquet_schema(pa: Any, types: list[tuple[str, str]]) -> tuple[Any, list[str]]:
    """The Parquet schema for the result columns ``(name, PostgreSQL type)``, and the select list that
    gives PostgreSQL's text in the form pyarrow parses for each."""
    fields, selected = [], []
    for name, type_name in types:
        arrow_type, expression = _mapped(pa, type_name, f"unload_query.{quote_ident(name)}")
        fields.append(pa.field(name, arrow_type))
        selected.append(expression)
    return pa.schema(fields), selected


def _mapped(pa: Any, type_name: str, column: str) -> tuple[Any, str]:
    kind = type_name.split("(")[0]
    simple = {
        "smallint": pa.int16(),
        "integer": pa.int32(),
        "bigint": pa.int64(),
        "real": pa.float32(),
        "double precision": pa.float64(),
        "boolean": pa.bool_(),
        "character varying": pa.string(),
        "character": pa.string(),
        "text": pa.string(),
        "date": pa.date32(),
    }
    if kind in simple:
        return simple[kind], column
    if kind == "numeric":
        precision = re.match(r"^numeric\((\d+),(\d+)\)$", type_name)
        if precision:
            return pa.decimal128(int(precision.group(1)), int(precision.group(2))), column
        # A computed NUMERIC has no declared precision; Redshift's widest, with a scale that keeps most.
        return pa.decimal128(38, 18), f"{column}::numeric(38,18)"
    if type_name.startswith("timestamp") and type_name.endswith("with time zone"):
        # Redshift unloads only the timestamp of a TIMESTAMPTZ, in UTC, without the zone.
        return pa.timestamp("us"), f"({column} AT TIME ZONE 'UTC')"
    if type_name.startswith("timestamp"):
        return pa.timestamp("us"), column
    return pa.string(), f"{column}::text"


def result_types(connection: Any, query: str) -> list[tuple[str, str]]:
    """Each result column's name and declared type (with its precision), from a temporary view's catalogue
    rows: the row description of the endpoint's shim carries no type modifiers."""
    cursor = connection.cursor()
    cursor.execute("DROP VIEW IF EXISTS sparkify_unload_shape")  # one a failed UNLOAD may have left
    cursor.execute(f"CREATE TEMPORARY VIEW sparkify_unload_shape AS SELECT * FROM ({query}) AS unload_query")
    cursor.execute(
        "SELECT attname, pg_catalog.format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'sparkify_unload_shape'::regclass AND attnum > 0 ORDER BY attnum"
    )
    types = [(name, type_name) for name, type_name in cursor.fetchall()]
    cursor.execute("DROP VIEW sparkify_unload_shape")
    return types


def write_parquet(
    connection: Any, query: str, part_names: Any, destination: Any, limits: tuple[int, int]
) -> list[tuple[str, tuple[int, int]]]:
    """Unload ``query`` as Parquet parts named by ``part_names(n)``; returns ``[(name, (size, rows))]``.
    ``limits`` is (MAXFILESIZE, ROWGROUPSIZE) in bytes."""
    pa = import_pyarrow("UNLOAD")
    types = result_types(connection, query)
    schema, selected = parquet_schema(pa, types)
    max_file_size, row_group_bytes = limits
    parts = _Parts(pa, schema, part_names, destination, max_file_size)
    rows = _CsvRowGroups(pa, schema, parts.write, min(row_group_bytes, max_file_size))
    copy = (
        f"COPY (SELECT {', '.join(selected)} FROM ({query}) AS unload_query) TO STDOUT WITH (FORMAT csv)"
        if selected
        else f"COPY ({query}) TO STDOUT WITH (FORMAT csv)"
    )
    try:
        connection.cursor().copy_expert(copy, rows)
        rows.flush()
        return parts.finish()
    except pa.ArrowException as exc:
        reason = " ".join(str(exc).split())  # pyarrow's message, on one line
        raise UnloadError(f"UNLOAD FORMAT PARQUET cannot convert the result: {reason}") from None
    finally:
        parts.abandon()


class _CsvRowGroups(io.RawIOBase):
    """A writable file for ``COPY … TO STDOUT``: collects CSV text and hands it on, parsed, one row
    group at a time, always cut at the end of a record."""

    def __init__(self, pa: Any, schema: Any, sink: Any, group_bytes: int) -> None:
        self.pa = pa
        self.schema = schema
        self.sink = sink
        self.group_bytes = group_bytes
        self.pending = bytearray()
        names = [f"c{index}" for index in range(len(schema))]
        self.read_options = pa.csv.ReadOptions(column_names=names, block_size=1 << 22)
        # A one-column row holding NULL is an empty line: a row, not a line to skip.
        self.parse_options = pa.csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
        self.convert_options = pa.csv.ConvertOptions(
            column_types=dict(zip(names, schema.types)),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,  # "" is an empty string, an empty field NULL: PostgreSQL's CSV
            true_values=["t"],
            false_values=["f"],
        )

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pending += data
        if len(self.pending) >= self.group_bytes:
            end = _record_end(self.pending)
            if end:
                self._emit(bytes(self.pending[:end]))
                del self.pending[:end]
        return len(data)

    def flush(self) -> None:
        if self.pending:
            self._emit(bytes(self.pending))
            self.pending.clear()

    def _emit(self, text: bytes) -> None:
        table = self.pa.csv.read_csv(
            io.BytesIO(text), self.read_options, self.parse_options, self.convert_options
        )
        self.sink(self.pa.Table.from_arrays(table.columns, schema=self.schema))


def _record_end(text: bytearray) -> int:
    """Where the last complete CSV record ends: after a newline with an even number of quotes before it
    (PostgreSQL quotes a field holding a newline and doubles the quotes inside)."""
    end = len(text)
    while (newline := text.rfind(b"\n", 0, end)) >= 0:
        if text.count(b'"', 0, newline) % 2 == 0:
            return newline + 1
        end = newline
    return 0


class _Parts:
    """The Parquet parts being written: the current one open, a new one begun once it reaches the limit."""

    def __init__(self, pa: Any, schema: Any, names: Any, destination: Any, max_file_size: int) -> None:
        self.pa = pa
        self.schema = schema
        self.names = names
        self.destination = destination
        self.max_file_size = max_file_size
        self.done: list[tuple[str, tuple[int, int]]] = []
        self.writer: Any = None
        self.file: Any = None
        self.rows = 0

    def write(self, table: Any) -> None:
        if self.writer is None:
            self._open()
        self.writer.write_table(table)
        self.rows += table.num_rows
        if self.file.tell() >= self.max_file_size:
            self._close()

    def finish(self) -> list[tuple[str, tuple[int, int]]]:
        if self.writer is None and not self.done:
            self._open()  # an empty result is one part with the schema and no rows, as COPY reads it back
        if self.writer is not None:
            self._close()
        return self.done

    def abandon(self) -> None:
        """After a failure: the part being written is incomplete (it has no footer), so it goes; the parts
        already complete stay, as on S3."""
        if self.file is not None:
            with contextlib.suppress(self.pa.ArrowException, OSError, ValueError):
                self.writer.close()  # now, not when collected: by then its file is closed
            self.file.close()
            if not is_s3(self.name):
                Path(local_path(self.name)).unlink(missing_ok=True)
            self.writer = self.file = None

    def _open(self) -> None:
        name = self.names(len(self.done))
        if is_s3(name):
            self.file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by _close or abandon)
        else:
            path = Path(local_path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "wb")  # noqa: SIM115  (closed by _close or abandon)
        self.name = name
        # "Apache Parquet version 1.0 format … each row group is compressed using SNAPPY compression."
        self.writer = self.pa.parquet.ParquetWriter(
            self.file, self.schema, version="1.0", compression="snappy"
        )
        self.rows = 0

    def _close(self) -> None:
        self.writer.close()
        size = self.file.tell()
        if is_s3(self.name):
            self.file.seek(0)
            self.destination.upload(self.name, self.file)
        self.file.close()
        self.writer = self.file = None
        self.done.append((self.name, (size, self.rows)))
