"""Our scripts as the benchmarks run them: a dwh.cfg for a fresh embedded server, their command lines,
a failed step as :class:`BenchFailed`, and the loaded counts checked against the generator's."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.measure import Measured
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.sample_data import ExpectedCounts
from sparkify.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent


class BenchFailed(Exception):
    """A step exited non-zero: the benchmark has no number to report for it."""


def write_config(work: Path, sources: Path, db_name: str = "bench") -> Path:
    """A dwh.cfg for a fresh embedded server in ``work``, reading ``sources``."""
    path = work / "dwh.cfg"
    path.write_text(
        f"[CLUSTER]\nHOST =\nDB_NAME = {db_name}\nDB_USER = dwhuser\nDB_PASSWORD =\nDB_PORT = 5439\n"
        "[IAM_ROLE]\nARN =\n"
        f"[S3]\nLOG_DATA = {sources}/log_data\nLOG_JSONPATH = {sources}/log_json_path.json\n"
        f"SONG_DATA = {sources}/song_data\nREGION = us-west-2\n"
        f"[EMBEDDED]\nDATA_DIR = {work}/pgdata\n[ETL]\nMAXERROR = 0\n"
    )
    return path


def compare(expected: ExpectedCounts, actual: dict[str, int]) -> dict[str, list[int | None]]:
    """Every count that differs, as name -> [expected, actual]."""
    return {
        name: [want, actual.get(name)]
        for name, want in expected.to_dict().items()
        if actual.get(name) != want
    }


def script(name: str, config: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / name), "--config", str(config), *args]


def checked(measured: Measured, what: str) -> Measured:
    if measured.returncode != 0:
        raise BenchFailed(f"{what} exited {measured.returncode}:\n{measured.error_tail()}")
    return measured


def loaded_counts(config_path: Path) -> tuple[dict[str, int], str]:
    """The warehouse's row counts in the generator's terms, and the server's version."""
    with connect(load_config(config_path)) as warehouse:
        counts = pipeline.table_counts(warehouse)
        for name, sql in (
            ("songplays_with_song", "SELECT COUNT(song_id) FROM songplays"),
            ("users_paid", "SELECT COUNT(*) FROM users WHERE level = 'paid'"),
        ):
            counts[name] = int(warehouse.query(sql)[1][0][0])
        return counts, warehouse.version.split(" on ")[0]
