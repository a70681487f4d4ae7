"""The star's contents in key order, for comparing a warehouse with a clean load of the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparkify.config import load_config
from sparkify.warehouse import connect

STAR_ORDER = {
    "songplays": "session_id, item_in_session",
    "users": "user_id",
    "songs": "song_id",
    "artists": "artist_id",
    "time": "start_time",
}


def star(config: Path, *, with_ids: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every star table's rows in key order; songplay_id left out unless asked for (a later load may
    number the same plays differently)."""
    contents = {}
    with connect(load_config(config)) as warehouse:
        for table, order in STAR_ORDER.items():
            _, rows = warehouse.query(f"SELECT * FROM {table} ORDER BY {order}")
            if table == "songplays" and not with_ids:
                rows = [row[1:] for row in rows]
            contents[table] = rows
    return contents
