"""bench/data_api_bench.py end to end with few repeats: both sides of both measures run.  A smoke test only:
the numbers are `make bench`'s business, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_data_api_bench_runs_both_sides(tmp_path: Path) -> None:
    results = tmp_path / "data_api.json"
    command = [
        sys.executable,
        "-m",
        "bench.data_api_bench",
        "--repeats",
        "1",
        "--rows",
        "500",
        "--json",
        str(results),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("data api bench: median of 1\n")
    measured = json.loads(results.read_text())
    assert all(
        measured[f"{name}_{side}_ms"] > 0
        for name in ("select_1", "rows")
        for side in ("data_api", "psycopg2")
    )
