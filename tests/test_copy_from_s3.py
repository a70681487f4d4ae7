"""COPY from s3:// sources through boto3, on moto's in-process S3."""

from __future__ import annotations

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
