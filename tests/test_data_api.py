"""The Redshift Data API on localhost: boto3's redshift-data client against a real service process in front
of a real endpoint process — every operation, typed values, named parameters, failures, cancellation, batch
transactions, paging, sessions, logins through moto's Secrets Manager, and the documented limits."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from tests.data_api_process import REGION, RunningDataApi, running_data_api, wait
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

CLUSTER = "sparkify-local"


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture(scope="module")
def secrets_url() -> Iterator[str]:
    """moto's server, for the service's Secrets Manager."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def data_api(
    endpoint: RunningEndpoint, secrets_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDataApi]:
    with running_data_api(endpoint, tmp_path_factory.mktemp("data_api"), secrets_url=secrets_url) as running:
        yield running


@pytest.fixture(scope="module")
def client(data_api: RunningDataApi) -> Any:
    return data_api.client()


@pytest.fixture(scope="module")
def target(endpoint: RunningEndpoint) -> dict[str, str]:
    """Where and as whom: the cluster, the endpoint's database and its master user (temporary credentials)."""
    return {"ClusterIdentifier": CLUSTER, "Database": endpoint.database, "DbUser": USER}


def secrets(secrets_url: str) -> Any:
    return boto3.client(
        "secretsmanager", endpoint_url=secrets_url, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


def execute(client: Any, target: dict[str, str], sql: str, **options: Any) -> dict[str, Any]:
    """ExecuteStatement, then DescribeStatement once it has ended."""
    started = client.execute_statement(Sql=sql, **target, **options)
    return wait(client, started["Id"])


def rows(client: Any, target: dict[str, str], sql: str, **options: Any) -> list[list[dict[str, Any]]]:
    described = execute(client, target, sql, **options)
    assert described["Status"] == "FINISHED", described
    return client.get_statement_result(Id=described["Id"])["Records"]


@contextlib.contextmanager
def locked_table(endpoint: RunningEndpoint, name: str) -> Iterator[None]:
    """A table another client holds locked: a statement reading it waits (without burning the CPU) until
    the lock goes or the statement is cancelled.  (Redshift has no pg_sleep.)"""
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {name} (n INTEGER)")
        connection.commit()
        cursor.execute(f"LOCK {name}")
        try:
            yield
        finally:
            connection.rollback()


def started(client: Any, statement_id: str) -> None:
    deadline = time.monotonic() + 30
    while client.describe_statement(Id=statement_id)["Status"] != "STARTED" and time.monotonic() < deadline:
        time.sleep(0.05)


def error_of(call: Any, **arguments: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**arguments)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# --- running a statement ---------------------------------------------------------------------------------


def test_a_statement_runs_asynchronously_and_returns_typed_fields(
    client: Any, target: dict[str, str]
) -> None:
    created = execute(
        client, target,
        "CREATE TABLE typed (id INTEGER NOT NULL DISTKEY, big BIGINT, small SMALLINT, ratio REAL,"
        " share DOUBLE PRECISION, paid BOOLEAN, price DECIMAL(10,2), name VARCHAR(20), day DATE,"
        " seen TIMESTAMP) SORTKEY (id)",
    )  # fmt: skip
    assert created["Status"] == "FINISHED" and created["HasResultSet"] is False
    inserted = execute(
        client, target,
        "INSERT INTO typed VALUES (1, 9000000000, 7, 0.5, 2.25, true, 12.50, 'zoë', '2024-02-29',"
        " '2024-02-29 13:45:00'), (2, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, '2024-03-01 00:00:00.25')",
    )  # fmt: skip
    assert inserted["ResultRows"] == 2
    started = client.execute_statement(Sql="SELECT * FROM typed ORDER BY id", **target)
    assert set(started) >= {"Id", "CreatedAt", "ClusterIdentifier", "Database", "DbUser"}
    described = wait(client, started["Id"])
    assert described["Status"] == "FINISHED"
    assert described["QueryString"] == "SELECT * FROM typed ORDER BY id"
    assert described["HasResultSet"] is True and described["ResultRows"] == 2 and described["ResultSize"] > 0
    assert described["RedshiftPid"] > 0 and described["Duration"] > 0
    result = client.get_statement_result(Id=started["Id"])
    assert result["TotalNumRows"] == 2 and "NextToken" not in result
    assert result["Records"] == [
        [
            {"longValue": 1}, {"longValue": 9000000000}, {"longValue": 7}, {"doubleValue": 0.5},
            {"doubleValue": 2.25}, {"booleanValue": True}, {"stringValue": "12.50"}, {"stringValue": "zoë"},
            {"stringValue": "2024-02-29"}, {"stringValue": "2024-02-29 13:45:00.0"},
        ],
        [
            {"longValue": 2}, {"isNull": True}, {"isNull": True}, {"isNull": True}, {"isNull": True},
            {"booleanValue": False}, {"isNull": True}, {"isNull": True}, {"isNull": True},
            {"stringValue": "2024-03-01 00:00:00.25"},
        ],
    ]  # fmt: skip
    columns = {column["name"]: column for column in result["ColumnMetadata"]}
    assert [column["typeName"] for column in result["ColumnMetadata"]] == [
        "int4", "int8", "int2", "float4", "float8", "bool", "numeric", "varchar", "date", "timestamp",
    ]  # fmt: skip
    assert columns["id"]["nullable"] == 0 and columns["big"]["nullable"] == 1
    assert (columns["price"]["precision"], columns["price"]["scale"]) == (10, 2)
    assert columns["name"]["precision"] == 20 and columns["name"]["isCaseSensitive"] is True
    assert columns["id"]["isSigned"] is True and columns["id"]["precision"] == 10
    assert (columns["seen"]["precision"], columns["seen"]["scale"]) == (29, 6)
    assert {(column["schemaName"], column["tableName"]) for column in columns.values()} == {
        ("public", "typed")
    }


def test_named_parameters_are_values_and_stay_exactly_as_sent(client: Any, target: dict[str, str]) -> None:
    hostile = "it's'); DROP TABLE typed; --"
    parameters = [
        {"name": "id", "value": "1"},
        {"name": "text", "value": hostile},
        {"name": "unused", "value": "x"},
    ]
    sql = "SELECT :id::int + 1, :text, ':id', name /* :id */ FROM typed WHERE id = :id"
    described = execute(client, target, sql, Parameters=parameters)
    assert described["Status"] == "FINISHED", described
    assert described["QueryString"] == sql and described["QueryParameters"] == parameters
    records = client.get_statement_result(Id=described["Id"])["Records"]
    assert records == [
        [{"longValue": 2}, {"stringValue": hostile}, {"stringValue": ":id"}, {"stringValue": "zoë"}]
    ]
    assert rows(client, target, "SELECT COUNT(*) FROM typed") == [[{"longValue": 2}]]


def test_a_failed_statement_reports_the_database_error(client: Any, target: dict[str, str]) -> None:
    described = execute(client, target, "SELECT * FROM no_such_table")
    assert described["Status"] == "FAILED"
    assert described["Error"].startswith('ERROR: relation "no_such_table" does not exist')
    code, message = error_of(client.get_statement_result, Id=described["Id"])
    assert code == "ResourceNotFoundException" and "Query does not have result" in message
    refused = execute(client, target, "CREATE INDEX i ON typed (id)")
    assert refused["Status"] == "FAILED"
    assert 'SQL command "CREATE INDEX i ON typed (id)" not supported on Redshift tables.' in refused["Error"]


def test_a_long_statement_is_cancelled(
    client: Any, target: dict[str, str], endpoint: RunningEndpoint
) -> None:
    with locked_table(endpoint, "busy"):
        waiting = client.execute_statement(Sql="SELECT COUNT(*) FROM busy", **target)
        started(client, waiting["Id"])
        began = time.monotonic()
        assert client.cancel_statement(Id=waiting["Id"])["Status"] is True
        described = wait(client, waiting["Id"])
        assert described["Status"] == "ABORTED" and time.monotonic() - began < 20
    code, message = error_of(client.cancel_statement, Id=waiting["Id"])
    assert code == "ValidationException" and "ABORTED" in message
    assert rows(client, target, "SELECT 1") == [[{"longValue": 1}]]  # the endpoint goes on
