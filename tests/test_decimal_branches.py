"""Redshift's declared DECIMAL of a UNION, INTERSECT, EXCEPT, CASE or COALESCE (the developer guide's
"Computations with numeric values" and UNION pages): what a client reads in its cursor's description, in a
session through the adapter and through a real endpoint, with the values unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import psycopg2
import pytest

from sparkify.engine.sql.adapter import columns_in_session, translate
from sparkify.engine.sql.redshift.decimal_branches import combined
from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint
from tests.redshift_session import RedshiftSession

SETUP = [
    "CREATE TEMP TABLE dec1 (c1 DECIMAL(7,2))",
    "CREATE TEMP TABLE dec2 (c1 DECIMAL(15,3))",
    "CREATE TEMP TABLE revenue (r10 DECIMAL(10,2), r8 DECIMAL(8,4), other INTEGER)",
    "INSERT INTO dec1 VALUES (12345.67)",
    "INSERT INTO dec2 VALUES (123456789012.345)",
    "INSERT INTO revenue VALUES (12345678.91, 1234.5678, 1)",
]

# statement, each column's (precision, scale), its rows
CASES = [
    (
        "select c1 from dec1 union select c1 from dec2 order by 1",
        [(15, 3)],
        [(Decimal("12345.670"),), (Decimal("123456789012.345"),)],
    ),
    (
        "select c1 from dec2 union all select c1 from dec1 order by 1",
        [(15, 3)],
        [(Decimal("12345.670"),), (Decimal("123456789012.345"),)],
    ),
    (
        "select r10 from revenue union select r8 from revenue order by 1",
        [(12, 4)],
        [(Decimal("1234.5678"),), (Decimal("12345678.9100"),)],
    ),
    (
        "select case when other = 1 then r10 else r8 end as pick from revenue",
        [(12, 4)],
        [(Decimal("12345678.9100"),)],
    ),
    ("select coalesce(null, r8, r10) from revenue", [(12, 4)], [(Decimal("1234.5678"),)]),
    (
        "select d.c1, r.r10 from dec1 d, revenue r union all select 1.5::decimal(4,1), r8 from revenue "
        "intersect select c1, r8 from dec2, revenue order by 1",
        [(15, 3), (12, 4)],
        [(Decimal("12345.670"), Decimal("12345678.9100"))],
    ),
    (
        "select decode(other, 1, r8, r10), nvl(r10, r8) from revenue",
        [(12, 4), (12, 4)],
        [(Decimal("1234.5678"), Decimal("12345678.9100"))],
    ),
    ("select c1 from dec2 except select c1 from dec1", [(15, 3)], [(Decimal("123456789012.345"),)]),
    (
        "select coalesce(case when other = 1 then r8 else null end, r10) from revenue",
        [(12, 4)],
        [(Decimal("1234.5678"),)],
    ),
]


def test_the_guides_rule_and_its_limits() -> None:
    assert combined([(7, 2), (15, 3)]) == (15, 3)
    assert combined([(10, 2), (8, 4)]) == (12, 4)
    assert combined([(10, 0), (10, 9)]) == (19, 9)  # 64-bit values: at most 19
    assert combined([(19, 0), (10, 9)]) is None
    assert combined([(30, 0), (10, 8)]) == (38, 8)  # a 128-bit one: at most 38
    assert combined([(30, 0), (10, 9)]) is None


def test_past_the_limit_the_result_stays_postgresqls(rs: RedshiftSession) -> None:
    sql = "select case when true then 1::numeric(38,37) else 12345::numeric(10,0) end"
    assert translate(sql) == sql
    assert rs.value(sql) == Decimal("1.0000000000000000000000000000000000000")


@pytest.fixture
def decimals(rs: RedshiftSession) -> RedshiftSession:
    for statement in SETUP:
        rs.run(statement)
    return rs


def _described(cursor: Any) -> list[tuple[int, int]]:
    return [(column.precision, column.scale) for column in cursor.description]


@pytest.mark.parametrize(("sql", "declared", "rows"), CASES)
def test_a_session_describes_redshifts_decimal(
    decimals: RedshiftSession, sql: str, declared: list[tuple[int, int]], rows: list[tuple[Any, ...]]
) -> None:
    with decimals.connection.cursor() as cursor:
        cursor.execute(translate(sql, columns_in_session(cursor)))
        assert _described(cursor) == declared
        assert cursor.fetchall() == rows


def test_the_guides_create_table_as(decimals: RedshiftSession) -> None:
    decimals.run("create temp table dec3 as select * from dec1 union select * from dec2")
    assert (
        decimals.value(
            "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'dec3'::regclass"
            " and attnum = 1"
        )
        == "numeric(15,3)"
    )


def test_names_stay_and_unknown_branches_stay_postgresqls(decimals: RedshiftSession) -> None:
    assert decimals.columns("select case when other = 1 then r10 else r8 end from revenue") == ["case"]
    assert decimals.columns("select r10 from revenue union select r8 from revenue") == ["r10"]
    sql = "select r10 from revenue union select other from revenue"
    assert translate(sql, lambda relations: {}) == sql
    plain = "select r10 from revenue union select r10 from revenue"
    assert translate(plain, lambda relations: {}) == plain


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def test_the_endpoints_row_description(endpoint: RunningEndpoint) -> None:
    connection = psycopg2.connect(
        host=endpoint.host, port=endpoint.port, dbname=endpoint.database, user=USER, password=PASSWORD,
        sslmode="disable",
    )  # fmt: skip
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in SETUP:
                cursor.execute(statement)
            for sql, declared, rows in CASES:
                cursor.execute(sql)
                assert _described(cursor) == declared, sql
                assert cursor.fetchall() == rows, sql
    finally:
        connection.close()


def test_the_endpoints_row_description_over_the_extended_protocol(endpoint: RunningEndpoint) -> None:
    # psycopg 3 sends each statement as Parse, Bind, Describe, Execute.
    with psycopg.connect(
        host=endpoint.host, port=endpoint.port, dbname=endpoint.database, user=USER, password=PASSWORD,
        sslmode="disable", autocommit=True,
    ) as connection:  # fmt: skip
        for statement in SETUP:
            connection.execute(statement)
        for sql, declared, rows in CASES:
            cursor = connection.execute(sql)
            assert _described(cursor) == declared, sql
            assert cursor.fetchall() == rows, sql
