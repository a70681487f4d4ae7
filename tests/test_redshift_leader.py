"""Queries that read only catalog tables run on Redshift's leader node, which takes PostgreSQL's SQL: the
refusals are for queries on user and system tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sparkify.engine.sql.adapter import translate
from sparkify.errors import UnsupportedStatementError
from tests.redshift_session import RedshiftSession, database_names, session_on

SQLALCHEMY_REFLECTION = (
    "SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace "
    "ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace "
    "WHERE pg_catalog.pg_class.relname IN ('plays') AND pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'v'])"
)


def test_sqlalchemys_reflection_runs_with_the_shim_schema_out_of_sight() -> None:
    # pg_class is the shim's view too: a materialized view is a view (relkind 'v') to a cluster's catalog
    expected = SQLALCHEMY_REFLECTION.replace(
        "JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid",
        "JOIN sparkify_redshift.leader_pg_namespace AS pg_namespace ON pg_namespace.oid",
    ).replace("FROM pg_catalog.pg_class", "FROM sparkify_redshift.leader_pg_class AS pg_class")
    assert translate(SQLALCHEMY_REFLECTION) == expected.replace("pg_catalog.pg_class.", "pg_class.")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT array_agg(attname) FROM pg_attribute a, pg_class c WHERE a.attrelid = c.oid",
        "SELECT string_agg(table_name, ',') FROM information_schema.tables",
    ],
)
def test_catalog_only_queries_are_passed_as_written(sql: str) -> None:
    assert translate(sql) == sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT relname FROM pg_class WHERE relkind = ANY (ARRAY['r']) "
        "AND relname IN (SELECT name FROM plays)",
        "SELECT string_agg(title, ',') FROM songs, pg_class",
        "SELECT array_agg(n) FROM generate_series(1, 3) AS n",
        "SELECT pg_sleep(1) FROM songs",
    ],
)
def test_a_query_that_touches_a_user_table_is_still_refused(sql: str) -> None:
    with pytest.raises(UnsupportedStatementError):
        translate(sql)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT c.relname, c.reldiststyle FROM pg_catalog.pg_class c",
            "SELECT c.relname, c.reldiststyle FROM sparkify_redshift.leader_pg_class c",
        ),
        (
            "SELECT pg_catalog.pg_class.reldiststyle FROM pg_catalog.pg_class",
            "SELECT pg_class.reldiststyle FROM sparkify_redshift.leader_pg_class AS pg_class",
        ),
        (
            "SELECT attname, attisdistkey FROM pg_attribute WHERE 1",
            "SELECT attname, attisdistkey FROM sparkify_redshift.leader_pg_attribute AS pg_attribute "
            "WHERE true",
        ),
        (
            "SELECT n.nspname AS \"schema\" FROM pg_namespace n WHERE 1 AND schema = 'public'",
            'SELECT n.nspname AS "schema" FROM sparkify_redshift.leader_pg_namespace n '
            "WHERE true AND (n.nspname) = 'public'",
        ),
        (
            "SELECT p.proname FROM pg_catalog.pg_proc_info p",
            "SELECT p.proname FROM sparkify_redshift.pg_proc_info p",
        ),
    ],
)
def test_catalog_queries_get_redshifts_catalog(sql: str, expected: str) -> None:
    assert translate(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'reldiststyle', relname FROM pg_catalog.pg_class",  # a word inside a literal
        'SELECT "reldiststyle" FROM pg_catalog.pg_class',  # a quoted name is a name, not Redshift's column
        "SELECT relname FROM pg_class WHERE relnatts BETWEEN 1 AND 2",
        "SELECT relname AS s FROM pg_class WHERE relname IN (SELECT s FROM pg_catalog.pg_tables)",
        # an alias that is also a keyword is a column only where an operand stands
        'SELECT now() AS "time", now()::timestamp without time zone AS t FROM pg_class',
    ],
)
def test_catalog_queries_that_need_nothing_are_left_as_written(sql: str) -> None:
    assert translate(sql) == sql


@pytest.fixture(scope="module")
def redshift_db(pg_data_dir) -> Iterator[str]:
    yield from database_names(pg_data_dir)


@pytest.fixture
def rs(pg_data_dir, redshift_db: str) -> Iterator[RedshiftSession]:
    yield from session_on(pg_data_dir, redshift_db)


def test_a_column_of_the_from_tables_wins_over_an_alias(rs: RedshiftSession) -> None:
    # data_type is a column of svv_columns and an alias of the select list: the column counts, as on Redshift
    rs.run("CREATE TABLE typed (flag BOOLEAN)")
    rows = rs.run(
        "SELECT 5 AS data_type, CASE data_type WHEN 'boolean' THEN 'bool' END AS type_name, "
        "type_name AS again FROM svv_columns WHERE table_name = 'typed'"
    )
    assert rows == [(5, "bool", "bool")]


def test_redshifts_catalog_columns_describe_the_ddl(rs: RedshiftSession) -> None:
    rs.run(
        "CREATE TABLE laid_out (a INTEGER ENCODE zstd, b VARCHAR(4) DISTKEY, c DATE SORTKEY) DISTSTYLE KEY"
    )
    rows = rs.run(
        "SELECT a.attname, a.attisdistkey, a.attsortkeyord, format_encoding(a.attencodingtype::integer) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "WHERE c.relname = 'laid_out' AND a.attnum > 0 ORDER BY a.attnum"
    )
    assert rows == [("a", False, 0, "zstd"), ("b", True, 0, "lzo"), ("c", False, 1, "none")]
    assert rs.value("SELECT reldiststyle FROM pg_class WHERE relname = 'laid_out'") == 1
    assert rs.run("SELECT * FROM svv_external_tables") == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT CASE a WHEN 1 THEN 4WHEN 2 THEN 5.5END FROM t",
            "SELECT CASE a WHEN 1 THEN 4 WHEN 2 THEN 5.5 END FROM t",
        ),
        ("SELECT 1e5AS big, '4WHEN' AS kept", "SELECT 1e5 AS big, '4WHEN' AS kept"),
    ],
)
def test_a_number_glued_to_a_word_is_read_as_redshifts_lexer_reads_it(sql: str, expected: str) -> None:
    assert translate(sql) == expected


def test_catalog_queries_do_not_see_the_shim_schema(rs: RedshiftSession) -> None:
    assert rs.run("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1") == [
        ("information_schema",),
        ("public",),
    ]
