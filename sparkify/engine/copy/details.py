"""What the query history keeps of a COPY (sys_load_history): its table, source, format, rows, files and
rejected records."""

from __future__ import annotations

from sparkify.engine.copy.produce import CopyResult
from sparkify.engine.copy.statement import parse_copy
from sparkify.engine.sql.redshift.history import LoadDetails

#: sys_load_history's names of the source formats.
_FORMAT_NAMES = {"text": "Text", "csv": "CSV", "fixedwidth": "Text", "json": "JSON", "parquet": "Parquet"}


def load_details(sql: str, result: CopyResult | None, *, rejected: int = 0) -> LoadDetails:
    """The COPY ``sql``'s record: from ``result`` when it loaded, from its ``rejected`` count when not."""
    command = parse_copy(sql)
    files = result.files if result is not None else []
    return LoadDetails(
        table_name=command.table,
        data_source=command.source,
        file_format=_FORMAT_NAMES.get(command.data_format, command.data_format.capitalize()),
        loaded_rows=sum(stats.loaded for stats in files),
        loaded_bytes=0,
        source_file_count=len(files),
        error_count=sum(stats.rejected for stats in files) if result is not None else rejected,
    )
