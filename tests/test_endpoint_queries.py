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
    connection = endpoint.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [column.name for column in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def _psycopg3(endpoint: RunningEndpoint, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        cursor = connection.execute(sql, prepare=True)
        return [column.name for column in cursor.description], cursor.fetchall()


def _redshift_connector(endpoint: RunningEndpoint, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        names = [column[0] for column in cursor.description]
        return names, [tuple(row) for row in cursor.fetchall()]
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
