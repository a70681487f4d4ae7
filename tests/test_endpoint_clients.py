"""Real clients against a real endpoint process: psql, pgbench, psycopg2, psycopg 3, redshift_connector and
SQLAlchemy with sqlalchemy-redshift; passwords, TLS, cancel and the loopback-only default."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg2
import pytest
import redshift_connector
import sqlalchemy as sa

from sparkify.engine.endpoint.rewrite import REDSHIFT_VERSION
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, postgres_bin, running_endpoint


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def psql(
    endpoint: RunningEndpoint, *arguments: str, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [postgres_bin("psql"), endpoint.dsn(), "-X", "-At", "-v", "ON_ERROR_STOP=1", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": password},
        timeout=60,
    )


def test_psql_runs_redshift_ddl_and_names_redshift(endpoint: RunningEndpoint) -> None:
    done = psql(
        endpoint,
        "-c", "CREATE TABLE psql_t (id INTEGER IDENTITY(1, 1), name VARCHAR(20) ENCODE lzo DISTKEY) "
        "DISTSTYLE KEY COMPOUND SORTKEY (name) BACKUP NO",
        "-c", "INSERT INTO psql_t (name) VALUES ('a'), ('b'); SELECT COUNT(*) FROM psql_t",
        "-c", "SELECT version()",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-2] == "2"
    assert lines[-1].startswith(REDSHIFT_VERSION) and "sparkify local endpoint" in lines[-1]


def test_psql_postgresql_only_sql_is_refused_and_the_session_goes_on(endpoint: RunningEndpoint) -> None:
    done = psql(
        endpoint, "-v", "ON_ERROR_STOP=0", "-c", "CREATE INDEX i ON psql_t (id)", "-c", "SELECT 41 + 1"
    )
    assert (
        'ERROR:  SQL command "CREATE INDEX i ON psql_t (id)" not supported on Redshift tables.' in done.stderr
    )
    assert done.stdout.strip() == "42"


def test_a_keyword_inside_a_literal_a_quoted_name_or_a_comment_is_not_touched(
    endpoint: RunningEndpoint,
) -> None:
    done = psql(
        endpoint,
        "-c",
        """SELECT 'DISTKEY version() RETURNING' AS "SORTKEY", /* CREATE INDEX */
           version() LIKE 'PostgreSQL 8%'
           -- ON CONFLICT, pg_last_copy_id()""",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DISTKEY version() RETURNING|t"


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_pgbench_in_each_query_mode(endpoint: RunningEndpoint, mode: str) -> None:
    environment = {**os.environ, "PGPASSWORD": PASSWORD}
    common = ["-h", endpoint.host, "-p", str(endpoint.port), "-U", USER]
    init = subprocess.run(
        [postgres_bin("pgbench"), *common, "-i", "-s", "1", endpoint.database],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    run = subprocess.run(
        [postgres_bin("pgbench"), *common, "-M", mode, "-c", "2", "-t", "50", endpoint.database],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "number of transactions actually processed: 100/100" in run.stdout
    assert "number of failed transactions: 0" in run.stdout


def test_psycopg2_parameters_several_statements_and_transactions(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE pg2_t (a INTEGER SORTKEY, b VARCHAR(10)) DISTSTYLE ALL")
        cursor.execute("INSERT INTO pg2_t VALUES (%s, %s), (%s, %s)", (1, "it's", 2, None))
        cursor.execute("SELECT 1; SELECT b FROM pg2_t ORDER BY a")
        assert cursor.fetchall() == [("it's",), (None,)]
        connection.rollback()
        cursor.execute("SELECT to_regclass('pg2_t') IS NULL")
        assert cursor.fetchone() == (True,)
        with pytest.raises(
            psycopg2.errors.FeatureNotSupported,
            match=r'syntax error at or near "ON" \(ON CONFLICT is not supported by Redshift',
        ):
            cursor.execute("INSERT INTO pg2_t VALUES (1, 'x') ON CONFLICT DO NOTHING")
        # Refused inside the client's transaction: the transaction is aborted, as a failed statement's is.
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cursor.execute("SELECT 1")
        connection.rollback()
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_psycopg3_prepared_statements_and_binary_parameters(endpoint: RunningEndpoint) -> None:
    conninfo = endpoint.dsn(password=PASSWORD)
    with psycopg.connect(conninfo, prepare_threshold=0) as connection:
        for number in range(5):
            row = connection.execute("SELECT %s::INTEGER * 2, version()", (number,), prepare=True).fetchone()
            assert row is not None and row[0] == number * 2 and row[1].startswith(REDSHIFT_VERSION)
        with connection.cursor(binary=True) as cursor:
            cursor.execute("SELECT %b::BIGINT + 1", (41,))
            assert cursor.fetchone() == (42,)
        with pytest.raises(
            psycopg.errors.FeatureNotSupported,
            match=r'syntax error at or near "RETURNING" \(RETURNING is not supported',
        ):
            connection.execute("INSERT INTO pg_temp.p3 VALUES (1) RETURNING a")
        connection.rollback()
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="DISTINCT ON"):
            connection.execute("SELECT DISTINCT ON (a) a FROM (SELECT 1 AS a) s", prepare=True)
        connection.rollback()
        assert connection.execute("SELECT 'still here'").fetchone() == ("still here",)


def test_redshift_connector_without_ssl(endpoint: RunningEndpoint) -> None:
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT version(), %s", ("x",))
        version, echoed = cursor.fetchone()
        assert version.startswith(REDSHIFT_VERSION) and echoed == "x"
        cursor.execute("CREATE TEMP TABLE rc_t (a INTEGER DISTKEY, b VARCHAR(8)) SORTKEY (a)")
        cursor.executemany("INSERT INTO rc_t VALUES (%s, %s)", [(1, "a"), (2, "b")])
        cursor.execute("SELECT SUM(a) FROM rc_t")
        assert cursor.fetchone()[0] == 3
        connection.rollback()
    finally:
        connection.close()


def test_a_cluster_has_a_dev_database(endpoint: RunningEndpoint) -> None:
    with endpoint.connect(dbname="dev") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), COUNT(*) FROM stl_load_errors")
        assert cursor.fetchone() == ("dev", 0)


def test_redshift_connector_wrong_password_is_refused(endpoint: RunningEndpoint) -> None:
    with pytest.raises(
        redshift_connector.ProgrammingError, match=r"'C': '28P01'.*password authentication failed"
    ):
        endpoint.redshift_connector(password="nope")


@pytest.mark.parametrize(
    ("user", "password"), [(USER, "wrong"), ("someone_else", PASSWORD)], ids=["wrong", "user"]
)
def test_wrong_or_missing_password_is_refused_with_postgresqls_error(
    endpoint: RunningEndpoint, user: str, password: str
) -> None:
    with pytest.raises(psycopg2.OperationalError) as refused:
        endpoint.connect(user=user, password=password)
    assert f'FATAL:  password authentication failed for user "{user}"' in str(refused.value)
    assert PASSWORD not in endpoint.log.read_text()


def test_a_client_without_a_password_is_asked_for_one(endpoint: RunningEndpoint) -> None:
    with pytest.raises(psycopg2.OperationalError, match="no password supplied"):
        endpoint.connect(password="")


def test_tls_when_the_client_requires_it(endpoint: RunningEndpoint) -> None:
    with endpoint.connect(sslmode="require") as connection:
        assert connection.info.ssl_in_use
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    certificate = endpoint.data_dir.parent / "endpoint-tls" / "server.crt"
    with endpoint.connect(
        sslmode="verify-full", sslrootcert=str(certificate), host="127.0.0.1"
    ) as connection:
        assert connection.info.ssl_in_use


def test_sqlalchemy_with_sqlalchemy_redshift(endpoint: RunningEndpoint) -> None:
    certificate = endpoint.data_dir.parent / "endpoint-tls" / "server.crt"
    urls = {
        "redshift+psycopg2": {"sslmode": "verify-full", "sslrootcert": str(certificate)},
        "redshift+redshift_connector": {"ssl": False},
    }
    for driver, connect_args in urls.items():
        url = f"{driver}://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
        engine = sa.create_engine(url, connect_args=connect_args)
        metadata = sa.MetaData()
        table = sa.Table(
            "sa_plays", metadata, sa.Column("id", sa.Integer), sa.Column("title", sa.String(40)),
            redshift_diststyle="KEY", redshift_distkey="id", redshift_sortkey="id",
        )  # fmt: skip
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS sa_plays"))
                metadata.create_all(connection)
                connection.execute(table.insert(), [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}])
            with engine.connect() as connection:
                rows = connection.execute(sa.select(table.c.title).where(table.c.id > 1)).fetchall()
                assert rows == [("b",)], driver
        finally:
            engine.dispose()


def test_cancel_request_reaches_the_running_query(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        # A long query in Redshift's SQL (it has no pg_sleep on user tables): a billion-row cross join.
        cursor.execute("CREATE TEMP TABLE spin (n INTEGER)")
        cursor.execute("INSERT INTO spin VALUES " + ", ".join(f"({n})" for n in range(1000)))
        timer = threading.Timer(0.5, connection.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            cursor.execute("SELECT COUNT(*) FROM spin a, spin b, spin c")
        timer.join()
        assert time.monotonic() - started < 20
        connection.rollback()
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_many_clients_at_once_each_with_its_own_session(endpoint: RunningEndpoint) -> None:
    results: dict[int, object] = {}

    def client(number: int) -> None:
        with endpoint.connect() as connection, connection.cursor() as cursor:
            cursor.execute("SET application_name = %s", (f"client{number}",))
            cursor.execute("SELECT current_setting('application_name'), pg_backend_pid()")
            results[number] = cursor.fetchone()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(row[0] for row in results.values()) == sorted(f"client{n}" for n in range(8))  # type: ignore[index]
    assert len({row[1] for row in results.values()}) == 8  # type: ignore[index]


def test_listens_on_loopback_only_by_default(endpoint: RunningEndpoint) -> None:
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if int(port, 16) == endpoint.port and state == "0A":  # LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else


def test_a_refusal_in_a_pipeline_undoes_the_batch_before_it(endpoint: RunningEndpoint) -> None:
    with psycopg.connect(endpoint.dsn(password=PASSWORD), autocommit=True) as connection:
        connection.execute("CREATE TABLE piped (a INTEGER)")
        with pytest.raises(psycopg.errors.FeatureNotSupported), connection.pipeline():
            connection.execute("INSERT INTO piped VALUES (%s)", (1,))
            connection.execute("CREATE INDEX piped_a ON piped (a)")
            connection.execute("INSERT INTO piped VALUES (%s)", (2,))
        assert connection.execute("SELECT COUNT(*) FROM piped").fetchone() == (0,)
        with connection.pipeline():
            first = connection.execute("SELECT %s::INTEGER", (1,))
            second = connection.execute("SELECT version()")
        assert first.fetchone() == (1,)
        assert second.fetchone()[0].startswith(REDSHIFT_VERSION)  # type: ignore[index]
