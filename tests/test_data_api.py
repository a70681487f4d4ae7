"""The Redshift Data API on localhost: boto3's redshift-data client against a real service process in front
of a real endpoint process — every operation, typed values, named parameters, failures, cancellation, batch
transactions, paging, sessions, logins through moto's Secrets Manager, and the documented limits."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import json
import re
import socket
import subprocess
import sys
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

import create_tables
import etl
import sql_queries
from sparkify.checks import CheckSettings, check_definitions
from sparkify.sample_data import generate
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
    folder = tmp_path_factory.mktemp("data_api")
    with running_data_api(endpoint, folder, "--master-user", USER, secrets_url=secrets_url) as running:
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
        " '2024-02-29 13:45:00'),"
        " (2, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, '2024-03-01 00:00:00.25')",
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
    assert (
        execute(client, target, "CREATE TABLE params_t (id INTEGER, name VARCHAR(8))")["Status"] == "FINISHED"
    )
    assert (
        execute(client, target, "INSERT INTO params_t VALUES (1, 'zoë'), (2, 'other')")["Status"]
        == "FINISHED"
    )
    hostile = "it's'); DROP TABLE params_t; -- \\' \\\\ end"
    parameters = [
        {"name": "id", "value": "1"},
        {"name": "text", "value": hostile},
        {"name": "unused", "value": "x"},
    ]
    sql = "SELECT :id::int + 1, :text, ':id', name /* :id */ FROM params_t WHERE id = :id"
    described = execute(client, target, sql, Parameters=parameters)
    assert described["Status"] == "FINISHED", described
    assert described["QueryString"] == sql and described["QueryParameters"] == parameters
    records = client.get_statement_result(Id=described["Id"])["Records"]
    assert records == [
        [{"longValue": 2}, {"stringValue": hostile}, {"stringValue": ":id"}, {"stringValue": "zoë"}]
    ]
    assert rows(client, target, "SELECT COUNT(*) FROM params_t") == [[{"longValue": 2}]]


def test_a_failed_statement_reports_the_database_error(client: Any, target: dict[str, str]) -> None:
    described = execute(client, target, "SELECT * FROM no_such_table")
    assert described["Status"] == "FAILED"
    assert described["Error"].startswith('ERROR: relation "no_such_table" does not exist')
    code, message = error_of(client.get_statement_result, Id=described["Id"])
    assert code == "ResourceNotFoundException" and "Query does not have result" in message
    assert execute(client, target, "CREATE TABLE indexed (id INTEGER)")["Status"] == "FINISHED"
    refused = execute(client, target, "CREATE INDEX i ON indexed (id)")
    assert refused["Status"] == "FAILED"
    assert (
        'SQL command "CREATE INDEX i ON indexed (id)" not supported on Redshift tables.' in refused["Error"]
    )


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


# --- batches, results, listings ------------------------------------------------------------------------


def test_a_batch_runs_in_one_transaction_and_rolls_back_on_a_failing_statement(
    client: Any, target: dict[str, str]
) -> None:
    sqls = [
        "CREATE TABLE batch_rolled (n INTEGER)",
        "INSERT INTO batch_rolled VALUES (1), (2)",
        "INSERT INTO batch_rolled SELECT n FROM no_such_table",
        "INSERT INTO batch_rolled VALUES (3)",
    ]
    batch = client.batch_execute_statement(Sqls=sqls, **target, StatementName="rollback-batch")
    described = wait(client, batch["Id"])
    assert described["Status"] == "FAILED"
    assert described["Error"].startswith('ERROR: relation "no_such_table" does not exist')
    subs = described["SubStatements"]
    assert [sub["Id"] for sub in subs] == [f"{batch['Id']}:{n}" for n in range(1, 5)]
    assert [sub["Status"] for sub in subs] == ["FINISHED", "FINISHED", "FAILED", "ABORTED"]
    assert [sub["QueryString"] for sub in subs] == sqls
    assert subs[2]["Error"] == described["Error"]
    missing = execute(client, target, "SELECT COUNT(*) FROM batch_rolled")
    assert missing["Status"] == "FAILED" and 'relation "batch_rolled" does not exist' in missing["Error"]


def test_a_batch_gives_each_statement_its_result(client: Any, target: dict[str, str]) -> None:
    sqls = [
        "CREATE TABLE batch_kept (n INTEGER)",
        "INSERT INTO batch_kept VALUES (1), (2)",
        "SELECT SUM(n) FROM batch_kept",
    ]
    batch = client.batch_execute_statement(Sqls=sqls, **target)
    described = wait(client, batch["Id"])
    assert described["Status"] == "FINISHED" and described["HasResultSet"] is True
    assert [sub["HasResultSet"] for sub in described["SubStatements"]] == [False, False, True]
    assert described["SubStatements"][1]["ResultRows"] == 2
    assert client.get_statement_result(Id=f"{batch['Id']}:3")["Records"] == [[{"longValue": 3}]]
    code, message = error_of(client.get_statement_result, Id=batch["Id"])
    assert (code, message) == (
        "ValidationException",
        "BatchExecuteStatement result can only be retrieved with sub-statement id.",
    )
    assert rows(client, target, "SELECT COUNT(*) FROM batch_kept") == [[{"longValue": 2}]]


def test_a_large_result_comes_in_pages(client: Any, target: dict[str, str]) -> None:
    digits = "CREATE TABLE digits (d INTEGER); INSERT INTO digits VALUES " + ", ".join(
        f"({d})" for d in range(10)
    )
    assert execute(client, target, digits)["Status"] == "FINISHED"
    numbers = (
        "SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d AS n"
        " FROM digits a, digits b, digits c, digits e, digits f"
    )
    sql = (
        f"SELECT n, REPEAT('x', 40) || n AS padding FROM ({numbers}) AS numbers"
        " WHERE n BETWEEN 1 AND 40000 ORDER BY n"
    )
    described = execute(client, target, sql)
    assert described["Status"] == "FINISHED" and described["ResultRows"] == 40000
    pages = list(client.get_paginator("get_statement_result").paginate(Id=described["Id"]))
    assert len(pages) > 1 and all(page["TotalNumRows"] == 40000 for page in pages)
    numbers = [record[0]["longValue"] for page in pages for record in page["Records"]]
    assert numbers == list(range(1, 40001))
    assert pages[-1]["Records"][-1][1] == {"stringValue": "x" * 40 + "40000"}
    code, _ = error_of(client.get_statement_result, Id=described["Id"], NextToken="bm90IG1pbmU=")
    assert code == "ValidationException"


def test_a_csv_result_comes_from_get_statement_result_v2(client: Any, target: dict[str, str]) -> None:
    sql = "SELECT 1 AS n, 'a,b' AS text, NULL AS nothing UNION ALL SELECT 2, 'say \"hi\"', 'x' ORDER BY n"
    described = execute(client, target, sql, ResultFormat="CSV")
    assert described["Status"] == "FINISHED" and described["ResultFormat"] == "CSV"
    result = client.get_statement_result_v2(Id=described["Id"])
    assert result["ResultFormat"] == "CSV" and result["TotalNumRows"] == 2
    assert result["Records"] == [{"CSVRecords": '1,"a,b",\n2,"say ""hi""",x\n'}]
    assert [column["name"] for column in result["ColumnMetadata"]] == ["n", "text", "nothing"]
    code, message = error_of(client.get_statement_result, Id=described["Id"])
    assert code == "ValidationException" and "GetStatementResultV2" in message


def test_list_statements_filters_by_name_and_status_and_pages(client: Any, target: dict[str, str]) -> None:
    ids = [execute(client, target, f"SELECT {n}", StatementName=f"listed-{n}")["Id"] for n in range(3)]
    failed = execute(client, target, "SELECT nothing FROM nowhere", StatementName="listed-bad")["Id"]
    named = client.list_statements(StatementName="listed-")["Statements"]
    assert [statement["Id"] for statement in named] == [failed, *reversed(ids)]
    assert named[1]["QueryString"] == "SELECT 2" and named[1]["IsBatchStatement"] is False
    assert named[1]["StatementName"] == "listed-2" and named[1]["Status"] == "FINISHED"
    failures = client.list_statements(StatementName="listed-", Status="FAILED")["Statements"]
    assert [statement["Id"] for statement in failures] == [failed]
    first = client.list_statements(StatementName="listed-", MaxResults=3)
    second = client.list_statements(StatementName="listed-", MaxResults=3, NextToken=first["NextToken"])
    assert [s["Id"] for s in first["Statements"] + second["Statements"]] == [failed, *reversed(ids)]
    assert "NextToken" not in second
    batch = client.batch_execute_statement(
        Sqls=["SELECT 1", "SELECT 2"], **target, StatementName="listed-batch"
    )
    wait(client, batch["Id"])
    batches = client.list_statements(StatementName="listed-batch")["Statements"]
    assert batches[0]["IsBatchStatement"] is True and batches[0]["QueryStrings"] == ["SELECT 1", "SELECT 2"]


def test_describe_and_cancel_of_an_unknown_statement(client: Any) -> None:
    unknown = "0b8c7f4e-95a2-4a7e-9b4e-6f3b1f3c2d10"
    for call in (client.describe_statement, client.get_statement_result, client.cancel_statement):
        code, message = error_of(call, Id=unknown)
        assert (code, message) == ("ResourceNotFoundException", "Query does not exist.")


# --- the catalog -------------------------------------------------------------------------------------------


def test_list_databases_schemas_and_tables(
    client: Any, target: dict[str, str], endpoint: RunningEndpoint
) -> None:
    assert (
        execute(
            client,
            target,
            "CREATE TABLE listed_t (id INTEGER DISTKEY, label VARCHAR(8) DEFAULT 'none') SORTKEY (id)",
        )["Status"]
        == "FINISHED"
    )
    assert execute(client, target, "CREATE VIEW listed_v AS SELECT id FROM listed_t")["Status"] == "FINISHED"
    assert endpoint.database in client.list_databases(**target)["Databases"]
    schemas = client.list_schemas(**target)["Schemas"]
    assert {"public", "pg_catalog", "information_schema"} <= set(
        schemas
    ) and "sparkify_redshift" not in schemas
    assert client.list_schemas(**target, SchemaPattern="pub%")["Schemas"] == ["public"]
    tables = client.list_tables(**target, SchemaPattern="public", TablePattern="listed%")["Tables"]
    assert tables == [
        {"name": "listed_t", "schema": "public", "type": "TABLE"},
        {"name": "listed_v", "schema": "public", "type": "VIEW"},
    ]
    first = client.list_tables(**target, SchemaPattern="public", TablePattern="listed%", MaxResults=1)
    assert first["Tables"] == tables[:1] and "NextToken" in first
    second = client.list_tables(
        **target, SchemaPattern="public", TablePattern="listed%", NextToken=first["NextToken"]
    )
    assert second["Tables"] == tables[1:]
    assert {"name": "pg_class", "schema": "pg_catalog", "type": "SYSTEM TABLE"} in client.list_tables(
        **target, SchemaPattern="pg_catalog", TablePattern="pg_cla%"
    )["Tables"]


def test_describe_table(client: Any, target: dict[str, str]) -> None:
    ddl = "CREATE TABLE described_t (id INTEGER DISTKEY, label VARCHAR(8) DEFAULT 'none') SORTKEY (id)"
    assert execute(client, target, ddl)["Status"] == "FINISHED"
    described = client.describe_table(**target, Schema="public", Table="described_t")
    assert described["TableName"] == "described_t"
    id_column, label = described["ColumnList"]
    assert (id_column["name"], id_column["typeName"], id_column["precision"], id_column["nullable"]) == (
        "id",
        "int4",
        10,
        1,
    )
    assert (label["name"], label["typeName"], label["precision"]) == ("label", "varchar", 8)
    assert label["columnDefault"].startswith("'none'") and label["schemaName"] == "public"


# --- logins ------------------------------------------------------------------------------------------------


def test_a_secret_from_secrets_manager_logs_in(
    client: Any, endpoint: RunningEndpoint, secrets_url: str
) -> None:
    manager = secrets(secrets_url)
    good = manager.create_secret(
        Name="dwh-good", SecretString=json.dumps({"username": USER, "password": PASSWORD})
    )
    bad = manager.create_secret(
        Name="dwh-bad", SecretString=json.dumps({"username": USER, "password": "wrong"})
    )
    where = {"ClusterIdentifier": CLUSTER, "Database": endpoint.database}
    assert rows(client, {**where, "SecretArn": good["ARN"]}, "SELECT 41 + 1") == [[{"longValue": 42}]]
    assert client.list_schemas(**where, SecretArn=good["ARN"], SchemaPattern="public")["Schemas"] == [
        "public"
    ]
    refused = execute(client, {**where, "SecretArn": bad["ARN"]}, "SELECT 1")
    assert refused["Status"] == "FAILED"
    assert refused["Error"] == f'FATAL: password authentication failed for user "{USER}"'
    code, message = error_of(client.list_schemas, **where, SecretArn=bad["ARN"])
    assert code == "DatabaseConnectionException" and "password authentication failed" in message
    code, message = error_of(
        client.execute_statement,
        Sql="SELECT 1",
        **where,
        SecretArn="arn:aws:secretsmanager:us-west-2:123456789012:secret:gone-AbCdEf",
    )
    assert code == "ValidationException" and "can't find the specified secret" in message


def test_a_serverless_workgroup_is_named_instead_of_a_cluster(client: Any, endpoint: RunningEndpoint) -> None:
    where = {"WorkgroupName": "sparkify-wg", "Database": endpoint.database, "DbUser": USER}
    answer = client.execute_statement(Sql="SELECT 'serverless'", **where)
    assert answer["WorkgroupName"] == "sparkify-wg" and "ClusterIdentifier" not in answer
    described = wait(client, answer["Id"])
    assert described["Status"] == "FINISHED" and described["WorkgroupName"] == "sparkify-wg"
    listed = client.list_statements(WorkgroupName="sparkify-wg")["Statements"]
    assert [statement["Id"] for statement in listed] == [answer["Id"]]


def test_a_serverless_caller_without_db_user_or_secret_runs_as_the_master_user(
    client: Any, endpoint: RunningEndpoint
) -> None:
    # AWS's serverless examples name only the workgroup and the database: the caller's IAM identity becomes
    # the database user.  No IAM identity is verified here: the master user stands for it.
    where = {"WorkgroupName": "sparkify-wg", "Database": endpoint.database}
    assert rows(client, where, "SELECT current_user") == [[{"stringValue": USER}]]


def test_a_db_user_other_than_the_master_user_is_refused(client: Any, endpoint: RunningEndpoint) -> None:
    where = {"ClusterIdentifier": CLUSTER, "Database": endpoint.database, "DbUser": "intruder"}
    refused = execute(client, where, "SELECT 1")
    assert (
        refused["Status"] == "FAILED"
        and refused["Error"] == 'FATAL: password authentication failed for user "intruder"'
    )
    code, message = error_of(
        client.execute_statement, Sql="SELECT 1", ClusterIdentifier=CLUSTER, Database=endpoint.database
    )
    assert code == "ValidationException" and "DbUser or SecretArn" in message


# --- bad requests ------------------------------------------------------------------------------------------


def test_requests_the_model_refuses_are_validation_errors(client: Any, target: dict[str, str]) -> None:
    code, message = error_of(
        client.execute_statement,
        Sql="SELECT 1",
        ClusterIdentifier="Not_A_Cluster",
        Database="dev",
        DbUser=USER,
    )
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'Not_A_Cluster' at 'clusterIdentifier' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern"
    )
    code, message = error_of(client.execute_statement, Sql="SELECT 1", Database="dev", DbUser=USER)
    assert code == "ValidationException" and "ClusterIdentifier or WorkgroupName" in message
    code, message = error_of(
        client.execute_statement,
        Sql="SELECT 1",
        ClusterIdentifier=CLUSTER,
        WorkgroupName="wg1",
        Database="dev",
        DbUser=USER,
    )
    assert code == "ValidationException"
    too_long = "SELECT 1 /*" + "x" * 100 * 1024 + "*/"
    code, message = error_of(client.execute_statement, Sql=too_long, **target)
    assert code == "ValidationException" and "100 KB" in message
    code, message = error_of(client.batch_execute_statement, Sqls=["SELECT 1"] * 41, **target)
    assert (
        code == "ValidationException"
        and "'sqls' failed to satisfy constraint: Member must have length less than or equal to 40" in message
    )


def test_an_unsigned_request_or_an_unknown_operation_is_refused(data_api: RunningDataApi) -> None:
    request = urllib.request.Request(
        data_api.url, data=b"{}", method="POST",
        headers={"X-Amz-Target": "RedshiftData.ListStatements", "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 403
    assert json.loads(caught.value.read())["__type"] == "MissingAuthenticationTokenException"
    request.add_header(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-west-2/redshift-data/aws4_request,"
        " SignedHeaders=host, Signature=0",
    )
    request.add_header("X-Amz-Target", "RedshiftData.DropEverything")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert json.loads(caught.value.read())["__type"] == "UnknownOperationException"
    request.add_header("X-Amz-Target", "RedshiftData.ListStatements")
    for garbage in (b"{not json", b"[1, 2]", json.dumps({"MaxResults": "many"}).encode()):
        request.data = garbage
        request.add_header("Content-Length", str(len(garbage)))
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        assert caught.value.code == 400 and json.loads(caught.value.read())["__type"] == "ValidationException"


# --- sessions ----------------------------------------------------------------------------------------------


def test_a_session_keeps_its_connection_between_statements(client: Any, target: dict[str, str]) -> None:
    first = client.execute_statement(
        Sql="CREATE TEMP TABLE mine (n INTEGER)", **target, SessionKeepAliveSeconds=60
    )
    assert wait(client, first["Id"])["Status"] == "FINISHED"
    session_id = first["SessionId"]
    second = client.execute_statement(Sql="INSERT INTO mine VALUES (7)", SessionId=session_id)
    assert second["SessionId"] == session_id and wait(client, second["Id"])["Status"] == "FINISHED"
    third = client.execute_statement(
        Sql="SELECT n FROM mine", SessionId=session_id, SessionKeepAliveSeconds=0
    )
    described = wait(client, third["Id"])
    assert described["SessionId"] == session_id
    assert client.get_statement_result(Id=third["Id"])["Records"] == [[{"longValue": 7}]]
    code, _ = error_of(client.execute_statement, Sql="SELECT 1", SessionId=session_id)
    assert code == "ResourceNotFoundException"  # kept alive for 0 s after its last statement: closed


def test_an_idle_session_is_closed_when_its_keep_alive_runs_out(
    client: Any, target: dict[str, str], endpoint: RunningEndpoint
) -> None:
    def data_api_backends() -> int:
        with endpoint.connect() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity"
                " WHERE application_name = 'sparkify-data-api' AND datname = current_database()"
            )
            return cursor.fetchone()[0]

    kept = client.execute_statement(Sql="SELECT 1", **target, SessionKeepAliveSeconds=1)
    assert wait(client, kept["Id"])["Status"] == "FINISHED"
    assert data_api_backends() == 1
    deadline = time.monotonic() + 20
    while data_api_backends() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert data_api_backends() == 0  # closed by the service itself, with no request to prompt it
    code, _ = error_of(client.execute_statement, Sql="SELECT 1", SessionId=kept["SessionId"])
    assert code == "ResourceNotFoundException"


# --- the documented limits ---------------------------------------------------------------------------------


def test_active_statements_and_result_size_are_limited(
    endpoint: RunningEndpoint, target: dict[str, str], tmp_path: Path
) -> None:
    limits = ("--max-active-statements", "2", "--max-result-bytes", "1000", "--result-retention-seconds", "4")
    with running_data_api(endpoint, tmp_path, *limits) as limited, locked_table(endpoint, "held"):
        client = limited.client()
        waiting = [
            client.execute_statement(Sql="SELECT COUNT(*) FROM held", **target)["Id"] for _ in range(2)
        ]
        code, message = error_of(client.execute_statement, Sql="SELECT 1", **target)
        assert code == "ActiveStatementsExceededException" and "(2)" in message
        for statement_id in waiting:
            client.cancel_statement(Id=statement_id)
        assert [wait(client, statement_id)["Status"] for statement_id in waiting] == ["ABORTED", "ABORTED"]
        large = execute(client, target, "SELECT REPEAT('x', 600) UNION ALL SELECT REPEAT('y', 600)")
        assert large["Status"] == "FAILED" and "exceeds the limit of 1000 bytes" in large["Error"]
        time.sleep(4.5)
        code, _ = error_of(client.describe_statement, Id=large["Id"])
        assert code == "ResourceNotFoundException"  # results are kept for the retention time only


def test_an_unreachable_cluster_is_the_callers_exception(
    endpoint: RunningEndpoint, target: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    nowhere = dataclasses.replace(endpoint, port=closed)
    with running_data_api(nowhere, tmp_path) as stranded:
        client = stranded.client()
        code, message = error_of(client.execute_statement, Sql="SELECT 1", **target)
        assert code == "ExecuteStatementException" and "cannot be reached" in message
        code, _ = error_of(client.batch_execute_statement, Sqls=["SELECT 1"], **target)
        assert code == "BatchExecuteStatementException"
        code, _ = error_of(client.list_databases, **target)
        assert code == "DatabaseConnectionException"


def test_a_retried_request_with_its_client_token_runs_once(client: Any, target: dict[str, str]) -> None:
    assert execute(client, target, "CREATE TABLE retried (n INTEGER)")["Status"] == "FINISHED"
    token = "retry-0b8c7f4e-95a2-4a7e"
    first = client.execute_statement(Sql="INSERT INTO retried VALUES (1)", **target, ClientToken=token)
    again = client.execute_statement(Sql="INSERT INTO retried VALUES (1)", **target, ClientToken=token)
    assert again["Id"] == first["Id"] and wait(client, first["Id"])["Status"] == "FINISHED"
    assert rows(client, target, "SELECT COUNT(*) FROM retried") == [[{"longValue": 1}]]


# --- the same answers as a driver's -------------------------------------------------------------------------


def test_result_check_queries_answer_as_they_do_through_psycopg2(
    client: Any, target: dict[str, str], endpoint: RunningEndpoint, write_config: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    root = tmp_path / "sample"
    generate(root, events=600, song_files=20, seed=7, days=2)
    monkeypatch.setenv("DWH_DB_PASSWORD", PASSWORD)
    config = write_config(root, HOST=endpoint.host, DB_PORT=str(endpoint.port), DB_NAME=endpoint.database)
    for script in (create_tables, etl):
        assert script.main(["--config", str(config)]) == 0
    queries = [check.sql for check in check_definitions(CheckSettings())]
    queries += [*sql_queries.analytics_queries.values(), *sql_queries.count_queries.values()]
    with endpoint.connect() as connection, connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            expected = [list(row) for row in cursor.fetchall()]
            described = execute(client, target, sql)
            assert described["Status"] == "FINISHED", (sql, described)
            result = client.get_statement_result(Id=described["Id"])
            types = [column["typeName"] for column in result["ColumnMetadata"]]
            answered = [
                [as_python(field, kind) for field, kind in zip(record, types)] for record in result["Records"]
            ]
            assert answered == expected, sql
            assert [column["name"] for column in result["ColumnMetadata"]] == [
                c.name for c in cursor.description
            ]


def as_python(field: dict[str, Any], type_name: str) -> Any:
    """A Field as a client reads it, knowing the column's type from ColumnMetadata."""
    if field.get("isNull"):
        return None
    ((kind, value),) = field.items()
    if kind != "stringValue":
        return value
    readers = {
        "numeric": decimal.Decimal,
        "date": datetime.date.fromisoformat,
        "timestamp": datetime.datetime.fromisoformat,
    }
    return readers.get(type_name, str)(value)


# --- the command line ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["--port=99999", "--port=busy"])
def test_a_port_it_cannot_listen_on_is_one_line_and_exit_2(bad: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        argument = bad.replace("busy", str(busy.getsockname()[1]))
        done = subprocess.run(
            [sys.executable, "-m", "sparkify.engine.data_api", argument],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("sparkify.engine.data_api: error:") and "Traceback" not in done.stderr


def test_aws_sdk_for_pandas_reads_through_the_data_api(
    data_api: RunningDataApi, client: Any, target: dict[str, str], endpoint: RunningEndpoint
) -> None:
    import awswrangler as wr

    ddl = "CREATE TABLE wrangled (id INTEGER, name VARCHAR(10), price DECIMAL(6,2), seen DATE) DISTSTYLE ALL"
    assert execute(client, target, ddl)["Status"] == "FINISHED"
    insert = "INSERT INTO wrangled VALUES (1, 'one', 1.50, '2024-01-02'), (2, NULL, 2.25, NULL)"
    assert execute(client, target, insert)["Status"] == "FINISHED"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", data_api.url)
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        con = wr.data_api.redshift.connect(
            cluster_id=CLUSTER, database=endpoint.database, db_user=USER, boto3_session=session
        )
    frame = wr.data_api.redshift.read_sql_query(
        "SELECT * FROM wrangled WHERE id >= :low ORDER BY id", con, parameters=[{"name": "low", "value": "1"}]
    )
    assert list(frame.columns) == ["id", "name", "price", "seen"]
    assert frame["id"].tolist() == [1, 2] and frame["price"].tolist() == ["1.50", "2.25"]
    assert frame["name"].isna().tolist() == [False, True] and frame["name"][0] == "one"
    assert frame["seen"].isna().tolist() == [False, True] and frame["seen"][0] == "2024-01-02"


def test_the_endpoint_command_serves_the_data_api_beside_it(pg_data_dir: Path, tmp_path: Path) -> None:
    with running_endpoint(pg_data_dir, tmp_path, "--data-api-port", "0") as beside:
        found = re.search(r"serving the Redshift Data API on (http://\S+) ", beside.log.read_text())
        assert found, beside.log.read_text()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", found.group(1))
            client = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
            ).client("redshift-data")
        where = {"ClusterIdentifier": CLUSTER, "Database": beside.database, "DbUser": USER}
        assert rows(client, where, "SELECT version() LIKE 'PostgreSQL 8.0.2%'") == [[{"booleanValue": True}]]
