"""Another database's catalog through a real endpoint process, as a cluster answers it from any database:
redshift_connector's SHOW commands with bound names, its metadata API across databases
(database_metadata_current_db_only=False), the svv_all_* views, and each user seeing there what its own
grants allow.  What redshift_connector's own suite taught: its metadata tests make a database, fill it on a
connection of its own, list it from dev, and drop it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

_numbers = itertools.count()
OTHER_USER_PASSWORD = "Abc12345"


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def connect(endpoint: RunningEndpoint, database: str, **options: Any) -> Any:
    import redshift_connector

    options = {"user": USER, "password": PASSWORD, **options}
    connection = redshift_connector.connect(
        host=endpoint.host, port=endpoint.port, database=database, ssl=False, **options
    )
    connection.autocommit = True
    return connection


def run(connection: Any, *statements: str) -> None:
    cursor = connection.cursor()
    for statement in statements:
        cursor.execute(statement)
    cursor.close()


def rows(connection: Any, query: str, arguments: list[str] | None = None) -> list[list[Any]]:
    cursor = connection.cursor()
    cursor.execute(query, arguments)
    found = [list(row) for row in cursor.fetchall()]
    cursor.close()
    return found


@pytest.fixture
def other_database(endpoint: RunningEndpoint) -> Iterator[str]:
    """A database made by a client, with a schema, a keyed table and a view made on a connection to it."""
    name = f"xdb_{os.getpid()}_{next(_numbers)}"
    home = connect(endpoint, endpoint.database)
    run(home, f"CREATE DATABASE {name}")
    there = connect(endpoint, name)
    run(
        there,
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, note VARCHAR(20)) DISTSTYLE KEY DISTKEY (id)",
        "CREATE VIEW sales.recent AS SELECT id FROM sales.orders",
        "CREATE TABLE sales.lines (order_id INTEGER, line INTEGER, qty INTEGER IDENTITY(1, 1), "
        "PRIMARY KEY (order_id, line))",
        "CREATE TABLE sales.line_notes (order_id INTEGER, line INTEGER, "
        "FOREIGN KEY (order_id, line) REFERENCES sales.lines (order_id, line))",
        "CREATE PROCEDURE sales.touch() AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE PROCEDURE sales.answer(x OUT INTEGER) AS $$ BEGIN x := 1; END; $$ LANGUAGE plpgsql",
    )
    there.close()
    try:
        yield name
    finally:
        run(home, f"DROP DATABASE {name}")  # no link to it is left open: the drop goes through
        home.close()


def test_show_commands_list_another_database(endpoint: RunningEndpoint, other_database: str) -> None:
    home = connect(endpoint, endpoint.database)
    try:
        assert other_database in [row[0] for row in rows(home, "SHOW DATABASES")]
        assert "postgres" not in [row[0] for row in rows(home, "SHOW DATABASES")]
        schemas = rows(home, "SHOW SCHEMAS FROM DATABASE %s LIKE %s;", [other_database, "sal%"])
        assert [row[:2] for row in schemas] == [[other_database, "sales"]]
        tables = rows(home, "SHOW TABLES FROM SCHEMA %s.%s;", [other_database, "sales"])
        assert [(row[0], row[2], row[3], row[9]) for row in tables] == [
            (other_database, "line_notes", "TABLE", "AUTO"),
            (other_database, "lines", "TABLE", "AUTO"),
            (other_database, "orders", "TABLE", "KEY"),
            (other_database, "recent", "VIEW", None),
        ]
        columns = rows(home, "SHOW COLUMNS FROM TABLE %s.%s.%s;", [other_database, "sales", "orders"])
        assert [(row[3], row[4], row[6], row[7], row[8], row[14]) for row in columns] == [
            ("id", 1, "NO", "integer", None, 1),
            ("note", 2, "YES", "character varying", 20, 0),
        ]
        keys = rows(home, f"SHOW CONSTRAINTS PRIMARY KEYS FROM TABLE {other_database}.sales.orders")
        assert [row[:5] for row in keys] == [[other_database, "sales", "orders", "id", 1]]
    finally:
        home.close()


def test_another_databases_keys_identity_and_procedures(
    endpoint: RunningEndpoint, other_database: str
) -> None:
    """What a cluster shows and the driver's suite checks: the recorded foreign keys (a composite one named
    for its first column), an IDENTITY column's default and nullability, a procedure's result."""
    home = connect(endpoint, endpoint.database)
    try:
        imported = rows(home, f"SHOW CONSTRAINTS FOREIGN KEYS FROM TABLE {other_database}.sales.line_notes")
        assert [(row[2], row[3], row[6], row[7], row[8], row[11], row[12]) for row in imported] == [
            ("lines", "order_id", "line_notes", "order_id", 1, "line_notes_order_id_fkey", "lines_pkey"),
            ("lines", "line", "line_notes", "line", 2, "line_notes_order_id_fkey", "lines_pkey"),
        ]
        exported = rows(
            home, f"SHOW CONSTRAINTS FOREIGN KEYS EXPORTED FROM TABLE {other_database}.sales.lines"
        )
        assert [row[6] for row in exported] == ["line_notes", "line_notes"]
        columns = rows(home, f"SHOW COLUMNS FROM TABLE {other_database}.sales.lines LIKE 'qty'")
        assert columns[0][5].startswith('"identity"(') and columns[0][5].endswith("'1,1'::text)")
        assert columns[0][6] == "YES"  # nullable: its DDL did not say NOT NULL
        procedures = rows(home, f"SHOW PROCEDURES FROM SCHEMA {other_database}.sales")
        returned = {row[2]: row[5] for row in procedures}
        assert returned["touch"] is None and returned["answer"] is not None
        # The session's own database still answers from its own catalog, and a missing one with nothing.
        assert rows(home, "SHOW TABLES FROM SCHEMA %s.%s;", [endpoint.database, "sales"]) == []
        assert rows(home, "SHOW SCHEMAS FROM DATABASE no_such_database") == []
    finally:
        home.close()


def test_metadata_api_across_databases(endpoint: RunningEndpoint, other_database: str) -> None:
    home = connect(endpoint, endpoint.database, database_metadata_current_db_only=False)
    try:
        # A cluster with the multi-database catalog says so; the driver lists other databases only then.
        assert (b"datashare_enabled", b"on") in home.parameter_statuses
        cursor = home.cursor()
        assert other_database in [row[0] for row in cursor.get_catalogs()]
        tables = cursor.get_tables(other_database, "sales", "ord%", ["TABLE"])
        assert [(row[0], row[1], row[2], row[3]) for row in tables] == [
            (other_database, "sales", "orders", "TABLE")
        ]
        columns = cursor.get_columns(other_database, "sales", "orders", "%")
        assert [(row[0], row[3], row[5], row[6]) for row in columns] == [
            (other_database, "id", "int4", 10),
            (other_database, "note", "varchar", 20),
        ]
        keys = cursor.get_primary_keys(other_database, "sales", "orders")
        assert [(row[0], row[3]) for row in keys] == [(other_database, "id")]
    finally:
        home.close()


def test_svv_all_views_list_every_database(endpoint: RunningEndpoint, other_database: str) -> None:
    home = connect(endpoint, endpoint.database)
    try:
        query = (
            "SELECT database_name, schema_name, table_name, table_type FROM pg_catalog.svv_all_tables "
            "WHERE database_name = %s AND schema_name = 'sales' AND table_name IN ('orders', 'recent') "
            "ORDER BY table_name"
        )
        assert rows(home, query, [other_database]) == [
            [other_database, "sales", "orders", "TABLE"],
            [other_database, "sales", "recent", "VIEW"],
        ]
        columns = rows(
            home,
            "SELECT column_name, data_type FROM svv_redshift_columns WHERE database_name = %s "
            "AND table_name = 'orders' ORDER BY ordinal_position",
            [other_database],
        )
        assert columns == [["id", "integer"], ["note", "character varying"]]
        schemas = rows(home, "SELECT database_name, schema_name FROM svv_all_schemas")
        assert [other_database, "sales"] in schemas
    finally:
        home.close()


def test_a_user_sees_another_database_as_its_grants_allow(
    endpoint: RunningEndpoint, other_database: str
) -> None:
    user = f"xdb_reader_{next(_numbers)}"
    home = connect(endpoint, endpoint.database)
    there = connect(endpoint, other_database)
    run(home, f"CREATE USER {user} PASSWORD '{OTHER_USER_PASSWORD}'")
    reader = connect(endpoint, endpoint.database, user=user, password=OTHER_USER_PASSWORD)
    try:
        listed = (
            "SELECT table_name FROM svv_all_tables WHERE database_name = %s AND schema_name = 'sales' "
            "ORDER BY table_name"
        )
        assert rows(reader, listed, [other_database]) == []  # no SELECT on either there
        run(there, f"GRANT USAGE ON SCHEMA sales TO {user}", f"GRANT SELECT ON sales.recent TO {user}")
        assert rows(reader, listed, [other_database]) == [["recent"]]
        # The side connection signs in as the reader itself: its identity there is its own.
        grants = rows(reader, f"SHOW GRANTS ON TABLE {other_database}.sales.recent")
        assert [user, "SELECT"] in [[row[6], row[4]] for row in grants]
    finally:
        reader.close()
        run(there, f"REVOKE ALL ON sales.recent FROM {user}", f"REVOKE ALL ON SCHEMA sales FROM {user}")
        there.close()
        run(home, f"DROP USER {user}")
        home.close()


def test_a_database_with_a_long_name_admits_its_clients(endpoint: RunningEndpoint) -> None:
    """stl_connection_log keeps 50 characters of the database's name, as a cluster's does: a longer name
    (Redshift's go to 127) is cut there, and the login goes on (it failed, the row being too long)."""
    name = f"long_{os.getpid()}_{next(_numbers)}_" + "d" * 50
    home = connect(endpoint, endpoint.database)
    run(home, f'CREATE DATABASE "{name}"')
    try:
        there = connect(endpoint, name)
        logged = rows(there, "SELECT trim(dbname) FROM stl_connection_log ORDER BY recordtime DESC LIMIT 1")
        there.close()
        assert logged == [[name[:50]]]
    finally:
        run(home, f'DROP DATABASE "{name}"')
        home.close()
