"""A big multi-row INSERT of literals into columns with a length goes to PostgreSQL as
``INSERT … SELECT * FROM (VALUES …)`` (issue #26, pandas' to_sql): the same statement, coerced once per
column instead of once per literal.  Each form is run on the real PostgreSQL and must store the same rows
or refuse with the same error; through the endpoint, a client sees its own statement, its own types and
Redshift's refusal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg2
import pytest
import sqlalchemy as sa

from sparkify.engine.server import embedded
from sparkify.engine.sql.text import named_relation_oid, relation_oid
from sparkify.engine.sql.typed_values import SMALLEST, _column_kinds, column_types_in_session, typed_insert
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint


def rows_text(rows: list[str]) -> str:
    """``rows`` repeated until the text is long enough to be worth the column types' question."""
    text = ", ".join(rows)
    return ", ".join([text] * (SMALLEST // len(text) + 1))


def both_forms(cursor: Any, columns: str, rows: list[str]) -> tuple[str, str | None]:
    """The INSERT of ``rows`` into table t and its typed form (None: it goes as written)."""
    head = f"INSERT INTO t ({columns}) VALUES "
    sql = head + rows_text(rows)
    return sql, typed_insert(sql, head + "(1)", column_types_in_session(cursor))


def outcome(cursor: Any, sql: str) -> tuple[str, Any]:
    """What ``sql`` stored in t (its rows, in order), or the error it met (SQLSTATE and message)."""
    cursor.execute("SAVEPOINT form")
    try:
        cursor.execute(sql)
    except psycopg2.Error as error:
        cursor.execute("ROLLBACK TO SAVEPOINT form")
        return "error", (error.pgcode, error.diag.message_primary)
    cursor.execute("SELECT * FROM t ORDER BY ctid")
    stored = cursor.fetchall()
    cursor.execute("ROLLBACK TO SAVEPOINT form")
    return "stored", stored


#: (the table's columns, the INSERT's column list, rows): each is rewritten, and both forms agree.
SAME_STATEMENT = [
    # pandas' to_sql through the endpoint: BIGINT and VARCHAR(256), psycopg2's E'' strings
    ("a BIGINT, b VARCHAR(256), c VARCHAR(256)", "a, b, c", ["(1, E'value 1', E'it''s')", "(2, 'x', NULL)"]),
    ("a BIGINT, b VARCHAR(5)", "a, b", ["(1, 'abc')", "(2, 'abcdef')"]),  # too long: refused
    ("b VARCHAR(3), a INTEGER", "b, a", ["('abc   ', 1)", "('ab', -2)"]),  # spaces past the length: cut
    ("b CHAR(3), c VARCHAR(8)", "b, c", ["('a', 'x')", "(NULL, 'y')"]),  # CHAR pads
    (
        "d TIMESTAMP, c VARCHAR(10)",
        "d, c",
        ["('2024-01-01 10:00:00', 'x')", "(NULL, 'y')"],
    ),  # typed first row
    ("d TIMESTAMP, c VARCHAR(10)", "d, c", ["('2024-01-01', 'x')", "('nope', 'y')"]),  # a bad timestamp
    ("n NUMERIC(6,2), m NUMERIC(6,2)", "n, m", ["(1.005, '4.567')", "(2, '-3.333')", "(-3.335, NULL)"]),
    ("n NUMERIC(3,1), c VARCHAR(2)", "n, c", ["(1.5, 'a')", "(123.45, 'b')"]),  # out of range: refused
    ("i INTEGER, c VARCHAR(4)", "i, c", ["('12', 'a')", "(' 7 ', 'b')"]),  # numbers as strings
    ("i INTEGER, c VARCHAR(4)", "i, c", ["(1, 'a')", "(99999999999, 'b')"]),  # integer out of range
    ("f DOUBLE PRECISION, i BIGINT, c VARCHAR(4)", "f, i, c", ["(1, 1.5, 'a')", "(1e3, 2.5, 'b')"]),
    ("t BOOLEAN, u BOOLEAN, c VARCHAR(4)", "t, u, c", ["(TRUE, 't', 'a')", "(false, 'no', NULL)"]),
    ("d DATE, c VARCHAR(4)", "d, c", ["(NULL, 'a')", "(null, 'b')"]),  # a column of NULLs
]


@pytest.mark.parametrize(("table", "columns", "rows"), SAME_STATEMENT)
def test_both_forms_store_the_same_rows_or_refuse_alike(
    db: Any, table: str, columns: str, rows: list[str]
) -> None:
    with db.cursor() as cursor:
        cursor.execute(f"CREATE TABLE t ({table})")
        sql, typed = both_forms(cursor, columns, rows)
        assert typed is not None and "SELECT * FROM (VALUES" in typed
        assert outcome(cursor, typed) == outcome(cursor, sql)


def test_a_big_insert_into_varchar_is_typed_once_per_column(db: Any) -> None:
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a BIGINT, b VARCHAR(256), d TIMESTAMP)")
        sql, typed = both_forms(cursor, "a, b", ["(1, 'x')"])
        assert typed == sql.replace("VALUES ", "SELECT * FROM (VALUES ", 1) + ") AS sparkify_values"
        sql, typed = both_forms(cursor, "a, d, b", ["(1, '2024-01-01', 'x')"])
        assert typed is not None
        assert typed.startswith(
            'INSERT INTO t (a, d, b) SELECT * FROM (VALUES (NULL, NULL::pg_catalog."timestamp", NULL), (1, '
        )
        assert typed.endswith(") AS sparkify_values OFFSET 1")


#: (the table's columns, the INSERT's column list, rows): each goes as written.
AS_WRITTEN = [
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 2)"]),  # a number into VARCHAR: an assignment cast of its own
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "('2', 'y')"]),  # numbers and strings in one column
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "(DEFAULT, 'y')"]),  # DEFAULT: not in a FROM list
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "(2)"]),  # a short row
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "(2, upper('y'))"]),  # a call
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "(2, 'y'::text)"]),  # a cast
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x')", "(2, N'y')"]),  # a typed string
    ("a BIGINT, b VARCHAR(8)", "a, b", ["(1, 'x' /* c */)"]),  # a comment
    ("a BIGINT, b TEXT", "a, b", ["(1, 'x')"]),  # no length to check
    ("a BIGINT, b VARCHAR(8), e short_text", "a, b, e", ["(1, 'x', 'y')"]),  # a domain's check
    ("a INTERVAL HOUR TO MINUTE, b VARCHAR(8)", "a, b", ["('1 day 2 hours', 'x')"]),  # an interval
    ("a BIGINT, b VARCHAR(8)", "a, c", ["(1, 'x')"]),  # no such column
    ('a BIGINT, "B" VARCHAR(8)', 'a, "B"', ["(1, 'x')"]),  # a quoted name
]


#: Rows and each column's kinds as :func:`_column_kinds` reads them (None: not rows of lone literals).
KINDS = [
    ("(1, 'a')", [{"n"}, {"s"}]),
    ("(-1.5e+3, E'a'), (.5, e'b')", [{"n"}, {"s"}]),
    ("(1E5, 'it''s'), (2, '''')", [{"n"}, {"s"}]),  # doubled quotes: one string each
    ("('', ''), ('', '')", [{"s"}, {"s"}]),  # empty strings
    ("('), (', 'e''), (''e'), (NULL, 'x, 1')", [{"s", "NULL"}, {"s"}]),  # separators inside strings
    ("(NULL, TRUE), (null, False)", [{"NULL"}, {"B"}]),
    ("(1, 'x'), ('2', 'y')", [{"n", "s"}, {"s"}]),  # told apart: the caller refuses the mix
    ("(1, 'x'), (DEFAULT, 'y')", None),
    ("(1, 'x'), (2)", None),  # a short row
    ("(1, 'x'), (2, 'y', 3)", None),  # a long row
    ("(1, 'x' 'y')", None),  # two strings side by side
    ("(1, N'x')", None),
    ("(1, X'ff')", None),
    ("(1, 'x'::text)", None),
    ("(1, 'x)", None),  # a quote left open
    ("1, 'x'", None),
    ("(1, abc)", None),
]


@pytest.mark.parametrize(("rows", "kinds"), KINDS)
def test_the_kinds_of_each_columns_items(rows: str, kinds: list[set[str]] | None) -> None:
    assert _column_kinds(rows, 2) == kinds


@pytest.mark.parametrize(("table", "columns", "rows"), AS_WRITTEN)
def test_anything_else_goes_as_written(db: Any, table: str, columns: str, rows: list[str]) -> None:
    with db.cursor() as cursor:
        cursor.execute("CREATE DOMAIN short_text AS VARCHAR(8) CHECK (VALUE <> 'no')")
        cursor.execute(f"CREATE TABLE t ({table})")
        assert both_forms(cursor, columns, rows)[1] is None


def test_a_table_is_found_as_the_session_finds_it(db: Any) -> None:
    """A schema's name with it, or none (the search_path); three names (a database's) go as written."""
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a BIGINT, b VARCHAR(8))")
        column_types = column_types_in_session(cursor)
        for table, typed in (("public.t", True), ("t", True), (f"{db.info.dbname}.public.t", False)):
            head = f"INSERT INTO {table} (a, b) VALUES "
            sql = head + rows_text(["(1, 'x')"])
            assert (typed_insert(sql, head + "(1)", column_types) is not None) is typed, table


def test_a_view_or_a_short_statement_goes_as_written(db: Any) -> None:
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t0 (a BIGINT, b VARCHAR(8))")
        cursor.execute("CREATE VIEW t AS SELECT * FROM t0")
        assert both_forms(cursor, "a, b", ["(1, 'x')"])[1] is None
        head = "INSERT INTO t0 (a, b) VALUES "
        assert typed_insert(head + "(1, 'x')", head + "(1)", column_types_in_session(cursor)) is None


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("typed")) as running:
        yield running


@contextlib.contextmanager
def direct(endpoint: RunningEndpoint) -> Iterator[Any]:
    """A connection straight to the endpoint's database on PostgreSQL, committed and closed after."""
    socket_dir, port = embedded.ensure_server(endpoint.data_dir)
    connection = psycopg2.connect(host=socket_dir, port=port, dbname=endpoint.database, user=USER)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def through(endpoint: RunningEndpoint) -> contextlib.closing[Any]:
    """A connection through the endpoint, closed after."""
    return contextlib.closing(endpoint.connect())


def values(column: pd.Series) -> list[Any]:
    return [None if pd.isna(value) else value for value in column]


def test_pandas_to_sql_through_the_endpoint_stores_what_it_sent_in_redshifts_types(
    endpoint: RunningEndpoint,
) -> None:
    rows = range(1000)
    frame = pd.DataFrame(
        {"n": rows, "s": [f"it's row {n}" for n in rows], "e": ["" if n % 2 else None for n in rows]}
    )
    engine = sa.create_engine(
        f"postgresql+psycopg2://{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
    )
    try:
        frame.to_sql("typed_frame", engine, index=False)
        with engine.connect() as connection:
            stored = pd.read_sql("SELECT n, s, e FROM typed_frame ORDER BY n", connection)
            types = connection.execute(
                sa.text(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = 'typed_frame'::regclass AND attnum > 0 ORDER BY attnum"
                )
            ).fetchall()
    finally:
        engine.dispose()
    assert values(stored["s"]) == values(frame["s"])
    assert values(stored["e"]) == values(frame["e"])
    assert [tuple(row) for row in types] == [
        ("n", "bigint"),
        ("s", "character varying(256)"),
        ("e", "character varying(256)"),
    ]


def insert_of(table: str, rows: int, row: Any) -> str:
    return f"INSERT INTO {table} (n, s, d) VALUES " + ", ".join(row(n) for n in range(rows))


def test_the_endpoint_sends_the_typed_form_and_the_client_sees_its_own_statement(
    endpoint: RunningEndpoint,
) -> None:
    with direct(endpoint) as setup, setup.cursor() as cursor:
        cursor.execute("CREATE TABLE typed_seen (n BIGINT, s VARCHAR(20), d TIMESTAMP)")
        cursor.execute("CREATE TABLE typed_sent (query text)")
        # What PostgreSQL was sent, as a statement trigger sees it
        cursor.execute(
            "CREATE FUNCTION typed_note() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO typed_sent VALUES (current_query()); RETURN NULL; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER typed_note AFTER INSERT ON typed_seen "
            "FOR EACH STATEMENT EXECUTE FUNCTION typed_note()"
        )
    sql = insert_of("typed_seen", 800, lambda n: f"({n}, 'row {n}', '2024-01-01 00:00:{n % 60:02d}')")
    with through(endpoint) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        assert cursor.rowcount == 800
        cursor.execute("SELECT query FROM typed_sent")
        (sent,) = cursor.fetchone()
        cursor.execute("SELECT count(*), count(DISTINCT s), min(d), max(d) FROM typed_seen")
        assert cursor.fetchone()[:2] == (800, 800)
        cursor.execute("SELECT trim(querytxt) FROM stl_query WHERE querytxt LIKE 'INSERT INTO typed_seen%'")
        recorded = [row[0] for row in cursor.fetchall()]
    assert sent.startswith(
        "INSERT INTO typed_seen (n, s, d) SELECT * FROM (VALUES "
        "(NULL, NULL, NULL::pg_catalog.\"timestamp\"), (0, 'row 0', "
    )
    assert recorded and all(" VALUES (0, 'row 0'" in text for text in recorded)


def test_a_value_too_long_is_refused_as_redshift_refuses_it(endpoint: RunningEndpoint) -> None:
    with through(endpoint) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE typed_long (n BIGINT, s VARCHAR(256), d TIMESTAMP)")
        connection.commit()
        sql = insert_of("typed_long", 600, lambda n: f"({n}, '{'x' * (300 if n == 599 else 20)}', NULL)")
        with pytest.raises(psycopg2.Error) as refused:
            cursor.execute(sql)
        connection.rollback()
        cursor.execute("SELECT count(*) FROM typed_long")
        assert cursor.fetchone() == (0,)
    assert refused.value.pgcode == "22001"
    assert refused.value.diag.message_primary == "value too long for type character varying(256)"


def test_a_bad_literals_position_is_in_the_clients_text(endpoint: RunningEndpoint) -> None:
    """The same refusal and position as PostgreSQL gives for the statement as written."""
    with direct(endpoint) as setup, setup.cursor() as cursor:
        cursor.execute("CREATE TABLE typed_bad (n BIGINT, s VARCHAR(20), d TIMESTAMP)")
    sql = insert_of("typed_bad", 700, lambda n: f"({n}, 'row {n}', '{'nope' if n == 650 else '2024-01-01'}')")
    errors = []
    for side in (direct, through):
        with (
            side(endpoint) as connection,
            connection.cursor() as cursor,
            pytest.raises(psycopg2.Error) as refused,
        ):
            cursor.execute(sql)
        error = refused.value
        errors.append((error.pgcode, error.diag.message_primary, error.diag.statement_position))
    assert errors[0] == errors[1]
    assert errors[0][0] == "22007"


def test_a_schema_the_user_may_not_use_is_refused_in_postgresqls_words(endpoint: RunningEndpoint) -> None:
    """The endpoint's own lookups on the client's session (the column types of a big INSERT, the columns
    behind a lateral alias) find nothing in a schema the user may not use, instead of failing: the
    client's statement meets PostgreSQL's own refusal, and the connection goes on (it was ended)."""
    with through(endpoint) as master, master.cursor() as cursor:
        master.autocommit = True
        cursor.execute("CREATE SCHEMA typed_closed")
        cursor.execute("CREATE TABLE typed_closed.t (n BIGINT, s VARCHAR(20), d TIMESTAMP)")
        cursor.execute("CREATE TABLE typed_insert_only (n BIGINT, s VARCHAR(20), d TIMESTAMP)")
        cursor.execute("CREATE USER typed_user PASSWORD 'Typed-user-1'")
        cursor.execute("GRANT INSERT ON typed_insert_only TO typed_user")
    refusals = []
    with contextlib.closing(endpoint.connect(user="typed_user", password="Typed-user-1")) as user:
        cursor = user.cursor()
        for sql in (
            insert_of("typed_closed.t", 200, lambda n: f"({n}, 'row {n}', NULL)"),
            insert_of("typed_closed.t", 800, lambda n: f"({n}, 'row {n}', NULL)"),  # the frame known: typed
            "SELECT n AS x, x + 1 AS y FROM typed_closed.t",  # a lateral alias
        ):
            with pytest.raises(psycopg2.Error) as refused:
                cursor.execute(sql)
            user.rollback()
            refusals.append((refused.value.pgcode, refused.value.diag.message_primary))
        cursor.execute(insert_of("typed_insert_only", 800, lambda n: f"({n}, 'row {n}', NULL)"))
        assert cursor.rowcount == 800  # the typed form needs no SELECT privilege
        user.commit()
    assert refusals == [("42501", "permission denied for schema typed_closed")] * 3


def test_a_lookup_that_fails_is_the_statements_failure_and_the_connection_goes_on(
    endpoint: RunningEndpoint,
) -> None:
    """A question the endpoint asks of the client's session while planning (here the columns behind a
    lateral alias, meeting the client's lock_timeout on a catalog another session holds) fails that
    statement with the backend's own error; the connection answers the next one."""
    with through(endpoint) as client, direct(endpoint) as holder, holder.cursor() as holding:
        client.autocommit = True
        cursor = client.cursor()
        cursor.execute("CREATE TABLE typed_locked (n BIGINT)")
        cursor.execute("SET lock_timeout = '100ms'")
        # released by the server after 5 s idle, should the endpoint wait on it (it did, ending the session)
        holding.execute("SET idle_in_transaction_session_timeout = '5s'")
        holding.execute("LOCK TABLE pg_catalog.pg_attribute IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(psycopg2.Error) as failed:
            cursor.execute("SELECT n AS x, x + 1 AS y FROM typed_locked")
        holder.rollback()
        cursor.execute("SELECT n AS x, x + 1 AS y FROM typed_locked")
        assert cursor.fetchall() == []
    assert failed.value.pgcode == "55P03"  # lock_not_available


def test_a_relation_is_found_as_the_session_finds_it_and_never_raises(db: Any) -> None:
    """:func:`relation_oid` and :func:`named_relation_oid`: an unqualified name by the search_path,
    ``pg_temp`` as the session's own temporary schema, a schema by its name; NULL for a missing table or a
    missing schema, and for a schema the role may not use a name lookup instead of ``to_regclass``'s
    refusal."""
    with db.cursor() as cursor:
        cursor.execute("CREATE SCHEMA found_closed")
        cursor.execute("CREATE TABLE found_closed.t (n BIGINT)")
        cursor.execute("CREATE TABLE found_open (n BIGINT)")
        cursor.execute("CREATE TEMP TABLE found_temp (n BIGINT)")
        cursor.execute("CREATE ROLE found_role")
        cursor.execute("GRANT found_role TO CURRENT_USER")
        expected = {}
        for schema, name in (("", "found_open"), ("public", "found_open"), ("found_closed", "t")):
            cursor.execute("SELECT %s::regclass::oid", (f"{schema}.{name}" if schema else name,))
            expected[(schema, name)] = cursor.fetchone()[0]
        cursor.execute("SELECT 'found_temp'::regclass::oid")
        expected[("pg_temp", "found_temp")] = cursor.fetchone()[0]
        expected.update({("", "missing"): None, ("missing", "t"): None, ("public", "t"): None})
        cursor.execute("SET ROLE found_role")
        for (schema, name), oid in expected.items():
            cursor.execute("SELECT " + relation_oid("%s", "%s"), (schema, name, schema, name, schema, name))
            assert cursor.fetchone()[0] == oid, (schema, name)
            cursor.execute("SELECT " + named_relation_oid(schema, name))
            assert cursor.fetchone()[0] == oid, (schema, name)
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("SELECT to_regclass('found_closed.t')")
    db.rollback()
