"""UNLOAD … PARTITION BY (columns) [INCLUDE]: one folder per distinct value, Apache Hive's way.

Each partition is unloaded as an UNLOAD of its own into ``<prefix>/<column>=<value>/…``: the rows whose
partition columns hold those values, without the partition columns unless INCLUDE keeps them.  A NULL goes
to ``<column>=__HIVE_DEFAULT_PARTITION__``, as the guide says; a value's text is PostgreSQL's cast to text,
with the characters Hive escapes in a path written as ``%XX`` (pyarrow and Hive read them back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparkify.engine.errors import UnloadError
from sparkify.engine.sql.text import quote_ident, quote_literal

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Hive's FileUtils.escapePathName set: the control characters and these.
_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^")

Parts = list[tuple[str, tuple[int, int]]]
# Writes one slice: (its folder, its query, its columns) -> its parts.
WriteSlice = Callable[[str, str, list[tuple[str, int]]], Parts]


def partitioned_parts(
    connection: Any,
    query: str,
    columns: list[tuple[str, int]],
    partition: tuple[tuple[str, ...], bool, str],
    write: WriteSlice,
) -> Parts:
    """Every partition's parts in the partitions' order; ``partition`` is (the keys, INCLUDE, the TO
    prefix), ``write`` unloads one slice into one folder."""
    keys, include, destination = partition
    _check_keys(keys, include, [name for name, _ in columns])
    kept = [(name, code) for name, code in columns if include or name not in keys]
    prefix = destination if destination.endswith("/") else destination + "/"
    parts: Parts = []
    for values in _distinct_values(connection, query, keys):
        folder = "".join(f"{key}={_path_value(value)}/" for key, value in zip(keys, values))
        conditions = " AND ".join(
            f"unload_query.{quote_ident(key)} IS NULL"
            if value is None
            else f"unload_query.{quote_ident(key)}::text = {quote_literal(value)}"
            for key, value in zip(keys, values)
        )
        selected = ", ".join(f"unload_query.{quote_ident(name)}" for name, _ in kept)
        sliced = f"SELECT {selected} FROM ({query}) AS unload_query WHERE {conditions}"
        parts.extend(write(prefix + folder, sliced, kept))
    return parts


def _check_keys(keys: tuple[str, ...], include: bool, names: list[str]) -> None:
    for key in keys:
        if key not in names:
            raise UnloadError(f"UNLOAD: partition column {key!r} is not a column of the query's result")
    if not include and set(names) <= set(keys):
        raise UnloadError("UNLOAD: PARTITION BY needs at least one column that is not a partition column")


def _distinct_values(connection: Any, query: str, keys: tuple[str, ...]) -> list[tuple[str | None, ...]]:
    listed = ", ".join(f"unload_query.{quote_ident(key)}::text" for key in keys)
    order = ", ".join(str(number) for number in range(1, len(keys) + 1))
    cursor = connection.cursor()
    cursor.execute(f"SELECT DISTINCT {listed} FROM ({query}) AS unload_query ORDER BY {order}")
    return [tuple(row) for row in cursor.fetchall()]


def _path_value(value: str | None) -> str:
    if value is None:
        return NULL_PARTITION
    return "".join(f"%{ord(char):02X}" if char in _ESCAPED or ord(char) < 0x20 else char for char in value)
