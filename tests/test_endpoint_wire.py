"""The endpoint on the wire as a Redshift cluster: what its startup reports (server_version 8.0.2,
show_discovery, server_protocol_version) and what drivers then do with it — redshift_connector's row
counts and its SHOW-based metadata API, CREATE TABLE AS's bare SELECT tag, libpq clients' version."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg2
import pytest

from sparkify.engine.server import embedded
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture
def rc(endpoint: RunningEndpoint) -> Iterator[object]:
    connection = endpoint.redshift_connector()
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def test_the_startup_reports_redshifts_parameters(rc: object) -> None:
    reported = {name.decode(): value.decode() for name, value in rc.parameter_statuses}  # type: ignore[attr-defined]
    assert reported["server_version"] == "8.0.2"
    assert reported["show_discovery"] == "4"
    assert reported["standard_conforming_strings"] == "off"
    assert reported["DateStyle"] == "ISO, MDY" and reported["IntervalStyle"] == "postgres"
    # The driver asked for its binary transfer; the endpoint grants what it gives, and says so.
    assert int(reported["server_protocol_version"]) == rc._client_protocol_version  # type: ignore[attr-defined]


def test_libpq_clients_see_version_8_0_2(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection:
        assert connection.server_version == 80002
        assert connection.get_parameter_status("show_discovery") == "4"
        assert connection.get_parameter_status("server_protocol_version") is None  # not a Redshift driver
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        assert connection.info.server_version == 80002
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_create_table_as_then_every_query_still_answers(rc: object) -> None:
    """Redshift's CREATE TABLE AS answers a bare SELECT tag; a driver told it talks to PostgreSQL 8.0
    reads no count in it (told 18, redshift_connector crashed and then returned no rows, silently)."""
    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE IF EXISTS wire_ctas")
    cursor.execute("CREATE TABLE wire_ctas AS (SELECT 1 AS a UNION ALL SELECT 2)")
    cursor.execute("SELECT a FROM wire_ctas ORDER BY a")
    assert cursor.fetchall() == ([1], [2])
    # Redshift counts no SELECT: rowcount is -1 after it, the count after an INSERT.
    assert cursor.rowcount == -1
    cursor.execute("INSERT INTO wire_ctas VALUES (3), (4)")
    assert cursor.rowcount == 2
    cursor.execute("DROP TABLE wire_ctas")


def test_show_commands_take_bound_names(endpoint: RunningEndpoint, rc: object) -> None:
    database = endpoint.database
    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE IF EXISTS wire_show")
    cursor.execute("CREATE TABLE wire_show (k INT PRIMARY KEY, v VARCHAR(7)) DISTSTYLE KEY DISTKEY (k)")
    cursor.execute("SHOW TABLES FROM SCHEMA %s.%s LIKE %s;", [database, "public", "wire_sh%"])
    names = [column[0] for column in cursor.description]
    assert names[:4] == ["database_name", "schema_name", "table_name", "table_type"]
    rows = cursor.fetchall()
    dist_style = names.index("dist_style")
    assert [(row[2], row[3], row[dist_style]) for row in rows] == [("wire_show", "TABLE", "KEY")]
    cursor.execute("SHOW COLUMNS FROM TABLE %s.%s.%s;", [database, "public", "wire_show"])
    columns = cursor.fetchall()
    expected = [("k", "integer", None), ("v", "character varying", 7)]
    assert [(row[3], row[7], row[8]) for row in columns] == expected
    cursor.execute(f"SHOW CONSTRAINTS PRIMARY KEYS FROM TABLE {database}.public.wire_show")
    assert [row[3:5] for row in cursor.fetchall()] == [["k", 1]]
    cursor.execute("SHOW DATABASES LIKE 'de_'")  # a cluster's dev, which the endpoint makes too
    assert [row[0] for row in cursor.fetchall()] == ["dev"]
    cursor.execute("DROP TABLE wire_show")


def test_the_metadata_api_takes_its_show_path(rc: object) -> None:
    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE IF EXISTS wire_meta")
    cursor.execute("CREATE TABLE wire_meta (id INT PRIMARY KEY, name VARCHAR(20))")
    assert cursor.get_show_discovery_version() == 4
    assert "public" in [row[0] for row in cursor.get_schemas()]
    tables = cursor.get_tables(schema_pattern="public", table_name_pattern="wire_meta")
    assert [(row[2], row[3]) for row in tables] == [("wire_meta", "TABLE")]
    columns = cursor.get_columns(schema_pattern="public", tablename_pattern="wire_meta")
    assert [row[3] for row in columns] == ["id", "name"]
    assert [row[3] for row in cursor.get_primary_keys(schema="public", table="wire_meta")] == ["id"]
    cursor.execute("DROP TABLE wire_meta")


def test_a_psycopg2_client_reads_a_created_table_back(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE wire_pg AS SELECT 5 AS five")
        cursor.execute("SELECT five FROM wire_pg")
        assert cursor.fetchall() == [(5,)]


def test_write_dataframe_finds_its_table_in_pg_catalogs_svv_all_tables(rc: object) -> None:
    import pandas

    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE IF EXISTS wire_frame")
    cursor.execute("CREATE TABLE wire_frame (a INT, b VARCHAR(5))")
    cursor.write_dataframe(pandas.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "public.wire_frame")
    cursor.execute("SELECT a, b FROM wire_frame ORDER BY a")
    assert cursor.fetchall() == ([1, "x"], [2, "y"])
    cursor.execute(
        "SELECT column_name FROM pg_catalog.svv_all_columns WHERE table_name = 'wire_frame' "
        "AND database_name = current_database()"
    )
    assert sorted(row[0] for row in cursor.fetchall()) == ["a", "b"]
    cursor.execute("SELECT count(*) FROM pg_catalog.svv_external_columns")
    assert cursor.fetchone()[0] == 0
    cursor.execute("DROP TABLE wire_frame")


def test_extended_result_metadata_names_each_columns_origin(endpoint: RunningEndpoint, rc: object) -> None:
    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE IF EXISTS wire_origin")
    cursor.execute(
        "CREATE TABLE wire_origin (id BIGINT IDENTITY(1, 1), name VARCHAR(9) NOT NULL, note VARCHAR(9))"
    )
    cursor.execute("SELECT id, name, note, 1 AS one FROM wire_origin")
    described = [
        (
            field["schema_name"],
            field["table_name"],
            field["column_name"],
            field["nullable"],
            field["autoincrement"],
        )
        for field in cursor.ps["row_desc"]
    ]
    assert described == [
        (b"public", b"wire_origin", b"id", 0, 1),
        (b"public", b"wire_origin", b"name", 0, 0),
        (b"public", b"wire_origin", b"note", 1, 0),
        (b"", b"", b"", 1, 0),
    ]
    cursor.execute("DROP TABLE wire_origin")


def test_stl_connection_log_records_what_a_driver_tells_of_itself(
    endpoint: RunningEndpoint, rc: object
) -> None:
    import redshift_connector
    from redshift_connector.utils.driver_info import DriverInfo

    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute(
        "SELECT count(*) FROM stl_connection_log WHERE driver_version = %s AND os_version = %s",
        (DriverInfo.driver_full_name(), rc.client_os_version),  # type: ignore[attr-defined]
    )
    assert cursor.fetchone()[0] >= 1
    hostile = "it's \\' a name"  # stored exactly, whatever the string settings
    named = redshift_connector.connect(
        host=endpoint.host,
        port=endpoint.port,
        database=endpoint.database,
        user=USER,
        password=PASSWORD,
        ssl=False,
        application_name=hostile,
    )
    named.close()
    cursor.execute("SELECT count(*) FROM stl_connection_log WHERE trim(application_name) = %s", (hostile,))
    assert cursor.fetchone()[0] == 1
    cursor.execute("SELECT count(*) FROM stl_undone")
    assert cursor.fetchone()[0] == 0


def test_values_a_statement_does_not_name_are_taken(rc: object) -> None:
    """Redshift takes more bound values than a statement names (a string's characters, one value each)."""
    cursor = rc.cursor()  # type: ignore[attr-defined]
    cursor.execute("SELECT %s", "hello world")
    assert cursor.fetchall() == (["h"],)
    cursor.execute("SELECT %s::INTEGER + 1", (1, "unused", None))
    assert cursor.fetchone() == [2]


def test_the_session_settings_come_with_the_startup(endpoint: RunningEndpoint) -> None:
    """Redshift's session defaults are the backend's startup parameters: the client is told the time zone
    it gets, and RESET returns to them (Redshift's functions still found first)."""
    with endpoint.connect(sslmode="disable") as connection, connection.cursor() as cursor:
        assert connection.get_parameter_status("TimeZone") == "UTC"
        cursor.execute("SET TimeZone TO 'America/New_York'")
        cursor.execute("SET search_path TO public")
        cursor.execute("RESET ALL")
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('search_path')")
        zone, path = cursor.fetchone()
        assert zone == "UTC" and "sparkify_redshift" in path
        cursor.execute("SELECT nvl(NULL, 2)")
        assert cursor.fetchone() == (2,)


def test_a_refused_login_leaves_no_backend_session(endpoint: RunningEndpoint) -> None:
    """The backend session started while the client proves its password is closed when it fails."""
    probe = "refused_login_probe"
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        endpoint.connect(sslmode="disable", password="not the password", application_name=probe)
    socket_dir, port = embedded.ensure_server(endpoint.data_dir)
    direct = psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres")
    direct.autocommit = True
    try:
        deadline = time.monotonic() + 10
        with direct.cursor() as cursor:
            while True:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (probe,))
                left = cursor.fetchone()[0]
                if left == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert left == 0
    finally:
        direct.close()
