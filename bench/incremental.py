"""A day's load on top of a history: does it cost what the day costs, however long the history?

For a data set of daily log files, the last day is loaded with ``etl.py --since`` into a star that already
holds 0, 10 or 29 of the days before it (each history loaded first by a plain ``etl.py`` over just those
days' files, into a database of its own on one fresh embedded server).  Measured: etl.py's wall time and
its merge, statement group by statement group (from its ``--verbose`` log).  The day is loaded five times
in turn into a fresh copy of each history (CREATE DATABASE … TEMPLATE); the medians are reported, and the
fastest run beside them.  The growth per day of history, from a straight line through the three points,
projects the day's load on top of a year of days.

The history is VACUUM ANALYZEd before the day is loaded, as autovacuum would have done by the next day,
so the planner sees the history it will run against.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2

from bench.measure import stop_postmaster
from sparkify.engine.server import embedded

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = (0, 10, 29)
YEAR_OF_DAYS = 364
TARGET_RATIO = 1.5  # the day on top of 29 days at most 1.5x the same day into an empty star

_MERGE_STEP = re.compile(r"merge step (.+): (\d+\.\d+) s$")
_COPY_DONE = re.compile(r"COPY (staging_\w+): .* in (\d+\.\d+) s$")
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})-events\.json$", re.ASCII)
# What make bench measures on is what sql_queries.py declares: SORTKEY(start_time) on songplays and time.
# PostgreSQL prunes by it only with an index; until the adapter makes one from the SORTKEY, the bench does.
_SORT_KEYS = {"songplays": "start_time", "time": "start_time"}


@dataclass
class DayOnHistory:
    """The last day's ``etl.py --since`` on top of ``history_days`` loaded days."""

    history_days: int
    history_songplays: int
    wall_s: float
    merge_s: float
    merge_steps_s: dict[str, float] = field(default_factory=dict)
    day_songplays: int = 0
    runs: int = 1  # the median of this many runs
    fastest_s: float = 0.0  # the fastest run's wall time
    skip_songs: bool = False  # with --skip-unchanged-songs (the song files are those already loaded)
    copy_s: dict[str, float] = field(default_factory=dict)  # by staging table, as etl.py logs it


def log_days(dataset: Path) -> list[tuple[str, Path]]:
    """The data set's daily log files as (YYYY-MM-DD, path), by day."""
    found = []
    for path in (dataset / "log_data").rglob("*-events.json"):
        match = _DAY_FILE.search(path.name)
        if match:
            found.append((match.group(1), path))
    return sorted(found)


def write_config(path: Path, data_dir: Path, db_name: str, log_data: Path, dataset: Path) -> Path:
    path.write_text(
        f"[CLUSTER]\nHOST =\nDB_NAME = {db_name}\nDB_USER = dwhuser\nDB_PASSWORD =\nDB_PORT = 5439\n"
        "[IAM_ROLE]\nARN =\n"
        f"[S3]\nLOG_DATA = {log_data}\nLOG_JSONPATH = {dataset}/log_json_path.json\n"
        f"SONG_DATA = {dataset}/song_data\nREGION = us-west-2\n"
        f"[EMBEDDED]\nDATA_DIR = {data_dir}\n[ETL]\nMAXERROR = 0\n"
    )
    return path


def _script(name: str, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / name), "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def _history_folder(work: Path, days: list[tuple[str, Path]], dataset: Path) -> Path:
    """A LOG_DATA folder holding just ``days``' files (hard links where the file system allows)."""
    folder = work / f"history-{len(days)}" / "log_data"
    folder.mkdir(parents=True, exist_ok=True)  # the configuration must name a folder that exists
    for _, path in days:
        target = folder / path.relative_to(dataset / "log_data")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy(path, target)
    return folder


def _connect(data_dir: Path, db_name: str) -> Any:
    socket_dir, port = embedded.ensure_server(data_dir)
    connection = psycopg2.connect(host=socket_dir, port=port, dbname=db_name, user="postgres")
    connection.autocommit = True
    return connection


def prepare_history(data_dir: Path, db_name: str) -> int:
    """Give the sort keys an index where none exists yet, VACUUM ANALYZE; the songplays loaded so far."""
    connection = _connect(data_dir, db_name)
    try:
        with connection.cursor() as cursor:
            for table, column in _SORT_KEYS.items():
                cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE tablename = %s", (table,))
                if cursor.fetchone()[0] == 0:
                    cursor.execute(f"CREATE INDEX {table}_{column}_brin ON {table} USING brin ({column})")
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT COUNT(*) FROM songplays")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def count_songplays(data_dir: Path, db_name: str) -> int:
    connection = _connect(data_dir, db_name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM songplays")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def merge_steps(stderr: str) -> dict[str, float]:
    """The merge's step times from etl.py's --verbose log."""
    return _timed(_MERGE_STEP, stderr)


def copy_times(stderr: str) -> dict[str, float]:
    """Each staging table's COPY time (summed over its COPYs) from etl.py's log."""
    return _timed(_COPY_DONE, stderr)


def _timed(pattern: re.Pattern[str], stderr: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        match = pattern.search(line)
        if match:
            found[match.group(1)] = found.get(match.group(1), 0.0) + float(match.group(2))
    return found


def load_history(dataset: Path, work: Path, data_dir: Path, history: int, progress: Any) -> str:
    """A database holding the ``history`` days before the data set's last one, ready to be copied."""
    days = log_days(dataset)
    if len(days) <= history:
        raise RuntimeError(f"{dataset} has {len(days)} days of logs: too few for a history of {history}")
    db_name = f"history_{history}"
    before = days[-1 - history : -1] if history else []
    config = write_config(
        work / f"{db_name}.cfg", data_dir, db_name, _history_folder(work, before, dataset), dataset
    )
    _script("create_tables.py", config, "--force")
    if history:
        progress(f"day on history: loading {history} days")
        _script("etl.py", config, "--skip-unchanged-songs")  # the same star, and the manifest of song files
    prepare_history(data_dir, db_name)
    return db_name


def day_on_history(
    dataset: Path, work: Path, data_dir: Path, history: int, *, skip_songs: bool = False
) -> DayOnHistory:
    """The last day's etl.py --since (and --skip-unchanged-songs if asked) into a fresh copy of the
    history's database."""
    db_name = f"day_on_{history}"
    admin = _connect(data_dir, "postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {db_name}")
            # FILE_COPY checkpoints and copies the files: no copy left in shared buffers to write back
            # while etl.py runs.
            cursor.execute(
                f"CREATE DATABASE {db_name} TEMPLATE history_{history} OWNER dwhuser STRATEGY = FILE_COPY"
            )
    finally:
        admin.close()
    history_songplays = count_songplays(data_dir, db_name)
    config = write_config(work / f"{db_name}.cfg", data_dir, db_name, dataset / "log_data", dataset)
    started = time.perf_counter()
    skip = ["--skip-unchanged-songs"] if skip_songs else []
    done = _script("etl.py", config, "--since", log_days(dataset)[-1][0], *skip, "--verbose")
    wall_s = time.perf_counter() - started
    steps = merge_steps(done.stderr)
    return DayOnHistory(
        history_days=history,
        history_songplays=history_songplays,
        wall_s=wall_s,
        merge_s=sum(steps.values()),
        merge_steps_s=steps,
        day_songplays=count_songplays(data_dir, db_name) - history_songplays,
        skip_songs=skip_songs,
        copy_s=copy_times(done.stderr),
    )


def median_run(runs: list[DayOnHistory]) -> DayOnHistory:
    """The run of median wall time, with every merge step's median over the runs."""
    middle = sorted(runs, key=lambda run: run.wall_s)[len(runs) // 2]
    steps = {
        step: statistics.median(run.merge_steps_s.get(step, 0.0) for run in runs)
        for step in middle.merge_steps_s
    }
    return DayOnHistory(
        history_days=middle.history_days,
        history_songplays=middle.history_songplays,
        wall_s=middle.wall_s,
        merge_s=statistics.median(run.merge_s for run in runs),
        merge_steps_s=steps,
        day_songplays=middle.day_songplays,
        runs=len(runs),
        fastest_s=min(run.wall_s for run in runs),
        skip_songs=middle.skip_songs,
        copy_s={
            table: statistics.median(run.copy_s.get(table, 0.0) for run in runs)
            for table in ("staging_songs", "staging_events")
        },
    )


def run_days_on_history(
    dataset: Path, progress: Any, histories: tuple[int, ...] = HISTORIES, repeats: int = 5
) -> list[DayOnHistory]:
    """The last day on top of each history, ``repeats`` times in turn (the median is kept: the machine is
    shared and reading the song files varies), on one fresh embedded server that is stopped afterwards."""
    dataset = dataset.resolve()  # the configurations are written elsewhere
    work = Path(tempfile.mkdtemp(prefix="sparkify-bench-days-")).resolve()
    data_dir = work / "pgdata"
    try:
        for history in histories:
            load_history(dataset, work, data_dir, history, progress)
        # Each history as etl.py --since runs by default, and the longest also as a daily job would run
        # it with --skip-unchanged-songs.
        cases = [*((history, False) for history in histories), (max(histories), True)]
        runs: dict[tuple[int, bool], list[DayOnHistory]] = {case: [] for case in cases}
        for repeat in range(repeats):
            for history, skip in cases:
                what = " --skip-unchanged-songs" if skip else ""
                progress(f"day on history: etl.py --since{what} on top of {history} days ({repeat + 1})")
                runs[history, skip].append(day_on_history(dataset, work, data_dir, history, skip_songs=skip))
        return [median_run(runs[case]) for case in cases]
    finally:
        stop_postmaster(data_dir)
        shutil.rmtree(work, ignore_errors=True)


def growth_per_day(results: list[DayOnHistory], attribute: str) -> float:
    """Seconds added per day of history: the slope of a least-squares line through (history days,
    seconds), or 0 when the points fall (the day then costs no more on top of a longer history)."""
    results = _default_runs(results)
    xs = [float(result.history_days) for result in results]
    ys = [float(getattr(result, attribute)) for result in results]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0
    return max(slope, 0.0)


def _default_runs(results: list[DayOnHistory]) -> list[DayOnHistory]:
    return [result for result in results if not result.skip_songs]


def projected(results: list[DayOnHistory], days: int, attribute: str) -> float:
    """The longest history's measurement carried on to ``days`` of history at the measured growth."""
    results = _default_runs(results)
    longest = max(results, key=lambda result: result.history_days)
    extra = days - longest.history_days
    return float(getattr(longest, attribute)) + growth_per_day(results, attribute) * extra


def report_lines(results: list[DayOnHistory]) -> list[str]:
    """The table of the day's load per history, each merge step, the ratio to the empty star, a year."""
    if not results:
        return []
    steps = list(results[0].merge_steps_s)
    lines = [
        f"one day on top of a history (etl.py --since the last day; medians of {results[0].runs} runs):",
        "  history days  songplays before  day's plays  etl.py s  fastest s  COPY songs  COPY events  "
        + "  ".join(["merge s", *steps]),
    ]
    for result in results:
        cells = "  ".join(f"{result.merge_steps_s.get(step, 0.0):>{len(step)}.3f}" for step in steps)
        history = f"{result.history_days}{' +skip' if result.skip_songs else ''}"
        songs_s, events_s = (result.copy_s.get(table, 0.0) for table in ("staging_songs", "staging_events"))
        lines.append(
            f"  {history:>12}  {result.history_songplays:>16,}  {result.day_songplays:>11,}  "
            f"{result.wall_s:>8.2f}  {result.fastest_s:>9.2f}  {songs_s:>10.1f}  {events_s:>11.1f}  "
            f"{result.merge_s:>7.3f}  {cells}"
        )
    skipping = [result for result in results if result.skip_songs]
    results = _default_runs(results)
    empty = next((result for result in results if result.history_days == 0), None)
    if empty and len(results) > 1:
        longest = max(results, key=lambda result: result.history_days)
        ratio = longest.wall_s / empty.wall_s
        verdict = "yes" if ratio <= TARGET_RATIO else "NO"
        lines.append(
            f"  on top of {longest.history_days} days / into an empty star: {ratio:.2f} "
            f"(fastest runs {longest.fastest_s / empty.fastest_s:.2f}; target <= {TARGET_RATIO:g}: {verdict})"
        )
        year_wall, year_merge = (projected(results, YEAR_OF_DAYS, name) for name in ("wall_s", "merge_s"))
        lines.append(
            f"  projected on top of {YEAR_OF_DAYS} days: etl.py {year_wall:.2f} s, merge {year_merge:.3f} s "
            f"(growth per day of history: etl.py {growth_per_day(results, 'wall_s') * 1000:.1f} ms, "
            f"merge {growth_per_day(results, 'merge_s') * 1000:.1f} ms, from a least-squares line)"
        )
    lines.extend(
        f"  +skip: etl.py --since --skip-unchanged-songs on top of {result.history_days} days, song files "
        f"unchanged since the history's load: {result.wall_s:.2f} s (fastest {result.fastest_s:.2f} s)"
        for result in skipping
    )
    return lines


def ratio_missed(results: list[DayOnHistory]) -> str | None:
    """The target missed, if it was."""
    results = _default_runs(results)
    empty = next((result for result in results if result.history_days == 0), None)
    if not empty or len(results) < 2:
        return None
    longest = max(results, key=lambda result: result.history_days)
    ratio = longest.wall_s / empty.wall_s
    if ratio <= TARGET_RATIO:
        return None
    return f"a day on top of {longest.history_days} days took {ratio:.2f}x the day into an empty star"
