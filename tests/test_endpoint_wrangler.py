"""The AWS SDK for pandas (awswrangler, ``wr.redshift``) end to end through a real endpoint process, with S3
on a moto server that both the SDK and the endpoint reach (issue #27): reads, ``to_sql`` in every mode,
``copy`` and ``copy_from_files`` (Parquet on S3, then COPY), ``unload`` and ``unload_to_files`` (UNLOAD …
FORMAT PARQUET ENCRYPTED, then the SDK reads the files).  Each round trip is compared cell by cell with a
frame that holds what loses data most easily: NULLs, NaN, -0.0, Decimals, microsecond timestamps, extreme
dates, int64's limits, emoji, backslashes and quotes."""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import awswrangler as wr
import boto3
import pandas as pd
import pytest
from moto.server import ThreadedMotoServer

from tests.endpoint_process import RunningEndpoint, running_endpoint

BUCKET = "wrangler-bucket"
ROLE = "arn:aws:iam::123456789012:role/wranglerRole"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-west-2"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("s3", endpoint_url=url, **CREDENTIALS)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def endpoint(
    pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, moto_url: str
) -> Iterator[RunningEndpoint]:
    aws = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("wrangler"), environment=aws) as running:
        yield running


@pytest.fixture(scope="module")
def session(moto_url: str) -> Iterator[boto3.Session]:
    """The SDK's own S3 calls go to the same moto server (its configuration, restored afterwards)."""
    before = wr.config.s3_endpoint_url
    wr.config.s3_endpoint_url = moto_url
    try:
        yield boto3.Session(**CREDENTIALS)
    finally:
        wr.config.s3_endpoint_url = before


@pytest.fixture
def connection(endpoint: RunningEndpoint) -> Iterator[Any]:
    with contextlib.closing(endpoint.redshift_connector()) as connection:
        yield connection


def _awkward_frame() -> pd.DataFrame:
    """Four rows of what loses data most easily; ``id`` orders them."""
    return pd.DataFrame(
        {
            "id": pd.array([1, 2, 3, 4], dtype="Int64"),
            "big": pd.array([2**63 - 1, -(2**63), 0, None], dtype="Int64"),
            "small": pd.array([32767, -32768, None, 7], dtype="Int16"),
            "ratio": [0.1, -0.0, float("nan"), 1.7976931348623157e308],
            "price": [Decimal("12345.67"), Decimal("-0.01"), None, Decimal("0.00")],
            "at": [
                datetime.datetime(2018, 11, 1, 12, 0, 0, 123456),
                datetime.datetime(1, 1, 1, 0, 0, 0, 1),
                None,
                datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
            ],
            "day": [datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(1970, 1, 1), None],
            "flag": pd.array([True, False, None, True], dtype="boolean"),
            "text": pd.array(
                ["emoji 🎵🚀", "back\\slash \\n and \\\\", "quote ' and \" and ''", None], dtype="string"
            ),
        }
    )


def _cell(value: Any) -> Any:
    """A cell as a comparable Python value: NULL and NaN kept apart, -0.0 kept apart from 0.0, a Decimal
    with its scale, timestamps as datetimes (microseconds included), numpy scalars as Python's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "NULL"
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return ("decimal", str(value))  # its scale too: 0.00 is not 0
    if hasattr(value, "item") and not isinstance(value, (Decimal, datetime.date)):
        value = value.item()
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else (value, math.copysign(1.0, value))
    return value


def _cells(frame: pd.DataFrame) -> list[list[Any]]:
    frame = frame.sort_values("id").reset_index(drop=True)
    return [[_cell(value) for value in row] for row in frame.astype(object).itertuples(index=False)]


def _as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """What the SDK stores: ``to_sql`` sends every missing value, NaN included, as a NULL parameter, and
    the Parquet files ``copy`` writes hold NaN as null (pyarrow's ``from_pandas``)."""
    expected = frame.astype(object)
    nulls = [None if isinstance(value, float) and math.isnan(value) else value for value in frame["ratio"]]
    expected["ratio"] = pd.Series(nulls, index=frame.index, dtype=object)
    return expected


def _read(connection: Any, table: str) -> pd.DataFrame:
    """The table through both of the SDK's readers (pyarrow types keep NULL and NaN apart); they agree."""
    query = wr.redshift.read_sql_query(f"SELECT * FROM public.{table}", connection, dtype_backend="pyarrow")
    whole = wr.redshift.read_sql_table(table, connection, schema="public", dtype_backend="pyarrow")
    assert _cells(query) == _cells(whole)
    return query


@pytest.mark.parametrize("overwrite_method", ["drop", "cascade", "truncate", "delete"])
def test_to_sql_overwrite_then_append_round_trips_every_cell(connection: Any, overwrite_method: str) -> None:
    frame = _awkward_frame()
    table = f"awkward_{overwrite_method}"
    for _ in range(2):  # the second overwrite replaces the first's rows
        wr.redshift.to_sql(
            frame,
            connection,
            table=table,
            schema="public",
            mode="overwrite",
            overwrite_method=overwrite_method,
        )
    assert _cells(_read(connection, table)) == _cells(_as_stored(frame))
    later = frame.assign(id=frame["id"] + 10)
    wr.redshift.to_sql(later, connection, table=table, schema="public", mode="append", use_column_names=True)
    both = pd.concat([_as_stored(frame), _as_stored(later)])
    assert _cells(_read(connection, table)) == _cells(both)


@pytest.mark.parametrize("keys", [["id"], None], ids=["primary-keys", "tables-key"])
def test_to_sql_upsert_replaces_rows_by_key(connection: Any, keys: list[str] | None) -> None:
    frame = _awkward_frame()
    table = "upserted_" + ("given" if keys else "found")
    wr.redshift.to_sql(frame, connection, table=table, schema="public", mode="overwrite", primary_keys=["id"])
    changed = frame.iloc[[1, 3]].assign(text=["changed \\ ' 🎵", None], ratio=[-0.0, float("inf")])
    new = frame.iloc[[0]].assign(id=pd.array([9], dtype="Int64"))
    upsert = pd.concat([changed, new])
    wr.redshift.to_sql(upsert, connection, table=table, schema="public", mode="upsert", primary_keys=keys)
    expected = pd.concat([frame.iloc[[0, 2]], upsert])
    assert _cells(_read(connection, table)) == _cells(_as_stored(expected))


def test_unload_gives_back_every_cell(connection: Any, session: boto3.Session) -> None:
    frame = _awkward_frame()
    wr.redshift.to_sql(frame, connection, table="unloaded", schema="public", mode="overwrite")
    cursor = connection.cursor()
    cursor.execute("UPDATE public.unloaded SET ratio = 'NaN' WHERE id = 3")  # a NaN the SDK cannot send
    connection.commit()
    expected = _as_stored(frame)
    expected.loc[2, "ratio"] = float("nan")
    for path, options in (
        (f"s3://{BUCKET}/unload/plain/", {"iam_role": ROLE}),
        (f"s3://{BUCKET}/unload/keys/", {}),
    ):
        back = wr.redshift.unload(
            "SELECT * FROM public.unloaded WHERE text IS NULL OR text <> 'x'",
            path,
            connection,
            boto3_session=session,
            dtype_backend="pyarrow",
            **options,
        )
        assert _cells(back) == _cells(expected)
        assert wr.s3.list_objects(path, boto3_session=session) == []  # the SDK removed its files


def test_unload_to_files_with_partitions_and_a_kms_key(connection: Any, session: boto3.Session) -> None:
    frame = _awkward_frame()
    wr.redshift.to_sql(frame, connection, table="partitioned", schema="public", mode="overwrite")
    path = f"s3://{BUCKET}/unload/partitioned/"
    wr.redshift.unload_to_files(
        "SELECT * FROM public.partitioned",
        path,
        connection,
        iam_role=ROLE,
        partition_cols=["flag"],
        kms_key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
        manifest=True,
        parallel=False,
        boto3_session=session,
    )
    files = wr.s3.list_objects(path, boto3_session=session)
    assert sorted(name[len(path) :] for name in files) == [
        "flag=__HIVE_DEFAULT_PARTITION__/000.parquet",
        "flag=false/000.parquet",
        "flag=true/000.parquet",
        "manifest",
    ]
    back = wr.s3.read_parquet(
        [name for name in files if name.endswith(".parquet")], boto3_session=session, dtype_backend="pyarrow"
    )
    expected = _as_stored(frame).drop(columns="flag")
    assert _cells(back) == _cells(expected)


def test_copy_overwrite_append_and_upsert_round_trip_every_cell(
    connection: Any, session: boto3.Session
) -> None:
    frame = _awkward_frame()
    path = f"s3://{BUCKET}/copy/awkward/"
    copy = {"con": connection, "table": "copied", "schema": "public", "boto3_session": session}
    wr.redshift.copy(frame, path, mode="overwrite", iam_role=ROLE, primary_keys=["id"], **copy)
    assert _cells(_read(connection, "copied")) == _cells(_as_stored(frame))
    later = frame.assign(id=frame["id"] + 10)
    wr.redshift.copy(later, path, mode="append", use_column_names=True, **copy)  # access keys this time
    assert _cells(_read(connection, "copied")) == _cells(_as_stored(pd.concat([frame, later])))
    changed = frame.iloc[[0, 3]].assign(text=pd.array(["🎵 \\ ' \"", None], dtype="string"))
    wr.redshift.copy(changed, path, mode="upsert", iam_role=ROLE, **copy)
    expected = pd.concat([frame.iloc[[1, 2]], later, changed])
    assert _cells(_read(connection, "copied")) == _cells(_as_stored(expected))
    assert wr.s3.list_objects(path, boto3_session=session) == []


def test_copy_from_files_loads_a_folder_with_an_empty_object_and_a_manifest(
    connection: Any, session: boto3.Session
) -> None:
    frame = _awkward_frame()
    folder = f"s3://{BUCKET}/files/awkward/"
    written = wr.s3.to_parquet(frame, f"{folder}part-0.parquet", boto3_session=session)["paths"]
    client = session.client("s3", endpoint_url=wr.config.s3_endpoint_url)
    client.put_object(Bucket=BUCKET, Key="files/awkward/_SUCCESS", Body=b"")  # as Spark or Glue leave it
    files = {"con": connection, "schema": "public", "boto3_session": session, "iam_role": ROLE}
    wr.redshift.copy_from_files(
        folder, table="from_files", mode="overwrite", path_ignore_suffix=["_SUCCESS"], **files
    )
    assert _cells(_read(connection, "from_files")) == _cells(_as_stored(frame))
    size = client.head_object(Bucket=BUCKET, Key="files/awkward/part-0.parquet")["ContentLength"]
    manifest = {"entries": [{"url": written[0], "mandatory": True, "meta": {"content_length": size}}]}
    client.put_object(Bucket=BUCKET, Key="files/awkward.manifest", Body=json.dumps(manifest).encode())
    wr.redshift.copy_from_files(
        f"s3://{BUCKET}/files/awkward.manifest", table="from_files", mode="append", manifest=True, **files
    )
    assert _cells(_read(connection, "from_files")) == _cells(_as_stored(pd.concat([frame, frame])))


def test_copy_from_files_loads_csv_with_the_column_types_given(
    connection: Any, session: boto3.Session
) -> None:
    frame = (
        _awkward_frame()
        .drop(columns=["ratio", "flag"])
        .assign(
            text=pd.array(
                ["emoji 🎵🚀", 'comma, "quoted"\nand a new line', "back\\slash", "it's"], dtype="string"
            )
        )
    )
    path = f"s3://{BUCKET}/csv/awkward/"
    wr.s3.to_csv(frame, f"{path}part-0.csv", header=False, index=False, boto3_session=session)
    types = {
        "id": "BIGINT",
        "big": "BIGINT",
        "small": "SMALLINT",
        "price": "DECIMAL(7,2)",
        "at": "TIMESTAMP",
        "day": "DATE",
        "text": "VARCHAR(64)",
    }
    wr.redshift.copy_from_files(
        path,
        connection,
        table="from_csv",
        schema="public",
        data_format="csv",
        redshift_column_types=types,
        iam_role=ROLE,
        boto3_session=session,
    )
    assert _cells(_read(connection, "from_csv")) == _cells(frame)
