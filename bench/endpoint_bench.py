"""The endpoint's price: a COPY through it against the same COPY in-process, a trivial query's round
trip through it against the same query straight to PostgreSQL (pgbench, same run), and what clients wait
for (bench/endpoint_clients.py: multi-row INSERTs, commits, reflection, executemany, pandas' to_sql).

The COPY runs in the endpoint on the client's backend session, so the target is the in-process path's time
plus at most 10%.  The round trip through the endpoint adds a TCP hop and a Python relay; pgbench measures
both sides in the same run, select-only, prepared, one client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2

from bench import endpoint_clients
from sparkify.engine.copy import run_copy
from sparkify.engine.server import embedded
from sparkify.sample_data import generate
from tests.endpoint_process import PASSWORD, USER, postgres_bin, running_endpoint

ROOT = Path(__file__).resolve().parent.parent

COPY_RATIO_TARGET = 1.10
STAGING_DDL = """CREATE TABLE IF NOT EXISTS staging_events (
    artist VARCHAR(1024), auth VARCHAR(32), first_name VARCHAR(256), gender VARCHAR(16),
    item_in_session INTEGER, last_name VARCHAR(256), length DOUBLE PRECISION, level VARCHAR(16),
    location VARCHAR(512), method VARCHAR(16), page VARCHAR(64), registration DOUBLE PRECISION,
    session_id INTEGER, song VARCHAR(1024), status INTEGER, ts TIMESTAMP, user_agent VARCHAR(1024),
    user_id INTEGER)"""


def copy_statement(data: Path) -> str:
    return (
        f"COPY staging_events FROM '{data}/log_data' FORMAT AS JSON '{data}/log_json_path.json' "
        "TIMEFORMAT 'epochmillisecs' BLANKSASNULL EMPTYASNULL"
    )


def time_in_process(socket_dir: str, port: int, database: str, sql: str) -> float:
    connection = psycopg2.connect(host=socket_dir, port=port, dbname=database, user=USER)
    try:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE staging_events")
        connection.commit()
        started = time.perf_counter()
        run_copy(connection, sql)
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def time_through_endpoint(endpoint, sql: str) -> float:  # type: ignore[no-untyped-def]
    connection = endpoint.connect()
    try:
        return endpoint_clients.timed_after_truncate(connection, "staging_events", sql)
    finally:
        connection.close()


def pgbench(arguments: list[str], database: str, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        [
            postgres_bin("pgbench"),
            *arguments,
            "-n",
            "-S",
            "-M",
            "prepared",
            "-c",
            "1",
            "-T",
            str(seconds),
            database,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
        check=True,
    )
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout).group(1))  # type: ignore[union-attr]
    return {"tps": tps, "latency_ms": latency}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="pgbench's duration for each side")
    parser.add_argument("--data-dir", default=str(ROOT / "bench" / "data"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--client-repeats", type=int, default=5, help="rounds of the client workloads")
    parser.add_argument("--clients-only", action="store_true", help="the client workloads alone")
    args = parser.parse_args()

    data = Path(args.data_dir) / f"endpoint-{args.events}"
    if not (data / "expected_counts.json").exists():
        print(f"generating {args.events:,} events in {data}", file=sys.stderr)
        generate(data, events=args.events, song_files=100, seed=5)
    sql = copy_statement(data)
    work = Path(tempfile.mkdtemp(prefix="sparkify-endpoint-bench-"))
    data_dir = work / "pgdata"
    results: dict[str, Any] = {"events": args.events}
    try:
        socket_dir, port = embedded.ensure_server(data_dir)
        with running_endpoint(data_dir, work) as endpoint:
            direct_side, endpoint_side, tls_side = _client_sides(socket_dir, port, endpoint)
            results["clients"] = endpoint_clients.measure(
                direct_side, endpoint_side, args.client_repeats, tls=tls_side
            )
            if args.clients_only:
                return _reported(args, results)
            with endpoint.connect() as connection, connection.cursor() as cursor:
                cursor.execute(STAGING_DDL)
            in_process, through = [], []
            for _ in range(args.repeats):  # interleaved, so both sides see the same machine
                in_process.append(time_in_process(socket_dir, port, endpoint.database, sql))
                through.append(time_through_endpoint(endpoint, sql))
            results["copy_in_process_s"] = statistics.median(in_process)
            results["copy_endpoint_s"] = statistics.median(through)
            results["copy_ratio"] = results["copy_endpoint_s"] / results["copy_in_process_s"]  # type: ignore[operator]

            subprocess.run(
                [
                    postgres_bin("pgbench"),
                    "-h",
                    socket_dir,
                    "-p",
                    str(port),
                    "-U",
                    USER,
                    "-i",
                    "-q",
                    endpoint.database,
                ],
                capture_output=True,
                check=True,
            )
            direct = pgbench(["-h", socket_dir, "-p", str(port), "-U", USER], endpoint.database, args.seconds)
            relayed = pgbench(
                ["-h", endpoint.host, "-p", str(endpoint.port), "-U", USER], endpoint.database, args.seconds
            )
            results["pgbench_direct"] = direct
            results["pgbench_endpoint"] = relayed
    finally:
        embedded.stop_server(data_dir)
        subprocess.run(["rm", "-rf", str(work)], check=False)

    return _reported(args, results)


def _client_sides(
    socket_dir: str, port: int, endpoint
) -> tuple[endpoint_clients.Side, endpoint_clients.Side, endpoint_clients.Side]:  # type: ignore[no-untyped-def]
    """PostgreSQL direct on its unix socket; the endpoint without TLS, as direct is; the endpoint with TLS
    (psycopg2's default where the server offers it)."""
    database = endpoint.database
    direct = endpoint_clients.Side(
        "direct",
        lambda: psycopg2.connect(host=socket_dir, port=port, dbname=database, user=USER),
        f"postgresql+psycopg2://{USER}@/{database}?host={socket_dir}&port={port}",
    )
    through = endpoint_clients.Side(
        "endpoint",
        lambda: endpoint.connect(sslmode="disable"),
        f"postgresql+psycopg2://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{database}?sslmode=disable",
    )
    tls = endpoint_clients.Side(
        "endpoint_tls",
        lambda: endpoint.connect(sslmode="require"),
        f"postgresql+psycopg2://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{database}?sslmode=require",
    )
    return direct, through, tls


def _reported(args: argparse.Namespace, results: dict[str, Any]) -> int:
    print(f"endpoint bench: {args.events:,} events, median of {args.repeats}")
    if "copy_ratio" in results:
        _print_copy_and_pgbench(args, results)
    print("\n".join(endpoint_clients.report(results["clients"])))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def _print_copy_and_pgbench(args: argparse.Namespace, results: dict[str, Any]) -> None:
    ratio = results["copy_ratio"]
    direct, relayed = results["pgbench_direct"], results["pgbench_endpoint"]
    print(
        f"  COPY staging_events: in-process {results['copy_in_process_s']:.2f} s, through the endpoint "
        f"{results['copy_endpoint_s']:.2f} s: x{ratio:.3f} "
        f"({'within' if ratio <= COPY_RATIO_TARGET else 'OVER'} the x{COPY_RATIO_TARGET:.2f} target)"
    )
    print(
        f"  pgbench -S -M prepared, 1 client, {args.seconds} s: straight to PostgreSQL (unix socket) "
        f"{direct['tps']:,.0f} tps, {direct['latency_ms'] * 1000:.0f} µs; through the endpoint (TCP) "
        f"{relayed['tps']:,.0f} tps, {relayed['latency_ms'] * 1000:.0f} µs: "
        f"+{(relayed['latency_ms'] - direct['latency_ms']) * 1000:.0f} µs a round trip"
    )


if __name__ == "__main__":
    sys.exit(main())
