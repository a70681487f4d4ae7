"""The analytics team's tools read the warehouse's catalog through a real endpoint process: SQLAlchemy's
inspector with sqlalchemy-redshift (on psycopg2 and on redshift_connector), redshift_connector's metadata
API and psql's meta-commands, on a table made with Redshift's DDL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, postgres_bin, running_endpoint

PLAYS_DDL = """CREATE TABLE tool_plays (
    play_id BIGINT IDENTITY(0, 1) NOT NULL ENCODE az64,
    user_id INTEGER NOT NULL DISTKEY,
    start_time TIMESTAMP NOT NULL SORTKEY,
    level VARCHAR(10) ENCODE zstd,
    amount DECIMAL(10, 2)
) DISTSTYLE KEY"""


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        with running.connect() as connection, connection.cursor() as cursor:
            cursor.execute(PLAYS_DDL)
            cursor.execute("CREATE VIEW tool_recent AS SELECT play_id, start_time FROM tool_plays")
            cursor.execute(
                "CREATE FUNCTION f_double (INTEGER) RETURNS INTEGER IMMUTABLE "
                "AS $$ SELECT $1 * 2 $$ LANGUAGE sql"
            )
            cursor.execute(
                "INSERT INTO tool_plays (user_id, start_time, level) VALUES (7, '2018-11-01', 'paid')"
            )
        yield running


def _engine(endpoint: RunningEndpoint, driver: str) -> sa.Engine:
    connect_args = {"sslmode": "disable"} if driver == "psycopg2" else {"ssl": False}
    url = f"redshift+{driver}://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
    return sa.create_engine(url, connect_args=connect_args)


@pytest.mark.parametrize("driver", ["psycopg2", "redshift_connector"])
def test_sqlalchemy_reflects_a_table_made_with_redshift_ddl(endpoint: RunningEndpoint, driver: str) -> None:
    engine = _engine(endpoint, driver)
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_schema_names() == ["information_schema", "public"]
        assert sorted(inspector.get_table_names()) == ["tool_plays"]
        assert inspector.get_view_names() == ["tool_recent"]
        assert inspector.has_table("tool_plays") and not inspector.has_table("no_such_table")
        columns = [
            (column["name"], str(column["type"]), column["nullable"], column["info"].get("encode"))
            for column in inspector.get_columns("tool_plays")
        ]
        assert columns == [
            ("play_id", "BIGINT", False, "az64"),
            ("user_id", "INTEGER", False, "az64"),  # ENCODE AUTO: az64 for numbers, none for the sort key
            ("start_time", "TIMESTAMP", False, None),
            ("level", "VARCHAR(10)", True, "zstd"),
            ("amount", "NUMERIC(10, 2)", True, "az64"),
        ]
        assert inspector.get_table_options("tool_plays") == {
            "redshift_diststyle": "KEY",
            "redshift_distkey": "user_id",
            "redshift_sortkey": ("start_time",),
            "redshift_interleaved_sortkey": None,
        }
        # Informational constraints are not kept by the local engine (see the README): no primary key.
        assert inspector.get_pk_constraint("tool_plays") == {"constrained_columns": [], "name": ""}
        table = sa.Table("tool_plays", sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            rows = connection.execute(sa.select(table.c.user_id, table.c.level)).all()
        assert [tuple(row) for row in rows] == [(7, "paid")]
    finally:
        engine.dispose()


def test_redshift_connector_metadata_api(endpoint: RunningEndpoint) -> None:
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        database = endpoint.database
        assert [row[1:4] for row in cursor.get_tables(table_name_pattern="tool%")] == [
            ["public", "tool_plays", "TABLE"],
            ["public", "tool_recent", "VIEW"],
        ]
        columns = cursor.get_columns(tablename_pattern="tool_plays")
        # TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, DATA_TYPE (java.sql.Types), TYPE_NAME, COLUMN_SIZE
        assert [tuple(row[:7]) for row in columns] == [
            (database, "public", "tool_plays", "play_id", -5, "int8", 19),
            (database, "public", "tool_plays", "user_id", 4, "int4", 10),
            (database, "public", "tool_plays", "start_time", 93, "timestamp", 29),
            (database, "public", "tool_plays", "level", 12, "varchar", 10),
            (database, "public", "tool_plays", "amount", 2, "numeric", 10),
        ]
        assert [row[17] for row in columns] == ["NO", "NO", "NO", "YES", "YES"]  # IS_NULLABLE
        # With a schema pattern the driver's query holds "THEN 1WHEN": Redshift's lexer reads two words
        in_public = cursor.get_columns(schema_pattern="public", tablename_pattern="tool_plays")
        assert [tuple(row[:7]) for row in in_public] == [tuple(row[:7]) for row in columns]
        # a cluster's SHOW SCHEMAS lists no pg_catalog (the driver's own suite says so)
        assert [list(row) for row in cursor.get_schemas()] == [
            ["information_schema", database],
            ["public", database],
        ]
        assert cursor.get_function_columns(None, "pg_catalog", None, None) == ()
        assert cursor.get_primary_keys(table="tool_plays") == ()
        # show_discovery 4: procedures are SHOW PROCEDURES' (a function is none), functions SHOW FUNCTIONS'
        assert list(cursor.get_procedures(procedure_name_pattern="f_double")) == []
        functions = cursor.get_functions(function_name_pattern="f_double")
        assert [(row[0], row[1], row[2]) for row in functions] == [(database, "public", "f_double")]
    finally:
        connection.close()


def psql(endpoint: RunningEndpoint, command: str) -> list[str]:
    done = subprocess.run(
        [postgres_bin("psql"), endpoint.dsn(), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_psql_meta_commands(endpoint: RunningEndpoint) -> None:
    assert psql(endpoint, r"\dt tool_*") == [f"public|tool_plays|table|{USER}"]
    assert psql(endpoint, r"\dv tool_*") == [f"public|tool_recent|view|{USER}"]
    # psql reads a server of 8.0 as such (no attidentity column): the IDENTITY column shows no default
    assert psql(endpoint, r"\d tool_plays") == [
        "play_id|bigint||not null|",
        "user_id|integer||not null|",
        "start_time|timestamp without time zone||not null|",
        "level|character varying(10)|||",
        "amount|numeric(10,2)|||",
    ]
    assert [line.split("|")[:2] + line.split("|")[5:6] for line in psql(endpoint, r"\d+ tool_recent")] == [
        ["play_id", "bigint", "plain"],
        ["start_time", "timestamp without time zone", "plain"],
    ]
    # The shim schema that holds Redshift's functions and catalog views stays out of sight, as on a cluster
    assert psql(endpoint, r"\dn") == ["public|pg_database_owner"]
    # stl_load_errors is a system table there: not the user's own
    assert psql(endpoint, r"\dt") == [f"public|tool_plays|table|{USER}"]
    assert psql(endpoint, r"\df") == ["public|f_double|integer|integer|func"]
