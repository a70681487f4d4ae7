"""The steps of the job — create the tables, load staging, build the star — over a :class:`Warehouse`.

Each step is one transaction, so a failure leaves the warehouse as the previous step committed it.
"""

from __future__ import annotations

import logging
import time

import sql_queries as q
from sparkify.config import Config
from sparkify.copy_emulator import CopyResult
from sparkify.load_errors import describe
from sparkify.warehouse import Warehouse

log = logging.getLogger(__name__)


def create_tables(warehouse: Warehouse) -> None:
    """Drop and create every table of the warehouse."""
    for statement in q.drop_table_queries + q.create_table_queries:
        warehouse.execute(statement)
    warehouse.commit()


def load_staging(warehouse: Warehouse, config: Config) -> list[CopyResult]:
    """Empty the staging tables and COPY the sources into them, in one transaction."""
    results: list[CopyResult] = []
    for table in q.STAGING_TABLES:
        warehouse.execute(f"DELETE FROM {table};")
    for statement, table in zip(q.copy_table_queries(config), q.STAGING_TABLES):
        started = time.perf_counter()
        result = warehouse.execute(statement)
        elapsed = time.perf_counter() - started
        if result is None:
            log.info("COPY %s done in %.1f s", table, elapsed)
            continue
        results.append(result)
        _report_copy(result, elapsed)
    warehouse.commit()
    return results


def _report_copy(result: CopyResult, elapsed: float) -> None:
    log.info(
        "COPY %s: %d file(s), %d line(s) read, %d loaded, %d rejected in %.1f s",
        *(
            result.table,
            len(result.files),
            result.lines_read,
            result.rows_loaded,
            len(result.rejected),
            elapsed,
        ),
    )
    for stats in result.files:
        level = logging.WARNING if stats.rejected else logging.DEBUG
        log.log(
            level,
            "  %s: %d read, %d loaded, %d rejected",
            stats.name,
            stats.read,
            stats.loaded,
            stats.rejected,
        )
    if result.rejected:
        log.warning(
            "COPY %s skipped %d bad record(s), within MAXERROR (stl_load_errors query %d):",
            *(result.table, len(result.rejected), result.query_id),
        )
        for line in describe(result.rejected):
            log.warning("%s", line)


def build_star(warehouse: Warehouse) -> None:
    """Rebuild the star from staging in one transaction: a rerun gives the same rows."""
    for statement in q.star_clear_queries + q.insert_table_queries:
        warehouse.execute(statement)
    warehouse.commit()


def table_counts(warehouse: Warehouse) -> dict[str, int]:
    """The row count of every table."""
    counts = {}
    for table, statement in q.count_queries.items():
        _, rows = warehouse.query(statement)
        counts[table] = int(rows[0][0])
    return counts
