"""The steps of the job over a :class:`Warehouse`: create the tables, and load — COPY into staging, then
merge staging into the star — as one locked transaction.

One transaction per load means a crash at any point leaves the star as the last complete load left it;
the lock means two loads never interleave; the merge means a rerun changes nothing.
"""

from __future__ import annotations

import logging
import time

import sql_queries as q
from sparkify import load_lock, song_files
from sparkify.config import Config
from sparkify.engine.copy import CopyResult
from sparkify.errors import StarHoldsData
from sparkify.load_errors import describe
from sparkify.warehouse import Warehouse

log = logging.getLogger(__name__)


def star_row_counts(warehouse: Warehouse, existing: set[str]) -> dict[str, int]:
    """Rows in each star table among ``existing``."""
    return {
        table: int(warehouse.query(q.count_queries[table])[1][0][0])
        for table in q.STAR_TABLES
        if table in existing
    }


def create_tables(warehouse: Warehouse, *, force: bool = False) -> None:
    """Drop and create every table; refuse to drop a star that holds data unless ``force``."""
    _, rows = warehouse.query(q.existing_tables_query, [tuple(q.ALL_TABLES)])
    existing = {row[0] for row in rows}
    if "staging_events" in existing:
        _lock(warehouse, wait=True)  # wait for a running load rather than drop under it
    held = {table: count for table, count in star_row_counts(warehouse, existing).items() if count}
    if held and not force:
        listed = ", ".join(f"{table} {rows:,}" for table, rows in held.items())
        raise StarHoldsData(f"the star holds data ({listed} rows); pass --force to drop it anyway")
    for statement in q.drop_table_queries + q.create_table_queries:
        warehouse.execute(statement)
    warehouse.clear_load_errors()
    warehouse.commit()


def load(
    warehouse: Warehouse,
    config: Config,
    *,
    log_sources: list[str] | None = None,
    wait: bool = True,
    copy_statements: list[str] | None = None,
    skip_unchanged_songs: bool = False,
) -> list[CopyResult]:
    """Lock, COPY into staging, merge into the star, commit — all or nothing; the local COPYs' results.

    With ``skip_unchanged_songs`` only the song files that are new or changed since the last load are
    staged (:mod:`sparkify.song_files`)."""
    copies: list[CopyResult] = []
    _lock(warehouse, wait=wait)
    for statement in _before_copies():
        warehouse.execute(statement)
    song_plan = song_files.plan(warehouse, config) if skip_unchanged_songs else None
    if song_plan is not None:
        log.info(
            "songs: %d of %d song file(s) new or changed since the last load; %s",
            *(len(song_plan.changed), len(song_plan.listed), _song_copy_words(song_plan.sources)),
        )
        copy_statements = q.copy_table_queries(config, log_sources, song_sources=song_plan.sources)
    if copy_statements is None:
        copy_statements = q.copy_table_queries(config, log_sources)
    for statement in copy_statements:  # none at all when nothing changed and no log file is new
        copy_started = time.perf_counter()
        result = warehouse.execute(statement)
        if result is not None:
            copies.append(result)
            _report_copy(result, time.perf_counter() - copy_started)
    if song_plan is not None:
        song_files.record(warehouse, song_plan)
    duplicates = _report_duplicates(warehouse)
    merge_started = time.perf_counter()
    empty_play_tables(warehouse)
    for step, seconds in merge(warehouse, staged_duplicate_plays=duplicates["staging_events"]).items():
        log.debug("merge step %s: %.3f s", step, seconds)
    warehouse.commit()
    log.info("star merged in %.1f s", time.perf_counter() - merge_started)
    return copies


def empty_play_tables(warehouse: Warehouse) -> list[str]:
    """Empty again, in the load's transaction, each table of plays that holds no row (a first load): the
    local engine then writes their rows without WAL (sql_queries, "A FIRST LOAD").  The tables emptied."""
    emptied = []
    for table in q.PLAY_TABLES:
        if _holds_rows(warehouse, table):
            continue
        lock, delete = q.empty_table_queries(table)
        warehouse.execute(lock)
        if not _holds_rows(warehouse, table):  # nobody added a row before the lock
            warehouse.execute(delete)
            emptied.append(table)
    return emptied


def _holds_rows(warehouse: Warehouse, table: str) -> bool:
    return bool(warehouse.query(q.holds_rows_query(table))[1][0][0])


def merge(warehouse: Warehouse, *, staged_duplicate_plays: int | None = None) -> dict[str, float]:
    """Run the merge statements; the seconds each named step took.  When staging is known to hold no
    duplicated play, the plays are taken as they are, without ranking the copies of each key."""
    took = {}
    for step, statements in merge_statements(staged_duplicate_plays).items():
        started = time.perf_counter()
        for statement in statements:
            warehouse.execute(statement)
        took[step] = time.perf_counter() - started
    return took


def merge_statements(staged_duplicate_plays: int | None = None) -> dict[str, list[str]]:
    """The merge's statements by step; with no duplicated play staged (0), the plays are taken as they
    are; when it is not known (None, as for ``--dry-run``), the copies of each key are ranked."""
    return {
        step: [
            q.new_plays_create_without_duplicates
            if statement == q.new_plays_create and staged_duplicate_plays == 0
            else statement
            for statement in statements
        ]
        for step, statements in q.merge_steps.items()
    }


def _before_copies() -> list[str]:
    # A warehouse made before the bookkeeping tables existed gets them here; the star is kept.
    return [*q.bookkeeping_table_create_queries, *q.staging_clear_queries]


def _song_copy_words(sources: list[str]) -> str:
    if not sources:
        return "no song COPY"
    return f"COPY {len(sources)} song prefix(es)" if len(sources) > 1 else f"COPY {sources[0]}"


def _lock(warehouse: Warehouse, *, wait: bool) -> None:
    """Take the load lock; say who holds it, free it from a dead run, or give up if asked not to wait."""
    load_lock.take(warehouse, wait=wait)


def _report_copy(result: CopyResult, elapsed: float) -> None:
    log.info(
        "COPY %s: %d file(s), %d line(s) read, %d loaded, %d rejected in %.1f s%s",
        *(
            result.table,
            len(result.files),
            result.lines_read,
            result.rows_loaded,
            len(result.rejected),
            elapsed,
            _s3_summary(result, elapsed),
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


_DUPLICATE_WORDS = {
    "staging_events": ("play(s)", "session_id and item_in_session"),
    "staging_songs": ("song row(s)", "song_id"),
}


def staged_duplicates(warehouse: Warehouse) -> dict[str, int]:
    """How many staged rows the merge drops as repeats of another row's key, by staging table."""
    return {table: int(warehouse.query(sql)[1][0][0]) for table, sql in q.staged_duplicates_queries.items()}


def _report_duplicates(warehouse: Warehouse) -> dict[str, int]:
    found = staged_duplicates(warehouse)
    for table, dropped in found.items():
        if dropped:
            what, key = _DUPLICATE_WORDS[table]
            log.warning(
                "%s: %d duplicate %s dropped (same %s as another staged row; a file delivered twice "
                "under two names?); one of each was kept",
                *(table, dropped, what, key),
            )
    return found


def _s3_summary(result: CopyResult, elapsed: float) -> str:
    """How S3 served the COPY: objects per second and the retries it needed (none for local files)."""
    objects = sum(1 for stats in result.files if stats.name.startswith("s3://"))
    if not objects and not result.s3_retries:
        return ""
    return f" ({objects / max(elapsed, 1e-3):,.0f} S3 objects/s, {result.s3_retries} S3 retries)"


def table_counts(warehouse: Warehouse, known: dict[str, int] | None = None) -> dict[str, int]:
    """The row count of every table; those in ``known`` are taken from it rather than counted."""
    counts = {}
    for table, statement in q.count_queries.items():
        if known is not None and table in known:
            counts[table] = known[table]
        else:
            counts[table] = int(warehouse.query(statement)[1][0][0])
    return counts


def staged_row_counts(warehouse: Warehouse, copies: list[CopyResult]) -> dict[str, int] | None:
    """What staging holds after :func:`load`, from its COPYs' results: a load empties staging, then only
    its COPYs fill it, so counting a million staged rows again is not needed.  None on Redshift, whose
    COPYs report no result here."""
    if warehouse.is_redshift:
        return None
    return {
        table: sum(copy.rows_loaded for copy in copies if copy.table == table) for table in q.STAGING_TABLES
    }


def planned_load(
    config: Config,
    log_sources: list[str] | None = None,
    copy_statements: list[str] | None = None,
    *,
    wait: bool = True,
    staged_duplicate_plays: int | None = None,
    empty_tables: tuple[str, ...] = (),
) -> list[str]:
    """The statements :func:`load` executes, in order, built from the same lists, for ``--dry-run``:
    the lock as taken when it is free, every COPY, the merge and the commit.  (``--skip-unchanged-songs``
    chooses its song COPYs from the warehouse, which a dry run does not read: it shows them all; likewise
    the tables of plays emptied in a first load, ``empty_tables``, none by default.)"""
    merge_steps = merge_statements(staged_duplicate_plays).values()
    return [
        *load_lock.statements(wait=wait),
        *_before_copies(),
        *(copy_statements if copy_statements is not None else q.copy_table_queries(config, log_sources)),
        *(statement for table in empty_tables for statement in q.empty_table_queries(table)),
        *(statement for statements in merge_steps for statement in statements),
        "COMMIT;",
    ]


def planned_create() -> list[str]:
    """The statements :func:`create_tables` sends, for ``--dry-run``."""
    return [*q.drop_table_queries, *q.create_table_queries]
