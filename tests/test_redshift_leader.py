"""Queries that read only catalog tables run on Redshift's leader node, which takes PostgreSQL's SQL: the
refusals are for queries on user and system tables."""

from __future__ import annotations

import pytest

from sparkify.adapter import translate
from sparkify.errors import UnsupportedStatementError

SQLALCHEMY_REFLECTION = (
    "SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace "
    "ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace "
    "WHERE pg_catalog.pg_class.relname IN ('plays') AND pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'v'])"
)


@pytest.mark.parametrize(
    "sql",
    [
        SQLALCHEMY_REFLECTION,
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
