"""UNLOAD's ``PARTITION BY (column, …) [INCLUDE]``: the query's rows written in Apache Hive's folders,
``<prefix>/column=value/…/`` and the usual part names inside each, one folder per distinct value.

Each partition's rows are picked by the rank of their partition values (``dense_rank() OVER (ORDER BY
…)``), so no value is ever written into SQL.  The partition columns leave the files unless INCLUDE keeps
them.  A NULL value names its folder ``__HIVE_DEFAULT_PARTITION__``; a value's characters that a path
cannot hold are escaped as Hive escapes them (``%2F`` for ``/``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparkify.engine.errors import UnloadError
from sparkify.engine.sql.text import quote_ident

NULL_FOLDER = "__HIVE_DEFAULT_PARTITION__"
_HIVE_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^")

Writer = Callable[[str, str], list[tuple[str, tuple[int, int]]]]


def partitioned(
    connection: Any, query: str, columns: list[str], keys: list[str], include: bool, write: Writer
) -> list[tuple[str, tuple[int, int]]]:
    """Write each partition of ``query`` with ``write(folder, partition_query)``; all parts, in order.

    ``columns`` are the query's output columns, ``keys`` the PARTITION BY columns (folded)."""
    missing = [key for key in keys if key not in columns]
    if missing:
        raise UnloadError(f"UNLOAD PARTITION BY column {missing[0]} is not a column of the query")
    order = ", ".join(f"unload_query.{quote_ident(key)} NULLS LAST" for key in keys)
    rank = f"dense_rank() OVER (ORDER BY {order})"
    keys_text = ", ".join(f"unload_query.{quote_ident(key)}::text" for key in keys)
    distinct_keys = ", ".join(f"unload_query.{quote_ident(key)}" for key in keys)
    cursor = connection.cursor()
    cursor.execute(
        f"SELECT {keys_text}, {rank} FROM (SELECT DISTINCT {distinct_keys} FROM ({query}) AS unload_query) "
        f"AS unload_query ORDER BY {rank}"
    )
    partitions = cursor.fetchall()
    kept = [column for column in columns if include or column not in keys]
    selected = ", ".join(quote_ident(column) for column in kept)
    ranked = f"SELECT unload_query.*, {rank} AS unload_partition FROM ({query}) AS unload_query"
    parts = []
    for *values, number in partitions:
        folder = "".join(f"{key}={_folder_value(value)}/" for key, value in zip(keys, values, strict=True))
        partition_query = (
            f"SELECT {selected} FROM ({ranked}) AS unload_ranked WHERE unload_partition = {int(number)}"
        )
        parts += write(folder, partition_query)
    return parts


def _folder_value(value: str | None) -> str:
    if value is None:
        return NULL_FOLDER
    return "".join(f"%{ord(char):02X}" if char in _HIVE_ESCAPED or ord(char) < 32 else char for char in value)
