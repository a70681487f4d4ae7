"""S3 reads: etl.py reading the song files from a moto server in its own process, against a plain reader.

The plain reader is what fetching the objects costs at best from this server on this machine: 16 threads
on one shared boto3 client, listing the prefix and GETting every object, nothing else.  etl.py runs twice
on fresh embedded servers — its sources on disk, then the same files on the moto server — so its time
over the disk run is what reading from S3 adds.  The target: that extra at most 1.5x the plain reader's
time.  Counts are checked against the generator's every time; each run is repeated and its best kept.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import MB, run_measured, stop_postmaster
from bench.scripts import checked, compare, loaded_counts, script, write_config

BUCKET = "sparkify-bench"
REGION = "us-west-2"
PLAIN_READER_THREADS = 16
S3_OVER_DISK_TARGET = 1.5  # etl.py's extra time for S3 over the plain reader's time
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass
class S3Run:
    song_files: int
    objects: int  # every object etl.py read: song files and log files
    plain_reader_s: float
    etl_disk_s: float
    etl_s3_s: float
    etl_s3_peak_rss_mb: float
    counts_ok: bool
    moto_server_pid: int

    @property
    def s3_extra_s(self) -> float:
        return self.etl_s3_s - self.etl_disk_s

    @property
    def ratio(self) -> float:
        return self.s3_extra_s / self.plain_reader_s


class MotoServer:
    """``moto_server`` in its own process on a free loopback port; stopped however the run ends."""

    def __init__(self, logs: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (logs / "moto.log").open("wb")
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> MotoServer:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("moto_server exited at start") from None
                time.sleep(0.1)
        raise RuntimeError("moto_server did not answer within 30 s")

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _client(url: str, threads: int) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=threads, retries={"mode": "standard"})
    return boto3.client("s3", endpoint_url=url, region_name=REGION, config=config)


def upload(url: str, dataset: Path) -> int:
    """Every JSON file of the data set into the bucket, keyed by its path in the set; the count."""
    client = _client(url, PLAIN_READER_THREADS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    paths = sorted(dataset.rglob("*.json"))

    def put(path: Path) -> None:
        client.put_object(Bucket=BUCKET, Key=path.relative_to(dataset).as_posix(), Body=path.read_bytes())

    with ThreadPoolExecutor(PLAIN_READER_THREADS) as pool:
        list(pool.map(put, paths))
    return len(paths)


def plain_read(url: str, prefix: str) -> tuple[float, int, int]:
    """List ``prefix`` and GET every object with 16 threads on one client: seconds, objects, bytes."""
    started = time.perf_counter()
    client = _client(url, PLAIN_READER_THREADS)
    keys = [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        for item in page.get("Contents", [])
    ]

    def get(key: str) -> int:
        return len(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    with ThreadPoolExecutor(PLAIN_READER_THREADS) as pool:
        total = sum(pool.map(get, keys))
    return time.perf_counter() - started, len(keys), total


def timed_etl(
    root: Path, sources: str, name: str, env: dict[str, str]
) -> tuple[float, float, dict[str, int]]:
    """create_tables + etl.py on a fresh embedded server reading ``sources``: etl's seconds, its peak RSS
    in MB, and the loaded counts."""
    work = Path(tempfile.mkdtemp(prefix=f"sparkify-bench-{name}-")).resolve()
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        config = write_config(work, sources)  # type: ignore[arg-type]
        checked(
            run_measured(script("create_tables.py", config, "--force"), cwd=root, logs=work, name="c"),
            "create",
        )
        etl = run_measured(
            script("etl.py", config), cwd=root, logs=work, name="etl", server_data_dir=work / "pgdata"
        )
        checked(etl, f"etl.py ({name})")
        counts, _ = loaded_counts(config)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stop_postmaster(work / "pgdata")
        shutil.rmtree(work, ignore_errors=True)
    return etl.wall_s, etl.peak_rss / MB, counts


def run_s3(root: Path, dataset: Path, expected: Any, progress: Any, repeats: int = 2) -> S3Run:
    """The whole S3 comparison on ``dataset`` (generated by run_bench.ensure_dataset): each of the three
    runs ``repeats`` times, interleaved, and the best time of each kept — the machine may be shared."""
    logs = Path(tempfile.mkdtemp(prefix="sparkify-bench-moto-"))
    plain, disk, s3, rss, counts_ok = [], [], [], [], True
    try:
        with MotoServer(logs) as server:
            progress(f"S3: moto_server at {server.url}; uploading {dataset.name}")
            os.environ.update(CREDENTIALS)
            objects = upload(server.url, dataset)
            env = {**CREDENTIALS, "AWS_ENDPOINT_URL": server.url}
            for attempt in range(1, repeats + 1):
                seconds, songs, _ = plain_read(server.url, "song_data/")
                plain.append(seconds)
                progress(f"S3 #{attempt}: plain reader ({PLAIN_READER_THREADS} threads) {seconds:.2f} s")
                for sources, times, peaks in ((str(dataset), disk, []), (f"s3://{BUCKET}", s3, rss)):
                    seconds, peak, counts = timed_etl(root, sources, "s3" if times is s3 else "disk", env)
                    times.append(seconds)
                    peaks.append(peak)
                    counts_ok = counts_ok and not compare(expected, counts)
                    progress(f"S3 #{attempt}: etl.py from {sources} {seconds:.2f} s")
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    return S3Run(songs, objects, min(plain), min(disk), min(s3), max(rss), counts_ok, server.process.pid)


def report_lines(run: S3Run) -> list[str]:
    verdict = "met" if run.ratio <= S3_OVER_DISK_TARGET else "MISSED"
    return [
        f"S3 reads, {run.song_files:,} song files on a moto server in its own process "
        f"(counts {'ok' if run.counts_ok else 'WRONG'}):",
        f"  plain reader ({PLAIN_READER_THREADS} threads, one client): {run.plain_reader_s:.2f} s, "
        f"{run.song_files / run.plain_reader_s:,.0f} objects/s",
        f"  etl.py from disk {run.etl_disk_s:.2f} s, from S3 {run.etl_s3_s:.2f} s "
        f"(peak RSS {run.etl_s3_peak_rss_mb:.0f} MB): S3 adds {run.s3_extra_s:.2f} s, "
        f"{run.objects / max(run.s3_extra_s, 1e-3):,.0f} objects/s",
        f"  S3's extra time over the plain reader's: {run.ratio:.2f} "
        f"(target <= {S3_OVER_DISK_TARGET}: {verdict})",
    ]
