"""Text COPY is one emulation: the same statements load the same rows through the endpoint (a real endpoint
process, real clients) and on the scripts' embedded path (the Warehouse), with Redshift's DDL, and a bad
line lands in stl_load_errors on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from sparkify.config import load_config
from sparkify.errors import LoadError
from sparkify.warehouse import Warehouse, connect
from tests.endpoint_process import RunningEndpoint, running_endpoint

VENUE_DDL = """CREATE TABLE IF NOT EXISTS {name} (venueid SMALLINT NOT NULL DISTKEY, venuename VARCHAR(100),
    venuecity VARCHAR(30), venuestate CHAR(2), venueseats INTEGER DEFAULT 1000)
    DISTSTYLE KEY SORTKEY (venueid)"""
VENUE_PIPE = "1|Toyota Park|Bridgeview|IL|0\n2|Columbus Crew Stadium|Columbus|OH|0\n"
CATEGORY_CSV = '12,Shows,"All opera, light, and ""rock"" opera"\n13,Concerts,"two\nlines"\n'
EXPECTED_VENUE = [
    (1, "Toyota Park", "Bridgeview", "IL", 0),
    (2, "Columbus Crew Stadium", "Columbus", "OH", 0),
]
EXPECTED_CATEGORY = [(12, "Shows", 'All opera, light, and "rock" opera'), (13, "Concerts", "two\nlines")]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "venue_pipe.txt").write_text(VENUE_PIPE)
    (tmp_path / "category_csv.txt").write_text(CATEGORY_CSV)
    (tmp_path / "venue_noseats.txt").write_text(
        "1|Toyota Park|Bridgeview|IL|\n2|Columbus Crew Stadium|Columbus|OH|\n"
    )
    (tmp_path / "bad.txt").write_text("1|Toyota Park|Bridgeview|IL|0\nx|Nowhere|Nowhere|NV|0\n")
    return tmp_path


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture
def warehouse(write_config: Any, tmp_path: Path) -> Iterator[Warehouse]:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as opened:
        yield opened


def test_text_and_csv_through_the_endpoint(endpoint: RunningEndpoint, files: Path) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(VENUE_DDL.format(name="ep_venue"))
        cursor.execute("CREATE TABLE ep_category (catid SMALLINT, catgroup VARCHAR(10), catdesc VARCHAR(50))")
        cursor.execute(f"copy ep_venue from '{files}/venue_pipe.txt' iam_role default")
        assert cursor.statusmessage == "COPY 2"
        cursor.execute(
            f"""COPY "public"."ep_category" FROM '{files}/category_csv.txt' IAM_ROLE default CSV"""
        )
        cursor.execute("SELECT * FROM ep_venue ORDER BY 1")
        assert cursor.fetchall() == EXPECTED_VENUE
        cursor.execute("SELECT * FROM ep_category ORDER BY 1")
        assert cursor.fetchall() == EXPECTED_CATEGORY
        connection.commit()


def test_a_bad_line_through_the_endpoint_is_in_stl_load_errors(
    endpoint: RunningEndpoint, files: Path
) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(VENUE_DDL.format(name="ep_bad_venue"))
        connection.commit()
        with pytest.raises(psycopg2.errors.InternalError) as failed:
            cursor.execute(f"copy ep_bad_venue from '{files}/bad.txt' iam_role default delimiter '|'")
        assert failed.value.diag.message_primary == (
            "Load into table 'ep_bad_venue' failed. Check 'stl_load_errors' system table for details."
        )
        connection.rollback()
        cursor.execute(
            "SELECT line_number, TRIM(colname), err_code, TRIM(raw_field_value), TRIM(raw_line) "
            "FROM stl_load_errors WHERE query = pg_last_copy_id()"
        )
        assert cursor.fetchall() == [(2, "venueid", 1207, "x", "x|Nowhere|Nowhere|NV|0")]
        cursor.execute(f"copy ep_bad_venue from '{files}/bad.txt' iam_role default maxerror 1")
        cursor.execute("SELECT venueid FROM ep_bad_venue")
        assert cursor.fetchall() == [(1,)]


def test_redshift_connector_sends_a_quoted_schema_and_table(endpoint: RunningEndpoint, files: Path) -> None:
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(VENUE_DDL.format(name="rc_venue"))
        cursor.execute(
            f"""COPY "public"."rc_venue" ("venueid", "venuename", "venuecity", "venuestate") """
            f"""FROM '{files}/venue_noseats.txt' IAM_ROLE 'arn:aws:iam::1:role/r' DELIMITER '|'"""
        )
        cursor.execute("SELECT venueid, venueseats FROM rc_venue ORDER BY 1")
        assert [tuple(row) for row in cursor.fetchall()] == [(1, 1000), (2, 1000)]
        connection.rollback()
    finally:
        connection.close()


def test_the_embedded_path_loads_the_same_rows(warehouse: Warehouse, files: Path) -> None:
    warehouse.execute(VENUE_DDL.format(name="venue"))
    warehouse.execute("CREATE TABLE category (catid SMALLINT, catgroup VARCHAR(10), catdesc VARCHAR(50))")
    warehouse.execute(f"copy venue from '{files}/venue_pipe.txt' iam_role default")
    warehouse.execute(f"copy public.category from '{files}/category_csv.txt' iam_role default csv")
    assert warehouse.query("SELECT * FROM venue ORDER BY 1")[1] == EXPECTED_VENUE
    assert warehouse.query("SELECT * FROM category ORDER BY 1")[1] == EXPECTED_CATEGORY
    with pytest.raises(LoadError) as failed:
        warehouse.execute(f"copy venue from '{files}/bad.txt' iam_role default")
    assert [(item.line, item.code) for item in failed.value.rejected] == [(2, 1207)]
