"""COPY … FORMAT AS AVRO: each file's records mapped and converted as JSON's are.

Redshift maps an Avro record's outer fields to the columns by name ('auto' case-sensitively, 'auto
ignorecase' not) or by a JSONPaths file; a complex value (record, array, map, bytes) loads as its JSON
text, an enum as its symbol.  fastavro is an optional dependency, imported when an Avro statement runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator
from typing import Any

from sparkify.engine.copy.produce import RowConverter, file_messages
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.copy.text_lines import open_binary, source_bodies_streamed
from sparkify.engine.errors import LoadError, MissingOptionalDependency

INSTALL_HINT = "pip install 'sparkify-dwh[avro]' (or pip install fastavro)"


def import_fastavro() -> Any:
    try:
        import fastavro
    except ImportError:
        raise MissingOptionalDependency(
            f"COPY FORMAT AVRO needs fastavro, which is not installed: {INSTALL_HINT}"
        ) from None
    return fastavro


class AvroRowConverter(RowConverter):
    """JSON's converter over Avro records: the record number stands for the line."""

    def messages(self, batch: list[SourceFile]) -> Iterator[tuple[Any, ...]]:
        fastavro = import_fastavro()
        command = self.command
        for source, fetched in source_bodies_streamed(batch, table=command.table, region=command.region):
            retries = fetched.retries if fetched else 0
            if source.size == 0:  # an empty object (a folder marker, a _SUCCESS file) holds no records
                yield from file_messages(source.name, retries, iter(()))
                continue
            stream = open_binary(
                source,
                fetched.data if fetched else None,
                command.compression,
                table=command.table,
                region=command.region,
            )
            with stream:
                outcomes = self._outcomes(_records(fastavro, stream, command.table, source.name))
                yield from file_messages(source.name, retries, outcomes)

    def _outcomes(self, records: Iterator[dict[str, Any]]) -> Iterator[tuple[int, str, Any]]:
        """(record number, the record as JSON text when rejected, the row or why not) per record."""
        for number, record in enumerate(records, 1):
            plain = {key: _plain(value) for key, value in record.items()}
            row = self._row(plain)
            raw = "" if row.__class__ is bytes else json.dumps(plain, ensure_ascii=False, default=str)
            yield number, raw, row


def _records(fastavro: Any, stream: Any, table: str, name: str) -> Iterator[dict[str, Any]]:
    try:
        for record in fastavro.reader(stream):
            if not isinstance(record, dict):
                raise LoadError(table, "the Avro schema's type must be record", filename=name)
            yield record
    except (ValueError, EOFError, OSError, StopIteration) as exc:
        raise LoadError(table, f"the file is not a readable Avro file ({exc})", filename=name) from None


def _plain(value: Any) -> Any:
    """An Avro value as the JSON converters take it: a complex one as its JSON text, times as text."""
    if isinstance(value, (dict, list)):
        return json.dumps(_jsonable(value), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (dt.date, dt.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return value
