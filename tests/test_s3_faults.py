"""S3 on a bad day: moto's server behind a fault-injecting proxy (tests/s3_faults.py).

A COPY through 503s, bodies cut off mid-stream and slow answers loads exactly what it loads on a good
day, in the same order, with the same line numbers and the same MAXERROR verdict; a denied object or a
body that never arrives whole is one line naming the object, exit 1, and the star as it was.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

import create_tables
import etl
from sparkify import packing, pipeline
from sparkify.config import load_config
from sparkify.engine.copy import produce, run_copy, s3io
from sparkify.errors import LoadError
from sparkify.sample_data import ExpectedCounts, generate
from sparkify.warehouse import connect
from tests.s3_faults import Faults, FaultyProxy

REGION = "us-west-2"
BUCKET = "sparkify-faulty"


@pytest.fixture(scope="module")
def moto_server() -> Iterator[tuple[str, int]]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()
    server.stop()


@dataclass
class FaultyS3:
    direct: Any  # a client that talks to moto without the proxy, to arrange and inspect
    faults: Faults
    proxy: FaultyProxy

    def put(self, key: str, body: bytes) -> None:
        self.direct.put_object(Bucket=BUCKET, Key=key, Body=body)


@pytest.fixture
def faulty_s3(moto_server: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyS3]:
    host, port = moto_server
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setattr(s3io, "BACKOFF_BASE_SECONDS", 0.01)
    direct = boto3.client("s3", region_name=REGION, endpoint_url=f"http://{host}:{port}")
    for bucket in (BUCKET, "sparkify-packs"):
        _empty_bucket(direct, bucket)
        direct.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    faults = Faults()
    proxy = FaultyProxy(moto_server, faults).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    s3io.forget_clients()
    yield FaultyS3(direct, faults, proxy)
    proxy.stop()
    s3io.forget_clients()
    s3io.configure(max_concurrency=s3io.DEFAULT_S3_MAX_CONCURRENCY)


def _empty_bucket(client: Any, bucket: str) -> None:
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)
    except client.exceptions.NoSuchBucket:
        pass


LINES = [
    '{"id": %d, "name": "a"}',
    '{"id": "x%d", "name": "bad digit"}',
    "not json %d",
    '{"id": %d, "name": "tab\\there"}',
]


def put_items(s3: FaultyS3, count: int) -> None:
    for number in range(count):
        s3.put(f"items/part_{number:03d}.json", "\n".join(line % number for line in LINES).encode())


def copy_items(db: Any, options: str = "JSON 'auto' MAXERROR 1000") -> tuple[Any, list[tuple[Any, ...]]]:
    """Load items/ and return the result and the rows in the order they were stored."""
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER, name VARCHAR(20))")
    result = run_copy(db, f"COPY items FROM 's3://{BUCKET}/items/' IAM_ROLE default {options};")
    with db.cursor() as cursor:
        cursor.execute("SELECT id, name FROM items ORDER BY ctid")
        return result, cursor.fetchall()


def summary(result: Any) -> tuple[Any, ...]:
    return result.files, [(r.filename, r.line, r.column, r.code) for r in result.rejected]


@pytest.mark.parametrize("workers", ["one process", "worker processes"])
def test_a_bad_day_loads_exactly_what_a_good_day_loads_in_the_same_order(
    faulty_s3: FaultyS3, db: Any, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    put_items(faulty_s3, 40)
    s3io.configure(max_concurrency=1)
    good, good_rows = copy_items(db)
    assert good.s3_retries == 0 and len(good_rows) == 80 and len(good.rejected) == 80

    if workers == "worker processes":
        monkeypatch.setattr(produce, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(produce, "BATCH_BYTES", 200)
    s3io.configure(max_concurrency=8)
    faulty_s3.faults.cut_every = 2
    faulty_s3.faults.slow_down_every = 3
    bad, bad_rows = copy_items(db)
    assert bad_rows == good_rows
    assert summary(bad) == summary(good)
    injected = sum(faulty_s3.faults.injected.values())
    assert injected >= 20 and faulty_s3.faults.injected["cut"] > 0
    assert bad.s3_retries == injected  # every fault cost one retry, and each is counted once


def test_a_body_cut_short_with_headers_to_match_is_caught_by_its_listed_size(
    faulty_s3: FaultyS3, db: Any
) -> None:
    put_items(faulty_s3, 10)
    good, good_rows = copy_items(db)
    faulty_s3.faults.short_every = 3
    bad, bad_rows = copy_items(db)
    assert (bad_rows, summary(bad)) == (good_rows, summary(good))
    assert bad.s3_retries == faulty_s3.faults.injected["short"] > 0


def test_maxerror_fails_at_the_same_line_whatever_the_concurrency(faulty_s3: FaultyS3, db: Any) -> None:
    put_items(faulty_s3, 12)
    failures = []
    for concurrency in (1, 12):
        s3io.configure(max_concurrency=concurrency)
        faulty_s3.faults.cut_every = 2
        with pytest.raises(LoadError) as caught:
            copy_items(db, "JSON 'auto' MAXERROR 5")
        failures.append((caught.value.filename, caught.value.line, len(caught.value.rejected)))
        with db.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM items")
            assert cursor.fetchone() == (0,)
    assert failures[0] == failures[1] == (f"s3://{BUCKET}/items/part_000.json", 2, 6)


def test_slow_answers_only_take_longer(faulty_s3: FaultyS3, db: Any) -> None:
    put_items(faulty_s3, 6)
    faulty_s3.faults.delay_seconds = 2.0
    faulty_s3.faults.delay_keys = "part_00"
    result, rows = copy_items(db)
    assert len(rows) == 12 and result.s3_retries == 0
    assert [stats.name.rsplit("/", 1)[1] for stats in result.files] == [
        f"part_{n:03d}.json" for n in range(6)
    ]


@pytest.mark.parametrize("workers", ["one process", "worker processes"])
def test_a_denied_object_is_named_and_not_retried(
    faulty_s3: FaultyS3, db: Any, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    if workers == "worker processes":
        monkeypatch.setattr(produce, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(produce, "BATCH_BYTES", 100)
    put_items(faulty_s3, 5)
    faulty_s3.faults.denied = {"items/part_003.json"}
    with pytest.raises(LoadError) as caught:
        copy_items(db)
    assert str(caught.value) == (
        f"Load into table 'items' failed at s3://{BUCKET}/items/part_003.json: "
        "cannot read the file: access to the object is denied (AccessDenied)"
    )
    assert faulty_s3.faults.gets["items/part_003.json"] == 1


def test_a_body_that_never_arrives_whole_fails_after_the_last_retry(faulty_s3: FaultyS3, db: Any) -> None:
    put_items(faulty_s3, 3)
    faulty_s3.faults.cut_first = 1000
    with pytest.raises(LoadError) as caught:
        copy_items(db)
    assert str(caught.value) == (
        f"Load into table 'items' failed at s3://{BUCKET}/items/part_000.json: cannot read the file: "
        f"S3 failed {s3io.GET_ATTEMPTS} times in a row, last with ResponseStreamingError"
    )


def test_a_missing_object_in_a_manifest_and_a_jsonpaths_file_through_faults(
    faulty_s3: FaultyS3, db: Any
) -> None:
    put_items(faulty_s3, 4)
    faulty_s3.put("paths.json", json.dumps({"jsonpaths": ["$.id", "$.name"]}).encode())
    entries = [{"url": f"s3://{BUCKET}/items/part_{n:03d}.json", "mandatory": True} for n in range(4)]
    faulty_s3.put("items.manifest", json.dumps({"entries": entries}).encode())
    faulty_s3.faults.cut_every = 2
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE items (id INTEGER, name VARCHAR(20))")
    result = run_copy(
        db,
        f"COPY items FROM 's3://{BUCKET}/items.manifest' IAM_ROLE default MANIFEST "
        f"JSON 's3://{BUCKET}/paths.json' MAXERROR 100;",
    )
    assert result.rows_loaded == 8 and len(result.files) == 4
    assert result.s3_retries == sum(faulty_s3.faults.injected.values()) > 0


# --- the whole job ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExpectedCounts]:
    root = tmp_path_factory.mktemp("faulty-sample")
    return root, generate(root, events=400, song_files=120, seed=11, days=3)


def upload(s3: FaultyS3, root: Path) -> None:
    for path in sorted(root.rglob("*.json")):
        s3.put(path.relative_to(root).as_posix(), path.read_bytes())


def s3_config(write_config: Any) -> Path:
    return write_config(
        LOG_DATA=f"s3://{BUCKET}/log_data",
        LOG_JSONPATH=f"s3://{BUCKET}/log_json_path.json",
        SONG_DATA=f"s3://{BUCKET}/song_data",
    )


def star_counts(config: Path) -> dict[str, int]:
    with connect(load_config(config)) as warehouse:
        return pipeline.table_counts(warehouse)


def created_on_s3(faulty_s3: FaultyS3, root: Path, write_config: Any) -> Path:
    """The sample uploaded behind the faulty proxy and an empty warehouse whose dwh.cfg reads it."""
    upload(faulty_s3, root)
    config = s3_config(write_config)
    assert create_tables.main(["--config", str(config)]) == 0
    return config


def test_etl_through_a_bad_day_gives_exact_counts_and_reports_retries(
    faulty_s3: FaultyS3, sample: tuple[Path, ExpectedCounts], write_config: Any, capsys: Any
) -> None:
    root, expected = sample
    config = created_on_s3(faulty_s3, root, write_config)
    faulty_s3.faults.cut_every = 5
    faulty_s3.faults.slow_down_every = 7
    capsys.readouterr()
    assert etl.main(["--config", str(config)]) == 0
    counts = star_counts(config)
    assert counts == {table: value for table, value in expected.to_dict().items() if table in counts}
    assert len(counts) == 7
    reported = [line for line in capsys.readouterr().err.splitlines() if line.startswith("etl.py: COPY")]
    assert [line.split()[2] for line in reported] == ["staging_songs:", "staging_events:"]
    retries = sum(int(line.rsplit(", ", 1)[1].split()[0]) for line in reported)
    assert retries == sum(faulty_s3.faults.injected.values()) > 0


def test_etl_with_a_denied_object_is_one_line_and_leaves_the_star(
    faulty_s3: FaultyS3, sample: tuple[Path, ExpectedCounts], write_config: Any, capsys: Any
) -> None:
    root, _ = sample
    config = created_on_s3(faulty_s3, root, write_config)
    assert etl.main(["--config", str(config)]) == 0
    before = star_counts(config)
    capsys.readouterr()
    denied = sorted(p.relative_to(root).as_posix() for p in (root / "song_data").rglob("*.json"))[7]
    faulty_s3.faults.denied = {denied}
    assert etl.main(["--config", str(config)]) == 1
    assert capsys.readouterr().err == (
        f"etl.py: error: Load into table 'staging_songs' failed at s3://{BUCKET}/{denied}: "
        "cannot read the file: access to the object is denied (AccessDenied)\n"
    )
    assert star_counts(config) == before


def test_max_concurrency_is_read_and_checked(write_config: Any) -> None:
    path = s3_config(write_config)
    assert load_config(path).s3_max_concurrency == s3io.DEFAULT_S3_MAX_CONCURRENCY
    path.write_text(path.read_text().replace("[S3]\n", "[S3]\nMAX_CONCURRENCY = 4\n"))
    assert load_config(path).s3_max_concurrency == 4
    path.write_text(path.read_text().replace("MAX_CONCURRENCY = 4", "MAX_CONCURRENCY = 0"))
    with pytest.raises(Exception, match=r"\[S3\] MAX_CONCURRENCY: '0' is not a whole number from 1 to 256"):
        load_config(path)


@pytest.mark.parametrize("streamed", [False, True], ids=["fetched-whole", "streamed-and-resumed"])
def test_packing_reads_and_uploads_through_faults(
    faulty_s3: FaultyS3, sample: tuple[Path, ExpectedCounts], monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    if streamed:  # large files' path: chunks, and a cut-off body resumes with a ranged GET
        monkeypatch.setattr(packing, "_WHOLE_FILE_BYTES", 0)
        monkeypatch.setattr(packing, "_CHUNK_BYTES", 64)
    root, expected = sample
    upload(faulty_s3, root)
    faulty_s3.faults.cut_every = 3
    # botocore waits up to a second before retrying a 503: a few, where files are read one by one
    faulty_s3.faults.slow_down_every = 40 if streamed else 4
    result = packing.pack_sources(
        f"s3://{BUCKET}/song_data", "s3://sparkify-packs/songs", parts=4, region=REGION, table="staging_songs"
    )
    sources = sorted((root / "song_data").rglob("*.json"))
    assert (result.files, result.parts) == (expected.staging_songs, 4)
    assert result.bytes_in == sum(path.stat().st_size for path in sources)
    assert faulty_s3.faults.injected["cut"] > 0
    manifest = faulty_s3.direct.get_object(Bucket="sparkify-packs", Key="songs/staging_songs.manifest")
    packed = b"".join(
        gzip.decompress(
            faulty_s3.direct.get_object(Bucket="sparkify-packs", Key=entry["url"].split("/", 3)[3])[
                "Body"
            ].read()
        )
        for entry in json.loads(manifest["Body"].read())["entries"]
    )
    assert sorted(packed.split()) == sorted(b"".join(path.read_bytes() + b"\n" for path in sources).split())


def test_verbose_logs_each_retry(
    faulty_s3: FaultyS3, sample: tuple[Path, ExpectedCounts], write_config: Any, capsys: Any
) -> None:
    root, _ = sample
    config = created_on_s3(faulty_s3, root, write_config)
    faulty_s3.faults.cut_every = 9
    faulty_s3.faults.slow_down_every = 10
    capsys.readouterr()
    assert etl.main(["--config", str(config), "--verbose"]) == 0
    err = capsys.readouterr().err
    cut = re.findall(r"^etl\.py: S3 GET .*; retry \d of 4 in [0-9.]+ s$", err, re.MULTILINE)
    slowed = re.findall(
        r"^etl\.py: S3 GET .*: answered after (\d+) request retry\(ies\) by botocore$", err, re.M
    )
    assert len(cut) == faulty_s3.faults.injected["cut"] > 0
    assert sum(map(int, slowed)) == faulty_s3.faults.injected["slow down"] > 0
    assert cut[0].startswith(f"etl.py: S3 GET s3://{BUCKET}/") and "ResponseStreamingError" in cut[0]


def test_the_progress_bar_counts_objects_their_rate_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from sparkify.engine.copy import progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    bar = progress.copy_progress("staging_songs", 3, 300, objects=True)
    bar.file_done(1, 100)
    bar.file_done(1, 100, retries=2)
    counts = bar._counts()  # type: ignore[attr-defined]
    bar.close()
    assert counts.startswith("2/3 objects fetched (") and counts.endswith("/s), 2 rows, 2 retries")


def test_a_missing_jsonpaths_file_is_one_line_naming_it(faulty_s3: FaultyS3, db: Any) -> None:
    put_items(faulty_s3, 2)
    with pytest.raises(LoadError) as caught:
        copy_items(db, f"JSON 's3://{BUCKET}/no-paths.json'")
    assert str(caught.value) == (
        f"Load into table 'items' failed: cannot read s3://{BUCKET}/no-paths.json: "
        "the object does not exist (NoSuchKey)"
    )
