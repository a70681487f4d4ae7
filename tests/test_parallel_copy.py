"""Worker processes convert files ahead of the load; the result must be exactly the single-process one."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from sparkify.engine.copy import produce, run_copy
from sparkify.errors import LoadError

LINES = [
    '{"id": 1, "name": "a"}',
    '{"id": "x", "name": "bad digit"}',
    "not json",
    '{"id": 4, "name": "tab\\there"}',
]


def make_files(folder: Path, count: int) -> None:
    for index in range(count):
        path = folder / f"part_{index:03d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(LINES))


def load(db: Any, folder: Path, options: str = "JSON 'auto' MAXERROR 1000") -> Any:
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER, name VARCHAR(20))")
    result = run_copy(db, f"COPY items FROM '{folder}/' IAM_ROLE default {options};")
    with db.cursor() as cursor:
        cursor.execute("SELECT id, name FROM items")
        return result, sorted(cursor.fetchall())


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file its own batch, and workers even for a few bytes."""
    monkeypatch.setattr(produce, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(produce, "BATCH_BYTES", 1)


def test_workers_give_the_same_rows_stats_and_rejections_in_file_order(
    db: Any, tmp_path: Path, monkeypatch
) -> None:
    make_files(tmp_path / "in", 9)
    serial_result, serial_rows = load(db, tmp_path / "in")
    monkeypatch.setattr(produce, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(produce, "BATCH_BYTES", 1)
    parallel_result, parallel_rows = load(db, tmp_path / "in")
    assert parallel_rows == serial_rows and len(parallel_rows) == 18
    assert parallel_result.files == serial_result.files
    assert [(r.filename, r.line, r.code) for r in parallel_result.rejected] == [
        (r.filename, r.line, r.code) for r in serial_result.rejected
    ]
    assert [Path(r.filename).name for r in parallel_result.rejected[:3]] == [
        "part_000.json",
        "part_000.json",
        "part_001.json",
    ]


def test_maxerror_in_workers_fails_at_the_first_bad_line(db: Any, tmp_path: Path, parallel: None) -> None:
    make_files(tmp_path / "in", 6)
    with pytest.raises(LoadError) as caught:
        load(db, tmp_path / "in", "JSON 'auto' MAXERROR 2")
    assert (Path(caught.value.filename or "").name, caught.value.line) == ("part_000.json", 2)
    with db.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM items")
        assert cursor.fetchone() == (0,)


def test_an_error_in_a_worker_reaches_the_user_intact(db: Any, tmp_path: Path, parallel: None) -> None:
    make_files(tmp_path / "in", 3)
    for path in (tmp_path / "in").iterdir():
        path.write_bytes(gzip.compress(path.read_bytes()))
    (tmp_path / "in/part_001.json").write_bytes(b"\x1f\x8b\x08\x00broken")
    with pytest.raises(LoadError, match=r"part_001.json.*is not valid gzip data"):
        load(db, tmp_path / "in", "JSON 'auto' GZIP MAXERROR 1000")
