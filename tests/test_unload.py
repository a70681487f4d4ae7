"""UNLOAD on the local engine: Redshift's part names, formats and options, to local paths and to S3 (moto),
and a round trip: what UNLOAD writes, COPY reads back unchanged."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from sparkify.config import load_config
from sparkify.engine.unload.statement import NOT_EMPTY, parse_unload, run_unload
from sparkify.errors import UnloadError
from sparkify.warehouse import Warehouse, connect

ROWS = [
    (1, "Lena", "2018-11-01 21:01:46", 3.5),
    (2, 'O\'Brien | "quoted"', "2018-11-02 08:00:00", None),
    (3, None, None, -1.0),
]


@pytest.fixture
def warehouse(write_config, tmp_path: Path) -> Iterator[Warehouse]:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as opened:
        opened.execute("CREATE TABLE src (id INT, name VARCHAR(40), ts TIMESTAMP, score DOUBLE PRECISION)")
        opened.execute(
            "INSERT INTO src VALUES (1, 'Lena', '2018-11-01 21:01:46', 3.5), "
            "(2, 'O''Brien | \"quoted\"', '2018-11-02 08:00:00', NULL), (3, NULL, NULL, -1)"
        )
        yield opened


def _rows(warehouse: Warehouse, table: str) -> list[tuple[Any, ...]]:
    _, rows = warehouse.query(f"SELECT id, name, ts::text, score FROM {table} ORDER BY id")
    return rows


def test_parallel_off_json_round_trips_through_copy_on_a_local_path(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    prefix = tmp_path / "out" / "src_"
    warehouse.execute(f"UNLOAD ('select * from src') TO '{prefix}' FORMAT JSON PARALLEL OFF")
    assert sorted(path.name for path in prefix.parent.iterdir()) == ["src_000"]
    assert warehouse.query("SELECT pg_last_unload_count()")[1] == [(3,)]
    first = json.loads((prefix.parent / "src_000").read_text().splitlines()[0])
    assert first == {"id": 1, "name": "Lena", "ts": "2018-11-01 21:01:46", "score": 3.5}
    warehouse.execute("CREATE TABLE back (LIKE src)")
    warehouse.execute(f"COPY back FROM '{prefix}' IAM_ROLE default FORMAT AS JSON 'auto'")
    assert _rows(warehouse, "back") == ROWS


def test_gzip_json_round_trips_through_copy_on_s3(warehouse: Warehouse, s3) -> None:
    warehouse.execute(
        "UNLOAD ('select * from src where id > 0') TO 's3://sparkify-packed/unload/src_' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS JSON GZIP"
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="sparkify-packed")["Contents"]]
    assert keys == ["unload/src_0000_part_00.gz"]
    warehouse.execute("CREATE TABLE back (LIKE src)")
    warehouse.execute(
        "COPY back FROM 's3://sparkify-packed/unload/src_' IAM_ROLE default GZIP FORMAT AS JSON 'auto'"
    )
    assert _rows(warehouse, "back") == ROWS


def test_zstd_csv_with_header_and_a_verbose_manifest_on_s3(warehouse: Warehouse, s3) -> None:
    warehouse.execute(
        "UNLOAD ('select id, name from src where name <> ''Lena''') TO 's3://sparkify-packed/csv/part_' "
        "CREDENTIALS 'aws_access_key_id=AK;aws_secret_access_key=SK' CSV HEADER ZSTD MANIFEST VERBOSE"
    )
    body = s3.get_object(Bucket="sparkify-packed", Key="csv/part_0000_part_00.zst")["Body"].read()
    text = zstandard.ZstdDecompressor().stream_reader(body).read().decode()
    assert text == 'id,name\n2,"O\'Brien | ""quoted"""\n'
    manifest = json.loads(s3.get_object(Bucket="sparkify-packed", Key="csv/part_manifest")["Body"].read())
    assert manifest["entries"][0]["url"] == "s3://sparkify-packed/csv/part_0000_part_00.zst"
    assert manifest["entries"][0]["meta"]["record_count"] == 1
    assert [element["name"] for element in manifest["schema"]["elements"]] == ["id", "name"]


def test_default_text_format_delimiter_and_null(warehouse: Warehouse, tmp_path: Path) -> None:
    prefix = tmp_path / "text" / "t_"
    warehouse.execute(
        f"UNLOAD ('select top 2 id, name from src order by id desc') TO '{prefix}' PARALLEL FALSE"
    )
    assert (prefix.parent / "t_000").read_text() == '3|\n2|O\'Brien | "quoted"\n'
    warehouse.execute(
        f"UNLOAD ('select id, name from src where id = 3') TO '{prefix}' "
        "DELIMITER AS ';' NULL AS 'NULL' ADDQUOTES ALLOWOVERWRITE PARALLEL OFF"
    )
    assert (prefix.parent / "t_000").read_text() == '"3";NULL\n'


def test_an_unload_onto_existing_files_needs_allowoverwrite(warehouse: Warehouse, tmp_path: Path) -> None:
    prefix = tmp_path / "again" / "a_"
    statement = f"UNLOAD ('select id from src') TO '{prefix}' GZIP"
    warehouse.execute(statement)
    with pytest.raises(UnloadError, match="ALLOWOVERWRITE"):
        warehouse.execute(statement)
    warehouse.execute(statement + " ALLOWOVERWRITE")
    lines = gzip.decompress((prefix.parent / "a_0000_part_00.gz").read_bytes()).decode().split()
    assert lines == ["1", "2", "3"]
    assert NOT_EMPTY.startswith("Specified unload destination on S3 is not empty")


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("FORMAT PARQUET HEADER", "you can't use PARQUET with HEADER"),
        ("FIXEDWIDTH '0:1'", "option FIXEDWIDTH is not supported"),
        ("FORMAT XML", "FORMAT XML is not one of CSV, JSON, PARQUET"),
        ("PARTITION BY ('a')", "PARTITION BY takes column names, not string literals"),
    ],
)
def test_options_the_local_engine_cannot_honour_are_refused(tail: str, message: str) -> None:
    with pytest.raises(UnloadError, match=message):
        parse_unload(f"UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default {tail}")


def test_the_query_literal_is_read_with_its_doubled_quotes() -> None:
    command = parse_unload(
        "unload ('select * from venue where venuestate = ''NV''') to 's3://b/v_' iam_role default"
    )
    assert command.query == "select * from venue where venuestate = 'NV'"
    assert (command.destination, command.parallel, command.format) == ("s3://b/v_", True, "text")


def test_a_quote_in_the_query_may_be_escaped_with_a_backslash_as_the_guide_writes_it() -> None:
    command = parse_unload(
        "unload ('select * from venue where venuestate=\\'NV\\'') to 's3://b/v_' iam_role default"
    )
    assert command.query == "select * from venue where venuestate='NV'"
    with pytest.raises(UnloadError, match="not closed"):
        parse_unload("UNLOAD ('select 1")
    with pytest.raises(UnloadError, match="as its first clauses"):
        parse_unload("UNLOAD 'select 1' TO 's3://b/p'")


def test_maxfilesize_splits_into_numbered_parts_each_with_the_header(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    with warehouse.connection.cursor() as cursor:  # 6,000 rows of 1 kB: more than one 5 MB part
        cursor.execute(
            "CREATE TABLE big AS SELECT n, repeat('x', 1000) AS pad FROM generate_series(1, 6000) n"
        )
    prefix = tmp_path / "big" / "b_"
    written = run_unload(
        warehouse.connection,
        f"UNLOAD ('select n, pad from big order by n') TO '{prefix}' CSV HEADER MAXFILESIZE 5 MB "
        "PARALLEL OFF MANIFEST VERBOSE",
    )
    assert [Path(name).name for name in written] == ["b_000", "b_001", "b_manifest"]
    first, second = ((prefix.parent / name).read_text().splitlines() for name in ("b_000", "b_001"))
    assert first[0] == second[0] == "n,pad"
    assert len(first) - 1 + len(second) - 1 == 6000
    assert (prefix.parent / "b_000").stat().st_size <= 5 * 1024 * 1024
    manifest = json.loads((prefix.parent / "b_manifest").read_text())
    assert [entry["url"] for entry in manifest["entries"]] == [str(prefix) + "000", str(prefix) + "001"]
    assert manifest["meta"]["record_count"] == 6000
    with pytest.raises(UnloadError, match=r"from 5 MB to 6\.2 GB"):
        parse_unload(f"UNLOAD ('select 1') TO '{prefix}' MAXFILESIZE 1 MB")


def test_partition_by_writes_hive_folders_that_copy_reads_back(warehouse: Warehouse, tmp_path: Path) -> None:
    """PARTITION BY (…) INCLUDE: one folder per value, ``column=value/``, the partition column kept in
    the files, read back whole by a COPY of the prefix; a NULL value is Hive's default partition."""
    prefix = tmp_path / "parts" / "src"
    warehouse.execute(
        f"UNLOAD ('select id, name, score, (id % 2 = 1) AS odd from src') TO '{prefix}' "
        "FORMAT JSON PARTITION BY (odd, name) INCLUDE"
    )
    folders = sorted(str(path.relative_to(prefix)) for path in prefix.rglob("*") if path.is_file())
    assert folders == [
        "odd=false/name=O%27Brien | %22quoted%22/0000_part_00",
        "odd=true/name=Lena/0000_part_00",
        "odd=true/name=__HIVE_DEFAULT_PARTITION__/0000_part_00",
    ]
    assert warehouse.query("SELECT pg_last_unload_count()")[1] == [(3,)]
    warehouse.execute("CREATE TABLE back (id INT, name VARCHAR(40), score DOUBLE PRECISION, odd BOOLEAN)")
    warehouse.execute(f"COPY back FROM '{prefix}/' IAM_ROLE default FORMAT AS JSON 'auto'")
    _, rows = warehouse.query("SELECT id, name, score, odd FROM back ORDER BY id")
    assert rows == [(1, "Lena", 3.5, True), (2, 'O\'Brien | "quoted"', None, False), (3, None, -1.0, True)]


def test_partition_by_without_include_leaves_the_column_in_the_folder_names_only(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    prefix = tmp_path / "csv" / "by_score_"
    warehouse.execute(
        f"UNLOAD ('select id, score from src where score > 0') TO '{prefix}' CSV PARTITION BY (score)"
    )
    (part,) = [path for path in (tmp_path / "csv").rglob("*") if path.is_file()]
    assert str(part.relative_to(tmp_path / "csv")) == "by_score_/score=3.5/0000_part_00"
    assert part.read_text() == "1\n"
    with pytest.raises(UnloadError, match="PARTITION BY column nope is not a column of the query"):
        warehouse.execute(f"UNLOAD ('select id from src') TO '{tmp_path}/x/' CSV PARTITION BY (nope)")
