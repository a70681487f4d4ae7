"""UNLOAD on the local engine: Redshift's part names, formats and options, to local paths and to S3 (moto),
and a round trip: what UNLOAD writes, COPY reads back unchanged."""

from __future__ import annotations

import gzip
import io
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


def test_fixedwidth_pads_each_column_to_its_width_and_reads_back_with_copy_fixedwidth(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    prefix = tmp_path / "fixed" / "fw_"
    spec = "id:3,name:30,ts:19,score:5"
    warehouse.execute(
        f"UNLOAD ('select id, name, ts, score from src where id < 3 order by id') TO '{prefix}' "
        f"FIXEDWIDTH AS '{spec}' PARALLEL OFF"
    )
    lines = (prefix.parent / "fw_000").read_text().splitlines()
    assert lines == [
        "1  Lena                          2018-11-01 21:01:463.5  ",
        '2  O\'Brien | "quoted"            2018-11-02 08:00:00     ',
    ]
    warehouse.execute("CREATE TABLE fixed_back (LIKE src)")
    warehouse.execute(
        f"COPY fixed_back FROM '{prefix}' IAM_ROLE default FIXEDWIDTH '{spec}' BLANKSASNULL TRIMBLANKS"
    )
    assert _rows(warehouse, "fixed_back") == ROWS[:2]
    # A value longer than its width is written whole, never cut.
    warehouse.execute(
        f"UNLOAD ('select name from src where id = 1') TO '{prefix}' FIXEDWIDTH 'name:2' ALLOWOVERWRITE "
        "PARALLEL OFF"
    )
    assert (prefix.parent / "fw_000").read_text() == "Lena\n"


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
        ("FIXEDWIDTH '0:x'", "FIXEDWIDTH '0:x' is not 'column:width,column:width,…'"),
        ("FORMAT XML", "FORMAT XML is not one of CSV, JSON, PARQUET"),
        ("PARTITION BY a", "PARTITION BY needs a list of columns"),
        ("PARTITION BY ('a')", "PARTITION BY takes column names, found 'a'"),
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


def _encryption(s3: Any, key: str) -> tuple[str | None, str | None]:
    head = s3.head_object(Bucket="sparkify-packed", Key=key)
    return head.get("ServerSideEncryption"), head.get("SSEKMSKeyId")


def test_every_part_and_the_manifest_are_encrypted_as_redshift_asks_s3(warehouse: Warehouse, s3) -> None:
    # As the AWS SDK for pandas sends it: FORMAT PARQUET ENCRYPTED, no key: S3's own keys (SSE-S3).
    warehouse.execute(
        "UNLOAD ('select * from src') TO 's3://sparkify-packed/enc/plain_' IAM_ROLE default "
        "ALLOWOVERWRITE PARALLEL ON FORMAT PARQUET ENCRYPTED MANIFEST"
    )
    assert _encryption(s3, "enc/plain_0000_part_00.parquet") == ("AES256", None)
    assert _encryption(s3, "enc/plain_manifest") == ("AES256", None)
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    warehouse.execute(
        f"UNLOAD ('select id from src') TO 's3://sparkify-packed/enc/kms_' IAM_ROLE default "
        f"KMS_KEY_ID '{key}' ENCRYPTED"
    )
    assert _encryption(s3, "enc/kms_0000_part_00") == ("aws:kms", key)
    # Without ENCRYPTED Redshift still writes with SSE-S3; ENCRYPTED AUTO takes the bucket's default key.
    warehouse.execute("UNLOAD ('select id from src') TO 's3://sparkify-packed/enc/default_' IAM_ROLE default")
    assert _encryption(s3, "enc/default_0000_part_00") == ("AES256", None)
    s3.put_bucket_encryption(
        Bucket="sparkify-packed",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
            ]
        },
    )
    warehouse.execute(
        "UNLOAD ('select id from src') TO 's3://sparkify-packed/enc/auto_' IAM_ROLE default ENCRYPTED AUTO"
    )
    assert _encryption(s3, "enc/auto_0000_part_00")[0] == "aws:kms"
    body = s3.get_object(Bucket="sparkify-packed", Key="enc/auto_0000_part_00")["Body"].read()
    assert body == b"1\n2\n3\n"


def test_a_client_side_root_key_is_accepted_and_reads_back_with_copy(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    prefix = tmp_path / "cse" / "src_"
    root_key = "EXAMPLEKEYNOTREALqnaGE1oPRMLNRWmTbpNHrAOPdwU="
    warehouse.execute(
        f"UNLOAD ('select * from src') TO '{prefix}' MASTER_SYMMETRIC_KEY '{root_key}' ENCRYPTED FORMAT JSON"
    )
    warehouse.execute("CREATE TABLE back (LIKE src)")
    warehouse.execute(f"COPY back FROM '{prefix}' IAM_ROLE default FORMAT AS JSON 'auto'")
    assert _rows(warehouse, "back") == ROWS


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("KMS_KEY_ID 'k'", "KMS_KEY_ID needs ENCRYPTED"),
        ("MASTER_SYMMETRIC_KEY 'k'", "MASTER_SYMMETRIC_KEY needs ENCRYPTED"),
        ("KMS_KEY_ID 'k' ENCRYPTED AUTO", "you can't use ENCRYPTED AUTO with KMS_KEY_ID"),
        (
            "ENCRYPTED MASTER_SYMMETRIC_KEY 'k' CREDENTIALS 'aws_iam_role=r'",
            "MASTER_SYMMETRIC_KEY with CREDENTIALS",
        ),
        ("ALLOWOVERWRITE CLEANPATH", "you can't specify CLEANPATH with ALLOWOVERWRITE"),
        ("FORMAT JSON HEADER", "you can't use JSON with HEADER"),
        ("JSON NULL AS 'x'", "you can't use JSON with NULL AS"),
        ("FIXEDWIDTH 'a:1' DELIMITER ','", "you can't use FIXEDWIDTH with DELIMITER"),
        ("FIXEDWIDTH 'a:1' HEADER", "you can't use FIXEDWIDTH with HEADER"),
        ("CSV FIXEDWIDTH 'a:1'", "you can't use CSV with FIXEDWIDTH"),
        ("FIXEDWIDTH 'a:1' FORMAT PARQUET", "you can't use PARQUET with FIXEDWIDTH"),
    ],
)
def test_option_combinations_the_guide_forbids_are_refused(tail: str, message: str) -> None:
    with pytest.raises(UnloadError, match=message):
        parse_unload(f"UNLOAD ('select 1') TO 's3://b/p_' {tail}")


def test_the_sdk_for_pandas_statement_parses_as_sent() -> None:
    command = parse_unload(
        "UNLOAD ('SELECT * FROM \"public\".\"t\" WHERE c = ''x''')\nTO 's3://b/unload/'\n"
        "ACCESS_KEY_ID 'AK'\nSECRET_ACCESS_KEY 'SK'\nSESSION_TOKEN 'ST'\nALLOWOVERWRITE\n\nPARALLEL ON\n"
        "FORMAT PARQUET\nENCRYPTED\nKMS_KEY_ID 'key'\nREGION AS 'us-west-2'\nMAXFILESIZE AS 5.0 MB\nmanifest;"
    )
    assert command.query == 'SELECT * FROM "public"."t" WHERE c = \'x\''
    assert (command.format, command.encrypted, command.kms_key_id, command.region) == (
        "parquet",
        True,
        "key",
        "us-west-2",
    )
    assert (command.max_file_size, command.manifest, command.allow_overwrite) == (5 * 1024 * 1024, True, True)


def test_partition_by_writes_a_hive_folder_per_value_without_the_partition_columns(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.execute("INSERT INTO src VALUES (4, 'a/b=c:d', '2018-11-02 08:00:00', 0)")
    prefix = tmp_path / "parts" / "src"
    warehouse.execute(
        f"UNLOAD ('select id, name, ts from src') TO '{prefix}' PARTITION BY (\"NAME\") MANIFEST PARALLEL OFF"
    )
    found = sorted(str(path.relative_to(prefix)) for path in prefix.rglob("*") if path.is_file())
    assert found == [
        "manifest",
        "name=Lena/000",
        'name=O\'Brien | "quoted"/000'.replace("'", "%27").replace('"', "%22"),
        "name=__HIVE_DEFAULT_PARTITION__/000",
        "name=a%2Fb%3Dc%3Ad/000",
    ]
    assert (prefix / "name=Lena" / "000").read_text() == "1|2018-11-01 21:01:46\n"
    assert (prefix / "name=__HIVE_DEFAULT_PARTITION__" / "000").read_text() == "3|\n"
    manifest = json.loads((prefix / "manifest").read_text())
    assert manifest["entries"][0]["url"] == f"{prefix}/name=Lena/000"
    assert warehouse.query("SELECT pg_last_unload_count()")[1] == [(4,)]
    # INCLUDE keeps the partition columns; CLEANPATH empties only the folders that get new files.
    warehouse.execute(
        f"UNLOAD ('select id, name from src where id = 1') TO '{prefix}/' PARTITION BY (name) INCLUDE "
        "CLEANPATH FORMAT CSV"
    )
    assert sorted(path.name for path in (prefix / "name=Lena").iterdir()) == ["0000_part_00"]
    assert (prefix / "name=Lena" / "0000_part_00").read_text() == "1,Lena\n"
    assert (prefix / "name=__HIVE_DEFAULT_PARTITION__" / "000").exists()


def test_partition_by_on_s3_in_parquet_reads_back_as_a_hive_dataset(warehouse: Warehouse, s3) -> None:
    import pyarrow.parquet as pq

    warehouse.execute(
        "UNLOAD ('select id, score, ts from src') TO 's3://sparkify-packed/hive/' IAM_ROLE default "
        "PARTITION BY (ts) FORMAT PARQUET ENCRYPTED"
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="sparkify-packed")["Contents"]]
    assert keys == [
        "hive/ts=2018-11-01 21%3A01%3A46/0000_part_00.parquet",
        "hive/ts=2018-11-02 08%3A00%3A00/0000_part_00.parquet",
        "hive/ts=__HIVE_DEFAULT_PARTITION__/0000_part_00.parquet",
    ]
    body = s3.get_object(Bucket="sparkify-packed", Key=keys[0])["Body"].read()
    assert pq.read_table(io.BytesIO(body)).to_pylist() == [{"id": 1, "score": 3.5}]
    assert _encryption(s3, keys[0]) == ("AES256", None)
    with pytest.raises(UnloadError, match="partition column 'nope' is not a column"):
        warehouse.execute("UNLOAD ('select id from src') TO 's3://sparkify-packed/x/' PARTITION BY (nope)")
    with pytest.raises(UnloadError, match="at least one column that is not a partition column"):
        warehouse.execute("UNLOAD ('select id from src') TO 's3://sparkify-packed/x/' PARTITION BY (id)")
