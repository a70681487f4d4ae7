"""The history views through a real endpoint process: the statements a client ran (simple and extended
protocol), its COPY and UNLOAD, as sys_query_history, stl_query, stl_querytext, svl_qlog, sys_load_history,
sys_unload_history and sys_load_error_detail show them; pg_last_query_id, pg_last_copy_id and
pg_last_unload_id agreeing; a user seeing its own statements, a superuser everyone's; the scripts' embedded
path recording in the same history; and the bound on what is kept."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import psycopg2
import pytest

from sparkify.config import load_config
from sparkify.engine.sql.redshift.history import HistoryBound, QueryHistory
from sparkify.warehouse import connect
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

_numbers = itertools.count()
OTHER_PASSWORD = "Abc12345"


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}_{next(_numbers)}"


@contextlib.contextmanager
def client(endpoint: RunningEndpoint, **options: Any) -> Iterator[Any]:
    """A psycopg2 client in autocommit (``with connection`` would open a transaction block)."""
    connection = endpoint.connect(**options)
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def rows(connection: Any, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_a_clients_statements_are_in_sys_query_history_with_their_fields(endpoint: RunningEndpoint) -> None:
    table = unique("hist_t")
    with client(endpoint) as connection:
        rows(connection, f"CREATE TABLE {table} (n INTEGER, s VARCHAR(10))")
        rows(connection, f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        assert rows(connection, f"SELECT n FROM {table} ORDER BY n") == [(1,), (2,), (3,)]
        with pytest.raises(psycopg2.errors.UndefinedTable):
            rows(connection, "SELECT * FROM no_such_table_here")
        (last,) = rows(connection, "SELECT pg_last_query_id()")[0]
        history = rows(
            connection,
            "SELECT query_id, user_id = current_user_id, trim(database_name), trim(query_type), trim(status),"
            " returned_rows, trim(query_text), start_time <= end_time, elapsed_time >= 0,"
            " trim(error_message) FROM sys_query_history WHERE session_id = pg_backend_pid()"
            " ORDER BY query_id",
        )
    database = endpoint.database
    assert [row[1:] for row in history[-5:]] == [
        (True, database, "DDL", "success", 0, f"CREATE TABLE {table} (n INTEGER, s VARCHAR(10))",
         True, True, None),
        (True, database, "INSERT", "success", 3, f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b'), (3, 'c')",
         True, True, None),
        (True, database, "SELECT", "success", 3, f"SELECT n FROM {table} ORDER BY n", True, True, None),
        (True, database, "SELECT", "failed", 0, "SELECT * FROM no_such_table_here", True, True,
         'relation "no_such_table_here" does not exist'),
        (True, database, "SELECT", "success", 1, "SELECT pg_last_query_id()", True, True, None),
    ]  # fmt: skip
    assert last == history[-2][0]  # the failed SELECT: the last statement before it
    assert [row[0] for row in history] == sorted({row[0] for row in history})


def test_texts_and_errors_are_kept_exactly_whatever_characters_they_hold(endpoint: RunningEndpoint) -> None:
    """The records go to the history as lines of COPY's text format: a tab, a newline, a carriage return, a
    backslash or COPY's own end marker in a statement or its error is kept as it was sent."""
    marker = unique("chars")
    passed = f"SELECT '{marker}'\t/* a back\\slash, \\N, \\t and \\. */\r\n, 2"
    name = f"no\tsuch\\table\n\\.\n{marker}"
    failed = f'SELECT * FROM "{name}"'
    with client(endpoint) as connection:
        rows(connection, passed)
        with pytest.raises(psycopg2.errors.UndefinedTable):
            rows(connection, failed)
        kept = rows(
            connection,
            "SELECT query_text::text, trim(status), error_message::text FROM sys_query_history "
            "WHERE session_id = pg_backend_pid() AND query_text LIKE %s ORDER BY query_id",
            (f"%{marker}%",),
        )
    assert [(text.rstrip(" "), status) for text, status, _ in kept] == [
        (passed, "success"),
        (failed, "failed"),
    ]
    assert f'"{name}"' in kept[1][2]


def test_stl_query_stl_querytext_and_svl_qlog_show_queries_and_stl_ddltext_the_ddl(
    endpoint: RunningEndpoint,
) -> None:
    table = unique("texts_t")
    long_select = f"SELECT n,\n       {' + '.join(['n'] * 120)} AS total FROM {table}"
    assert len(long_select) > 400
    with client(endpoint) as connection:
        rows(connection, f"CREATE TABLE {table} (n INTEGER)")
        rows(connection, long_select)
        (query,) = rows(connection, "SELECT pg_last_query_id()")[0]
        found = rows(
            connection,
            f"SELECT trim(querytxt), aborted, pid = pg_backend_pid() FROM stl_query WHERE query = {query}",
        )
        assert found == [(long_select[:4000], 0, True)]
        pieces = rows(
            connection, f"SELECT sequence, text FROM stl_querytext WHERE query = {query} ORDER BY sequence"
        )
        assert [piece[0] for piece in pieces] == list(range(len(pieces))) and len(pieces) > 2
        assert "".join(piece[1].ljust(200) for piece in pieces).rstrip() == long_select.replace("\n", "\\n")
        logged = rows(connection, f"SELECT trim(substring), elapsed >= 0 FROM svl_qlog WHERE query = {query}")
        assert logged == [(long_select[:60], True)]
        # DDL is no query: in stl_ddltext, not in stl_query
        ddl = rows(
            connection,
            f"SELECT count(*) FROM stl_ddltext WHERE text LIKE 'CREATE TABLE {table} %'"
            " AND pid = pg_backend_pid()",
        )
        assert ddl == [(1,)]
        queries = rows(
            connection, f"SELECT count(*) FROM stl_query WHERE querytxt LIKE 'CREATE TABLE {table}%'"
        )
        assert queries == [(0,)]
        rows(connection, f"DROP TABLE {table}")


def test_utility_statements_and_the_statement_text_view(endpoint: RunningEndpoint) -> None:
    marker = unique("utility")
    with client(endpoint) as connection:
        rows(connection, f"SET query_group TO '{marker}'")
        found = rows(
            connection,
            f"SELECT trim(text) FROM stl_utilitytext WHERE text LIKE '%{marker}%' AND pid = pg_backend_pid()",
        )
        assert found == [(f"SET query_group TO '{marker}'",)]
        kinds = rows(
            connection,
            f"SELECT trim(type) FROM svl_statementtext WHERE text LIKE '%{marker}%' ORDER BY starttime",
        )
        assert kinds[0] == ("UTILITY",) and kinds[-1] == ("QUERY",)


def test_stv_tbl_perm_and_svv_transactions_show_tables_and_open_transactions(
    endpoint: RunningEndpoint,
) -> None:
    table = unique("perm_t")
    with client(endpoint) as connection:
        rows(connection, f"CREATE TABLE {table} (n INTEGER)")
        rows(connection, f"INSERT INTO {table} VALUES (1), (2)")
        found = rows(connection, f"SELECT slice, temp, backup FROM stv_tbl_perm WHERE trim(name) = '{table}'")
        assert found == [(0, 0, 1)]
        rows(connection, "BEGIN")
        rows(connection, f"LOCK TABLE {table}")
        locks = rows(
            connection,
            "SELECT trim(txn_owner), lock_mode, granted FROM svv_transactions "
            f"WHERE pid = pg_backend_pid() AND relation = '{table}'::regclass::oid",
        )
        assert locks == [(USER, "AccessExclusiveLock", True)]
        rows(connection, "ROLLBACK")
        rows(connection, f"DROP TABLE {table}")


def test_statements_of_the_extended_protocol_are_recorded_with_their_text(endpoint: RunningEndpoint) -> None:
    with psycopg.connect(endpoint.dsn(password=PASSWORD), autocommit=True) as connection:
        for value in (7, 8):
            connection.execute("SELECT %s::integer + 1 AS answer", (value,), prepare=True)
        found = connection.execute(
            "SELECT trim(query_text), returned_rows, trim(status) FROM sys_query_history "
            "WHERE session_id = pg_backend_pid() AND query_text LIKE 'SELECT $1::integer%' ORDER BY query_id"
        ).fetchall()
    assert found == [("SELECT $1::integer + 1 AS answer", 1, "success")] * 2


def test_copy_and_unload_are_in_their_histories_and_the_last_ids_agree(
    endpoint: RunningEndpoint, tmp_path: Path
) -> None:
    table = unique("loaded_t")
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.json").write_text('{"n": 1}\n{"n": 2}\n{"n": "not a number"}\n')
    (source / "b.json").write_text('{"n": 3}\n')
    with client(endpoint) as connection:
        rows(connection, f"CREATE TABLE {table} (n INTEGER)")
        rows(connection, f"COPY {table} FROM '{source}/' FORMAT AS JSON 'auto' MAXERROR 5")
        (copy_id, copy_query) = rows(connection, "SELECT pg_last_copy_id(), pg_last_query_id()")[0]
        assert copy_id == copy_query
        load = rows(
            connection,
            "SELECT trim(status), trim(table_name), trim(data_source), trim(file_format), loaded_rows,"
            " source_file_count, error_count, duration >= 0 FROM sys_load_history"
            f" WHERE query_id = {copy_id}",
        )
        assert load == [("completed", table, f"{source}/", "JSON", 3, 2, 1, True)]
        assert rows(connection, f"SELECT count(*) FROM stl_load_commits WHERE query = {copy_id}") == [(2,)]
        errors = rows(
            connection,
            f"SELECT trim(column_name), error_code FROM sys_load_error_detail WHERE query_id = {copy_id}",
        )
        assert errors == [("n", 1207)]
        rows(connection, f"UNLOAD ('select n from {table}') TO '{tmp_path}/out_' FORMAT CSV PARALLEL OFF")
        (unload_id,) = rows(connection, "SELECT pg_last_unload_id()")[0]
        unload = rows(
            connection,
            "SELECT trim(status), trim(unloaded_location), trim(file_format), unloaded_rows,"
            " unloaded_files_count, unloaded_files_size FROM sys_unload_history"
            f" WHERE query_id = {unload_id}",
        )
        size = (tmp_path / "out_000").stat().st_size
        assert unload == [("completed", f"{tmp_path}/out_", "CSV", 3, 1, size)]
        kind = rows(
            connection, f"SELECT trim(query_type) FROM sys_query_history WHERE query_id = {unload_id}"
        )
        assert kind == [("UNLOAD",)]
        rows(connection, f"DROP TABLE {table}")


def test_a_user_sees_its_own_statements_and_a_superuser_everyones(endpoint: RunningEndpoint) -> None:
    user = unique("plain_user")
    marker = unique("marker")
    with client(endpoint) as admin:
        rows(admin, f"CREATE USER {user} PASSWORD '{OTHER_PASSWORD}'")
        rows(admin, f"SELECT '{marker}' AS admins")
    with client(endpoint, user=user, password=OTHER_PASSWORD) as connection:
        rows(connection, f"SELECT '{marker}' AS users")
        seen = rows(
            connection, f"SELECT trim(query_text) FROM sys_query_history WHERE query_text LIKE '%{marker}%'"
        )
        assert [text for (text,) in seen if "AS" in text] == [f"SELECT '{marker}' AS users"]
        others = "SELECT count(*) FROM sys_query_history WHERE user_id <> current_user_id"
        assert rows(connection, others) == [(0,)]
        assert rows(connection, "SELECT count(*) FROM stl_query WHERE userid <> current_user_id") == [(0,)]
    with client(endpoint) as admin:
        seen = rows(
            admin,
            "SELECT trim(query_text) FROM sys_query_history "
            f"WHERE query_text LIKE 'SELECT ''{marker}'' AS %' ORDER BY query_id",
        )
        assert seen == [(f"SELECT '{marker}' AS admins",), (f"SELECT '{marker}' AS users",)]
        rows(admin, f"DROP USER {user}")


def test_credentials_are_masked_in_the_history(endpoint: RunningEndpoint, tmp_path: Path) -> None:
    secret = "wJalrXUtnFEMI-secret-key"
    with client(endpoint) as connection:
        with pytest.raises(psycopg2.Error):
            rows(
                connection,
                f"COPY no_such_target FROM '{tmp_path}/none' "
                f"CREDENTIALS 'aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key={secret}' JSON 'auto'",
            )
        found = rows(
            connection, "SELECT query_text FROM sys_query_history WHERE query_text LIKE '%no_such_target%'"
        )
    assert found and all(secret not in text for (text,) in found)


def test_the_scripts_embedded_path_records_in_the_same_history(write_config: Any, tmp_path: Path) -> None:
    for folder in ("data/log_data", "data/song_data", "in"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    (tmp_path / "in/a.json").write_text('{"n": 3}\n{"n": 4}\n')
    config = load_config(write_config())
    marker = unique("embedded")
    with connect(config) as warehouse:
        warehouse.execute(f"CREATE TABLE {marker} (n INTEGER)")
        warehouse.execute(f"INSERT INTO {marker} VALUES (1), (2)")
        warehouse.execute(f"COPY {marker} FROM '{tmp_path}/in/' IAM_ROLE default FORMAT AS JSON 'auto'")
        warehouse.commit()
        _, ids = warehouse.query("SELECT pg_last_copy_id()")
    with connect(config) as warehouse:
        _, found = warehouse.query(
            "SELECT trim(query_type), returned_rows, trim(status), "
            "user_id = (SELECT usesysid FROM pg_user WHERE usename = current_user) "
            f"FROM sys_query_history WHERE query_text LIKE '%{marker}%' ORDER BY query_id"
        )
    assert found == [
        ("DDL", 0, "success", True),
        ("INSERT", 2, "success", True),
        ("COPY", 2, "success", True),
    ]
    with connect(config) as warehouse:
        _, loaded = warehouse.query(
            f"SELECT loaded_rows, source_file_count FROM sys_load_history WHERE query_id = {ids[0][0]}"
        )
    assert loaded == [(2, 1)]


def test_the_history_keeps_the_newest_statements_of_the_last_days(db: Any) -> None:
    from sparkify.engine.sql.adapter import prepare_database

    parameters = db.get_dsn_parameters()
    dsn = {key: parameters[key] for key in ("host", "port", "dbname")} | {"user": USER}
    owner = psycopg2.connect(host=dsn["host"], port=dsn["port"], dbname=dsn["dbname"], user="postgres")
    prepare_database(owner)
    owner.close()
    history = QueryHistory(lambda: psycopg2.connect(**dsn), dsn["dbname"], HistoryBound(size=5, days=7))
    old = history.begin(USER, 1, "SELECT 'ten days ago'")
    old.finish("success", rows=1)
    old.start -= 10 * 86400
    old.end -= 10 * 86400
    history.done(old)
    history.flush()
    for number in range(12):
        record = history.begin(USER, 1, f"SELECT {number}")
        record.finish("success", rows=1)
        history.done(record)
        time.sleep(0.001)
    history.close()
    db.autocommit = True
    texts = rows(db, "SELECT trim(query_text) FROM sparkify_redshift.sys_query_history ORDER BY start_time")
    assert texts == [(f"SELECT {number}",) for number in range(7, 12)]


def _history_of(db: Any, size: int) -> QueryHistory:
    from sparkify.engine.sql.adapter import prepare_database

    parameters = db.get_dsn_parameters()
    dsn = {key: parameters[key] for key in ("host", "port", "dbname")} | {"user": USER}
    owner = psycopg2.connect(host=dsn["host"], port=dsn["port"], dbname=dsn["dbname"], user="postgres")
    prepare_database(owner)
    owner.close()
    return QueryHistory(lambda: psycopg2.connect(**dsn), dsn["dbname"], HistoryBound(size=size, days=7))


def _record(history: QueryHistory, text: str, query_id: int | None = None) -> None:
    record = history.begin(USER, 1, text)
    if query_id is not None:
        record.query_id = query_id
    record.finish("success", rows=1)
    history.done(record)
    time.sleep(0.001)


def _kept_texts(db: Any) -> list[tuple[Any, ...]]:
    db.autocommit = True
    return rows(db, "SELECT trim(query_text) FROM sparkify_redshift.sys_query_history ORDER BY start_time")


def test_the_bound_holds_write_after_write_whatever_bound_each_writer_keeps(db: Any) -> None:
    wide, narrow = _history_of(db, 5), _history_of(db, 3)
    for batch in range(3):
        for number in range(4):
            _record(wide, f"SELECT {batch * 4 + number}")
        wide.flush()
        newest = range(max(0, batch * 4 + 4 - 5), batch * 4 + 4)
        assert _kept_texts(db) == [(f"SELECT {number}",) for number in newest]
    _record(narrow, "SELECT 'narrow'")
    narrow.close()
    assert _kept_texts(db) == [("SELECT 10",), ("SELECT 11",), ("SELECT 'narrow'",)]
    _record(wide, "SELECT 'wide'")
    wide.close()
    assert _kept_texts(db) == [("SELECT 10",), ("SELECT 11",), ("SELECT 'narrow'",), ("SELECT 'wide'",)]


def test_a_batch_holding_a_query_id_already_recorded_keeps_the_rest(db: Any) -> None:
    """Query ids repeat only when no block could be reserved (ids from 1 again): the record already kept
    stays, the batch's others are written, and the bound still counts right."""
    history = _history_of(db, 4)
    _record(history, "SELECT 'first'", query_id=7)
    history.flush()
    _record(history, "SELECT 'again'", query_id=7)
    _record(history, "SELECT 'other'")
    history.flush()
    assert _kept_texts(db)[-2:] == [("SELECT 'first'",), ("SELECT 'other'",)]
    for number in range(4):
        _record(history, f"SELECT {number}")
    history.close()
    assert _kept_texts(db) == [(f"SELECT {number}",) for number in range(4)]
