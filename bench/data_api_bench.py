"""The Data API's price: a statement through it (ExecuteStatement, DescribeStatement until FINISHED,
GetStatementResult, over HTTP) against the same statement sent by psycopg2 through the endpoint on a new
connection per statement, which is what the service does for each one; for a trivial query and for a result
of many rows read in pages."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sparkify.engine.server import embedded
from tests.data_api_process import running_data_api
from tests.endpoint_process import USER, RunningEndpoint, running_endpoint

ROOT = Path(__file__).resolve().parent.parent
DIGITS = "CREATE TABLE digits (d INTEGER); INSERT INTO digits VALUES " + ", ".join(
    f"({d})" for d in range(10)
)


def rows_query(count: int) -> str:
    numbers = (
        "SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d AS n FROM digits a, digits b, digits c, digits e"
    )
    return f"SELECT n, 'row ' || n AS label FROM ({numbers}) AS numbers WHERE n < {count} ORDER BY n"


def through_data_api(client: Any, target: dict[str, str], sql: str) -> float:
    started = time.perf_counter()
    statement_id = client.execute_statement(Sql=sql, **target)["Id"]
    while client.describe_statement(Id=statement_id)["Status"] not in ("FINISHED", "FAILED", "ABORTED"):
        pass
    sum(
        len(page["Records"])
        for page in client.get_paginator("get_statement_result").paginate(Id=statement_id)
    )
    return time.perf_counter() - started


def through_psycopg2(endpoint: RunningEndpoint, sql: str) -> float:
    started = time.perf_counter()
    connection = endpoint.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
    finally:
        connection.close()
    return time.perf_counter() - started


def measure(endpoint: RunningEndpoint, work: Path, repeats: int, rows: int) -> dict[str, float]:
    measured = {}
    with running_data_api(endpoint, work / "data_api") as data_api:
        client = data_api.client()
        target = {"ClusterIdentifier": "bench", "Database": endpoint.database, "DbUser": USER}
        with endpoint.connect() as connection, connection.cursor() as cursor:
            cursor.execute(DIGITS)
        for name, sql in (("select_1", "SELECT 1"), ("rows", rows_query(rows))):
            via_api, via_driver = [], []
            for _ in range(repeats):  # interleaved, so both sides see the same machine
                via_api.append(through_data_api(client, target, sql))
                via_driver.append(through_psycopg2(endpoint, sql))
            measured[f"{name}_data_api_ms"] = statistics.median(via_api) * 1000
            measured[f"{name}_psycopg2_ms"] = statistics.median(via_driver) * 1000
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sparkify-data-api-bench-"))
    data_dir = work / "pgdata"
    results: dict[str, Any] = {"repeats": args.repeats, "rows": args.rows}
    try:
        embedded.ensure_server(data_dir)
        with running_endpoint(data_dir, work / "endpoint") as endpoint:
            results.update(measure(endpoint, work, args.repeats, args.rows))
    finally:
        embedded.stop_server(data_dir)
        subprocess.run(["rm", "-rf", str(work)], check=False)

    print(f"data api bench: median of {args.repeats}")
    for name, label in (("select_1", "SELECT 1"), ("rows", f"{args.rows:,} rows")):
        api, driver = results[f"{name}_data_api_ms"], results[f"{name}_psycopg2_ms"]
        print(
            f"  {label}: Data API {api:.1f} ms, psycopg2 on a new connection {driver:.1f} ms"
            f" (x{api / driver:.2f})"
        )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
