"""The relay's fast paths (issue #26): backend messages that need no change pass to the client in one piece,
as they came; a statement's plan is the one of its own text, whatever was planned before under the same
statement name; a stop wakes a session waiting for its client."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg2
import pytest

from sparkify.engine.endpoint import messages as m
from sparkify.engine.sql.text import mask_secrets
from tests.endpoint_process import (
    PASSWORD,
    RunningEndpoint,
    query,
    raw_session,
    read_message,
    running_endpoint,
)


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("relay")) as running:
        yield running


def channel_holding(data: bytes) -> tuple[m.Channel, socket.socket]:
    """A channel whose peer has sent ``data`` (and keeps its end open)."""
    ours, theirs = socket.socketpair()
    theirs.sendall(data)
    return m.Channel(ours, name="the embedded PostgreSQL"), theirs


def test_whole_messages_pass_in_one_piece_up_to_the_first_one_taken_apart() -> None:
    plain = m.message(b"T", b"\0\0") + m.message(b"D", b"\0\1\0\0\0\1x") + m.message(b"N", b"Mnote\0\0")
    apart = m.error_response("boom", "XX000")
    source, peer = channel_holding(plain + apart + m.ready_for_query(b"I"))
    sink_end, reader = socket.socketpair()
    sink = m.Channel(sink_end, name=m.CLIENT)
    try:
        source._fill(len(plain) + len(apart) + 6)
        assert source.read_passing(sink, frozenset(b"ZE")) == (b"E", apart[5:])
        assert bytes(sink.outbox) == plain
        assert source.read_passing(sink, frozenset(b"ZE")) == (b"Z", b"I")  # a stop first: nothing moves
        assert bytes(sink.outbox) == plain
        assert source.inbox == bytearray() and source.start == 0
    finally:
        for end in (source.sock, peer, sink_end, reader):
            end.close()


def test_a_message_not_all_read_is_read_whole_after_the_ones_passed() -> None:
    row = m.message(b"D", b"\0\1\0\0\0\3abc")
    source, peer = channel_holding(row + row[:7])
    sink_end, reader = socket.socketpair()
    sink = m.Channel(sink_end, name=m.CLIENT)
    try:
        source._fill(len(row) + 7)
        peer.sendall(row[7:] + m.ready_for_query(b"I"))
        assert source.read_passing(sink, frozenset(b"Z")) == (b"D", row[5:])
        assert bytes(sink.outbox) == row
        assert source.read_passing(sink, frozenset(b"Z")) == (b"Z", b"I")
    finally:
        for end in (source.sock, peer, sink_end, reader):
            end.close()


def test_many_rows_pass_whole_and_an_error_among_them_is_in_redshifts_words(
    endpoint: RunningEndpoint,
) -> None:
    connection = endpoint.connect(sslmode="disable")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT n, repeat('x', n % 50) FROM generate_series(1, 20000) AS n")
            rows = cursor.fetchall()
            assert len(rows) == 20000 and rows[-1] == (20000, "x" * (20000 % 50))
            with pytest.raises(psycopg2.errors.DivisionByZero, match="division by zero"):
                cursor.execute("SELECT 1 / (n - 15000) FROM generate_series(1, 20000) AS n")
        connection.rollback()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()


def test_redshifts_tags_among_rows_of_one_simple_query(endpoint: RunningEndpoint) -> None:
    sock = raw_session(endpoint)
    try:
        answer = query(
            sock,
            "CREATE TABLE relay_tags (a INTEGER) DISTSTYLE EVEN; SELECT n FROM generate_series(1, 3) AS n; "
            "INSERT INTO relay_tags VALUES (1), (2); DROP TABLE relay_tags",
        )
        tags = [payload for kind, payload in answer if kind == b"C"]
        assert tags == [b"CREATE TABLE\0", b"SELECT 3\0", b"INSERT 0 2\0", b"DROP TABLE\0"]
        assert [kind for kind, _ in answer].count(b"D") == 3
    finally:
        sock.close()


def extended(sock: socket.socket, *messages: bytes) -> list[tuple[bytes, bytes]]:
    """Extended-protocol messages and a Sync; every message of the answer up to ReadyForQuery."""
    sock.sendall(b"".join(messages) + m.message(b"S"))
    answer = [read_message(sock)]
    while answer[-1][0] != b"Z":
        answer.append(read_message(sock))
    return answer


def parse(name: str, sql: str) -> bytes:
    return m.message(b"P", m.cstring(name) + m.cstring(sql) + b"\0\0")


def bind_and_execute(statement: str) -> bytes:
    bind = m.message(b"B", m.cstring("") + m.cstring(statement) + struct.pack("!hhh", 0, 0, 0))
    return bind + m.message(b"E", m.cstring("") + m.int32(0))


def rows_of(answer: list[tuple[bytes, bytes]]) -> list[bytes]:
    assert not [payload for kind, payload in answer if kind == b"E"], answer
    return [payload[6:] for kind, payload in answer if kind == b"D"]


@pytest.mark.parametrize("name", ["", "relay_statement"])
def test_a_statement_prepared_again_under_its_name_runs_its_new_text(
    endpoint: RunningEndpoint, name: str
) -> None:
    sock = raw_session(endpoint)
    close = m.message(b"C", b"S" + m.cstring(name)) if name else b""
    try:
        # translated (NVL is Redshift's), then as written, then a text that only a Redshift rewrite runs
        texts = [("SELECT NVL(NULL, 'first')", b"first"), ("SELECT 'second'", b"second")]
        texts.append(("SELECT NVL(NULL, 'third')", b"third"))
        for sql, expected in texts:
            answer = extended(sock, parse(name, sql), bind_and_execute(name), close)
            assert rows_of(answer) == [expected], sql
    finally:
        sock.close()


def test_standard_strings_set_in_the_session_change_a_known_texts_plan(endpoint: RunningEndpoint) -> None:
    sock = raw_session(endpoint)
    sql = r"SELECT 'a\\b'"
    try:
        assert rows_of(query(sock, sql)) == [b"a\\b"]  # Redshift's escape: one backslash
        assert rows_of(query(sock, "SET standard_conforming_strings = on")) == []
        assert rows_of(query(sock, sql)) == [b"a\\\\b"]  # the client's standard string: as written
        assert rows_of(extended(sock, parse("", sql), bind_and_execute(""))) == [b"a\\\\b"]
    finally:
        sock.close()


def test_a_text_forwarded_as_written_is_planned_again_under_another_reading(
    endpoint: RunningEndpoint,
) -> None:
    sock = raw_session(endpoint)
    sql = r"SELECT 'a\\b'"
    try:
        assert rows_of(query(sock, "SET standard_conforming_strings = on")) == []
        for _ in range(2):  # as written under this reading: the second time without a plan
            assert rows_of(query(sock, sql)) == [b"a\\\\b"]
        assert rows_of(query(sock, "SET standard_conforming_strings = off")) == []
        assert rows_of(query(sock, sql)) == [b"a\\b"]  # Redshift's escape again
        named = 'SELECT 1 AS "MiXed"'
        query(sock, "SET enable_case_sensitive_identifier TO true")
        assert [column_names(query(sock, named)) for _ in range(2)] == [[b"MiXed"]] * 2
        query(sock, "RESET enable_case_sensitive_identifier")
        assert column_names(query(sock, named)) == [b"mixed"]  # folded, as by default on Redshift
    finally:
        sock.close()


def column_names(answer: list[tuple[bytes, bytes]]) -> list[bytes]:
    (description,) = [payload for kind, payload in answer if kind == b"T"]
    names, at = [], 2
    for _ in range(struct.unpack_from("!h", description)[0]):
        end = description.index(b"\0", at)
        names.append(description[at:end])
        at = end + 19
    return names


def test_a_text_with_the_sessions_values_or_tables_in_it_is_planned_each_time(
    endpoint: RunningEndpoint,
) -> None:
    sock = raw_session(endpoint)
    try:
        # pg_last_query_id(): the id of the statement before, another each time
        ids = [rows_of(query(sock, "SELECT pg_last_query_id()"))[0] for _ in range(3)]
        assert len(set(ids)) == 3
        # a select-list alias used later: the table's column while it has one, the alias's value after
        query(sock, "CREATE TABLE relay_lateral (k INTEGER); INSERT INTO relay_lateral VALUES (100)")
        sql = "SELECT 5 AS k, k + 1 AS j FROM relay_lateral"
        assert [rows_of(query(sock, sql)) for _ in range(2)] == [[b"5\0\0\0\x03101"]] * 2
        query(sock, "ALTER TABLE relay_lateral DROP COLUMN k; ALTER TABLE relay_lateral ADD COLUMN n INTEGER")
        assert rows_of(query(sock, sql)) == [b"5\0\0\0\x016"]
        query(sock, "DROP TABLE relay_lateral")
    finally:
        sock.close()


def test_statements_forwarded_without_a_plan_are_recorded_and_seen_by_the_history(
    endpoint: RunningEndpoint,
) -> None:
    connection = endpoint.connect(sslmode="disable")
    connection.autocommit = True
    history = (
        "SELECT count(*) FROM sys_query_history WHERE session_id = pg_backend_pid() "
        "AND trim(query_text) IN ('select 42', 'INSERT INTO relay_history VALUES (1), (2)')"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE relay_history (a INTEGER)")
            counts = []
            for _ in range(3):
                cursor.execute("select 42")
                cursor.execute(history)  # read again each time: the records written before it
                counts.append(cursor.fetchone()[0])
            assert counts == [1, 2, 3]
            for values in ["(1), (2)", "(3), (4)", "(5), (6)"]:  # one frame, the later ones without a plan
                cursor.execute(f"INSERT INTO relay_history VALUES {values}")
            cursor.execute(history)
            assert cursor.fetchone()[0] == 4
            cursor.execute("SELECT count(*) FROM relay_history")
            assert cursor.fetchone()[0] == 6
            cursor.execute("DROP TABLE relay_history")
    finally:
        connection.close()


def test_a_statement_of_a_known_frame_with_more_than_literals_is_translated(
    endpoint: RunningEndpoint,
) -> None:
    connection = endpoint.connect(sslmode="disable")
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE relay_frame (a INTEGER, b VARCHAR(32), c TIMESTAMP)")
            for n in range(3):  # the frame is learnt, then known
                cursor.execute("INSERT INTO relay_frame VALUES (%s, %s, %s)", (n, "plain", None))
            # Redshift's own: a GETDATE() and a backslash escape between the frame's ends
            cursor.execute("INSERT INTO relay_frame VALUES (3, 'tab\\there', GETDATE())")
            cursor.execute("SELECT b, c IS NOT NULL FROM relay_frame WHERE a = 3")
            assert cursor.fetchone() == ("tab\there", True)
            cursor.execute("SELECT count(*) FROM relay_frame")
            assert cursor.fetchone() == (4,)
    finally:
        connection.close()


def test_a_known_frame_with_a_session_value_outside_its_list_gets_the_value_each_time(
    endpoint: RunningEndpoint,
) -> None:
    """A frame's statements skip the plan only where nothing outside the literal list is the session's
    own: version() is Redshift's each time, the frame learnt and then known."""
    connection = endpoint.connect(sslmode="disable")
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE relay_versions (a INTEGER)")
            cursor.execute("INSERT INTO relay_versions VALUES (1), (2), (3)")
            answers = []
            for values in ["(1, 2)", "(2, 3)", "(1, 3, 5)"]:
                cursor.execute(f"SELECT version() FROM relay_versions WHERE a IN {values} LIMIT 1")
                answers.append(cursor.fetchone()[0])
            assert all("Redshift" in answer for answer in answers), answers
    finally:
        connection.close()


def test_a_long_parse_in_a_known_frame_gets_the_session_values_outside_its_list(
    endpoint: RunningEndpoint,
) -> None:
    """psycopg 3 sends each text as a Parse: a long one in a known frame skips only what its literal list
    cannot hold; version() outside the list is Redshift's each time, and a history view is read fresh."""
    listed = ", ".join(str(n) for n in range(3000))  # past what the plan's cache keeps
    with psycopg.connect(endpoint.dsn(password=PASSWORD), autocommit=True) as connection:
        connection.execute("CREATE TEMP TABLE relay_long (a INTEGER)")
        connection.execute("INSERT INTO relay_long VALUES (1), (2), (3)")
        answers = [
            connection.execute(f"SELECT version() FROM relay_long WHERE a IN ({first}, {listed})").fetchone()
            for first in (1, 2, 3)
        ]
        assert all("Redshift" in answer[0] for answer in answers), answers  # type: ignore[index]
        counts = []
        for first in (1, 2):
            connection.execute("select 43")
            history = "SELECT count(*) FROM sys_query_history WHERE session_id = pg_backend_pid() AND "
            row = connection.execute(f"{history}trim(query_text) = 'select 43' AND 0 IN ({first}, {listed})")
            counts.append(row.fetchone()[0])  # type: ignore[index]
        assert counts == [1, 2], counts


def test_a_long_insert_of_parameters_is_parsed_for_each_batch(endpoint: RunningEndpoint) -> None:
    """redshift_connector binds on the server: a many-row INSERT of parameters is one long Parse per
    batch, the same text each time (its shape's verdict, then the classification kept); the values land."""
    connection = endpoint.redshift_connector()
    rows = 600
    sql = "INSERT INTO relay_batches (a, b, c) VALUES " + ", ".join(["(%s, %s, %s)"] * rows)
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE TEMP TABLE relay_batches (a INTEGER, b VARCHAR(32), c TIMESTAMP)")
        for batch in range(3):
            values = [value for n in range(rows) for value in (batch * rows + n, f"it's {n}", None)]
            cursor.execute(sql, values)
        cursor.execute("SELECT count(*), count(DISTINCT a), max(b) FROM relay_batches")
        assert cursor.fetchone() == [3 * rows, 3 * rows, "it's 99"]
    finally:
        connection.close()


def test_a_row_description_seen_before_gives_redshifts_types_again(endpoint: RunningEndpoint) -> None:
    sock = raw_session(endpoint)
    try:
        for sql in ["SELECT 'ab'::VARBYTE AS v", "SELECT 1 AS v", "SELECT 'ab'::VARBYTE AS v"]:
            answer = query(sock, sql)
            (description,) = [payload for kind, payload in answer if kind == b"T"]
            oid = struct.unpack_from("!I", description, 2 + len(b"v\0") + 6)[0]
            assert oid == (6551 if "VARBYTE" in sql else 23), sql  # Redshift's VARBYTE, PostgreSQL's bytea
            assert len(rows_of(answer)) == 1
    finally:
        sock.close()


FLUSH = m.message(b"H")


def answers_until(sock: socket.socket, last: bytes) -> list[bytes]:
    """The kinds of the messages read up to one of kind ``last``."""
    kinds = [read_message(sock)[0]]
    while kinds[-1] != last:
        kinds.append(read_message(sock)[0])
    return kinds


def test_flushes_among_a_batchs_requests_answer_it_in_order(endpoint: RunningEndpoint) -> None:
    """redshift_connector sends a Flush after its Bind and its Execute, then Sync, in one write: the answers
    come in order, once, whether the endpoint waits for the backend at each Flush or not."""
    sock = raw_session(endpoint)
    try:
        describe = m.message(b"D", b"P" + m.cstring(""))
        answer = extended(sock, parse("", "SELECT 41 + 1"), FLUSH, bind_and_execute("")[:-10], FLUSH)
        assert [kind for kind, _ in answer] == [b"1", b"2", b"Z"]
        bind, execute = bind_and_execute("")[:-10], bind_and_execute("")[-10:]
        answer = extended(sock, parse("", "SELECT 41 + 1"), FLUSH, bind, FLUSH, describe, execute, FLUSH)
        assert [kind for kind, _ in answer] == [b"1", b"2", b"T", b"D", b"C", b"Z"]
        assert rows_of(answer) == [b"42"]
        failed = extended(sock, parse("", "SELECT * FROM relay_no_such_table"), FLUSH, bind, execute, FLUSH)
        assert [kind for kind, _ in failed] == [b"E", b"Z"]
        answer = extended(sock, parse("", "SELECT 'after'"), FLUSH, bind, FLUSH, execute, FLUSH)
        assert rows_of(answer) == [b"after"]
    finally:
        sock.close()


def test_a_flush_the_client_waits_on_is_answered_before_its_sync(endpoint: RunningEndpoint) -> None:
    sock = raw_session(endpoint)
    try:
        sock.sendall(parse("", "SELECT 'flushed'") + FLUSH)
        assert answers_until(sock, b"1") == [b"1"]
        sock.sendall(bind_and_execute("") + FLUSH)
        assert answers_until(sock, b"C") == [b"2", b"D", b"C"]
        sock.sendall(m.message(b"S"))
        assert answers_until(sock, b"Z") == [b"Z"]
    finally:
        sock.close()


def test_a_flush_followed_only_by_a_message_ignored_is_answered_before_the_endpoint_waits(
    endpoint: RunningEndpoint,
) -> None:
    """The answers a Flush put off for the requests sent with it are relayed before the endpoint waits for
    the client, whatever those were (a CopyDone outside a COPY is ignored, as by PostgreSQL)."""
    sock = raw_session(endpoint)
    try:
        sock.sendall(parse("", "SELECT 'flushed'") + FLUSH + m.message(b"c"))
        assert answers_until(sock, b"1") == [b"1"]
        sock.sendall(bind_and_execute("") + FLUSH + m.message(b"c"))
        assert answers_until(sock, b"C") == [b"2", b"D", b"C"]
        sock.sendall(m.message(b"S"))
        assert answers_until(sock, b"Z") == [b"Z"]
    finally:
        sock.close()


def test_a_frames_rows_are_recorded_each_with_its_type_and_its_own_text(endpoint: RunningEndpoint) -> None:
    """executemany's rows go without a plan, their type taken from their frame: each is recorded as an
    INSERT with its own text, a tab kept, a password masked, a history view's name in a literal as any
    other text; a row with a dollar quote or a comment is planned and recorded alike."""
    connection = endpoint.connect(sslmode="disable")
    connection.autocommit = True
    rows = list(enumerate(["plain", "tab\there", "PASSWORD 'hunter2'", "sys_query_history", "version()"]))
    insert = "INSERT INTO relay_typed VALUES (%s, %s)"
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE relay_typed (a INTEGER, b VARCHAR(64))")
            cursor.executemany(insert, rows)
            texts = [cursor.mogrify(insert, row).decode() for row in rows]
            texts += [
                "INSERT INTO relay_typed VALUES (5, $$dollar$$)",
                "INSERT INTO relay_typed VALUES (6, /* c */ 'x')",
            ]
            for text in texts[-2:]:
                cursor.execute(text)
            cursor.execute(
                "SELECT trim(query_type), rtrim(query_text, ' ') FROM sys_query_history "
                "WHERE session_id = pg_backend_pid() AND query_text LIKE 'INSERT INTO relay_typed%' "
                "ORDER BY query_id"
            )
            recorded = cursor.fetchall()
            cursor.execute("SELECT b FROM relay_typed ORDER BY a")
            assert [b for (b,) in cursor.fetchall()] == [value for _, value in rows] + ["dollar", "x"]
    finally:
        connection.close()
    assert "'hunter2'" in texts[2] and "\t" in texts[1]
    texts[2] = mask_secrets(texts[2])  # as any statement's text is masked
    assert recorded == [("INSERT", text) for text in texts]


def test_a_frame_that_reads_the_history_sees_every_row_before_it(endpoint: RunningEndpoint) -> None:
    """A frame whose text outside its list names a history view is planned at every row: the records of
    the rows before it are written first."""
    connection = endpoint.connect(sslmode="disable")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE relay_seen (seen BIGINT)")
            cursor.executemany(  # the rows differ in the IN list alone: one frame
                "INSERT INTO relay_seen SELECT count(*) FROM sys_query_history "
                "WHERE session_id = pg_backend_pid() AND query_text LIKE 'INSERT INTO relay_seen%%' "
                "AND query_id NOT IN (%s)",
                [(-n,) for n in range(1, 6)],
            )
            cursor.execute("SELECT seen FROM relay_seen ORDER BY seen")
            assert cursor.fetchall() == [(n,) for n in range(5)]
    finally:
        connection.close()


def test_a_frames_rows_go_where_the_search_path_says_at_each_row(endpoint: RunningEndpoint) -> None:
    """Nothing of a frame's names is resolved once for its rows: a new search_path takes the next rows of
    the same frame to another table."""
    connection = endpoint.connect(sslmode="disable")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for schema in ("relay_path_one", "relay_path_two"):
                cursor.execute(f"CREATE SCHEMA {schema}")
                cursor.execute(f"CREATE TABLE {schema}.relay_rows (a INTEGER)")
            cursor.execute("SET search_path TO relay_path_one")
            cursor.executemany("INSERT INTO relay_rows VALUES (%s)", [(1,), (2,), (3,)])
            cursor.execute("SET search_path TO relay_path_two")
            cursor.executemany("INSERT INTO relay_rows VALUES (%s)", [(4,), (5,)])
            cursor.execute("SET search_path TO public")
            counts = []
            for schema in ("relay_path_one", "relay_path_two"):
                cursor.execute(f"SELECT a FROM {schema}.relay_rows ORDER BY a")
                counts.append([a for (a,) in cursor.fetchall()])
                cursor.execute(f"DROP SCHEMA {schema} CASCADE")
            assert counts == [[1, 2, 3], [4, 5]]
    finally:
        connection.close()
