"""The types drivers send and read, as a Redshift cluster gives them, through a real endpoint: the column
types Redshift refuses (in its words), VARBYTE (type 6551, its text the hex digits), INTERVAL YEAR TO
MONTH and DAY TO SECOND (types 1188 and 1190, binary months and microseconds), ABSTIME (type 702, binary
seconds since 1970) — with redshift_connector
at each result transfer it negotiates, psycopg2 and psycopg 3."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redshift_connector
from redshift_connector.interval import IntervalDayToSecond, IntervalYearToMonth

from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

VARBYTE, INTERVALY2M, INTERVALD2S, ABSTIME = 6551, 1188, 1190, 702


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def _rc(endpoint: RunningEndpoint, protocol: int) -> Any:
    connection = redshift_connector.connect(
        host=endpoint.host, port=endpoint.port, database=endpoint.database, user=USER, password=PASSWORD,
        ssl=False, client_protocol_version=protocol,
    )  # fmt: skip
    connection.autocommit = True
    return connection


@pytest.fixture(params=[0, 1, 2], ids=["protocol0", "protocol1", "protocol2"])
def rc(endpoint: RunningEndpoint, request: pytest.FixtureRequest) -> Iterator[Any]:
    connection = _rc(endpoint, request.param)
    try:
        yield connection
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("column_type", "named"),
    [
        ("oid", "oid"),
        ("regclass", "regclass"),
        ("anyelement", "anyelement"),
        ("interval", "interval"),
        ("int[]", "int[]"),
        ("bit varying", "bit varying"),
        ("bytea", "bytea"),
    ],
)
def test_a_column_type_redshift_refuses_is_refused_in_its_words(
    rc: Any, column_type: str, named: str
) -> None:
    cursor = rc.cursor()
    with pytest.raises(redshift_connector.ProgrammingError) as refused:
        cursor.execute(f"CREATE TEMPORARY TABLE t1 (a {column_type})")
    assert f'Column "t1.a" has unsupported type "{named}".' in str(refused.value)
    cursor.execute("SELECT 1")  # the connection goes on
    assert cursor.fetchone() == [1]


def test_varbyte_is_type_6551_and_reads_as_a_cluster_gives_it(rc: Any) -> None:
    """A cluster prints VARBYTE as hex digits; redshift_connector decodes them (to text, as it does)."""
    cursor = rc.cursor()
    cursor.execute("SELECT 'abc'::varbyte AS v, from_hex('6162') AS w")
    assert [column[1] for column in cursor.description] == [VARBYTE, VARBYTE]
    assert cursor.fetchone() == ["abc", "ab"]


def test_bytes_redshift_connector_binds_come_back_as_on_a_cluster(rc: Any) -> None:
    """The driver sends bytes as their hex digits, which a cluster stores as that text's bytes and gives
    back: the driver's own test (test_redshift_varbyte_insert) reads ``data.hex()``."""
    cursor = rc.cursor()
    cursor.execute("CREATE TEMPORARY TABLE wire_varbyte (id INT, v VARBYTE)")
    cursor.execute("INSERT INTO wire_varbyte (id, v) VALUES (%s, %s)", (1, b"\x01\xff"))
    cursor.execute("SELECT v, octet_length(v) FROM wire_varbyte")
    assert cursor.fetchone() == ["01ff", 4]


def test_varbyte_through_libpq_drivers_is_its_hex_text(endpoint: RunningEndpoint) -> None:
    with psycopg.connect(endpoint.dsn(password=PASSWORD), autocommit=True) as connection:
        connection.execute("CREATE TEMPORARY TABLE wire_varbyte3 (v VARBYTE)")
        connection.execute("INSERT INTO wire_varbyte3 VALUES (%s)", (b"\x01\xff\x00",))  # bound as bytes
        cursor = connection.execute("SELECT v, octet_length(v) FROM wire_varbyte3")
        assert cursor.description[0].type_code == VARBYTE
        assert cursor.fetchone() == ("01ff00", 3)
        prepared = connection.execute(
            "SELECT v FROM wire_varbyte3 WHERE octet_length(v) = %s", (3,), prepare=True
        )
        assert prepared.fetchone() == ("01ff00",)
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT from_hex(%s) AS v", ("00ff10",))
        assert cursor.description[0].type_code == VARBYTE
        assert cursor.fetchone() == ("00ff10",)


def test_redshifts_interval_types_are_created_and_read_in_their_binary_forms(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute("CREATE TEMPORARY TABLE wire_intervals (id VARCHAR(8), y2m INTERVALY2M, d2s INTERVALD2S)")
    cursor.execute("INSERT INTO wire_intervals VALUES ('a', '1-1', '10 23:59:59.999999')")
    cursor.execute("INSERT INTO wire_intervals VALUES ('b', '-178956970-8', '-106751991 -04:00:54.775808')")
    cursor.execute(
        "INSERT INTO wire_intervals VALUES (%s, %s, %s)",
        ("c", IntervalYearToMonth(37), IntervalDayToSecond(-1)),
    )
    cursor.execute("SELECT y2m, d2s FROM wire_intervals ORDER BY id")
    assert [column[1] for column in cursor.description] == [INTERVALY2M, INTERVALD2S]
    assert cursor.fetchall() == (
        [IntervalYearToMonth(13), IntervalDayToSecond(11 * 86_400_000_000 - 1)],
        [IntervalYearToMonth(-(2**31)), IntervalDayToSecond(-(2**63))],
        [IntervalYearToMonth(37), IntervalDayToSecond(-1)],
    )
    cursor.execute("SELECT '10 days 48 hours'::intervald2s, '37 months'::intervaly2m")
    assert cursor.fetchone() == [IntervalDayToSecond(12 * 86_400_000_000), IntervalYearToMonth(37)]


def test_show_columns_and_the_metadata_api_name_redshifts_interval_types(rc: Any) -> None:
    """SHOW COLUMNS (redshift_connector's get_columns) names them as a cluster does, not as PostgreSQL's
    intervals of those ranges."""
    cursor = rc.cursor()
    cursor.execute("DROP TABLE IF EXISTS wire_interval_names")
    cursor.execute("CREATE TABLE wire_interval_names (y2m INTERVAL YEAR TO MONTH, d2s INTERVALD2S)")
    columns = cursor.get_columns(schema_pattern="public", tablename_pattern="wire_interval_names")
    assert [(row[3], row[5]) for row in columns] == [("y2m", "intervaly2m"), ("d2s", "intervald2s")]
    cursor.execute("DROP TABLE wire_interval_names")


def test_a_procedures_interval_and_sized_arguments_as_the_metadata_api_reads_them(rc: Any) -> None:
    """get_procedures' specific name and get_procedure_columns' types and sizes are a cluster's: the INTERVAL
    types by their names, a procedure's declared precision and length, its OUT argument out of the
    signature; CALL answers the OUT value as type 1188."""
    cursor = rc.cursor()
    cursor.execute(
        "CREATE OR REPLACE PROCEDURE wire_periods(n numeric(10,5), v varchar(256), y interval year to month, "
        "d interval day to second, o OUT intervaly2m) AS $$ BEGIN o := y; END; $$ LANGUAGE plpgsql"
    )
    procedures = cursor.get_procedures(schema_pattern="public", procedure_name_pattern="wire_periods")
    specific = "wire_periods(numeric, character varying, intervaly2m, intervald2s)"
    assert [(row[2], row[8]) for row in procedures] == [("wire_periods", specific)]
    columns = cursor.get_procedure_columns(schema_pattern="public", procedure_name_pattern="wire_periods")
    # COLUMN_NAME, COLUMN_TYPE (the driver's 1 IN, 3 OUT), DATA_TYPE, TYPE_NAME, PRECISION, SCALE,
    # SPECIFIC_NAME
    assert [(row[3], int(row[4]), row[5], row[6], row[7], row[9], row[19]) for row in columns] == [
        ("n", 1, 2, "numeric", 10, 5, specific),
        ("v", 1, 12, "varchar", 256, 0, specific),
        ("y", 1, 1111, "intervaly2m", 32, 0, specific),
        ("d", 1, 1111, "intervald2s", 64, 6, specific),
        ("o", 3, 1111, "intervaly2m", 32, 0, specific),
    ]
    cursor.execute(
        "CALL wire_periods(1.5, 'v', %s, %s)", (IntervalYearToMonth(14), IntervalDayToSecond(86_400_000_000))
    )
    assert [column[1] for column in cursor.description] == [INTERVALY2M]
    assert cursor.fetchone() == [IntervalYearToMonth(14)]
    cursor.execute("DROP PROCEDURE wire_periods(numeric, varchar, intervaly2m, intervald2s, intervaly2m)")


def test_a_procedure_recording_its_sizes_is_tagged_create_procedure(endpoint: RunningEndpoint) -> None:
    """Its CREATE runs as one DO block with the recording of the declared sizes: the tag is a cluster's
    (and a function's)."""
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE PROCEDURE wire_tagged(n numeric(10,5)) "
            "AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql"
        )
        assert cursor.statusmessage == "CREATE PROCEDURE"
        cursor.execute("DROP PROCEDURE wire_tagged(numeric)")
        # A CREATE FUNCTION runs as one with the setting apart of a procedure of its signature.
        cursor.execute(
            "CREATE OR REPLACE FUNCTION wire_tagged(int) RETURNS int STABLE AS $$ select 1 $$ LANGUAGE sql"
        )
        assert cursor.statusmessage == "CREATE FUNCTION"
        cursor.execute("DROP FUNCTION wire_tagged(int)")


def test_a_plain_interval_still_reads_in_redshifts_twelve_bytes(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute("SELECT INTERVAL '1 day 2 hours'")
    value = cursor.fetchone()[0]
    assert value.days == 1 and value.seconds == 7200


def test_libpq_drivers_see_the_interval_types_codes(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT '1-1'::intervaly2m AS y, CAST('2 days' AS intervald2s) AS d")
        assert [column.type_code for column in cursor.description] == [INTERVALY2M, INTERVALD2S]
        assert cursor.fetchone() == ("1 year 1 mon", "2 days")


def test_abstime_is_type_702_and_reads_as_a_cluster_gives_it(rc: Any) -> None:
    """A cluster still has ABSTIME; redshift_connector reads it in binary (seconds since 1970 in 4 bytes),
    its ends as the type's (what the driver's own suite reads from a cluster)."""
    cursor = rc.cursor()
    cursor.execute("SELECT '2022-06-10'::abstime AS a, 'infinity'::abstime AS i, '-infinity'::abstime AS n")
    assert [column[1] for column in cursor.description] == [ABSTIME] * 3
    assert cursor.fetchone() == [
        dt.datetime(2022, 6, 10, tzinfo=dt.timezone.utc),
        dt.datetime(2038, 1, 19, 3, 14, 4, tzinfo=dt.timezone.utc),
        dt.datetime(1901, 12, 13, 20, 45, 52, tzinfo=dt.timezone.utc),
    ]
    cursor.execute("SELECT CAST('2022-06-10 01:02:03+00' AS abstime) < now() AS earlier")
    assert cursor.fetchone() == [True]


def test_libpq_drivers_read_abstime_as_its_text(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SET timezone TO 'UTC'")
        cursor.execute("SELECT '2022-06-10 01:02:03'::abstime AS a")
        assert cursor.description[0].type_code == ABSTIME
        assert cursor.fetchone() == ("2022-06-10 01:02:03+00",)


def test_numerics_read_exactly_at_every_transfer(rc: Any) -> None:
    """At the binary transfer (2) a NUMERIC comes as Redshift sends it: the unscaled integer, 8 or 16
    bytes, at the scale of its type modifier (a computed one is given NUMERIC(38, 18))."""
    cursor = rc.cursor()
    cursor.execute(
        "SELECT -135430.11999999999500::numeric(36,14), 7872432525245.4577::numeric(18,4), "
        "to_number('12,454.8-', 'S99G999D9'), 99999999999999999999.5::numeric(38,1), 0::numeric(5,2), "
        "NULL::numeric"
    )
    assert cursor.fetchone() == [
        Decimal("-135430.11999999999500"),
        Decimal("7872432525245.4577"),
        Decimal("-12454.8"),
        Decimal("99999999999999999999.5"),
        Decimal("0"),
        None,
    ]


def test_the_transfer_asked_for_is_granted(rc: Any) -> None:
    reported = dict(rc.parameter_statuses)
    assert int(reported[b"server_protocol_version"]) == rc._client_protocol_version


def test_times_come_as_a_cluster_holds_them(rc: Any) -> None:
    """A cluster wraps 24:00:00 to 00:00:00 and holds a TIMETZ as its UTC time of day."""
    cursor = rc.cursor()
    cursor.execute(
        "SELECT '24:00:00'::time, '24:00:00 CST'::timetz, '22:44:54.189717 PDT'::timetz, '12:30:10'::time"
    )
    assert cursor.fetchone() == [
        dt.time(0, 0),
        dt.time(6, 0, tzinfo=dt.timezone.utc),
        dt.time(5, 44, 54, 189717, tzinfo=dt.timezone.utc),
        dt.time(12, 30, 10),
    ]


# A name with every character the driver's own tests give a schema, a table and a column (its
# test_metadataAPI_special_character_handling_* files): quotes, backslashes, a dollar, 4-byte UTF-8 …, in
# fewer than PostgreSQL's 63 bytes (the driver's own names are longer: see the README's fidelity table).
SPECIAL_NAME = "tə𝒜好$1\\n\\t\\r\\0`~!@#$%^&*()_+-={}[]:\"\";,./<>?\\''"


def test_names_with_every_special_character_a_cluster_allows(rc: Any) -> None:
    cursor = rc.cursor()
    name = SPECIAL_NAME
    cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    cursor.execute(f'CREATE SCHEMA "{name}"')
    cursor.execute(f'CREATE TABLE "{name}"."{name} parent" ("{name}" INT PRIMARY KEY)')
    cursor.execute(
        f'CREATE TABLE "{name}"."{name} child" ("{name}" INT, FOREIGN KEY ("{name}") '
        f'REFERENCES "{name}"."{name} parent" ("{name}"))'
    )
    cursor.execute(f'INSERT INTO "{name}"."{name} parent" VALUES (1)')
    cursor.execute(f'SELECT "{name}" FROM "{name}"."{name} parent"')
    assert cursor.fetchall() == ([1],)
    stored = name.replace('""', '"')
    cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = %s", (stored,))
    assert cursor.fetchall() == ([stored],)
    cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_a_nul_in_a_name_is_one_error_and_the_connection_goes_on(rc: Any) -> None:
    cursor = rc.cursor()
    with pytest.raises(redshift_connector.ProgrammingError):
        cursor.execute('CREATE TABLE "nul\x00name" (i INT)')
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == [1]


def test_catalog_arrays_postgresql_cannot_send_in_binary_come_in_binary(rc: Any) -> None:
    """At the binary transfer the driver asks for aclitem[] in binary, which PostgreSQL cannot send: the
    endpoint asks for its text and sends the array in binary (the driver's test_system_table_queries)."""
    cursor = rc.cursor()
    cursor.execute("CREATE TEMPORARY TABLE wire_granted (i INT)")
    cursor.execute("GRANT SELECT ON wire_granted TO PUBLIC")
    cursor.execute("SELECT relname, relacl FROM pg_class WHERE relname = 'wire_granted'")
    name, acl = cursor.fetchone()
    assert name == "wire_granted" and isinstance(acl, list) and any(item.startswith("=r/") for item in acl)
