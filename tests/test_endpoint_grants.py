"""Redshift's users, groups, roles and privileges through a real endpoint process: users sign in with their
own passwords (clear, md5, sha256) by psycopg2, psycopg 3 and redshift_connector; what each may do is
enforced, checked by signing in as that user and trying the statement."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import psycopg2
import pytest
from moto.server import ThreadedMotoServer

from sparkify.engine.endpoint import server_files
from tests.endpoint_process import USER, RunningEndpoint, read_message, running_endpoint

_numbers = itertools.count()
PASSWORD = "Abc12345"


@dataclass(frozen=True)
class S3:
    client: Any
    bucket: str


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """moto's S3 server, for COPY and UNLOAD through the endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-west-2",
        }
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3(aws: dict[str, str]) -> S3:
    client = boto3.client(
        "s3", endpoint_url=aws["AWS_ENDPOINT_URL"], region_name="us-west-2",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    client.create_bucket(Bucket="grants", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return S3(client, "grants")


@pytest.fixture(scope="module")
def endpoint(
    pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, aws: dict[str, str]
) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("grants"), environment=aws) as running:
        yield running


@pytest.fixture(scope="module")
def admin(endpoint: RunningEndpoint) -> Iterator[Any]:
    """The master user's session (autocommit)."""
    connection = endpoint.connect()
    connection.autocommit = True
    yield connection
    connection.close()


def unique(prefix: str) -> str:
    """A name no other test (nor another run on the shared cluster) uses: users are cluster-wide."""
    return f"{prefix}_{os.getpid()}_{next(_numbers)}"


def run(connection: Any, sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def sign_in(endpoint: RunningEndpoint, user: str, password: str = PASSWORD) -> Any:
    connection = psycopg2.connect(
        host=endpoint.host, port=endpoint.port, dbname=endpoint.database, user=user, password=password
    )
    connection.autocommit = True
    return connection


@contextlib.contextmanager
def signed_in(endpoint: RunningEndpoint, user: str, password: str = PASSWORD) -> Iterator[Any]:
    """An autocommit session of ``user`` (psycopg2's ``with connection`` would open a transaction)."""
    connection = sign_in(endpoint, user, password)
    try:
        yield connection
    finally:
        connection.close()


def redshift_connector_sign_in(endpoint: RunningEndpoint, user: str, password: str = PASSWORD) -> Any:
    import redshift_connector

    return redshift_connector.connect(
        host=endpoint.host, port=endpoint.port, database=endpoint.database, user=user, password=password,
        ssl=False,
    )  # fmt: skip


def psycopg3_sign_in(endpoint: RunningEndpoint, user: str, password: str = PASSWORD) -> Any:
    return psycopg.connect(
        host=endpoint.host, port=endpoint.port, dbname=endpoint.database, user=user, password=password,
        autocommit=True,
    )  # fmt: skip


def who_am_i(connection: Any) -> tuple[Any, ...]:
    cursor = connection.cursor()
    cursor.execute("SELECT current_user, session_user")
    row = tuple(cursor.fetchone())
    cursor.close()
    return row


# --- signing in -------------------------------------------------------------------------------------------

_SALT = "c721bff5d9042cf541ff7b9d48fa8a6e545c19a763e3710151f9513038b0f6c6"


def _password_clause(form: str, user: str) -> str:
    if form == "clear":
        return f"'{PASSWORD}'"
    if form == "md5":
        return "'md5" + hashlib.md5((PASSWORD + user).encode()).hexdigest() + "'"
    if form == "sha256 clear":
        return f"'sha256|{PASSWORD}'"
    digest = hashlib.sha256(PASSWORD.encode() + bytes.fromhex(_SALT)).hexdigest()  # the guide's recipe
    return f"'sha256|{digest}|{_SALT}'"


_CLIENTS = {
    "psycopg2": sign_in,
    "psycopg 3": psycopg3_sign_in,
    "redshift_connector": redshift_connector_sign_in,
}


@pytest.mark.parametrize("form", ["clear", "md5", "sha256 clear", "sha256 digest"])
@pytest.mark.parametrize("client", list(_CLIENTS))
def test_a_user_signs_in_with_its_password_in_each_form(
    endpoint: RunningEndpoint, admin: Any, form: str, client: str
) -> None:
    user = unique("login")
    admin.notices.clear()
    run(admin, f"CREATE USER {user} PASSWORD {_password_clause(form, user)}")
    assert admin.notices == []  # PostgreSQL 18's warning of md5 passwords is for PostgreSQL's users
    connection = _CLIENTS[client](endpoint, user)
    try:
        assert who_am_i(connection) == (user, user)
    finally:
        connection.close()
    with pytest.raises(Exception, match=f'password authentication failed for user "{user}"'):
        _CLIENTS[client](endpoint, user, "Wrong1234")
    run(admin, f"DROP USER {user}")


def test_a_disabled_an_expired_and_an_unknown_user_are_refused_as_a_wrong_password_is(
    endpoint: RunningEndpoint, admin: Any
) -> None:
    disabled, expired, renewed = unique("disabled"), unique("expired"), unique("renewed")
    run(admin, f"CREATE USER {disabled} PASSWORD '{PASSWORD}'")
    run(admin, f"ALTER USER {disabled} PASSWORD DISABLE")
    run(admin, f"CREATE USER {expired} PASSWORD '{PASSWORD}' VALID UNTIL '2017-06-10'")
    run(admin, f"CREATE USER {renewed} PASSWORD '{PASSWORD}' VALID UNTIL '2017-06-10'")
    run(admin, f"ALTER USER {renewed} VALID UNTIL 'infinity'")
    for user in (disabled, expired, "nobody_at_all", "postgres"):
        for client in _CLIENTS.values():
            with pytest.raises(Exception, match=f'password authentication failed for user "{user}"'):
                client(endpoint, user)
    sign_in(endpoint, renewed).close()
    run(admin, f"DROP USER {disabled}; DROP USER {expired}; DROP USER {renewed}")


def test_a_user_changes_its_own_password_and_the_old_one_stops_working(
    endpoint: RunningEndpoint, admin: Any
) -> None:
    user = unique("changer")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    with signed_in(endpoint, user) as connection:
        run(connection, f"ALTER USER {user} PASSWORD 'Xyz98765'")
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        sign_in(endpoint, user)
    sign_in(endpoint, user, "Xyz98765").close()
    run(admin, f"DROP USER {user}")


def test_connection_limit_and_session_timeout_hold_for_the_user(
    endpoint: RunningEndpoint, admin: Any
) -> None:
    user = unique("limited")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}' CONNECTION LIMIT 1 SESSION TIMEOUT 120")
    first = sign_in(endpoint, user)
    try:
        with pytest.raises(psycopg2.OperationalError, match="too many connections"):
            sign_in(endpoint, user)
        assert run(first, "SHOW idle_session_timeout") == [("2min",)]
    finally:
        first.close()
    info = f"SELECT connection_limit, session_timeout FROM svv_user_info WHERE user_name = '{user}'"
    assert run(admin, info) == [("1", 120)]
    run(admin, f"DROP USER {user}")


# --- privileges, enforced: object × privilege × grantee, granted then revoked -------------------------------


@dataclass(frozen=True)
class Case:
    """A privilege on an object, and a statement that needs it (run as the user, then undone)."""

    grant: str  # "SELECT ON TABLE {s}.t": what follows GRANT and precedes TO
    attempt: str
    denied: str  # the start of Redshift's refusal


_RELATION_T = "permission denied for relation t"
_CASES = {
    "table SELECT": Case("SELECT ON TABLE {s}.t", "SELECT count(*) FROM {s}.t", _RELATION_T),
    "table INSERT": Case("INSERT ON {s}.t", "INSERT INTO {s}.t VALUES (2)", _RELATION_T),
    "table UPDATE": Case("UPDATE ON {s}.t", "UPDATE {s}.t SET x = 3", _RELATION_T),
    "table DELETE": Case("DELETE ON {s}.t", "DELETE FROM {s}.t", _RELATION_T),
    "all tables": Case("SELECT ON ALL TABLES IN SCHEMA {s}", "SELECT * FROM {s}.t", _RELATION_T),
    "view SELECT": Case("SELECT ON {s}.v", "SELECT * FROM {s}.v", "permission denied for relation v"),
    "schema USAGE": Case("USAGE ON SCHEMA {o}", "SELECT * FROM {o}.t", "permission denied for schema"),
    "schema CREATE": Case(
        "CREATE ON SCHEMA {s}", "CREATE TABLE {s}.made (x INTEGER)", "permission denied for schema"
    ),
    "database CREATE": Case(
        "CREATE ON DATABASE {d}", "CREATE SCHEMA {s}_made", "permission denied for database"
    ),
    "database TEMP": Case(
        "TEMP ON DATABASE {d}",
        "CREATE TEMP TABLE made_temp (x INTEGER)",
        "permission denied to create temporary",
    ),
    "function EXECUTE": Case(
        "EXECUTE ON FUNCTION {s}.f(integer)", "SELECT {s}.f(1)", "permission denied for function f"
    ),
    "procedure EXECUTE": Case(
        "EXECUTE ON PROCEDURE {s}.p()", "CALL {s}.p()", "permission denied for procedure p"
    ),
}


@dataclass
class Objects:
    """A schema of the objects the matrix grants on; the tried statements undo themselves (a transaction
    rolled back), so every case starts from the same rows."""

    schema: str
    database: str


@pytest.fixture(scope="module")
def objects(endpoint: RunningEndpoint, admin: Any) -> Iterator[Objects]:
    schema = unique("granted")
    run(admin, f"CREATE SCHEMA {schema}")
    run(admin, f"CREATE TABLE {schema}.t (x INTEGER)")
    run(admin, f"INSERT INTO {schema}.t VALUES (1)")
    run(admin, f"CREATE VIEW {schema}.v AS SELECT x FROM {schema}.t")
    run(admin, f"CREATE SCHEMA {schema}_open")  # its table is open to all: USAGE decides
    run(admin, f"CREATE TABLE {schema}_open.t (x INTEGER)")
    run(admin, f"GRANT SELECT ON {schema}_open.t TO PUBLIC")
    function = f"{schema}.f(integer) RETURNS integer IMMUTABLE AS $$ SELECT $1 $$ LANGUAGE sql"
    run(admin, f"CREATE FUNCTION {function}")
    run(admin, f"REVOKE EXECUTE ON FUNCTION {schema}.f(integer) FROM PUBLIC")
    run(admin, f"CREATE PROCEDURE {schema}.p() AS $$ BEGIN NULL; END $$ LANGUAGE plpgsql")
    run(admin, f"REVOKE EXECUTE ON PROCEDURE {schema}.p() FROM PUBLIC")
    run(admin, f"REVOKE CREATE ON DATABASE {endpoint.database} FROM PUBLIC")
    yield Objects(schema, endpoint.database)
    run(admin, f"DROP SCHEMA {schema} CASCADE")
    run(admin, f"DROP SCHEMA {schema}_open CASCADE")


@dataclass
class Grantee:
    user: str
    to: str  # what a GRANT names: the user, GROUP g, ROLE r or PUBLIC


def _grantee(admin: Any, kind: str) -> Grantee:
    user = unique(f"via_{kind}")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    if kind == "group":
        group = unique("group")
        run(admin, f"CREATE GROUP {group}")
        run(admin, f"ALTER GROUP {group} ADD USER {user}")
        return Grantee(user, f"GROUP {group}")
    if kind == "role":
        role, outer = unique("role"), unique("outer_role")
        run(admin, f"CREATE ROLE {role}")
        run(admin, f"CREATE ROLE {outer}")
        run(admin, f"GRANT ROLE {role} TO ROLE {outer}")  # the user holds it through another role
        run(admin, f"GRANT ROLE {outer} TO {user}")
        return Grantee(user, f"ROLE {role}")
    return Grantee(user, "PUBLIC" if kind == "public" else user)


@pytest.fixture(scope="module")
def grantees(admin: Any) -> dict[str, Grantee]:
    return {kind: _grantee(admin, kind) for kind in ("user", "group", "role", "public")}


def _attempt(endpoint: RunningEndpoint, user: str, sql: str) -> str | None:
    """None when ``sql`` ran for ``user``, else the error; in a transaction rolled back either way."""
    connection = sign_in(endpoint, user)
    connection.autocommit = False
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return None
    except psycopg2.Error as exc:
        return exc.pgerror or str(exc)
    finally:
        connection.rollback()
        connection.close()


@pytest.mark.parametrize("kind", ["user", "group", "role", "public"])
@pytest.mark.parametrize("case_name", list(_CASES))
def test_a_privilege_granted_then_revoked_is_enforced(
    endpoint: RunningEndpoint,
    admin: Any,
    objects: Objects,
    grantees: dict[str, Grantee],
    case_name: str,
    kind: str,
) -> None:
    case, grantee = _CASES[case_name], grantees[kind]
    names = {"s": objects.schema, "o": f"{objects.schema}_open", "d": objects.database}
    attempt, privilege = case.attempt.format(**names), case.grant.format(**names)
    needs_usage = case_name not in ("schema USAGE", "database CREATE", "database TEMP")
    if case_name == "database TEMP":  # every user's by default: taken from PUBLIC for the case
        run(admin, f"REVOKE TEMP ON DATABASE {objects.database} FROM PUBLIC")
    try:
        if needs_usage:
            run(admin, f"GRANT USAGE ON SCHEMA {objects.schema} TO {grantee.to}")
        assert case.denied in (_attempt(endpoint, grantee.user, attempt) or "nothing refused")
        run(admin, f"GRANT {privilege} TO {grantee.to}")
        assert _attempt(endpoint, grantee.user, attempt) is None
        run(admin, f"REVOKE {privilege} FROM {grantee.to}")
        assert case.denied in (_attempt(endpoint, grantee.user, attempt) or "nothing refused")
    finally:
        run(admin, f"REVOKE USAGE ON SCHEMA {objects.schema} FROM {grantee.to}")
        if case_name == "database TEMP":
            run(admin, f"GRANT TEMP ON DATABASE {objects.database} TO PUBLIC")
    assert run(admin, f"SELECT x FROM {objects.schema}.t") == [(1,)]  # nothing a refusal changed


# --- the endpoint's files, and PostgreSQL's ---------------------------------------------------------------


def _error_of(connection: Any, sql: str) -> str | None:
    try:
        run(connection, sql)
    except psycopg2.Error as exc:
        return exc.diag.message_primary
    return None


def test_local_paths_are_a_superusers_and_s3_is_open_to_every_user(
    endpoint: RunningEndpoint, admin: Any, tmp_path: Path
) -> None:
    plain, superuser = unique("plain"), unique("super")
    table = unique("files_t")
    run(admin, f"CREATE USER {plain} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE USER {superuser} PASSWORD '{PASSWORD}' CREATEUSER")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    run(admin, f"GRANT SELECT, INSERT ON {table} TO {plain}")
    source = tmp_path / "rows.json"
    source.write_text('{"x": 1}\n{"x": 2}\n')
    copy = f"COPY {table} FROM '{source}' FORMAT AS JSON 'auto'"
    unload = f"UNLOAD ('select x from {table}') TO '{tmp_path}/out_' FORMAT JSON PARALLEL OFF"
    with signed_in(endpoint, plain) as connection:
        assert _error_of(connection, copy) == server_files.COPY_REFUSAL
        assert _error_of(connection, unload) == server_files.UNLOAD_REFUSAL
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):  # 42501
            run(connection, copy)
        jsonpaths = f"COPY {table} FROM 's3://a-bucket/rows' FORMAT AS JSON '{tmp_path}/paths.json'"
        assert _error_of(connection, jsonpaths) == server_files.COPY_REFUSAL
    assert not list(tmp_path.glob("out_*"))
    with signed_in(endpoint, superuser) as connection:
        assert _error_of(connection, copy) is None
        assert _error_of(connection, unload) is None
        # a superuser makes superusers and unrestricted users in turn
        run(
            connection,
            f"CREATE USER {superuser}_2 PASSWORD '{PASSWORD}' CREATEUSER SYSLOG ACCESS UNRESTRICTED",
        )
        run(connection, f"DROP USER {superuser}_2")
    assert [path.name for path in tmp_path.glob("out_*")] == ["out_000"]
    assert run(admin, f"SELECT count(*) FROM {table}") == [(2,)]
    run(admin, f"DROP TABLE {table}; DROP USER {plain}; DROP USER {superuser}")


def test_a_manifest_on_s3_cannot_name_the_endpoints_files(
    endpoint: RunningEndpoint, admin: Any, s3: S3, tmp_path: Path
) -> None:
    user, table = unique("manifester"), unique("manifest_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    run(admin, f"GRANT INSERT ON {table} TO {user}")
    secret = tmp_path / "secret.json"
    secret.write_text('{"x": 42}\n')
    manifest = json.dumps({"entries": [{"url": str(secret), "mandatory": True}]}).encode()
    s3.client.put_object(Bucket=s3.bucket, Key=f"{table}.manifest", Body=manifest)
    copy = f"COPY {table} FROM 's3://{s3.bucket}/{table}.manifest' FORMAT AS JSON 'auto' MANIFEST"
    with signed_in(endpoint, user) as connection:
        assert "a manifest on S3 lists S3 objects only" in (_error_of(connection, copy) or "")
    assert "a manifest on S3 lists S3 objects only" in (_error_of(admin, copy) or "")
    assert run(admin, f"SELECT count(*) FROM {table}") == [(0,)]
    run(admin, f"DROP TABLE {table}; DROP USER {user}")


def test_a_password_record_of_another_kind_lets_nobody_in(endpoint: RunningEndpoint, admin: Any) -> None:
    """A SCRAM secret set behind the rewrite's back (a DO block): the md5 exchange runs against a secret
    nobody knows, so no answer passes."""
    user = unique("scrammed")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    secret = "SCRAM-SHA-256$4096:c2FsdA==$" + "A" * 43 + "=:" + "A" * 43 + "="
    run(admin, f"DO $$ BEGIN EXECUTE 'ALTER USER {user} PASSWORD ''{secret}'''; END $$")
    for guess in ("0" * 32, "A" * 43 + "=", ""):
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=30)
        try:
            body = struct.pack("!i", 196608) + f"user\0{user}\0database\0{endpoint.database}\0\0".encode()
            sock.sendall(struct.pack("!i", len(body) + 4) + body)
            kind, payload = read_message(sock)
            assert kind == b"R" and struct.unpack("!i", payload[:4])[0] == 5
            answer = b"md5" + hashlib.md5(guess.encode() + payload[4:8]).hexdigest().encode() + b"\0"
            sock.sendall(b"p" + struct.pack("!i", len(answer) + 4) + answer)
            kind, payload = read_message(sock)
            assert kind == b"E" and b"password authentication failed" in payload
        finally:
            sock.close()
    run(admin, f"DROP USER {user}")


def test_copy_needs_insert_and_unload_needs_select_on_s3(
    endpoint: RunningEndpoint, admin: Any, s3: S3
) -> None:
    user, table = unique("loader"), unique("loaded_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    s3.client.put_object(Bucket=s3.bucket, Key=f"{table}/rows.json", Body=b'{"x": 1}\n{"x": 2}\n')
    copy = f"COPY {table} FROM 's3://{s3.bucket}/{table}/' FORMAT AS JSON 'auto'"
    unload = f"UNLOAD ('select x from {table}') TO 's3://{s3.bucket}/out/{table}_' FORMAT JSON PARALLEL OFF"
    with signed_in(endpoint, user) as connection:
        assert _error_of(connection, copy) == f"permission denied for relation {table}"
        assert _error_of(connection, unload) == f"permission denied for relation {table}"
        run(admin, f"GRANT INSERT ON {table} TO {user}")
        assert _error_of(connection, copy) is None
        assert _error_of(connection, unload) == f"permission denied for relation {table}"
        run(admin, f"GRANT SELECT ON {table} TO {user}")
        assert _error_of(connection, unload) is None
    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=f"out/{table}_")
    assert [item["Key"] for item in listed["Contents"]] == [f"out/{table}_000"]
    assert run(admin, f"SELECT count(*) FROM {table}") == [(2,)]
    run(admin, f"DROP TABLE {table}; DROP USER {user}")


_SERVER_FILES = [
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT pg_ls_dir('.')",
    "SELECT lo_import('/etc/hostname')",
    "SELECT pg_catalog.pg_read_binary_file('/etc/hostname')",
    "DO $$ BEGIN PERFORM pg_catalog.pg_stat_file('/etc/hostname'); END $$",
    "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''id'''; END $$",
    "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO ''/tmp/sparkify_never'''; END $$",
    "COPY (SELECT 1) TO '/tmp/sparkify_never'",
    "COPY files_never FROM PROGRAM 'id'",
]


@pytest.mark.parametrize("who", ["master", "superuser", "user"])
def test_postgresqls_own_file_and_program_functions_are_refused_to_everyone(
    endpoint: RunningEndpoint, admin: Any, who: str
) -> None:
    user = unique(who)
    if who != "master":
        options = " CREATEUSER" if who == "superuser" else ""
        run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'{options}")
    connection = endpoint.connect() if who == "master" else sign_in(endpoint, user)
    connection.autocommit = True
    try:
        for sql in _SERVER_FILES:
            assert _error_of(connection, sql) is not None, sql
    finally:
        connection.close()
    assert not Path("/tmp/sparkify_never").exists()
    if who != "master":
        run(admin, f"DROP USER {user}")


# --- the catalog tools read -------------------------------------------------------------------------------


def test_the_catalog_shows_users_groups_roles_and_grants(endpoint: RunningEndpoint, admin: Any) -> None:
    user, superuser, group = unique("shown"), unique("shown_super"), unique("shown_group")
    role, inner, schema = unique("shown_role"), unique("shown_inner"), unique("shown_s")
    run(admin, f"CREATE GROUP {group}")
    run(
        admin,
        f"CREATE USER {user} WITH PASSWORD '{PASSWORD}' CREATEDB IN GROUP {group} CONNECTION LIMIT 30 "
        "SYSLOG ACCESS UNRESTRICTED",
    )
    run(admin, f"CREATE USER {superuser} PASSWORD '{PASSWORD}' CREATEUSER")
    run(admin, f"CREATE ROLE {role}")
    run(admin, f"CREATE ROLE {inner}")
    run(admin, f"GRANT ROLE {inner} TO ROLE {role}")
    run(admin, f"GRANT ROLE {role} TO {user}")
    run(admin, f"GRANT ROLE sys:monitor TO {user}")
    run(admin, f"CREATE SCHEMA {schema}")
    run(admin, f"CREATE TABLE {schema}.t (x INTEGER)")
    run(admin, f"GRANT USAGE ON SCHEMA {schema} TO ROLE {role}")
    run(admin, f"GRANT SELECT ON {schema}.t TO {user}, GROUP {group}, PUBLIC")

    assert run(admin, f"SELECT usecreatedb, usesuper, passwd FROM pg_user WHERE usename = '{user}'") == [
        (True, False, "********")
    ]
    assert run(admin, f"SELECT usesuper FROM pg_user WHERE usename = '{superuser}'") == [(True,)]
    assert run(admin, f"SELECT useconnlimit FROM pg_user_info WHERE usename = '{user}'") == [("30",)]
    assert run(admin, "SELECT count(*) FROM pg_user WHERE usename = 'postgres'") == [(0,)]
    grolist = f"SELECT grolist FROM pg_group WHERE groname = '{group}'"
    assert run(admin, grolist) == run(admin, f"SELECT ARRAY[usesysid] FROM pg_user WHERE usename = '{user}'")
    info = (
        "SELECT createdb, superuser, connection_limit, syslog_access FROM svv_user_info "
        f"WHERE user_name = '{user}'"
    )
    assert run(admin, info) == [(True, False, "30", "UNRESTRICTED")]
    roles = (
        f"SELECT role_name FROM svv_roles WHERE role_name IN ('{role}', '{inner}', 'sys:monitor') ORDER BY 1"
    )
    assert run(admin, roles) == [(inner,), (role,), ("sys:monitor",)]
    user_grants = f"SELECT role_name, admin_option FROM svv_user_grants WHERE user_name = '{user}' ORDER BY 1"
    assert run(admin, user_grants) == [(role, False), ("sys:monitor", False)]
    assert run(admin, f"SELECT granted_role_name FROM svv_role_grants WHERE role_name = '{role}'") == [
        (inner,)
    ]
    relation = (
        "SELECT identity_name, identity_type, privilege_type FROM svv_relation_privileges "
        f"WHERE namespace_name = '{schema}' ORDER BY 2, 1"
    )
    assert run(admin, relation) == [
        (group, "group", "SELECT"),
        ("public", "public", "SELECT"),
        (user, "user", "SELECT"),
    ]
    schema_privileges = (
        "SELECT identity_name, identity_type, privilege_type FROM svv_schema_privileges "
        f"WHERE namespace_name = '{schema}'"
    )
    assert run(admin, schema_privileges) == [(role, "role", "USAGE")]

    with signed_in(endpoint, user) as connection:
        assert run(connection, "SELECT current_user, session_user") == [(user, user)]
        assert run(connection, f"SELECT has_table_privilege('{schema}.t', 'SELECT')") == [(True,)]
        assert run(connection, f"SELECT has_table_privilege('{schema}.t', 'INSERT')") == [(False,)]
        assert run(connection, f"SELECT has_schema_privilege('{schema}', 'USAGE')") == [(True,)]
        assert run(connection, f"SELECT has_schema_privilege('{schema}', 'CREATE')") == [(False,)]
    run(admin, f"ALTER GROUP {group} DROP USER {user}")
    assert run(admin, grolist) == [([],)]
    run(admin, f"REVOKE ROLE {role} FROM {user}")
    assert run(admin, user_grants) == [("sys:monitor", False)]
    run(admin, f"DROP SCHEMA {schema} CASCADE")
    run(
        admin,
        f"DROP USER {user}; DROP USER {superuser}; DROP GROUP {group}; DROP ROLE {role}; DROP ROLE {inner}",
    )


def test_a_superuser_acts_as_another_user_and_owns_what_it_gives(
    endpoint: RunningEndpoint, admin: Any
) -> None:
    """SET SESSION AUTHORIZATION, ALTER … OWNER TO and ALTER DEFAULT PRIVILEGES, as an admin uses them."""
    owner, reader = unique("owner"), unique("reader")
    run(admin, f"CREATE USER {owner} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE USER {reader} PASSWORD '{PASSWORD}'")
    table, later = unique("owned_t"), unique("later_t")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    run(admin, f"ALTER TABLE {table} OWNER TO {owner}")
    run(admin, f"ALTER DEFAULT PRIVILEGES FOR USER {owner} GRANT SELECT ON TABLES TO {reader}")
    run(admin, f"SET SESSION AUTHORIZATION '{owner}'")
    try:
        assert run(admin, "SELECT current_user") == [(owner,)]
        # A cluster's session_user is the user the session was set to (r_SET_SESSION_AUTHORIZATION).
        assert run(admin, "SELECT session_user, current_user") == [(owner, owner)]
        run(admin, f"CREATE TABLE {later} (x INTEGER)")
        run(admin, f"INSERT INTO {table} VALUES (1)")
    finally:
        run(admin, "RESET SESSION AUTHORIZATION")
    assert run(admin, "SELECT current_user") == [(USER,)]
    assert run(admin, f"SELECT tableowner FROM pg_tables WHERE tablename IN ('{table}', '{later}')") == [
        (owner,), (owner,)
    ]  # fmt: skip
    with signed_in(endpoint, reader) as connection:
        assert run(connection, f"SELECT count(*) FROM {later}") == [(0,)]  # the default privilege
        assert (
            _error_of(connection, f"SELECT count(*) FROM {table}")
            == f"permission denied for relation {table}"
        )
        assert _error_of(connection, f"SET SESSION AUTHORIZATION '{owner}'") is not None
        assert _error_of(connection, "SET ROLE NONE") is None
        assert run(connection, "SELECT current_user") == [(reader,)]
    with signed_in(endpoint, owner) as connection:
        assert _error_of(connection, f"DROP TABLE {table}") is None  # the owner's own
    run(admin, f"DROP TABLE {later}")
    run(admin, f"ALTER DEFAULT PRIVILEGES FOR USER {owner} REVOKE SELECT ON TABLES FROM {reader}")
    run(admin, f"DROP USER {owner}; DROP USER {reader}")


def test_the_layout_recorder_serves_a_tables_owner_only(endpoint: RunningEndpoint, admin: Any) -> None:
    """The shim that records a CREATE TABLE's layout runs as the shims' owner: another user may not call
    it on a table that is not its own."""
    user, table = unique("layout"), unique("layout_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE TABLE {table} (x INTEGER) SORTKEY (x)")
    # A DO block's body is a literal: no rewrite looks inside, PostgreSQL's own check must hold.
    call = (
        "DO $$ BEGIN PERFORM sparkify_redshift.record_table_layout("
        f"'{table}'::regclass, 'key', 'x', ARRAY[]::text[], 'compound', ARRAY[]::text[], ARRAY[]::text[], "
        "NULL, '[]'::jsonb, ARRAY[]::text[]); END $$"
    )
    layout = f"SELECT \"column\", distkey, sortkey FROM pg_table_def WHERE tablename = '{table}'"
    assert run(admin, layout) == [("x", False, 1)]
    with signed_in(endpoint, user) as connection:
        assert _error_of(connection, call) == f"must be owner of relation {table}"
        run(connection, f"CREATE TABLE {table}_own (y INTEGER) DISTKEY (y) SORTKEY (y)")  # its own: recorded
        own = f"SELECT \"column\", distkey, sortkey FROM pg_table_def WHERE tablename = '{table}_own'"
        assert run(connection, own) == [("y", True, 1)]
        run(connection, f"DROP TABLE {table}_own")
    assert run(admin, layout) == [("x", False, 1)]
    run(admin, f"DROP TABLE {table}; DROP USER {user}")


def test_a_users_failed_copy_is_explained_in_stl_load_errors(
    endpoint: RunningEndpoint, admin: Any, s3: S3
) -> None:
    user, table = unique("failing"), unique("failing_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    run(admin, f"GRANT INSERT ON {table} TO {user}")
    s3.client.put_object(Bucket=s3.bucket, Key=f"{table}/rows.json", Body=b'{"x": "not a number"}\n')
    copy = f"COPY {table} FROM 's3://{s3.bucket}/{table}/' FORMAT AS JSON 'auto'"
    with signed_in(endpoint, user) as connection:
        assert (_error_of(connection, copy) or "").startswith(f"Load into table '{table}' failed.")
        explained = "SELECT colname, err_code FROM stl_load_errors WHERE query = pg_last_copy_id()"
        assert run(connection, explained) == [("x", 1207)]
    run(admin, f"DROP TABLE {table}; DROP USER {user}")


def test_a_regular_user_has_redshifts_sql_and_catalog(endpoint: RunningEndpoint, admin: Any) -> None:
    """What the emulation adds (functions, DDL, catalog views, settings) serves every user, not only the
    master user; a user creates in schema public, as every Redshift user may."""
    user = unique("analyst")
    table = unique("analyst_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    with signed_in(endpoint, user) as connection:
        run(connection, f"CREATE TABLE {table} (a INTEGER ENCODE az64, b VARCHAR(8)) DISTKEY (a) SORTKEY (a)")
        run(connection, f"INSERT INTO {table} VALUES (1, 'x')")
        run(connection, "CREATE TABLE #scratch (a INTEGER)")
        assert run(connection, "SELECT DATEADD(day, 1, '2020-01-01'::date), NVL(NULL, 2)") == [
            (dt.datetime(2020, 1, 2), 2)
        ]
        assert run(
            connection, f"SELECT distkey FROM pg_table_def WHERE tablename = '{table}' AND \"column\" = 'a'"
        ) == [(True,)]
        assert run(connection, f"SELECT tbl_rows FROM svv_table_info WHERE \"table\" = '{table}'") == [(1,)]
        assert run(connection, "SELECT count(*) > 0 FROM stv_sessions") == [(True,)]
        run(connection, "SET query_group TO 'analysts'")
        assert run(connection, "SHOW query_group") == [("analysts",)]
        assert "Redshift" in run(connection, "SELECT version()")[0][0]
        run(connection, f"DROP TABLE {table}")
        run(connection, "DROP TABLE #scratch")  # a temporary table outlives the close by a moment
    run(admin, f"DROP USER {user}")


def test_syslog_access_decides_whose_rows_the_system_views_show(
    endpoint: RunningEndpoint, admin: Any
) -> None:
    user = unique("syslog")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    others = f"SELECT count(*) FROM stv_sessions WHERE trim(user_name) <> '{user}'"
    with signed_in(endpoint, user) as connection:
        assert run(connection, f"SELECT count(*) FROM stv_sessions WHERE trim(user_name) = '{user}'") == [
            (1,)
        ]
        assert run(connection, others) == [(0,)]  # RESTRICTED, the default: its own rows only
        assert run(connection, "SELECT count(*) FROM stl_query WHERE userid <> current_user_id") == [(0,)]
        assert run(connection, f"SELECT count(*) FROM stv_recents WHERE trim(user_name) <> '{user}'") == [
            (0,)
        ]
        run(admin, f"ALTER USER {user} SYSLOG ACCESS UNRESTRICTED")
        assert run(connection, others)[0][0] >= 1  # the master user's session among them
        run(admin, f"ALTER USER {user} SYSLOG ACCESS RESTRICTED")
        assert run(connection, others) == [(0,)]
    assert run(admin, others)[0][0] >= 1  # a superuser sees every user's
    run(admin, f"DROP USER {user}")


def test_redshift_connectors_own_sha256_login(endpoint: RunningEndpoint, admin: Any) -> None:
    """As the driver's integration suite does it (test_auth_req_digest): a 'sha256|…' password with a
    character beyond ASCII, then a sign-in by Redshift's digest exchange."""
    user, password = unique("sha256_dbuser"), "My_sha256_PaSsWoRdŽ"
    run(admin, f"CREATE USER {user} WITH PASSWORD 'sha256|{password}'")
    connection = redshift_connector_sign_in(endpoint, user, password)
    try:
        assert who_am_i(connection) == (user, user)
    finally:
        connection.close()
    run(admin, f"DROP USER {user}")


def test_the_superusers_catalog_tables_are_the_superusers(endpoint: RunningEndpoint, admin: Any) -> None:
    """pg_statistic and pg_largeobject, which a cluster's admin user reads, PostgreSQL keeps for its own
    superusers: a superuser reads their rows, any other user none."""
    user, table = unique("stats"), unique("stats_t")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE TABLE {table} (x INTEGER)")
    run(admin, f"INSERT INTO {table} VALUES (1), (2)")
    run(admin, f"ANALYZE {table}")
    analyzed = f"SELECT count(*) FROM pg_statistic WHERE starelid = '{table}'::regclass"
    assert run(admin, analyzed) == [(1,)]
    assert run(admin, "SELECT count(*) FROM pg_largeobject") == [(0,)]
    with signed_in(endpoint, user) as connection:
        assert run(connection, analyzed) == [(0,)]
    run(admin, f"DROP TABLE {table}; DROP USER {user}")


def test_alter_drop_truncate_and_column_privileges_on_a_table(endpoint: RunningEndpoint, admin: Any) -> None:
    """r_GRANT's ALTER, DROP and TRUNCATE on a table, and SELECT on some of its columns: each lets the
    grantee do just that, and svv_relation_privileges lists them."""
    user = unique("alterer")
    run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    table, other = unique("granted_t"), unique("kept_t")
    run(admin, f"CREATE TABLE {table} (a INTEGER, secret VARCHAR(8))")
    run(admin, f"CREATE TABLE {other} (a INTEGER)")
    run(admin, f"INSERT INTO {table} VALUES (1, 'psst')")
    with signed_in(endpoint, user) as connection:
        assert _error_of(connection, f"ALTER TABLE {table} ADD COLUMN b INTEGER") is not None
        assert _error_of(connection, f"DROP TABLE {table}") is not None
    run(admin, f"GRANT ALTER, TRUNCATE ON TABLE {table} TO {user}")
    run(admin, f"GRANT SELECT (a) ON {table} TO {user}")
    cursor = admin.cursor()
    cursor.execute(f"GRANT DROP ON {table} TO {user}")
    assert cursor.statusmessage == "GRANT"
    listed = (
        "SELECT privilege_type FROM svv_relation_privileges "
        f"WHERE relation_name = '{table}' AND identity_name = '{user}' ORDER BY 1"
    )
    assert run(admin, listed) == [("ALTER",), ("DROP",), ("TRUNCATE",)]
    with signed_in(endpoint, user) as connection:
        assert run(connection, f"SELECT a FROM {table}") == [(1,)]
        assert (
            _error_of(connection, f"SELECT secret FROM {table}") == f"permission denied for relation {table}"
        )
        assert _error_of(connection, f"ALTER TABLE {table} ADD COLUMN b INTEGER") is None
        assert _error_of(connection, f"DROP TABLE {other}") is not None  # no grant on that one
        assert _error_of(connection, f"TRUNCATE {table}") is None
    owner = f"SELECT tableowner FROM pg_tables WHERE tablename = '{table}'"
    assert run(admin, owner) == [(USER,)]  # the owner it was: ALTER lent the table for the statement only
    run(admin, f"REVOKE DROP ON TABLE {table} FROM {user}")
    with signed_in(endpoint, user) as connection:
        assert _error_of(connection, f"DROP TABLE {table}") is not None
    run(admin, f"GRANT DROP ON {table} TO {user}")
    with signed_in(endpoint, user) as connection:
        assert _error_of(connection, f"DROP TABLE {table}") is None
    assert run(admin, f"SELECT count(*) FROM pg_tables WHERE tablename = '{table}'") == [(0,)]
    run(admin, f"DROP TABLE {other}")
    run(admin, f"DROP USER {user}")


def test_show_grants_lists_the_grants_given_as_a_cluster_does(endpoint: RunningEndpoint, admin: Any) -> None:
    """SHOW GRANTS / SHOW COLUMN GRANTS, and redshift_connector's get_table_privileges over them (its own
    suite's expectations): the owner's own rights are not listed, ALL is Redshift's ten privileges (ALTER,
    DROP and RULE with PostgreSQL's, without its MAINTAIN), each row with its grantor and grant option, a
    user's grants before a role's; a grantee WITH GRANT OPTION grants ALTER onward."""
    first, second, holder = unique("grants_u1"), unique("grants_u2"), unique("grants_all")
    role, schema = unique("grants_role"), unique("grants_s")
    for user in (first, second, holder):
        run(admin, f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    run(admin, f"CREATE ROLE {role}")
    run(admin, f"CREATE SCHEMA {schema}")
    run(admin, f"CREATE TABLE {schema}.t (id INTEGER, secret VARCHAR(8))")
    database = endpoint.database
    show = f"SHOW GRANTS ON TABLE {database}.{schema}.t"
    assert run(admin, show) == []
    run(admin, f"GRANT INSERT ON {schema}.t TO ROLE {role}")
    run(admin, f"GRANT SELECT ON {schema}.t TO {second}")
    run(admin, f"GRANT USAGE ON SCHEMA {schema} TO {holder}")
    run(admin, f"GRANT ALL ON {schema}.t TO {holder} WITH GRANT OPTION")
    run(admin, f"SET SESSION AUTHORIZATION {holder}")
    run(admin, f"GRANT SELECT ON {schema}.t TO {first}")
    run(admin, f"GRANT ALTER ON {schema}.t TO {second}")
    run(admin, "RESET SESSION AUTHORIZATION")
    run(admin, f"GRANT SELECT (secret) ON {schema}.t TO {first}")

    listed = [(row[6], row[4], row[7], row[8], row[10]) for row in run(admin, show)]
    everything = ["ALTER", "DELETE", "DROP", "INSERT", "REFERENCES", "RULE", "SELECT", "TRIGGER", "TRUNCATE"]
    assert listed == [
        (first, "SELECT", "user", False, holder),
        (second, "ALTER", "user", False, holder),
        (second, "SELECT", "user", False, USER),
        *[(holder, privilege, "user", True, USER) for privilege in [*everything, "UPDATE"]],
        (role, "INSERT", "role", False, USER),
    ]
    columns = run(admin, f"SHOW COLUMN GRANTS ON TABLE {database}.{schema}.t")
    assert [(row[3], row[4], row[6], row[9]) for row in columns] == [("secret", "SELECT", first, USER)]

    connection = endpoint.redshift_connector()
    try:
        privileges = connection.cursor().get_table_privileges(database, schema, "t")
        selects = [(row[3], row[4], row[6]) for row in privileges if row[5] == "SELECT"]
        assert selects == [(holder, first, "NO"), (USER, second, "NO"), (USER, holder, "YES")]
    finally:
        connection.close()
    with signed_in(endpoint, holder) as session:
        assert _error_of(session, f"ALTER TABLE {schema}.t ADD COLUMN extra INTEGER") is None
    run(admin, f"REVOKE ALL ON {schema}.t FROM {second}")
    assert second not in [row[6] for row in run(admin, show)]
    run(admin, f"DROP SCHEMA {schema} CASCADE")
    run(admin, f"DROP USER {first}; DROP USER {second}; DROP USER {holder}; DROP ROLE {role}")


def test_a_password_beyond_ascii_signs_in(endpoint: RunningEndpoint, admin: Any) -> None:
    """A cluster takes a password with characters beyond ASCII (redshift_connector's suite signs in with
    one, sent as its UTF-8 bytes); ASCII's space and control characters stay refused."""
    user, password = unique("unicode_pw"), "C1cccccha\uff6fs"
    run(admin, f"CREATE USER {user} PASSWORD '{password}'")
    for client in _CLIENTS.values():
        connection = client(endpoint, user, password)
        try:
            assert who_am_i(connection) == (user, user)
        finally:
            connection.close()
    assert _error_of(admin, f"ALTER USER {user} PASSWORD 'Abcd 12345'") == (
        "Password may use ASCII characters 33 to 126 only."
    )
    run(admin, f"DROP USER {user}")
