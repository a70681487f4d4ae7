"""bench/endpoint_bench.py end to end on a tiny data set: both sides of every measure run.  A smoke test
only: the numbers are `make bench`'s business, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_endpoint_bench_on_a_tiny_data_set(tmp_path: Path) -> None:
    results = tmp_path / "endpoint.json"
    command = [
        sys.executable, "-m", "bench.endpoint_bench",
        "--events", "1000", "--repeats", "1", "--seconds", "1", "--client-repeats", "1",
        "--data-dir", str(tmp_path / "data"), "--json", str(results),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("endpoint bench: 1,000 events, median of 1\n")
    measured = json.loads(results.read_text())
    assert measured["copy_in_process_s"] > 0 and measured["copy_endpoint_s"] > 0
    assert measured["pgbench_direct"]["tps"] > 0 and measured["pgbench_endpoint"]["tps"] > 0
    clients = measured["clients"]
    workloads = ("insert_4000_rows", "single_row_insert_commit", "select_1", "pandas_to_sql_425x18")
    workloads += ("pandas_to_sql_varchar_256",)
    for workload in (*workloads, "executemany_1000_rows", "select_1_tls"):
        assert clients[workload]["direct_s"] > 0 and clients[workload]["endpoint_s"] > 0, workload
    assert "through the endpoint against PostgreSQL direct (load average" in done.stdout


def test_relay_floor_runs_every_side_in_both_regimes_and_leaves_no_process(tmp_path: Path) -> None:
    results = tmp_path / "floor.json"
    command = [sys.executable, "-m", "bench.relay_floor", "--rounds", "1", "--json", str(results)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    measured = json.loads(results.read_text())
    assert list(measured) == ["idle cores", "warm cores"]
    for regime in measured.values():
        for workload in ("select_1", "insert_commit"):
            sides = regime["best_s"][workload]
            assert sorted(sides) == ["bytes_relay", "direct", "endpoint"]
            assert all(seconds > 0 for seconds in sides.values())
    # The bytes-only relay and the busy loop end with the bench.
    pattern = "bench.relay_floor --serve|while os.getppid"
    leftovers = subprocess.run(["pgrep", "-f", pattern], capture_output=True)
    assert leftovers.stdout == b""
