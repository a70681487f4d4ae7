"""Hostile strings through every driver, against a real endpoint process: each is stored exactly as the
client gave it, whichever way the driver sends it (bound on the server, or quoted on the client as the
reported standard_conforming_strings tells it), and no value can end its literal (issue #20)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
import redshift_connector
import sqlalchemy as sa
from psycopg import sql as psql

from sparkify.config import load_config
from sparkify.warehouse import connect
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

HOSTILE = [
    "back\\slash",
    "it's",
    "it\\'s",
    "\\'); DROP TABLE victim; --",
    "'); DROP TABLE victim; --",
    "C:\\new\\table",
    "100\\%",
    "%s",
    "%%",
    "%(name)s",
    "ends with a backslash\\",
    "\\",
    "\\\\",
    "''",
    "E'\\x41'",
    "$$ dollar $$",
    "tab\tnew line\ncarriage\r",
    "ünïcødé ✓ 𝄞 日本",
    "",
]

_tables = itertools.count()


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        connection = running.connect()
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE victim (id INTEGER)")
        connection.close()
        yield running


def new_table(cursor: Any) -> str:
    """A fresh table for one driver's round trip: an id and a VARCHAR as wide as the values need."""
    name = f"strings_{next(_tables)}"
    cursor.execute(f"CREATE TABLE {name} (id INTEGER, value VARCHAR(256))")
    return name


def insert_each(cursor: Any) -> str:
    """A fresh table with each hostile value inserted by one statement, as the driver sends parameters."""
    table = new_table(cursor)
    for index, value in enumerate(HOSTILE):
        cursor.execute(f"INSERT INTO {table} VALUES (%s, %s)", (index, value))
    return table


def assert_stored_exactly(endpoint: RunningEndpoint, table: str) -> None:
    """Read back through psycopg2 (server-side values, so its own quoting plays no part) and by length."""
    connection = endpoint.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, value, LEN(value) FROM {table} ORDER BY id")
            rows = cursor.fetchall()
            cursor.execute("SELECT COUNT(*) FROM victim")  # still there
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()
    assert [row[1] for row in rows] == HOSTILE
    assert [row[2] for row in rows] == [len(value) for value in HOSTILE]


def test_the_endpoint_reports_redshifts_reading_of_string_literals(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        assert connection.get_parameter_status("standard_conforming_strings") == "off"
        with connection.cursor() as cursor:
            cursor.execute("SHOW standard_conforming_strings")
            assert cursor.fetchone() == ("off",)
            cursor.execute(r"SELECT 'it\'s', 'a\\b', 'tab\there', E'a\\b', $$a\b$$, 'a''b'")
            assert cursor.fetchone() == ("it's", "a\\b", "tab\there", "a\\b", "a\\b", "a'b")
        assert not connection.notices  # no warning for each backslash, as on Redshift
    finally:
        connection.close()


def test_psycopg2_quoting_on_the_client(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        with connection, connection.cursor() as cursor:
            table = insert_each(cursor)
    finally:
        connection.close()
    assert_stored_exactly(endpoint, table)


def test_psycopg2_executemany_and_named_parameters(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        with connection, connection.cursor() as cursor:
            table = new_table(cursor)
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%(id)s, %(value)s)",
                [{"id": index, "value": value} for index, value in enumerate(HOSTILE)],
            )
    finally:
        connection.close()
    assert_stored_exactly(endpoint, table)


def psycopg3(endpoint: RunningEndpoint, **options: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(endpoint.dsn(password=PASSWORD), **options)


def test_psycopg3_binding_on_the_server(endpoint: RunningEndpoint) -> None:
    with psycopg3(endpoint) as connection, connection.cursor() as cursor:
        table = insert_each(cursor)
    assert_stored_exactly(endpoint, table)


def test_psycopg3_client_cursor_quoting_on_the_client(endpoint: RunningEndpoint) -> None:
    with psycopg3(endpoint, cursor_factory=psycopg.ClientCursor) as connection, connection.cursor() as cursor:
        table = insert_each(cursor)
    assert_stored_exactly(endpoint, table)


def test_psycopg3_sql_literal(endpoint: RunningEndpoint) -> None:
    with psycopg3(endpoint) as connection, connection.cursor() as cursor:
        table = new_table(cursor)
        for index, value in enumerate(HOSTILE):
            statement = psql.SQL("INSERT INTO {} VALUES ({}, {})").format(
                psql.Identifier(table), psql.Literal(index), psql.Literal(value)
            )
            cursor.execute(statement)
    assert_stored_exactly(endpoint, table)


def test_redshift_connector(endpoint: RunningEndpoint) -> None:
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        table = insert_each(cursor)
        connection.commit()
    finally:
        connection.close()
    assert_stored_exactly(endpoint, table)


def test_a_nul_is_refused_cleanly_and_the_session_goes_on(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        with connection.cursor() as cursor:
            table = new_table(cursor)
            with pytest.raises(ValueError, match="NUL"):
                cursor.execute(f"INSERT INTO {table} VALUES (1, %s)", ("a\x00b",))
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        connection.commit()
    finally:
        connection.close()
    with (
        psycopg3(endpoint, cursor_factory=psycopg.ClientCursor) as client_side,
        client_side.cursor() as cursor,
        pytest.raises(psycopg.DataError, match="NUL"),
    ):
        cursor.execute(f"INSERT INTO {table} VALUES (1, %s)", ("a\x00b",))
    shipped = endpoint.redshift_connector()
    try:
        cursor = shipped.cursor()
        with pytest.raises(redshift_connector.Error, match="0x00"):
            cursor.execute(f"INSERT INTO {table} VALUES (1, %s)", ("a\x00b",))
        shipped.rollback()
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone() == [0]
    finally:
        shipped.close()


def test_a_client_that_sets_standard_conforming_strings_is_read_as_it_then_writes(
    endpoint: RunningEndpoint,
) -> None:
    with psycopg3(endpoint, autocommit=True) as connection:
        connection.execute("SET standard_conforming_strings = on")
        assert connection.info.parameter_status("standard_conforming_strings") == "on"
        assert connection.execute(r"SELECT 'a\b', 'C:\new'").fetchone() == ("a\\b", "C:\\new")
        client_side = psycopg.ClientCursor(connection)
        client_side.execute("SELECT %s, %s", HOSTILE[:2])
        assert client_side.fetchone() == tuple(HOSTILE[:2])
        connection.execute("SET standard_conforming_strings = off")
        assert connection.execute(r"SELECT 'a\\b', 'it\'s'").fetchone() == ("a\\b", "it's")


@pytest.mark.parametrize("driver", ["redshift+psycopg2", "redshift+redshift_connector"])
def test_pandas_to_sql_and_read_sql_round_trip(endpoint: RunningEndpoint, driver: str) -> None:
    url = f"{driver}://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
    connect_args = {"ssl": False} if driver.endswith("redshift_connector") else {"sslmode": "disable"}
    engine = sa.create_engine(url, connect_args=connect_args)
    table = f"pandas_{driver.split('+')[1]}"
    frame = pd.DataFrame({"id": range(len(HOSTILE)), "value": HOSTILE})
    try:
        with engine.begin() as connection:
            frame.to_sql(table, connection, index=False, if_exists="replace", dtype={"value": sa.String(256)})
        with engine.connect() as connection:
            back = pd.read_sql(sa.text(f"SELECT id, value FROM {table} ORDER BY id"), connection)
            victims = connection.execute(sa.text("SELECT COUNT(*) FROM victim")).scalar()
    finally:
        engine.dispose()
    assert back["value"].tolist() == HOSTILE
    assert victims == 0


def test_the_scripts_embedded_path_stores_values_exactly_and_reads_redshifts_literals(
    write_config: Any, tmp_path: Path
) -> None:
    """One emulation: the Warehouse's own psycopg2 session of the embedded PostgreSQL reads literals as the
    endpoint's sessions do, and psycopg2's quoting stores each value as given."""
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(str(write_config()))) as warehouse:
        assert warehouse.connection.get_parameter_status("standard_conforming_strings") == "off"
        warehouse.execute("CREATE TABLE victim (id INTEGER)")
        warehouse.execute("CREATE TABLE embedded_strings (id INTEGER, value VARCHAR(256))")
        with warehouse.connection.cursor() as cursor:
            for index, value in enumerate(HOSTILE):
                cursor.execute("INSERT INTO embedded_strings VALUES (%s, %s)", (index, value))
        _, rows = warehouse.query("SELECT value, LEN(value) FROM embedded_strings ORDER BY id")
        assert [row[0] for row in rows] == HOSTILE
        assert [row[1] for row in rows] == [len(value) for value in HOSTILE]
        _, rows = warehouse.query("SELECT value FROM embedded_strings WHERE value = %s", (HOSTILE[3],))
        assert rows == [(HOSTILE[3],)]
        warehouse.execute(r"INSERT INTO embedded_strings VALUES (100, 'it\'s C:\\new')")
        _, rows = warehouse.query(r"SELECT value, 'a\\b' FROM embedded_strings WHERE id = 100")
        assert rows == [("it's C:\\new", "a\\b")]
        _, rows = warehouse.query("SELECT COUNT(*) FROM victim")
        assert rows == [(0,)]
        warehouse.rollback()
