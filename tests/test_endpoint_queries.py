"""PIVOT, UNPIVOT and QUALIFY through a real endpoint process: the developer guide's examples of
tests/test_redshift_queries.py, on its sample tables, sent by psycopg2 (simple query protocol), psycopg 3
(extended protocol, prepared) and redshift_connector, each case on a fresh connection; the columns and rows
are the ones the direct tests pin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.endpoint_process import PASSWORD, RunningEndpoint, running_endpoint
from tests.test_redshift_queries import DOCUMENTED_QUERIES, MORE_QUERIES, SAMPLE_TABLES, as_documented


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("queries")) as running:
        connection = running.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for statement in SAMPLE_TABLES:
                    cursor.execute(statement)
        finally:
            connection.close()
        yield running


def _psycopg2(endpoint: RunningEndpoint, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Simple query protocol, autocommit."""
    connection = endpoint.connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [column.name for column in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def _psycopg3(endpoint: RunningEndpoint, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Extended protocol, prepared, in a transaction committed at the end."""
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        cursor = connection.execute(sql, prepare=True)
        return [column.name for column in cursor.description], cursor.fetchall()


def _redshift_connector(endpoint: RunningEndpoint, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Redshift's driver, in the transaction it opens itself, committed at the end."""
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        names = [column[0] for column in cursor.description]
        rows = [tuple(row) for row in cursor.fetchall()]
        connection.commit()
        return names, rows
    finally:
        connection.close()


CLIENTS = {"psycopg2": _psycopg2, "psycopg3": _psycopg3, "redshift_connector": _redshift_connector}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("page", "sql", "columns", "rows"), DOCUMENTED_QUERIES + MORE_QUERIES, ids=lambda v: str(v)[:50]
)
def test_documented_query_through_the_endpoint(
    endpoint: RunningEndpoint, client: str, page: str, sql: str, columns: list[str], rows: list
) -> None:
    names, answer = CLIENTS[client](endpoint, sql)
    assert names == columns, page
    assert as_documented(answer) == as_documented(rows), page


MERGE_PROCEDURE = """CREATE OR REPLACE PROCEDURE merge_users(batch IN int, merged OUT int)
AS $$
BEGIN
  MERGE INTO sp_users USING (SELECT user_id, level FROM sp_users_staging WHERE batch_no = batch) s
  ON sp_users.user_id = s.user_id
  WHEN MATCHED THEN UPDATE SET level = s.level
  WHEN NOT MATCHED THEN INSERT VALUES (s.user_id, s.level);
  SELECT INTO merged count(*) FROM sp_users;
  RAISE INFO 'users after batch %: %', batch, merged;
END;
$$ LANGUAGE plpgsql"""


def test_a_merge_procedure_called_by_each_client(endpoint: RunningEndpoint) -> None:
    """A procedure that merges a staging batch into a table, created and CALLed through the endpoint by
    psycopg2, psycopg 3 and redshift_connector: its OUT argument comes back, the rows are merged."""
    connection = endpoint.connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE sp_users (user_id int DISTKEY, level varchar(10)) SORTKEY (user_id)")
            cursor.execute("CREATE TABLE sp_users_staging (batch_no int, user_id int, level varchar(10))")
            cursor.execute(
                "INSERT INTO sp_users_staging VALUES (1, 1, 'free'), (1, 2, 'free'), (2, 2, 'paid'), "
                "(2, 3, 'free'), (3, 1, 'paid'), (3, 4, 'paid')"
            )
            cursor.execute(MERGE_PROCEDURE)
    finally:
        connection.close()
    answers = [
        CLIENTS[client](endpoint, f"CALL merge_users({batch})") for batch, client in enumerate(CLIENTS, 1)
    ]
    assert [rows for _, rows in answers] == [[(2,)], [(3,)], [(4,)]]
    _, users = _psycopg2(endpoint, "SELECT user_id, level FROM sp_users ORDER BY user_id")
    assert users == [(1, "paid"), (2, "paid"), (3, "free"), (4, "paid")]


def test_a_procedures_info_reaches_the_client(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE PROCEDURE sp_hello(f1 int, f2 varchar) AS $$ BEGIN "
                "RAISE INFO 'f1 = %, f2 = %', f1, f2; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute("call sp_hello(5, 'abc')")
        assert [notice.strip() for notice in connection.notices] == ["INFO:  f1 = 5, f2 = abc"]
    finally:
        connection.close()
