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
    from bench.scripts import compare
    from sparkify.sample_data import ExpectedCounts

    expected = ExpectedCounts(10, 2, 8, 1, 3, 1, 2, 2, 8)
    actual = {**expected.to_dict(), "users": 4}
    assert compare(expected, actual) == {"users": [3, 4]}
    assert compare(expected, expected.to_dict()) == {}


def test_a_day_on_top_of_a_history_is_timed_step_by_step(tmp_path: Path) -> None:
    from bench.incremental import report_lines, run_days_on_history
    from sparkify.sample_data import generate

    generate(tmp_path / "data", events=1500, song_files=30, seed=5, days=4)
    results = run_days_on_history(tmp_path / "data", lambda message: None, histories=(0, 2), repeats=1)

    assert [(result.history_days, result.skip_songs) for result in results] == [
        (0, False),
        (2, False),
        (2, True),
    ]
    assert results[0].history_songplays == 0 < results[1].history_songplays == results[2].history_songplays
    assert len({result.day_songplays for result in results}) == 1 and results[0].day_songplays > 0
    assert list(results[0].merge_steps_s) == [
        "users",
        "song changes",
        "songs",
        "artists",
        "song match",
        "songplays",
        "late songs",
        "time",
        "cleanup",
    ]
    lines = report_lines(results)
    assert lines[0] == "one day on top of a history (etl.py --since the last day; medians of 1 runs):"
    assert lines[4].lstrip().startswith("2 +skip ")
    assert "on top of 2 days / into an empty star: " in lines[5]
    assert lines[6].startswith("  projected on top of 364 days: etl.py ")


def test_the_growth_per_day_of_history_is_a_least_squares_slope_never_below_zero() -> None:
    from bench.incremental import DayOnHistory, growth_per_day, projected

    def day(history: int, wall: float) -> DayOnHistory:
        return DayOnHistory(history, history * 100, wall, wall / 2)

    rising = [day(0, 1.0), day(10, 2.0), day(29, 3.9)]
    assert abs(growth_per_day(rising, "wall_s") - 0.1) < 1e-9
    assert abs(projected(rising, 364, "wall_s") - (3.9 + 0.1 * 335)) < 1e-6
    falling = [day(0, 3.0), day(10, 2.0), day(29, 1.0)]
    assert growth_per_day(falling, "wall_s") == 0.0
    assert projected(falling, 364, "wall_s") == 1.0
