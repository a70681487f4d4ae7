"""PostgreSQL's own share of a load: the time etl.py would take if turning JSON into rows cost nothing.

After etl.py has loaded a data set, the staging rows it produced are saved as COPY text; then, on a fresh
server as etl.py had, the same load runs again from those ready rows: lock, COPY FROM STDIN, ANALYZE,
the star merge, commit.  What remains is the server's work alone — a floor under etl.py's time on this
machine, however fast the COPY emulator becomes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import sql_queries as q
from sparkify import pipeline
from sparkify.config import Config
from sparkify.warehouse import Warehouse, connect


@dataclass(frozen=True)
class Floor:
    copy_s: float  # COPY of ready rows into staging, and ANALYZE, as the emulator does
    merge_s: float  # the star merge and the commit

    @property
    def total_s(self) -> float:
        return self.copy_s + self.merge_s


def save_staging_rows(config: Config, folder: Path) -> dict[str, Path]:
    """Each staging table's rows, as COPY text files in ``folder``."""
    saved = {table: folder / f"{table}.txt" for table in q.STAGING_TABLES}
    with connect(config) as warehouse:
        for table, path in saved.items():
            with path.open("wb") as file, warehouse.connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} TO STDOUT", file)
        warehouse.rollback()
    return saved


def load_ready_rows(config: Config, saved: dict[str, Path]) -> Floor:
    """Make the tables afresh and load the ``saved`` staging rows, timing the server's work only."""
    with connect(config) as warehouse:
        pipeline.create_tables(warehouse, force=True)
        return _timed_load(warehouse, saved)


def _timed_load(warehouse: Warehouse, saved: dict[str, Path]) -> Floor:
    started = time.perf_counter()
    warehouse.execute(q.lock_warehouse)
    for statement in q.staging_clear_queries:
        warehouse.execute(statement)
    with warehouse.connection.cursor() as cursor:
        cursor.execute("SET default_statistics_target = 10")  # as etl.py's COPYs (STATUPDATE OFF) analyze
        for table, path in saved.items():
            with path.open("rb") as file:
                cursor.copy_expert(f"COPY {table} FROM STDIN", file, 1 << 20)
            cursor.execute(f"ANALYZE {table}")
    merge_started = time.perf_counter()
    pipeline.empty_play_tables(warehouse)  # as etl.py's first load does
    for statement in q.star_merge_queries:
        warehouse.execute(statement)
    warehouse.commit()
    finished = time.perf_counter()
    return Floor(copy_s=merge_started - started, merge_s=finished - merge_started)
