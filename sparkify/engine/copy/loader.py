"""Run one parsed COPY against PostgreSQL: list the sources, map and convert every record, and stream
the rows into ``COPY … FROM STDIN`` in one go.  All or nothing, as on Redshift: a COPY with more
rejected records than MAXERROR leaves nothing of itself in the target table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

from sparkify.engine.copy import s3io
from sparkify.engine.copy.convert import Column
from sparkify.engine.copy.manifest import manifest_sources
from sparkify.engine.copy.mapping import Extractor, auto_extractor, jsonpaths_extractor, noshred_extractor
from sparkify.engine.copy.produce import CopyResult, RowConverter, produce_rows
from sparkify.engine.copy.progress import FileProgress, copy_progress, progress_closed
from sparkify.engine.copy.sources import SourceFile, list_sources, read_text_document
from sparkify.engine.copy.statement import TEXT_FORMATS, CopyCommand, parse_copy
from sparkify.engine.copy.text_fast import copy_files_fast, fast_path_fits
from sparkify.engine.copy.text_rows import TextRowConverter
from sparkify.engine.errors import CopyStatementError, CopyTargetMissing, LoadError, Terminated
from sparkify.engine.sql.load_errors import RejectedRecord
from sparkify.engine.sql.text import quote_ident

_CHUNK_BYTES = 1 << 20

#: Called with the table and the rejected records; records them (stl_load_errors) and returns a query id.
RejectionRecorder = Callable[[str, list[RejectedRecord]], int]


def run_copy(connection: Any, sql: str, *, record_rejections: RejectionRecorder | None = None) -> CopyResult:
    """Execute the Redshift COPY ``sql`` on the PostgreSQL ``connection`` (inside its open transaction)."""
    command = parse_copy(sql)
    columns = target_columns(connection, command)
    retries_before = s3io.other_retries.count
    files = _sources(command)
    parquet = command.data_format in ("parquet", "orc")  # columnar: pyarrow reads both
    text = command.data_format in TEXT_FORMATS
    extractor = None if parquet or text else _extractor(command, [column.name for column in columns])
    result = CopyResult(command.table, request_retries=s3io.other_retries.count - retries_before)
    on_s3 = any(source.bucket for source in files)
    progress = copy_progress(command.table, len(files), sum(source.size for source in files), objects=on_s3)
    if text:
        rows = produce_rows(TextRowConverter(command, columns), files, result, progress)
    elif extractor is None:
        from sparkify.engine.copy.parquet import parquet_rows  # pyarrow only when a columnar COPY runs

        rows = parquet_rows(command, columns, files, result, progress)
    elif command.data_format == "avro":
        from sparkify.engine.copy.avro import AvroRowConverter, import_fastavro  # only for Avro

        import_fastavro()  # its absence is one line before anything is read
        rows = produce_rows(AvroRowConverter(command, columns, extractor), files, result, progress)
    else:
        rows = produce_rows(RowConverter(command, columns, extractor), files, result, progress)
    with progress_closed(progress), connection.cursor() as cursor:
        cursor.execute("SAVEPOINT sparkify_copy")
        try:
            if command.noload:
                for _ in rows:
                    pass
            elif not (text and _fast_copy(cursor, command, columns, files, result, progress)):
                _copy_from_stream(cursor, command.relation, columns, _ByteStream(rows), csv=parquet)
        except LoadError as exc:
            _undo_copy(cursor)
            exc.rejected = result.rejected
            if record_rejections and result.rejected:
                exc.query_id = record_rejections(command.relation, result.rejected)
            raise
        except BaseException:
            _undo_copy(cursor)
            raise
        cursor.execute("RELEASE SAVEPOINT sparkify_copy")
        if not command.noload:
            _analyze(cursor, command)
    if record_rejections and result.rejected:
        result.query_id = record_rejections(command.relation, result.rejected)
    return result


def _fast_copy(
    cursor: Any,
    command: CopyCommand,
    columns: list[Column],
    files: list[SourceFile],
    result: CopyResult,
    progress: FileProgress,
) -> bool:
    """Load text files with PostgreSQL's own COPY; False (rolled back) when the careful path must."""
    if not fast_path_fits(command, columns):
        return False
    try:
        copy_files_fast(cursor, command, columns, files, result, progress)
        result.fast_path = True
        return True
    except Exception:  # PostgreSQL refused a line, or a check a chunk: the careful path finds out which
        _undo_copy(cursor)
        result.files.clear()
        return False


# STATUPDATE OFF asks Redshift to leave the table's statistics alone; PostgreSQL still needs some, or it
# plans the next joins for an empty table, but a sample of 3,000 rows (statistics target 10) serves that
# for a tenth of the default 30,000's time: 0.05 instead of 0.6 s after a million events.
_SMALL_SAMPLE_TARGET = 10


def _analyze(cursor: Any, command: CopyCommand) -> None:
    """Fresh statistics for the rows the COPY loaded: Redshift plans from them, and so must PostgreSQL."""
    if not command.statistics_off:
        cursor.execute(f"ANALYZE {command.relation}")
        return
    cursor.execute("SELECT current_setting('default_statistics_target')")
    setting = cursor.fetchone()[0]
    # Both settings LOCAL: the transaction ends with the session's own setting, whether it commits, rolls
    # back (a failed ANALYZE) or had a SET LOCAL of its own before the COPY.
    cursor.execute(f"SET LOCAL default_statistics_target = {_SMALL_SAMPLE_TARGET}")
    cursor.execute(f"ANALYZE {command.relation}")
    cursor.execute("SELECT set_config('default_statistics_target', %s, true)", (setting,))


def _undo_copy(cursor: Any) -> None:
    """Roll the COPY back to its savepoint; on a lost connection there is nothing left to roll back,
    and the error that lost it is the one to report."""
    if not cursor.connection.closed:
        cursor.execute("ROLLBACK TO SAVEPOINT sparkify_copy")


def _copy_from_stream(
    cursor: Any, relation: str, columns: list[Column], stream: _ByteStream, *, csv: bool = False
) -> None:
    target = f"{relation} ({', '.join(quote_ident(column.name) for column in columns)})"
    options = " WITH (FORMAT csv)" if csv else ""
    try:
        cursor.copy_expert(f"COPY {target} FROM STDIN{options}", stream, _CHUNK_BYTES)
    except Exception as exc:
        # psycopg2 wraps an exception raised by read() in QueryCanceled; the original says more.
        if stream.error is not None:
            raise stream.error from None
        # Ctrl-C or SIGTERM can strike as read() is entered, before it could keep the exception.
        interrupt = _INTERRUPTS.get(_read_failure(str(exc)))
        if interrupt is not None:
            raise interrupt from None
        raise


_INTERRUPTS: dict[str, type[BaseException]] = {
    "KeyboardInterrupt": KeyboardInterrupt,
    "Terminated": Terminated,
}


def _read_failure(message: str) -> str:
    """The exception type named in psycopg2's "error in .read() call: NAME" message, else ''."""
    _, found, rest = message.partition("error in .read() call: ")
    return rest.split(maxsplit=1)[0] if found and rest.strip() else ""


def target_columns(connection: Any, command: CopyCommand) -> list[Column]:
    """The columns a COPY fills: the listed ones, or all but IDENTITY and generated columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT attname, pg_catalog.format_type(atttypid, atttypmod), attnotnull,
                      attidentity, attgenerated <> ''
               FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped
               ORDER BY attnum""",
            (command.relation,),
        )
        catalogue = cursor.fetchall()
    if not catalogue:
        raise CopyTargetMissing(command.table, "the table does not exist")
    columns = {
        column: Column(column, type_name, not_null, _varchar_bytes(type_name))
        for column, type_name, not_null, identity, generated in catalogue
        # EXPLICIT_IDS: the file gives the IDENTITY columns' values too.
        if command.columns is not None or not (generated or (identity and not command.explicit_ids))
    }
    if command.columns is None:
        return list(columns.values())
    unknown = [column for column in command.columns if column not in columns]
    if unknown:
        raise CopyStatementError(f"COPY {command.table}: no column named {', '.join(unknown)}")
    _check_identity_columns(command, [column for column, _, _, identity, _ in catalogue if identity == "a"])
    return [columns[column] for column in command.columns]


def _check_identity_columns(command: CopyCommand, identities: list[str]) -> None:
    """The guide (column mapping): an IDENTITY column in the column list needs EXPLICIT_IDS, and
    EXPLICIT_IDS needs every IDENTITY column in the list (a GENERATED BY DEFAULT one is free either way)."""
    listed = [column for column in identities if column in (command.columns or ())]
    if listed and not command.explicit_ids:
        raise CopyStatementError(
            f"COPY {command.table}: the IDENTITY column {listed[0]} is in the column list, "
            "so EXPLICIT_IDS must be specified"
        )
    missing = [column for column in identities if column not in listed]
    if command.explicit_ids and missing:
        raise CopyStatementError(
            f"COPY {command.table}: EXPLICIT_IDS needs the IDENTITY column {missing[0]} in the column list"
        )


def _varchar_bytes(type_name: str) -> int | None:
    match = re.match(r"^character(?: varying)?\((\d+)\)$", type_name)
    return int(match.group(1)) if match else None


def _sources(command: CopyCommand) -> list[SourceFile]:
    if command.manifest:
        return manifest_sources(command.source, table=command.table, region=command.region)
    return list_sources(command.source, table=command.table, region=command.region)


def _extractor(command: CopyCommand, names: list[str]) -> Extractor:
    if command.json_noshred:
        return noshred_extractor(names, table=command.table)
    if command.json_auto:
        return auto_extractor(names, ignore_case=command.ignore_case)
    document = read_text_document(command.json_option, table=command.table, region=command.region)
    return jsonpaths_extractor(document, names, table=command.table, source=command.json_option)


class _ByteStream(io.RawIOBase):
    """A readable file over an iterator of byte rows, for ``copy_expert``; it holds one chunk at most."""

    def __init__(self, rows: Iterator[bytes]) -> None:
        self.rows = rows
        self.pending = bytearray()
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # Whatever stops the read — a bad record, Ctrl-C, SIGTERM — is kept: psycopg2 reports it only as
        # "error in .read() call", and the caller raises the original instead.
        try:
            limit = size if size and size > 0 else _CHUNK_BYTES
            pending = self.pending
            for row in self.rows:
                pending += row
                if len(pending) >= limit:
                    break
            chunk = bytes(pending)
            pending.clear()
            return chunk
        except BaseException as exc:
            self.error = exc
            raise
