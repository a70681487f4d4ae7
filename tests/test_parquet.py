"""UNLOAD … FORMAT AS PARQUET and COPY … FORMAT AS PARQUET: what UNLOAD writes, COPY reads back unchanged
(every Redshift column type, NULLs, unicode), on local paths and on S3 (moto); Redshift's part names, its
refusals, its columnar COPY rules; pyarrow an optional dependency with a one-line message when missing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sparkify.config import load_config
from sparkify.engine.unload.statement import parse_unload, run_unload
from sparkify.errors import CopyStatementError, LoadError, MissingOptionalDependency, UnloadError
from sparkify.warehouse import Warehouse, connect
from tests.endpoint_process import RunningEndpoint, running_endpoint

TYPES = """(
    small SMALLINT, whole INTEGER, big BIGINT, price DECIMAL(12,3), ratio REAL, score DOUBLE PRECISION,
    paid BOOLEAN, title VARCHAR(40), level CHAR(4), day DATE, ts TIMESTAMP, tz TIMESTAMPTZ
)"""
VALUES = """
    (1, 2147483647, 9223372036854775807, 123456789.125, 0.1, 3.141592653589793, true,
     'Zoë ☕ 北京, "quoted"', 'paid', '2018-11-01', '2018-11-01 21:01:46.796', '2018-11-01 21:01:46.5+00'),
    (-32768, -2147483648, -1, -0.001, -1.5e30, -2.5e-300, false,
     E'two\\nlines, a tab\\t and |', 'free', '1999-12-31', '2000-01-01 00:00:00', '2018-11-02 08:00:00+02'),
    (0, 0, 0, 0, 0, 0, false, '', '', '2018-01-01', '2018-01-01 00:00:00.000001', '2018-01-01 00:00:00+00'),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
"""


@pytest.fixture
def warehouse(write_config, tmp_path: Path) -> Iterator[Warehouse]:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as opened:
        opened.execute(f"CREATE TABLE every_type {TYPES}")
        opened.execute(f"INSERT INTO every_type VALUES {VALUES}")
        yield opened


def _all(warehouse: Warehouse, table: str) -> list[tuple[Any, ...]]:
    return warehouse.query(f"SELECT * FROM {table} ORDER BY small NULLS LAST")[1]


def test_every_type_nulls_and_unicode_round_trip_on_a_local_path(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    prefix = tmp_path / "out" / "types_"
    warehouse.execute(f"UNLOAD ('select * from every_type') TO '{prefix}' FORMAT AS PARQUET PARALLEL OFF")
    assert sorted(path.name for path in prefix.parent.iterdir()) == ["types_000.parquet"]
    assert warehouse.query("SELECT pg_last_unload_count()")[1] == [(4,)]
    schema = pq.read_schema(prefix.parent / "types_000.parquet")
    assert [str(kind) for kind in schema.types] == [
        "int16", "int32", "int64", "decimal128(12, 3)", "float", "double", "bool",
        "string", "string", "date32[day]", "timestamp[us]", "timestamp[us]",
    ]  # fmt: skip
    metadata = pq.ParquetFile(prefix.parent / "types_000.parquet").metadata
    assert (metadata.format_version, metadata.row_group(0).column(0).compression) == ("1.0", "SNAPPY")
    warehouse.execute(f"CREATE TABLE back {TYPES}")
    warehouse.execute(f"COPY back FROM '{prefix}' IAM_ROLE default FORMAT AS PARQUET")
    assert _all(warehouse, "back") == _all(warehouse, "every_type")


def test_a_timestamptz_is_unloaded_as_its_utc_timestamp(warehouse: Warehouse, tmp_path: Path) -> None:
    prefix = tmp_path / "tz" / "t_"
    warehouse.execute(f"UNLOAD ('select tz from every_type order by small') TO '{prefix}' PARQUET")
    values = pq.read_table(prefix.parent / "t_0000_part_00.parquet").column("tz").to_pylist()
    assert [str(value) for value in values] == [
        "2018-11-02 06:00:00",  # '2018-11-02 08:00:00+02'
        "2018-01-01 00:00:00",
        "2018-11-01 21:01:46.500000",
        "None",
    ]


def test_round_trip_on_s3_with_a_manifest(warehouse: Warehouse, s3) -> None:
    warehouse.execute(
        "UNLOAD ('select * from every_type') TO 's3://sparkify-packed/pq/types_' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET MANIFEST"
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="sparkify-packed")["Contents"]]
    assert keys == ["pq/types_0000_part_00.parquet", "pq/types_manifest"]
    manifest = json.loads(s3.get_object(Bucket="sparkify-packed", Key="pq/types_manifest")["Body"].read())
    size = s3.head_object(Bucket="sparkify-packed", Key="pq/types_0000_part_00.parquet")["ContentLength"]
    assert manifest == {
        "entries": [
            {"url": "s3://sparkify-packed/pq/types_0000_part_00.parquet", "meta": {"content_length": size}}
        ]
    }
    warehouse.execute(f"CREATE TABLE back {TYPES}")
    warehouse.execute(
        "COPY back FROM 's3://sparkify-packed/pq/types_manifest' IAM_ROLE default MANIFEST FORMAT AS PARQUET"
    )
    assert _all(warehouse, "back") == _all(warehouse, "every_type")
    # By prefix, the manifest is one more data file, as the guide warns: the COPY fails on it.
    with pytest.raises(LoadError, match="types_manifest: the file is not a Parquet file"):
        warehouse.execute("COPY back FROM 's3://sparkify-packed/pq/types_' IAM_ROLE default PARQUET")
    warehouse.execute("COPY back FROM 's3://sparkify-packed/pq/types_0000' IAM_ROLE default PARQUET")
    assert len(_all(warehouse, "back")) == 8


def test_maxfilesize_ends_a_part_and_every_part_reads_back(warehouse: Warehouse, tmp_path: Path) -> None:
    with warehouse.connection.cursor() as cursor:  # 250,000 rows of 64 hex digits: more than 5 MB
        cursor.execute(
            "CREATE TABLE big AS SELECT n, md5(n::text) || md5((n * 7)::text) AS pad "
            "FROM generate_series(1, 250000) n"
        )
    prefix = tmp_path / "big" / "b_"
    written = run_unload(
        warehouse.connection,
        f"UNLOAD ('select n, pad from big order by n') TO '{prefix}' "
        "PARQUET MAXFILESIZE 5 MB MANIFEST VERBOSE",
    )
    names = [Path(name).name for name in written]
    assert names[:2] == ["b_0000_part_00.parquet", "b_0000_part_01.parquet"]
    assert names[-1] == "b_manifest"
    files = [pq.ParquetFile(prefix.parent / name) for name in names[:-1]]
    assert sum(file.metadata.num_rows for file in files) == 250000
    assert all(file.metadata.num_row_groups >= 1 for file in files)
    manifest = json.loads((prefix.parent / "b_manifest").read_text())
    assert manifest["meta"]["record_count"] == 250000
    warehouse.execute("CREATE TABLE big_back (n INTEGER, pad VARCHAR(64))")
    warehouse.execute(f"COPY big_back FROM '{prefix}manifest' IAM_ROLE default MANIFEST FORMAT AS PARQUET")
    assert warehouse.query("SELECT count(*), sum(n), count(DISTINCT pad) FROM big_back")[1] == [
        (250000, 250000 * 250001 // 2, 250000)
    ]


def test_an_empty_result_is_one_part_with_the_schema(warehouse: Warehouse, tmp_path: Path) -> None:
    prefix = tmp_path / "empty" / "e_"
    warehouse.execute(f"UNLOAD ('select small, title from every_type where false') TO '{prefix}' PARQUET")
    table = pq.read_table(prefix.parent / "e_0000_part_00.parquet")
    assert (table.num_rows, table.schema.names) == (0, ["small", "title"])


@pytest.mark.parametrize(
    "option", ["HEADER", "DELIMITER ','", "GZIP", "BZIP2", "ZSTD", "ADDQUOTES", "ESCAPE"]
)
def test_options_redshift_refuses_with_parquet_are_refused_in_its_words(option: str) -> None:
    with pytest.raises(UnloadError, match=f"^UNLOAD: you can't use PARQUET with {option.split()[0]}$"):
        parse_unload(f"UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default FORMAT AS PARQUET {option}")
    with pytest.raises(UnloadError, match=r"^UNLOAD: you can't use PARQUET with NULL AS$"):
        parse_unload("UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default NULL AS 'x' PARQUET")


def test_rowgroupsize_is_parquets_and_partition_by_is_read() -> None:
    command = parse_unload("UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default PARQUET ROWGROUPSIZE 64 MB")
    assert (command.format, command.row_group_size) == ("parquet", 64 * 1024 * 1024)
    with pytest.raises(UnloadError, match=r"^UNLOAD: ROWGROUPSIZE needs FORMAT PARQUET$"):
        parse_unload("UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default CSV ROWGROUPSIZE 64")
    with pytest.raises(UnloadError, match=r"^UNLOAD ROWGROUPSIZE must be from 32 MB to 128 MB$"):
        parse_unload("UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default PARQUET ROWGROUPSIZE 16")
    command = parse_unload(
        "UNLOAD ('select 1') TO 's3://b/p_' IAM_ROLE default PARQUET PARTITION BY (a, \"B\")"
    )
    assert (command.partition_by, command.partition_include) == (["a", "b"], False)


@pytest.mark.parametrize("option", ["MAXERROR 10", "GZIP", "REGION 'us-west-2'", "TIMEFORMAT 'auto'"])
def test_copy_takes_only_redshifts_columnar_parameters(
    warehouse: Warehouse, tmp_path: Path, option: str
) -> None:
    with pytest.raises(CopyStatementError) as raised:
        warehouse.execute(f"COPY every_type FROM '{tmp_path}/x' IAM_ROLE default FORMAT AS PARQUET {option}")
    shown = "Region" if option.startswith("REGION") else option.split()[0]
    assert str(raised.value) == (
        f"{shown} argument is not supported for PARQUET based COPY (with columnar data Redshift takes only "
        "ACCEPTINVCHARS, FILLRECORD, MANIFEST, STATUPDATE and the authorization)"
    )


def _parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


def test_copy_matches_columns_by_position_and_their_numbers_must_match(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.execute("CREATE TABLE pair (id INTEGER NOT NULL, label VARCHAR(5), extra VARCHAR(5))")
    _parquet(tmp_path / "pos" / "a.parquet", {"zzz": pa.array([1, 2]), "aaa": pa.array(["x", None])})
    with pytest.raises(LoadError, match="the file has 2 column\\(s\\) and the table 3"):
        warehouse.execute(f"COPY pair FROM '{tmp_path}/pos/' IAM_ROLE default FORMAT AS PARQUET")
    warehouse.execute(f"COPY pair FROM '{tmp_path}/pos/' IAM_ROLE default FORMAT AS PARQUET FILLRECORD")
    assert warehouse.query("SELECT * FROM pair ORDER BY id")[1] == [(1, "x", None), (2, None, None)]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            {"id": pa.array(["1"]), "label": pa.array(["x"])},
            "incompatible Parquet schema for column 'id'. Column type: integer, Parquet type: string",
        ),
        ({"id": pa.array([1, None]), "label": pa.array(["x", "y"])}, "Missing data for not-null field"),
        ({"id": pa.array([1, 2]), "label": pa.array(["ok", "ééé"])}, "String length exceeds DDL length"),
        (
            {"id": pa.array([1, 2**40]), "label": pa.array(["a", "b"])},
            "Numeric value out of range for integer",
        ),
    ],
)
def test_a_bad_column_or_value_fails_the_whole_copy(
    warehouse: Warehouse, tmp_path: Path, columns: dict[str, pa.Array], message: str
) -> None:
    warehouse.execute("CREATE TABLE pair (id INTEGER NOT NULL, label VARCHAR(5))")
    _parquet(tmp_path / "bad" / "0.parquet", {"id": pa.array([7]), "label": pa.array(["good"])})
    _parquet(tmp_path / "bad" / "1.parquet", columns)
    with pytest.raises(LoadError, match=message) as raised:
        warehouse.execute(f"COPY pair FROM '{tmp_path}/bad/' IAM_ROLE default FORMAT AS PARQUET")
    assert raised.value.filename == str(tmp_path / "bad" / "1.parquet")
    assert warehouse.query("SELECT count(*) FROM pair")[1] == [(0,)]


def test_a_file_that_is_not_parquet_fails_the_copy(warehouse: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "notpq").mkdir()
    (tmp_path / "notpq" / "a.parquet").write_text('{"id": 1}\n')
    with pytest.raises(LoadError, match="the file is not a Parquet file"):
        warehouse.execute(f"COPY every_type FROM '{tmp_path}/notpq/' IAM_ROLE default FORMAT AS PARQUET")


def test_without_pyarrow_a_parquet_statement_names_the_fix(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` raises ImportError
    install = "pip install 'sparkify-dwh[parquet]' (or pip install pyarrow)"
    with pytest.raises(MissingOptionalDependency) as raised:
        warehouse.execute(f"UNLOAD ('select * from every_type') TO '{tmp_path}/x_' PARQUET")
    assert str(raised.value) == f"UNLOAD FORMAT PARQUET needs pyarrow, which is not installed: {install}"
    assert raised.value.exit_code == 2
    _parquet(tmp_path / "in" / "a.parquet", {"small": pa.array([1], pa.int16())})
    with pytest.raises(MissingOptionalDependency, match=r"^COPY FORMAT PARQUET needs pyarrow"):
        warehouse.execute(f"COPY every_type FROM '{tmp_path}/in/' IAM_ROLE default FORMAT AS PARQUET")


def test_pyarrow_is_imported_only_when_a_parquet_statement_runs() -> None:
    code = (
        "import sys, sparkify.engine.unload.statement, sparkify.engine.copy, "
        "sparkify.engine.endpoint.serverside; "
        "print('pyarrow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_special_floats_and_a_one_column_null_round_trip(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.execute("CREATE TABLE floats (x DOUBLE PRECISION)")
    warehouse.execute("INSERT INTO floats VALUES ('NaN'), ('Infinity'), ('-Infinity'), (NULL), (5e-324)")
    warehouse.execute(f"UNLOAD ('select x from floats') TO '{tmp_path}/f/x_' PARQUET")
    warehouse.execute("CREATE TABLE floats_back (x DOUBLE PRECISION)")
    warehouse.execute(f"COPY floats_back FROM '{tmp_path}/f/' IAM_ROLE default FORMAT AS PARQUET")
    both = "SELECT x::text FROM {} ORDER BY x NULLS LAST"
    assert warehouse.query(both.format("floats_back"))[1] == warehouse.query(both.format("floats"))[1]
    assert len(warehouse.query(both.format("floats_back"))[1]) == 5


def test_a_computed_numeric_is_unloaded_with_redshifts_widest_precision(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.execute(f"UNLOAD ('select sum(price) as total from every_type') TO '{tmp_path}/n/s_' PARQUET")
    table = pq.read_table(tmp_path / "n" / "s_0000_part_00.parquet")
    assert str(table.schema.field("total").type) == "decimal128(38, 18)"
    assert str(table.column("total")[0].as_py()) == "123456789.124000000000000000"


def test_row_groups_are_cut_only_between_records() -> None:
    from sparkify.engine.unload.parquet import _CsvRowGroups, _record_end

    assert _record_end(bytearray(b'1,"a\nb"\n2,"c')) == len(b'1,"a\nb"\n')
    assert _record_end(bytearray(b'1,"a\nb')) == 0
    schema = pa.schema([("n", pa.int32()), ("text", pa.string())])
    groups: list[Any] = []
    writer = _CsvRowGroups(pa, schema, groups.append, group_bytes=8)
    for byte in b'1,"two\nlines, ""quoted"""\n2,\n3,""\n':  # as PostgreSQL writes CSV, one byte at a time
        writer.write(bytes([byte]))
    writer.flush()
    assert [group.num_rows for group in groups] == [1, 2]  # cut after 8 bytes, at a record's end
    rows = pa.concat_tables(groups).to_pylist()
    assert rows == [
        {"n": 1, "text": 'two\nlines, "quoted"'},
        {"n": 2, "text": None},
        {"n": 3, "text": ""},
    ]


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("parquet-endpoint")) as running:
        yield running


def test_the_round_trip_through_the_endpoint(endpoint: RunningEndpoint, tmp_path: Path) -> None:
    every = "SELECT * FROM {} ORDER BY small NULLS LAST"
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE every_type {TYPES}")
        cursor.execute(f"INSERT INTO every_type VALUES {VALUES}")
        cursor.execute(f"UNLOAD ('select * from every_type') TO '{tmp_path}/e/t_' FORMAT AS PARQUET MANIFEST")
        cursor.execute(f"CREATE TABLE back {TYPES}")
        cursor.execute(f"COPY back FROM '{tmp_path}/e/t_manifest' IAM_ROLE default MANIFEST FORMAT PARQUET")
        cursor.execute("SELECT pg_last_copy_count()")
        assert cursor.fetchone() == (4,)
        cursor.execute(every.format("back"))
        copied = cursor.fetchall()
        cursor.execute(every.format("every_type"))
        assert copied == cursor.fetchall()
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE narrow (small SMALLINT)")
        failed = r"^Load into table 'narrow' failed at \S+: the file has 12 column\(s\) and the table 1"
        with pytest.raises(psycopg2.Error, match=failed):
            cursor.execute(f"COPY narrow FROM '{tmp_path}/e/t_0000' IAM_ROLE default PARQUET FILLRECORD")


def test_a_value_parquet_cannot_hold_fails_the_unload_in_one_line(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    with pytest.raises(UnloadError) as raised:
        warehouse.execute(f"UNLOAD ('select ''infinity''::timestamp as t') TO '{tmp_path}/inf/i_' PARQUET")
    assert list(tmp_path.rglob("i_*")) == []
    assert warehouse.query("SELECT 1")[1] == [(1,)]
    assert str(raised.value) == (
        "UNLOAD FORMAT PARQUET cannot convert the result: "
        "In CSV column #0: CSV conversion error to timestamp[us]: invalid value 'infinity'"
    )


def test_a_part_left_incomplete_by_a_failure_is_removed(tmp_path: Path) -> None:
    from sparkify.engine.unload.parquet import _Parts

    schema = pa.schema([("n", pa.int32())])
    parts = _Parts(pa, schema, lambda number: f"{tmp_path}/p_{number:03d}.parquet", None, 1 << 30)
    parts.write(pa.table({"n": pa.array([1, 2], pa.int32())}))
    assert (tmp_path / "p_000.parquet").exists()
    parts.abandon()
    assert list(tmp_path.iterdir()) == []


def test_partition_by_parquet_on_s3_with_a_manifest_reads_back(warehouse: Warehouse, s3) -> None:
    """Parquet parts in Hive folders on S3, the partition column left out of the files (no INCLUDE); the
    manifest lists every part; COPY of the manifest reads every row back."""
    warehouse.execute("CREATE TABLE numbers (n INTEGER)")
    warehouse.execute("INSERT INTO numbers VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10)")
    warehouse.execute(
        "UNLOAD ('select n, n % 3 AS bucket from numbers') TO 's3://sparkify-packed/hive/numbers' "
        "IAM_ROLE default FORMAT AS PARQUET PARTITION BY (bucket) MANIFEST"
    )
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket="sparkify-packed")["Contents"])
    assert keys == [
        "hive/numbers/bucket=0/0000_part_00.parquet",
        "hive/numbers/bucket=1/0000_part_00.parquet",
        "hive/numbers/bucket=2/0000_part_00.parquet",
        "hive/numbers/manifest",
    ]
    warehouse.execute("CREATE TABLE numbers_back (n INTEGER)")
    warehouse.execute(
        "COPY numbers_back FROM 's3://sparkify-packed/hive/numbers/manifest' "
        "IAM_ROLE default MANIFEST PARQUET"
    )
    assert warehouse.query("SELECT count(*), sum(n) FROM numbers_back")[1] == [(10, 55)]
