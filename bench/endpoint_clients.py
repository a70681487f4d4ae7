"""What a client waits for through the endpoint against the same work straight to PostgreSQL (issue #26):
multi-row INSERTs, single-row INSERT + COMMIT, ``select 1``, a catalog reflection, executemany and pandas'
to_sql.  Each workload runs on both sides in turn, round after round, so that both see the same machine;
the best round of each side is kept (on a shared machine the other rounds measure the neighbours), and
the ratios are reported with the load average, before and after.

PostgreSQL direct is its unix socket, without TLS; the endpoint side connects without TLS too, so that
the ratio is the relay's price.  psycopg2's default (``sslmode=prefer``) takes TLS where the endpoint
offers it: ``select_1_tls`` is that side's ``select 1``, against the same direct one.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_rows (a INTEGER, b VARCHAR(64), c DOUBLE PRECISION, d TIMESTAMP);"
    # to_sql's table is there before every round, the first included: each round reflects and replaces it
    # (a first round that only creates it would be another, cheaper workload, and the best of its side)
    " CREATE TABLE IF NOT EXISTS bench_wide (c0 BIGINT)"
)
WIDE_COLUMNS = 18
WIDE_ROWS = 425
#: What SQLAlchemy asks of the catalog to reflect one table's columns, in the gist.
REFLECTION = (
    "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE c.relname = 'bench_rows' AND n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum"
)


@dataclass(frozen=True)
class Side:
    """One way to the database: a psycopg2 connection factory and an SQLAlchemy URL."""

    name: str
    connect: Callable[[], Any]
    url: str


def rows_insert(count: int, first: int = 0) -> str:
    rows = ", ".join(
        f"({n}, 'name {n}', {n}.5, '2024-01-01 00:00:{n % 60:02d}')" for n in range(first, first + count)
    )
    return f"INSERT INTO bench_rows (a, b, c, d) VALUES {rows}"


def timed_after_truncate(connection: Any, table: str, sql: str) -> float:
    """Seconds for ``sql`` and its COMMIT, ``table`` emptied before (not timed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        connection.commit()
        started = time.perf_counter()
        cursor.execute(sql)
        connection.commit()
        return time.perf_counter() - started


def _multi_row_insert(count: int) -> Callable[[Any], float]:
    """Each round's INSERT has values of its own, as a client's next load has: no text is sent twice."""
    rounds = itertools.count()
    return lambda connection: timed_after_truncate(
        connection, "bench_rows", rows_insert(count, next(rounds) * count)
    )


def _single_row_commits(connection: Any, count: int = 200) -> float:
    """Seconds per single-row INSERT + COMMIT."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for n in range(count):
            cursor.execute("INSERT INTO bench_rows (a, b, c, d) VALUES (%s, %s, %s, %s)", (n, "x", 1.5, None))
            connection.commit()
        return (time.perf_counter() - started) / count


def _each_query(sql: str, count: int) -> Callable[[Any], float]:
    """Seconds per ``sql`` and the fetch of its rows: ``select 1`` is a round trip and nothing else."""

    def run(connection: Any) -> float:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for _ in range(count):
                cursor.execute(sql)
                cursor.fetchall()
            return (time.perf_counter() - started) / count

    return run


def _executemany(connection: Any, count: int = 1000) -> float:
    rows = [(n, f"name {n}", n + 0.5, None) for n in range(count)]
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.executemany("INSERT INTO bench_rows (a, b, c, d) VALUES (%s, %s, %s, %s)", rows)
        connection.commit()
        return time.perf_counter() - started


def wide_frame() -> pd.DataFrame:
    columns = {
        f"c{n}": [f"value {row} {n}" if n % 3 else row * n for row in range(WIDE_ROWS)]
        for n in range(WIDE_COLUMNS)
    }
    return pd.DataFrame(columns)


def _to_sql(url: str, strings: Any = None) -> float:
    """Seconds for pandas' to_sql of the wide frame; ``strings``: the SQL type of its string columns (by
    default pandas' TEXT, which the endpoint makes Redshift's VARCHAR(256))."""
    engine = sa.create_engine(url)
    frame = wide_frame()
    # pandas 3 holds strings as its string dtype, not object: asked by kind, so both pandas give the type
    texts = [name for name in frame.columns if pd.api.types.is_string_dtype(frame[name])]
    dtype = dict.fromkeys(texts, strings) if strings else None
    try:
        started = time.perf_counter()
        frame.to_sql("bench_wide", engine, if_exists="replace", index=False, dtype=dtype)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def _on_connection(work: Callable[[Any], float]) -> Callable[[Side], float]:
    def run(side: Side) -> float:
        connection = side.connect()
        try:
            return work(connection)
        finally:
            connection.close()

    return run


#: Workloads run on a third side as well: through the endpoint, with TLS.
TLS_WORKLOADS = {"select_1_tls": "select_1"}

WORKLOADS: dict[str, Callable[[Side], float]] = {
    "insert_250_rows": _on_connection(_multi_row_insert(250)),
    "insert_1000_rows": _on_connection(_multi_row_insert(1000)),
    "insert_4000_rows": _on_connection(_multi_row_insert(4000)),
    "single_row_insert_commit": _on_connection(_single_row_commits),
    "select_1": _on_connection(_each_query("select 1", 1000)),
    "catalog_reflection": _on_connection(_each_query(REFLECTION, 50)),
    "executemany_1000_rows": _on_connection(_executemany),
    "pandas_to_sql_425x18": lambda side: _to_sql(side.url),
    # the same with VARCHAR(256) string columns on both sides: the table the endpoint makes of TEXT, whose
    # INSERT PostgreSQL plans slower (a length check per value) than TEXT's
    "pandas_to_sql_varchar_256": lambda side: _to_sql(side.url, sa.VARCHAR(256)),
}


def measure(direct: Side, endpoint: Side, repeats: int, tls: Side | None = None) -> dict[str, Any]:
    """Each workload's best round on both sides, interleaved round by round, and their ratio; with
    ``tls``, the TLS workloads' rounds through it as well."""
    setup = direct.connect()
    with setup, setup.cursor() as cursor:
        cursor.execute(TABLE_DDL)
    setup.close()
    load_before = os.getloadavg()
    runs: list[tuple[str, Callable[[Side], float], tuple[Side, ...]]] = [
        (name, workload, (direct, endpoint)) for name, workload in WORKLOADS.items()
    ]
    if tls is not None:
        runs += [(name, WORKLOADS[of], (tls,)) for name, of in TLS_WORKLOADS.items()]
    times: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, workload, sides in runs:
            for side in sides:
                times.setdefault(f"{name}/{side.name}", []).append(workload(side))
    results: dict[str, Any] = {"load_average_before": load_before, "load_average_after": os.getloadavg()}
    for name, _, sides in runs:
        direct_name = TLS_WORKLOADS.get(name, name)
        direct_s = min(times[f"{direct_name}/{direct.name}"])
        endpoint_s = min(times[f"{name}/{sides[-1].name}"])
        results[name] = {"direct_s": direct_s, "endpoint_s": endpoint_s, "ratio": endpoint_s / direct_s}
    return results


def report(results: dict[str, Any]) -> list[str]:
    before, after = results["load_average_before"], results["load_average_after"]
    load = f"load average {before[0]:.1f} before, {after[0]:.1f} after"
    lines = [f"  clients, best round of each side, through the endpoint against PostgreSQL direct ({load}):"]
    for name in [*WORKLOADS, *(name for name in TLS_WORKLOADS if name in results)]:
        measured = results[name]
        lines.append(
            f"    {name:<26} direct {measured['direct_s'] * 1000:9.2f} ms, "
            f"endpoint {measured['endpoint_s'] * 1000:9.2f} ms: x{measured['ratio']:.2f}"
        )
    return lines
