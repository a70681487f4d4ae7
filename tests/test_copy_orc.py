"""COPY … FORMAT AS ORC: the columnar rules Parquet has (columns by position, Redshift's few options, any
bad value fails the COPY), read by pyarrow, from local files and S3."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.orc as orc
import pytest

from sparkify.engine.copy import run_copy
from sparkify.errors import CopyStatementError, LoadError

TABLE = pa.table(
    {
        "listid": pa.array([1, 2, 3], pa.int32()),
        "sellerid": pa.array([36861, 8117, None], pa.int64()),
        "listtime": pa.array(
            [dt.datetime(2008, 1, 24, 6, 43, 29), None, dt.datetime(2008, 3, 5, 12, 25, 29)]
        ),
        "note": pa.array(["first", 'a "quoted", value', None]),
    }
)


@pytest.fixture
def listing(db: Any) -> Any:
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE listing "
            "(listid INTEGER NOT NULL, sellerid BIGINT, listtime TIMESTAMP, note VARCHAR(40))"
        )
    db.commit()
    return db


def rows(db: Any) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM listing ORDER BY listid")
        return cursor.fetchall()


def test_listing_from_orc(listing: Any, tmp_path: Path) -> None:
    orc.write_table(TABLE, tmp_path / "listing.orc", stripe_size=64)
    result = run_copy(listing, f"copy listing from '{tmp_path}/listing' iam_role default format as orc")
    assert result.rows_loaded == 3
    assert rows(listing) == [
        (1, 36861, dt.datetime(2008, 1, 24, 6, 43, 29), "first"),
        (2, 8117, None, 'a "quoted", value'),
        (3, None, dt.datetime(2008, 3, 5, 12, 25, 29), None),
    ]


def test_orc_from_s3_with_fillrecord(listing: Any, s3: Any, tmp_path: Path) -> None:
    orc.write_table(TABLE.select(["listid", "sellerid"]), tmp_path / "part.orc")
    s3.put_object(Bucket="sparkify-in", Key="orc/part.orc", Body=(tmp_path / "part.orc").read_bytes())
    run_copy(listing, "copy listing from 's3://sparkify-in/orc/' iam_role default orc fillrecord")
    assert rows(listing)[0] == (1, 36861, None, None)


def test_orc_errors(listing: Any, tmp_path: Path) -> None:
    orc.write_table(TABLE.select(["note"]).rename_columns(["listid"]), tmp_path / "bad.orc")
    with pytest.raises(LoadError, match="incompatible ORC schema for column 'listid'"):
        run_copy(listing, f"copy listing from '{tmp_path}/bad.orc' format as orc fillrecord")
    listing.rollback()
    (tmp_path / "text.orc").write_text("not orc")
    with pytest.raises(LoadError, match="not an ORC file"):
        run_copy(listing, f"copy listing from '{tmp_path}/text.orc' format as orc")
    listing.rollback()
    with pytest.raises(CopyStatementError, match="Region argument is not supported for ORC based COPY"):
        run_copy(listing, f"copy listing from '{tmp_path}/x.orc' format as orc region 'us-west-2'")
