"""The S3 read benchmark end to end on a few song files: every run loads the right counts, the moto
server it starts is gone afterwards.  Only a smoke test; `make bench-s3` takes the real numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_s3_bench_on_a_few_song_files(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    command = [
        *(sys.executable, "-m", "bench.run_bench"),
        *("--s3", "--s3-song-files", "40"),
        *("--data-dir", str(tmp_path / "data"), "--json", str(results)),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "S3 reads, 40 song files on a moto server in its own process (counts ok):"
    assert lines[2].startswith("  plain reader (16 threads, one client): ")
    assert lines[4].startswith("  S3's extra time over the plain reader's: ")
    run = json.loads(results.read_text())["s3"]
    assert run["counts_ok"] and run["song_files"] == 40 and run["objects"] > 40
    assert min(run["plain_reader_s"], run["etl_disk_s"], run["etl_s3_s"]) > 0
    with pytest.raises(ProcessLookupError):  # the moto server it started is gone
        os.kill(run["moto_server_pid"], 0)
