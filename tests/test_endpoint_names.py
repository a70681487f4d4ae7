"""Names as a cluster reads them, through a real endpoint: quoted names with capitals and backslashes fold
like any other (only their ASCII letters: ``"ÖhNo"`` is ``Öhno``), and the metadata API finds them — the
cases of redshift_connector's test_metadataAPI_special_character_handling files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redshift_connector

from tests.endpoint_process import RunningEndpoint, running_endpoint

# The driver's schema of test_metadataAPI_special_character_handling.py: a capital, a backslash before the
# closing quote, a quote, every ASCII punctuation mark.
MIXED_CASE_SCHEMA = '"sChema`~!@#$%^&*()_+-={}|[]:"";,./<>?\'\\"'
SCHEMA_AS_STORED = "schema`~!@#$%^&*()_+-={}|[]:\";,./<>?'\\"


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture(params=["redshift_connector", "psycopg2"])
def connection(endpoint: RunningEndpoint, request: pytest.FixtureRequest) -> Iterator[Any]:
    """An autocommitting connection of AWS's driver (binding on the server) or psycopg2 (on the client)."""
    opened = endpoint.redshift_connector() if request.param == "redshift_connector" else endpoint.connect()
    opened.autocommit = True
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def rc(endpoint: RunningEndpoint) -> Iterator[Any]:
    opened = endpoint.redshift_connector()
    opened.autocommit = True
    yield opened
    opened.close()


def test_a_quoted_name_with_capitals_and_a_backslash_folds(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute(f"DROP SCHEMA IF EXISTS {MIXED_CASE_SCHEMA} CASCADE")
    cursor.execute(f"CREATE SCHEMA {MIXED_CASE_SCHEMA}")
    cursor.execute(f'CREATE TABLE {MIXED_CASE_SCHEMA}."test\\_Table\\_1" ("%cOl1" INT)')
    cursor.execute(f'INSERT INTO {MIXED_CASE_SCHEMA}."TEST\\_table\\_1" VALUES (7)')
    cursor.execute(f'SELECT "%COL1" FROM {MIXED_CASE_SCHEMA}."test\\_table\\_1"')
    assert cursor.fetchall() == ([7],)
    assert [row[2] for row in cursor.get_tables(None, SCHEMA_AS_STORED.replace("\\", "\\\\"), "%")] == [
        "test\\_table\\_1"
    ]
    cursor.execute(f"DROP SCHEMA {MIXED_CASE_SCHEMA} CASCADE")


def test_only_ascii_letters_fold(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute('DROP TABLE IF EXISTS "ÖhNo"')
    cursor.execute('CREATE TABLE "ÖhNo" ("ÄBC" INT)')
    cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s", ("%hno",))
    assert cursor.fetchall() == (["Öhno"],)
    assert [row[3] for row in cursor.get_columns(None, "public", "Öhno", "%")] == ["Äbc"]
    cursor.execute('DROP TABLE "Öhno"')


# Names of 64 to 127 bytes, as a cluster allows them (PostgreSQL keeps 63): two tables alike in their first
# 63 bytes, a schema and columns with 2-, 3- and 4-byte characters.
LONG_SCHEMA = "schema_of_a_long_name_ə好𝒜_" + "s" * 68  # 100 bytes
LONG_TABLE = "table_" + "t" * 60  # 66 bytes
OTHER_LONG_TABLE = LONG_TABLE + "_other"  # its first 63 bytes are LONG_TABLE's
LONG_COLUMN = "Column_Ö_" + "c" * 117  # 127 bytes (the Ö is two)


def _long_tables(cursor: Any) -> None:
    cursor.execute(f'DROP SCHEMA IF EXISTS "{LONG_SCHEMA}" CASCADE')
    cursor.execute(f'CREATE SCHEMA "{LONG_SCHEMA}"')
    for table in (LONG_TABLE, OTHER_LONG_TABLE):
        cursor.execute(f'CREATE TABLE "{LONG_SCHEMA}".{table} ("{LONG_COLUMN}" INT, short_one INT)')
    cursor.execute(f'INSERT INTO "{LONG_SCHEMA}".{LONG_TABLE} VALUES (1, 2)')
    cursor.execute(f'INSERT INTO "{LONG_SCHEMA}".{OTHER_LONG_TABLE} VALUES (3, 4)')


def test_names_up_to_127_bytes_through_redshift_connector(rc: Any) -> None:
    assert [len(name.encode()) for name in (LONG_SCHEMA, LONG_TABLE, LONG_COLUMN)] == [100, 66, 127]
    cursor = rc.cursor()
    _long_tables(cursor)
    cursor.execute(f'SELECT "{LONG_COLUMN}" FROM "{LONG_SCHEMA}".{OTHER_LONG_TABLE}')
    assert cursor.fetchall() == ([3],)
    column = LONG_COLUMN.replace("C", "c")  # folded: its ASCII letters alone
    assert [row[0] for row in cursor.get_schemas(None, LONG_SCHEMA)] == [LONG_SCHEMA]
    listed = cursor.get_tables(None, LONG_SCHEMA, "table%")
    assert [row[2] for row in listed] == [LONG_TABLE, OTHER_LONG_TABLE]
    assert [row[3] for row in cursor.get_columns(None, LONG_SCHEMA, LONG_TABLE, "%")] == [column, "short_one"]
    cursor.execute(f'SHOW COLUMNS FROM TABLE "{LONG_SCHEMA}".{LONG_TABLE} LIKE %s', (column[:20] + "%",))
    assert [row[3] for row in cursor.fetchall()] == [column]
    cursor.execute(f'DROP TABLE "{LONG_SCHEMA}".{LONG_TABLE}')
    assert [row[2] for row in cursor.get_tables(None, LONG_SCHEMA, "%")] == [OTHER_LONG_TABLE]
    cursor.execute(f'DROP SCHEMA "{LONG_SCHEMA}" CASCADE')


def test_names_up_to_127_bytes_through_either_driver(connection: Any, endpoint: RunningEndpoint) -> None:
    cursor = connection.cursor()
    _long_tables(cursor)
    cursor.execute(f'SELECT short_one FROM "{LONG_SCHEMA}".{LONG_TABLE}')
    assert [tuple(row) for row in cursor.fetchall()] == [(2,)]
    cursor.execute(f'SHOW TABLES FROM SCHEMA {endpoint.database}."{LONG_SCHEMA}"')
    assert [row[2] for row in cursor.fetchall()] == [LONG_TABLE, OTHER_LONG_TABLE]
    cursor.execute(f'DROP SCHEMA "{LONG_SCHEMA}" CASCADE')


def test_a_name_past_127_bytes_is_cut_there_as_a_cluster_cuts_it(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute(f"DROP TABLE IF EXISTS {LONG_TABLE}")
    cursor.execute(f'CREATE TABLE {LONG_TABLE} ("{LONG_COLUMN}" INT)')
    cursor.execute(f'INSERT INTO {LONG_TABLE} ("{LONG_COLUMN}_and_more") VALUES (5)')
    cursor.execute(f'SELECT "{LONG_COLUMN}xyz" FROM {LONG_TABLE}')
    assert cursor.fetchall() == ([5],)
    cursor.execute(f"DROP TABLE {LONG_TABLE}")


def test_a_nul_in_a_listings_parameter_matches_nothing(rc: Any) -> None:
    """redshift_connector binds the metadata API's names: one holding a NUL names no schema, as on a
    cluster (PostgreSQL refuses a NUL in any text)."""
    cursor = rc.cursor()
    assert cursor.get_schemas(None, "pub\x00lic") == ()
    assert cursor.get_tables(None, "public\x00", "%", None) == ()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == [1]


def test_result_columns_and_errors_name_a_long_name_as_written(rc: Any, endpoint: RunningEndpoint) -> None:
    cursor = rc.cursor()
    _long_tables(cursor)
    column = LONG_COLUMN.replace("C", "c")
    cursor.execute(f'SELECT * FROM "{LONG_SCHEMA}".{LONG_TABLE}')
    assert [field[0] for field in cursor.description] == [column, "short_one"]
    cursor.execute(f'SELECT 1 AS "{LONG_COLUMN}_as_an_alias"')
    assert cursor.description[0][0] == _cut(column + "_as_an_alias", 127)
    with pytest.raises(redshift_connector.ProgrammingError, match=OTHER_LONG_TABLE + "_missing"):
        cursor.execute(f'SELECT * FROM "{LONG_SCHEMA}".{OTHER_LONG_TABLE}_missing')
    connection = endpoint.connect()  # another session, another driver: the names recorded by the CREATE
    try:
        other = connection.cursor()
        other.execute(f'SELECT * FROM "{LONG_SCHEMA}".{LONG_TABLE}')
        assert [field[0] for field in other.description] == [column, "short_one"]
    finally:
        connection.close()
    cursor.execute(f'DROP SCHEMA "{LONG_SCHEMA}" CASCADE')


def _cut(name: str, size: int) -> str:
    return name.encode()[:size].decode("utf-8", "ignore")


def test_copy_and_unload_of_long_names(rc: Any, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("1,10\n2,20\n")
    cursor = rc.cursor()
    _long_tables(cursor)
    table = f'"{LONG_SCHEMA}".{LONG_TABLE}'
    cursor.execute(f"COPY {table} (short_one, \"{LONG_COLUMN}\") FROM '{tmp_path}/rows.csv' CSV")
    cursor.execute(f'SELECT sum("{LONG_COLUMN}") FROM {table}')
    assert cursor.fetchall() == ([31],)
    query = f'SELECT "{LONG_COLUMN}" FROM {table} ORDER BY 1'.replace("'", "''")
    cursor.execute(f"UNLOAD ('{query}') TO '{tmp_path}/out_' CSV PARALLEL OFF")
    assert (tmp_path / "out_000").read_text().split() == ["1", "10", "20"]
    cursor.execute(f'DROP SCHEMA "{LONG_SCHEMA}" CASCADE')
