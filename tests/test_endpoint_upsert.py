"""The AWS SDK for pandas (awswrangler) through a real endpoint process on redshift_connector: a table made
by ``to_sql`` with ``primary_keys`` (and a sort key) is upserted by its key, which awswrangler reads back
from ``pg_indexes``, exactly as on a cluster (issue #27: the sort key's BRIN index was taken for the key);
SQLAlchemy's inspector finds the same key, a unique key, and no index."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awswrangler as wr
import pandas as pd
import pytest
import sqlalchemy as sa

from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture
def connection(endpoint: RunningEndpoint) -> Iterator[Any]:
    connection = endpoint.redshift_connector()
    try:
        yield connection
    finally:
        connection.close()


def _day(day: int) -> datetime.datetime:
    return datetime.datetime(2018, 11, day, 12, 0)


FIRST = pd.DataFrame({"id": [1, 2, 3], "ts": [_day(1), _day(1), _day(2)], "level": ["free", "paid", "free"]})
# id 2 changes; id 4 is new and shares its ts with id 1, which must stay.
UPSERT = pd.DataFrame({"id": [2, 4], "ts": [_day(1), _day(1)], "level": ["free", "paid"]})
EXPECTED = [
    (1, _day(1), "free"),
    (2, _day(1), "free"),
    (3, _day(2), "free"),
    (4, _day(1), "paid"),
]


def _rows(connection: Any, table: str) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    cursor.execute(f"SELECT id, ts, level FROM public.{table} ORDER BY id")
    return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.parametrize("sortkey", [["ts"], None], ids=["with-sortkey", "without-sortkey"])
def test_an_upsert_without_primary_keys_replaces_rows_by_the_tables_key(
    connection: Any, sortkey: list[str] | None
) -> None:
    table = "upsert_sorted" if sortkey else "upsert_plain"
    wr.redshift.to_sql(
        FIRST,
        connection,
        table=table,
        schema="public",
        mode="overwrite",
        primary_keys=["id"],
        sortkey=sortkey,
    )
    wr.redshift.to_sql(UPSERT, connection, table=table, schema="public", mode="upsert")
    assert _rows(connection, table) == EXPECTED


def test_sqlalchemy_finds_the_keys_and_no_index(endpoint: RunningEndpoint, connection: Any) -> None:
    wr.redshift.to_sql(
        FIRST, connection, table="keyed_plays", schema="public", mode="overwrite", primary_keys=["id"]
    )
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE keyed_codes (code CHAR(2) PRIMARY KEY, name VARCHAR(8) UNIQUE)")
    connection.commit()
    url = (
        f"redshift+redshift_connector://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
    )
    engine = sa.create_engine(url, connect_args={"ssl": False})
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("keyed_plays") == {
            "constrained_columns": ["id"],
            "name": "keyed_plays_pkey",
        }
        assert inspector.get_indexes("keyed_plays") == []
        assert inspector.get_unique_constraints("keyed_codes") == [
            {"name": "keyed_codes_name_key", "column_names": ["name"]}
        ]
    finally:
        engine.dispose()
