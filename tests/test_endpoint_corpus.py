"""The documented corpus through the endpoint: every documented function example, documented error and
refusal of the SQL-surface tests, sent by real clients to a real endpoint process, each case on a fresh
connection: psycopg2 (the simple query protocol), psycopg 3 (the extended protocol, prepared statements)
and redshift_connector (Redshift's own driver: the extended protocol, md5 login).  The answers must be the
ones the direct tests pin (tests/test_redshift_functions.py, tests/test_redshift_sql.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import psycopg2
import pytest
import redshift_connector

from tests.endpoint_process import (
    PASSWORD,
    RunningEndpoint,
    postgres_bin,
    query,
    raw_session,
    read_message,
    running_endpoint,
)
from tests.test_redshift_functions import DOCUMENTED, DOCUMENTED_ERRORS, assert_documented, case_id
from tests.test_redshift_partiql import DOCUMENTED_PARTIQL
from tests.test_redshift_sql import REFUSED


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("corpus")) as running:
        yield running


def _psycopg2_rows(endpoint: RunningEndpoint, sql: str) -> list[tuple[Any, ...]]:
    """Simple query protocol, autocommit: the text goes as one Query message."""
    connection = endpoint.connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def _psycopg3_rows(endpoint: RunningEndpoint, sql: str) -> list[tuple[Any, ...]]:
    """Extended protocol, a named prepared statement (Parse, Describe, Bind, Execute), in a transaction."""
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        cursor = connection.execute(sql, prepare=True)
        return cursor.fetchall() if cursor.description else []


def _redshift_connector_rows(endpoint: RunningEndpoint, sql: str) -> list[tuple[Any, ...]]:
    """Redshift's driver: md5 login, extended protocol, in a transaction it opens itself."""
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        connection.close()


Rows = Callable[[RunningEndpoint, str], list[tuple[Any, ...]]]

CLIENTS: dict[str, tuple[Rows, type[Exception]]] = {
    "psycopg2": (_psycopg2_rows, psycopg2.Error),
    "psycopg3": (_psycopg3_rows, psycopg.Error),
    "redshift_connector": (_redshift_connector_rows, redshift_connector.Error),
}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("page", "sql", "expected"),
    DOCUMENTED + DOCUMENTED_PARTIQL,
    ids=[case_id(p, s) for p, s, _ in DOCUMENTED + DOCUMENTED_PARTIQL],
)
def test_documented_example_through_the_endpoint(
    endpoint: RunningEndpoint, client: str, page: str, sql: str, expected: object
) -> None:
    rows, _ = CLIENTS[client]
    assert_documented(rows(endpoint, sql), expected, page)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("sql", "message"), DOCUMENTED_ERRORS + REFUSED)
def test_documented_error_or_refusal_through_the_endpoint(
    endpoint: RunningEndpoint, client: str, sql: str, message: str
) -> None:
    rows, error = CLIENTS[client]
    with pytest.raises(error, match=re.escape(message)):
        rows(endpoint, sql)


def _tags(answer: list[tuple[bytes, bytes]]) -> list[str]:
    return [payload.rstrip(b"\0").decode() for kind, payload in answer if kind == b"C"]


def test_create_table_is_tagged_as_on_redshift_in_one_query_text(endpoint: RunningEndpoint) -> None:
    """CREATE TABLE, ALTER TABLE APPEND and VACUUM run as DO blocks; the client sees Redshift's tags, each
    for its own statement; the client's own DO block keeps its tag."""
    sock = raw_session(endpoint)
    try:
        answer = query(
            sock,
            "CREATE TEMP TABLE tag_a (x INTEGER) DISTKEY (x); CREATE TEMP TABLE tag_b (LIKE tag_a); "
            "INSERT INTO tag_b VALUES (1), (2); ALTER TABLE tag_a APPEND FROM tag_b; "
            "CREATE TEMP TABLE tag_c SORTKEY (x) AS SELECT x FROM tag_a; SELECT version() LIKE '%Redshift%'; "
            "DO $$ BEGIN END $$; VACUUM tag_a",
        )
    finally:
        sock.close()
    assert [kind for kind, _ in answer if kind == b"E"] == []
    assert _tags(answer) == [
        "CREATE TABLE", "CREATE TABLE", "INSERT 0 2", "ALTER TABLE", "SELECT", "SELECT 1", "DO", "VACUUM"
    ]  # fmt: skip


def test_create_table_is_tagged_as_on_redshift_through_the_extended_protocol(
    endpoint: RunningEndpoint,
) -> None:
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE tag_p (x INTEGER SORTKEY)", prepare=True)
        assert cursor.statusmessage == "CREATE TABLE"
        cursor.execute("CREATE TEMP TABLE tag_q DISTKEY (x) AS SELECT 1 AS x", prepare=True)
        assert cursor.statusmessage == "SELECT"
        cursor.execute("SELECT count(*) FROM tag_q", prepare=True)
        assert (cursor.statusmessage, cursor.fetchone()) == ("SELECT 1", (1,))


def test_the_admin_user_creates_users_and_groups_as_on_a_cluster(endpoint: RunningEndpoint) -> None:
    user, group = f"corpus_user_{os.getpid()}", f"corpus_group_{os.getpid()}"
    statements = [
        f"CREATE USER {user} PASSWORD 'abcD1234' CONNECTION LIMIT UNLIMITED",
        f"ALTER USER {user} PASSWORD 'abcD12345'",
        f"CREATE GROUP {group} WITH USER {user}",
        f"SELECT count(*) FROM pg_user WHERE usename = '{user}'",
        f"DROP GROUP {group}",
        f"DROP USER {user}",
    ]
    answers = [_psycopg2_rows(endpoint, sql) for sql in statements]
    assert answers == [[], [], [], [(1,)], [], []]


def test_redshift_connector_reads_and_sends_intervals_in_redshifts_binary_form(
    endpoint: RunningEndpoint,
) -> None:
    """redshift_connector reads a binary INTERVAL as Redshift sends it (12 bytes: time, months); the
    endpoint gives it that form, and takes its INTERVAL parameters in it."""
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "select timestamp '2008-06-01' - timestamp '2008-05-01', interval '1 day 2 hours', "
            "interval '52 weeks', null::interval, 'x'"
        )
        assert cursor.fetchone() == [
            dt.timedelta(days=31), dt.timedelta(days=1, hours=2), dt.timedelta(weeks=52), None, "x"
        ]  # fmt: skip
        cursor.execute("select interval '1 year 2 months 3 days'")
        (mixed,) = cursor.fetchone()
        assert (mixed.months, mixed.days, mixed.microseconds) == (14, 0, 3 * 86_400_000_000)
        cursor.execute("select %s + timestamp '2008-01-01', %s::varchar", (dt.timedelta(hours=36), "y"))
        assert cursor.fetchone() == [dt.datetime(2008, 1, 2, 12), "y"]
    finally:
        connection.close()


def test_other_clients_get_postgresqls_binary_interval(endpoint: RunningEndpoint) -> None:
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        cursor = connection.cursor(binary=True)
        cursor.execute("select interval '1 day 2 hours', %s::interval", (dt.timedelta(days=2),), prepare=True)
        assert cursor.fetchone() == (dt.timedelta(days=1, hours=2), dt.timedelta(days=2))


def test_a_redshift_users_psql_session(endpoint: RunningEndpoint, tmp_path: Path) -> None:
    """What a Redshift user types in psql: \\timing, GETDATE, TOP, DISTKEY/SORTKEY DDL read back from
    pg_table_def, an UNLOAD read back by COPY, a refusal; psql prints Redshift's tags."""
    script = tmp_path / "session.sql"
    script.write_text(
        f"""\\timing on
SELECT getdate() = date_trunc('second', getdate());
CREATE TABLE psql_users (userid INTEGER NOT NULL DISTKEY SORTKEY, firstname VARCHAR(30), city VARCHAR(30));
INSERT INTO psql_users VALUES (1, 'Rafael', 'Kent'), (2, 'Vladimir', 'Murfreesboro'), (3, 'Lars', 'Omaha');
SELECT TOP 2 firstname FROM psql_users ORDER BY userid;
SELECT "column", type, encoding, distkey, sortkey, "notnull" FROM pg_table_def
 WHERE tablename = 'psql_users' ORDER BY "column";
UNLOAD ('SELECT * FROM psql_users') TO '{tmp_path}/users_' FORMAT JSON PARALLEL OFF;
CREATE TABLE psql_users_back (LIKE psql_users);
COPY psql_users_back FROM '{tmp_path}/users_000' FORMAT AS JSON 'auto';
SELECT count(*) FROM psql_users_back b JOIN psql_users u USING (userid, firstname, city);
CREATE INDEX psql_i ON psql_users (city);
SELECT 'still here';
"""
    )
    done = subprocess.run(
        [postgres_bin("psql"), endpoint.dsn(), "-X", "-A", "-f", str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if not line.startswith("Time: ")]
    assert done.stdout.count("Time: ") == 11  # one for each statement, the refused one too
    assert lines == [
        "Timing is on.",
        "?column?", "t", "(1 row)",
        "CREATE TABLE",
        "INSERT 0 3",
        "firstname", "Rafael", "Vladimir", "(2 rows)",
        "column|type|encoding|distkey|sortkey|notnull",
        "city|character varying(30)|lzo|f|0|f",
        "firstname|character varying(30)|lzo|f|0|f",
        "userid|integer|none|t|1|t",
        "(3 rows)",
        "UNLOAD",
        "CREATE TABLE",
        "COPY 3",
        "count", "3", "(1 row)",
        "?column?", "still here", "(1 row)",
    ]  # fmt: skip
    assert 'ERROR:  SQL command "CREATE INDEX psql_i ON psql_users (city)" not supported' in done.stderr


def test_a_redshift_drivers_malformed_bind_is_answered_by_postgresql(endpoint: RunningEndpoint) -> None:
    """The endpoint reads a Redshift driver's Bind (for its binary INTERVALs); a malformed one goes on to
    PostgreSQL, which answers it in its own words, and the session goes on."""
    sock = raw_session(endpoint)
    try:
        for kind, body in [
            (b"P", b"s1\0select interval '1 day'\0\0\0"),
            (b"D", b"Ss1\0"),
            (b"B", b"p1\0s1\0\0\x01\0"),  # cut short after the parameter formats' count
            (b"S", b""),
        ]:
            sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)
        answer = []
        while not answer or answer[-1][0] != b"Z":
            answer.append(read_message(sock))
        assert [kind for kind, _ in answer] == [b"1", b"t", b"T", b"E", b"Z"]
        assert b"Minsufficient data left in message\0" in answer[3][1]
        assert query(sock, "select 1")[-2:] == [(b"C", b"SELECT 1\0"), (b"Z", b"I")]
    finally:
        sock.close()
