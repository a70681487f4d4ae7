"""COPY from s3:// sources through boto3, on moto's in-process S3."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pytest

from sparkify.engine.copy import run_copy
from sparkify.errors import LoadError


@pytest.fixture
def events(db: Any) -> Any:
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE events (user_id INTEGER, song VARCHAR(64))")
    return db


def test_copy_reads_every_object_under_the_prefix(s3: Any, events: Any) -> None:
    s3.put_object(Bucket="sparkify-in", Key="log_data/2018/11/a.json", Body=b'{"user_id": "1", "song": "x"}')
    s3.put_object(
        Bucket="sparkify-in", Key="log_data/2018/11/b.json", Body=b'{"user_id": 2}\n{"user_id": ""}'
    )
    s3.put_object(Bucket="sparkify-in", Key="song_data/c.json", Body=b'{"user_id": 3}')
    s3.put_object(
        Bucket="sparkify-in", Key="paths.json", Body=json.dumps({"jsonpaths": ["$.user_id", "$.song"]})
    )
    result = run_copy(
        events,
        "COPY events FROM 's3://sparkify-in/log_data' IAM_ROLE default REGION 'us-west-2' "
        "FORMAT AS JSON 's3://sparkify-in/paths.json';",
    )
    with events.cursor() as cursor:
        cursor.execute("SELECT user_id, song FROM events ORDER BY user_id")
        assert cursor.fetchall() == [(1, "x"), (2, None), (None, None)]
    assert [f.name for f in result.files] == [
        "s3://sparkify-in/log_data/2018/11/a.json",
        "s3://sparkify-in/log_data/2018/11/b.json",
    ]


def test_missing_bucket_is_one_clear_error(s3: Any, events: Any) -> None:
    with pytest.raises(LoadError, match="the S3 bucket 'no-such-bucket' does not exist"):
        run_copy(events, "COPY events FROM 's3://no-such-bucket/log' IAM_ROLE default JSON 'auto';")


def test_empty_prefix_is_one_clear_error(s3: Any, events: Any) -> None:
    with pytest.raises(LoadError, match="the prefix 's3://sparkify-in/nothing' matches no file"):
        run_copy(events, "COPY events FROM 's3://sparkify-in/nothing' IAM_ROLE default JSON 'auto';")


def _columnar_body(kind: str) -> bytes:
    import pyarrow as pa
    import pyarrow.orc
    import pyarrow.parquet

    table = pa.table({"user_id": pa.array([1, 2], pa.int32()), "song": ["x", "y"]})
    sink = io.BytesIO()
    (pyarrow.orc if kind == "orc" else pyarrow.parquet).write_table(table, sink)
    return sink.getvalue()


def _avro_body() -> bytes:
    import fastavro

    schema = {
        "type": "record",
        "name": "play",
        "fields": [{"name": "user_id", "type": "int"}, {"name": "song", "type": "string"}],
    }
    sink = io.BytesIO()
    fastavro.writer(sink, schema, [{"user_id": 1, "song": "x"}, {"user_id": 2, "song": "y"}])
    return sink.getvalue()


EMPTY_OBJECT_FORMATS = {
    "json": (lambda: b'{"user_id": 1, "song": "x"}\n{"user_id": 2, "song": "y"}', "JSON 'auto'"),
    "json-gzip": (
        lambda: gzip.compress(b'{"user_id": 1, "song": "x"}{"user_id": 2, "song": "y"}'),
        "JSON 'auto' GZIP",
    ),
    "text": (lambda: b"1|x\n2|y\n", ""),
    "csv-gzip": (lambda: gzip.compress(b'1,x\n2,"y"\n'), "CSV GZIP"),
    "parquet": (lambda: _columnar_body("parquet"), "FORMAT AS PARQUET"),
    "orc": (lambda: _columnar_body("orc"), "FORMAT AS ORC"),
    "avro": (_avro_body, "FORMAT AS AVRO 'auto'"),
}


@pytest.mark.parametrize("form", list(EMPTY_OBJECT_FORMATS))
def test_an_empty_object_under_a_prefix_loads_nothing_and_fails_nothing(
    s3: Any, events: Any, form: str
) -> None:
    """A folder marker, a ``_SUCCESS`` file or an empty part, as Spark, Glue and the SDK for pandas leave
    them: a cluster loads the other files and these hold no rows, in every format."""
    body, clause = EMPTY_OBJECT_FORMATS[form]
    s3.put_object(Bucket="sparkify-in", Key="plays/", Body=b"")  # a console's folder marker
    s3.put_object(Bucket="sparkify-in", Key="plays/_SUCCESS", Body=b"")
    s3.put_object(Bucket="sparkify-in", Key="plays/part-0", Body=body())
    s3.put_object(Bucket="sparkify-in", Key="plays/part-1", Body=b"")
    result = run_copy(events, f"COPY events FROM 's3://sparkify-in/plays/' IAM_ROLE default {clause}")
    with events.cursor() as cursor:
        cursor.execute("SELECT user_id, song FROM events ORDER BY user_id")
        assert cursor.fetchall() == [(1, "x"), (2, "y")]
    assert [(f.name, f.loaded) for f in result.files] == [
        ("s3://sparkify-in/plays/_SUCCESS", 0),
        ("s3://sparkify-in/plays/part-0", 2),
        ("s3://sparkify-in/plays/part-1", 0),
    ]
