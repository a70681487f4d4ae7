"""Packing many small source files into gzip parts and a manifest, on moto's S3 and on local folders, and
loading the packs with the packed COPY on the embedded PostgreSQL."""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
from pathlib import Path
from typing import Any

import boto3
import pytest

import create_tables
import etl
import sql_queries as q
from sparkify import packing
from sparkify.config import load_config
from sparkify.engine.copy import run_copy
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.sql.adapter import postgres_ddl
from sparkify.engine.sql.text import collapse_whitespace
from sparkify.pipeline import table_counts
from sparkify.sample_data import ExpectedCounts, generate
from sparkify.warehouse import connect
from tests.redshift_config import REDSHIFT

REGION = "us-west-2"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExpectedCounts]:
    """~200 tiny song files and a few small daily logs, with the counts a correct load gives."""
    root = tmp_path_factory.mktemp("sample")
    return root, generate(root, events=300, song_files=200, seed=5, days=3)


def upload(s3: Any, root: Path) -> None:
    for path in sorted(root.rglob("*.json")):
        s3.put_object(Bucket="sparkify-in", Key=path.relative_to(root).as_posix(), Body=path.read_bytes())


def s3_bytes(s3: Any, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def lines_of(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\n") if line.strip()]


def create_staging(db: Any) -> None:
    with db.cursor() as cursor:
        for statement in q.create_table_queries[:2]:
            cursor.execute(postgres_ddl(statement))


def staging_counts(db: Any) -> tuple[int, int]:
    with db.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM staging_events), (SELECT COUNT(*) FROM staging_songs)")
        events, songs = cursor.fetchone()
    return events, songs


# --- how many parts -------------------------------------------------------------------------------------


def test_slices_per_node_type(caplog: pytest.LogCaptureFixture) -> None:
    assert packing.slices_for("ra3.large", 2) == 4
    assert packing.slices_for("ra3.4xlarge", 3) == 12
    assert packing.slices_for("dc2.8xlarge", 1) == 16
    with caplog.at_level(logging.WARNING):
        assert packing.slices_for("ra9.huge", 3) == 6
    assert "unknown node type 'ra9.huge'" in caplog.text
    with pytest.raises(ValueError):
        packing.slices_for("ra3.large", 0)


def test_slices_from_the_infra_section(tmp_path: Path) -> None:
    path = tmp_path / "dwh.cfg"
    path.write_text("[CLUSTER]\nHOST =\n")
    assert packing.slices_from_config(path) == 4  # iac/cluster.py's default: ra3.large x 2
    path.write_text("[INFRA]\nNODE_TYPE = 'ra3.16xlarge'\nNUMBER_OF_NODES = 2\n")
    assert packing.slices_from_config(path) == 32
    path.write_text("[INFRA]\nKIND = serverless\n")
    assert packing.slices_from_config(path) == packing.SERVERLESS_SLICES
    path.write_text("[INFRA]\nNUMBER_OF_NODES = many\n")
    with pytest.raises(packing.PackError, match="NUMBER_OF_NODES"):
        packing.slices_from_config(path)


@pytest.mark.parametrize("total", [0, 10_000, 50 * 2**20, 5 * 2**30, 100 * 2**30])
def test_part_count_is_a_multiple_of_the_slices_and_keeps_parts_under_the_ceiling(total: int) -> None:
    parts = packing.part_count(total, 4)
    assert parts % 4 == 0 and parts >= 4
    assert total / packing.ESTIMATED_GZIP_RATIO / parts <= packing.MAX_PART_BYTES
    # the smallest such multiple: one slice-round fewer would overflow a part
    if parts > 4:
        assert total / packing.ESTIMATED_GZIP_RATIO / (parts - 4) > packing.MAX_PART_BYTES


def test_files_are_balanced_over_the_parts_by_size() -> None:
    sizes = [7, 1, 30, 2, 2, 9, 15, 1, 0, 4, 8, 22, 3, 3, 11]
    files = [SourceFile(f"f{index:02d}", size, f"f{index:02d}") for index, size in enumerate(sizes)]
    groups = packing.assign_parts(files, 4)
    assert sorted(source.name for group in groups for source in group) == [f.name for f in files]
    loads = [sum(source.size for source in group) for group in groups]
    assert max(loads) - min(loads) <= max(sizes)
    assert all(group == sorted(group, key=lambda source: source.name) for group in groups)


# --- packing --------------------------------------------------------------------------------------------


def test_song_files_are_packed_into_gzip_parts_with_a_manifest(
    s3: Any, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, expected = sample
    upload(s3, root)
    sources = sorted((root / "song_data").rglob("*.json"))
    result = packing.pack_sources(
        "s3://sparkify-in/song_data",
        "s3://sparkify-packed/run-1/songs",
        parts=4,
        region=REGION,
        table="staging_songs",
    )
    assert (result.parts, result.files) == (4, expected.staging_songs) == (4, len(sources))
    assert result.bytes_in == sum(path.stat().st_size for path in sources)
    assert result.manifest_uri == "s3://sparkify-packed/run-1/songs/staging_songs.manifest"

    listed = s3.list_objects_v2(Bucket="sparkify-packed", Prefix="run-1/songs/part-")["Contents"]
    entries = json.loads(s3_bytes(s3, result.manifest_uri))["entries"]
    assert entries == [
        {
            "url": f"s3://sparkify-packed/{item['Key']}",
            "mandatory": True,
            "meta": {"content_length": item["Size"]},
        }
        for item in listed
    ]
    assert [item["Key"].rsplit("/", 1)[1] for item in listed] == [f"part-{n:04d}.json.gz" for n in range(4)]
    assert result.bytes_out == sum(item["Size"] for item in listed)

    # Every source file's bytes survive, each object on its own line.
    packed = [line for entry in entries for line in lines_of(gzip.decompress(s3_bytes(s3, entry["url"])))]
    assert len(packed) == expected.staging_songs
    assert sorted(packed) == sorted(line for path in sources for line in lines_of(path.read_bytes()))
    assert all(isinstance(json.loads(line), dict) for line in packed)


@pytest.mark.parametrize("streamed", [False, True], ids=["fetched-whole", "streamed-in-chunks"])
def test_files_of_any_json_layout_stay_whole_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    if streamed:  # the path large files take, here with chunks that split objects mid-way
        monkeypatch.setattr(packing, "_WHOLE_FILE_BYTES", 0)
        monkeypatch.setattr(packing, "_CHUNK_BYTES", 3)
    source = tmp_path / "in" / "data"
    source.mkdir(parents=True)
    (source / "a.json").write_bytes(b'{"n": 1}')  # one object, no final newline
    (source / "b.json").write_bytes(b'{"n": 2}\n{"n": 3}\n')  # one per line
    (source / "c.json").write_bytes(b'{\n  "n": 4\n}{"n": 5}')  # spread over lines, concatenated
    (source / "d.json").write_bytes(b"")
    result = packing.pack_sources(
        str(source), str(tmp_path / "out"), parts=2, region=None, table="staging_songs"
    )
    text = b"".join(
        gzip.decompress(Path(entry["url"]).read_bytes())
        for entry in json.loads(Path(result.manifest_uri).read_text())["entries"]
    ).decode()
    decoder, found, index = json.JSONDecoder(), [], 0
    while text[index:].strip():
        index += len(text[index:]) - len(text[index:].lstrip())
        value, index = decoder.raw_decode(text, index)
        found.append(value["n"])
    assert sorted(found) == [1, 2, 3, 4, 5]
    assert (result.files, result.parts) == (4, 2)


def test_fewer_files_than_parts_give_one_part_per_file(tmp_path: Path) -> None:
    (tmp_path / "songs").mkdir()
    for name in ("x", "y", "z"):
        (tmp_path / "songs" / f"{name}.json").write_text('{"num_songs": 1}')
    result = packing.pack_sources(
        str(tmp_path / "songs"), str(tmp_path / "packed"), parts=16, region=None, table="staging_songs"
    )
    assert result.parts == 3
    assert sorted(path.name for path in (tmp_path / "packed").iterdir()) == [
        "part-0000.json.gz",
        "part-0001.json.gz",
        "part-0002.json.gz",
        "staging_songs.manifest",
    ]


# --- the packed COPY ------------------------------------------------------------------------------------


def test_packed_copy_statements_sent_to_redshift() -> None:
    songs = q.packed_copy_query(
        REDSHIFT, "staging_songs", "s3://packs/run/songs/staging_songs.manifest", "auto"
    )
    events = q.packed_copy_query(
        REDSHIFT, "staging_events", "s3://packs/run/events/staging_events.manifest", REDSHIFT.log_jsonpath
    )
    assert collapse_whitespace(songs) == (
        "COPY staging_songs FROM 's3://packs/run/songs/staging_songs.manifest' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole' REGION 'us-west-2' MANIFEST GZIP "
        "FORMAT AS JSON 'auto' BLANKSASNULL EMPTYASNULL COMPUPDATE OFF STATUPDATE OFF MAXERROR 0;"
    )
    assert collapse_whitespace(events) == (
        "COPY staging_events FROM 's3://packs/run/events/staging_events.manifest' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole' REGION 'us-west-2' MANIFEST GZIP "
        "FORMAT AS JSON 's3://udacity-dend/log_json_path.json' TIMEFORMAT 'epochmillisecs' "
        "BLANKSASNULL EMPTYASNULL COMPUPDATE OFF STATUPDATE OFF MAXERROR 0;"
    )


def test_packed_copy_values_are_validated_and_quoted() -> None:
    local = dataclasses.replace(REDSHIFT, iam_role_arn="", maxerror=3)
    songs = collapse_whitespace(q.packed_copy_query(local, "staging_songs", "/p/o'brien.manifest", "auto"))
    assert songs.startswith("COPY staging_songs FROM '/p/o''brien.manifest' IAM_ROLE default REGION")
    assert songs.endswith("MAXERROR 3;")
    with pytest.raises(ValueError, match="not a staging table"):
        q.packed_copy_query(local, "songs; DROP TABLE users", "/p/m.manifest", "auto")
    with pytest.raises(ValueError, match="backslash"):
        q.packed_copy_query(local, "staging_songs", "C:\\p\\m.manifest", "auto")


def test_packed_copies_from_s3_load_every_row(
    s3: Any, sample: tuple[Path, ExpectedCounts], db: Any, write_config: Any
) -> None:
    root, expected = sample
    upload(s3, root)
    config = load_config(
        write_config(
            LOG_DATA="s3://sparkify-in/log_data",
            LOG_JSONPATH="s3://sparkify-in/log_json_path.json",
            SONG_DATA="s3://sparkify-in/song_data",
        )
    )
    statements = packing.packed_copy_queries(config, destination_uri="s3://sparkify-packed/load/", parts=2)
    assert [collapse_whitespace(sql).split()[1] for sql in statements] == ["staging_songs", "staging_events"]
    assert "FROM 's3://sparkify-packed/load/songs/staging_songs.manifest'" in statements[0]
    assert "FROM 's3://sparkify-packed/load/events/staging_events.manifest'" in statements[1]
    packed = s3.list_objects_v2(Bucket="sparkify-packed", Prefix="load/")["Contents"]
    assert len([item for item in packed if item["Key"].endswith(".json.gz")]) == 4  # 2 per table

    create_staging(db)
    results = [run_copy(db, statement) for statement in statements]
    assert [len(result.files) for result in results] == [2, 2]
    assert staging_counts(db) == (expected.staging_events, expected.staging_songs)


def test_packed_copies_on_the_local_engine(
    sample: tuple[Path, ExpectedCounts], db: Any, write_config: Any, tmp_path: Path
) -> None:
    root, expected = sample
    config = load_config(write_config(root))
    destination = tmp_path / "packed"
    statements = packing.packed_copy_queries(config, destination_uri=str(destination), parts=4)
    create_staging(db)
    for statement in statements:
        run_copy(db, statement)
    assert staging_counts(db) == (expected.staging_events, expected.staging_songs)
    # three daily log files: one part each, not four
    assert len(list((destination / "events").glob("part-*.json.gz"))) == 3
    assert len(list((destination / "songs").glob("part-*.json.gz"))) == 4


def test_narrower_log_sources_are_packed_together(
    sample: tuple[Path, ExpectedCounts], write_config: Any, tmp_path: Path
) -> None:
    root, _ = sample
    config = load_config(write_config(root))
    days = [f"{root}/log_data/2018/11/2018-11-02", f"{root}/log_data/2018/11/2018-11-03"]
    destination = tmp_path / "packed"
    statements = packing.packed_copy_queries(
        config, destination_uri=str(destination), parts=2, log_sources=days
    )
    assert len(statements) == 2
    manifest = json.loads((destination / "events" / "staging_events.manifest").read_text())
    assert len(manifest["entries"]) == 2
    only_songs = packing.packed_copy_queries(
        config, destination_uri=str(destination), parts=2, log_sources=[]
    )
    assert len(only_songs) == 1


# --- errors ---------------------------------------------------------------------------------------------


def test_missing_destination_bucket_is_one_clear_error_before_reading_anything(s3: Any) -> None:
    with pytest.raises(packing.PackError) as caught:
        packing.pack_sources(
            "s3://sparkify-in/nothing-here",
            "s3://no-such-bucket/packs",
            parts=2,
            region=REGION,
            table="staging_songs",
        )
    message = str(caught.value)
    assert message == (
        "the S3 bucket 'no-such-bucket' does not exist; create it "
        "(aws s3 mb s3://no-such-bucket --region us-west-2) or name another"
    )
    assert caught.value.exit_code == 2


def test_denied_destination_bucket_says_which_permissions(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    class Denied:
        def head_bucket(self, Bucket: str) -> None:
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")

    monkeypatch.setattr(packing, "s3_client", lambda region: Denied())
    with pytest.raises(
        packing.PackError, match=r"^access to the S3 bucket 'theirs' is denied \(403\); these"
    ):
        packing.pack_sources("s3://in/x", "s3://theirs/p", parts=2, region=REGION, table="staging_events")


def test_bucket_in_another_region_is_refused(s3: Any, sample: tuple[Path, ExpectedCounts]) -> None:
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="packs-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    with pytest.raises(
        packing.PackError, match=r"'packs-eu' is in eu-west-1, but \[S3\] REGION is us-west-2"
    ):
        packing.pack_sources(
            "s3://sparkify-in/song_data", "s3://packs-eu/p", parts=2, region=REGION, table="staging_songs"
        )


def test_destination_under_the_source_prefix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(packing.PackError, match="under the source prefix"):
        packing.pack_sources(
            "s3://sparkify-in/song_data",
            "s3://sparkify-in/song_data_packed",
            parts=2,
            region=REGION,
            table="staging_songs",
        )
    (tmp_path / "song_data").mkdir()
    with pytest.raises(packing.PackError, match="under the source prefix"):
        packing.pack_sources(
            str(tmp_path / "song_data"),
            str(tmp_path / "song_data" / "packed"),
            parts=2,
            region=None,
            table="staging_songs",
        )
    assert not (tmp_path / "song_data" / "packed").exists()


def test_a_home_folder_of_no_user_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "song_data").mkdir()
    with pytest.raises(packing.PackError, match="starts with ~ but names no user's home folder"):
        packing.pack_sources(
            str(tmp_path / "song_data"),
            "~no_such_user_sparkify/packs",
            parts=2,
            region=None,
            table="staging_songs",
        )


def test_a_pack_under_either_source_prefix_is_refused() -> None:
    logs_first = dataclasses.replace(REDSHIFT, log_data="s3://udacity-dend/l")
    with pytest.raises(packing.PackError, match="under the source prefix s3://udacity-dend/l,"):
        packing.packed_copy_queries(logs_first, destination_uri="s3://udacity-dend/lpacks", parts=2)


def test_redshift_cannot_read_a_local_pack() -> None:
    with pytest.raises(packing.PackError, match="Redshift reads only s3://"):
        packing.packed_copy_queries(REDSHIFT, destination_uri="/tmp/packs", parts=2)


def test_etl_pack_to_a_local_folder_loads_the_same_counts(tmp_path: Path, write_config) -> None:
    expected = generate(tmp_path / "data", events=300, song_files=30, seed=5, days=2)
    config = str(write_config(tmp_path / "data"))
    assert create_tables.main(["--config", config]) == 0
    assert etl.main(["--config", config, "--pack-to", str(tmp_path / "packed")]) == 0
    with connect(load_config(config)) as warehouse:
        counts = table_counts(warehouse)
    assert (counts["staging_events"], counts["staging_songs"]) == (
        expected.staging_events,
        expected.staging_songs,
    )
    assert counts["songplays"] == expected.songplays
    assert (tmp_path / "packed/events/staging_events.manifest").is_file()


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("s3://", "'s3://' is not a valid s3://bucket/prefix URI"),
        ("s3://UPPER/x", "'s3://UPPER/x' is not a valid s3://bucket/prefix URI"),
        ("", "'' is neither an s3://bucket/prefix URI nor a local folder"),
        ("s3:/x", "'s3:/x' is neither an s3://bucket/prefix URI nor a local folder"),
    ],
)
def test_a_bad_pack_destination_is_a_usage_error_before_anything_runs(
    destination: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        etl.main(["--config", str(tmp_path / "no.cfg"), "--pack-to", destination])
    assert exited.value.code == 2
    assert f"etl.py: error: argument --pack-to: {message}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
