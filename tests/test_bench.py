"""The benchmark script end to end on a tiny data set: both tools run and both load the right counts.

Only a smoke test of bench/run_bench.py; the real benchmark (`make bench`) never runs in the test suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_bench_on_a_tiny_data_set(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    command = [
        *(sys.executable, "-m", "bench.run_bench"),
        *("--sizes", "2000", "--song-files", "50"),
        *("--data-dir", str(tmp_path / "data"), "--json", str(results)),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("machine: ")
    assert lines[1].split()[:3] == ["events", "tool", "wall"]
    rows = [line for line in lines if line.lstrip().startswith("2,000")]
    assert len(rows) == 2
    assert all("  ok  " in row for row in rows), done.stdout
    runs = json.loads(results.read_text())["runs"]
    assert [run["tool"].split()[0] for run in runs] == ["etl.py", "duckdb"]
    assert all(run["counts_ok"] and not run["mismatches"] for run in runs)
    assert runs[0]["peak_rss_mb"] > 0 and runs[0]["server_rss_mb"] > 0
    # the server's own share: the same load from ready rows, which gave the same counts
    assert runs[0]["detail"]["postgres_share_s"] > 0
    assert "PostgreSQL's own share at 2,000 events: " in done.stdout
    # the data set is kept for the next run, complete
    assert (tmp_path / "data" / "events-2000-songs-50" / "expected_counts.json").exists()


def test_a_wrong_count_is_named() -> None:
    from bench.run_bench import compare
    from sparkify.sample_data import ExpectedCounts

    expected = ExpectedCounts(10, 2, 8, 1, 3, 1, 2, 2, 8)
    actual = {**expected.to_dict(), "users": 4}
    assert compare(expected, actual) == {"users": [3, 4]}
    assert compare(expected, expected.to_dict()) == {}
