"""Redshift's query clauses beyond PostgreSQL's: PIVOT, UNPIVOT and QUALIFY, each with the developer
guide's examples and their documented results (r_FROM_clause-pivot-unpivot-examples, r_QUALIFY_clause),
on the guide's sample tables.  tests/test_endpoint_queries.py sends the same cases through the endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from sparkify.engine.errors import UnsupportedStatementError
from tests.redshift_session import RedshiftSession, session_on

# The guide's sample tables, as its pages create and fill them.
SAMPLE_TABLES = [
    "CREATE TABLE part (partname varchar, manufacturer varchar, quality int, price decimal(12, 2))",
    "INSERT INTO part VALUES ('prop', 'local parts co', 2, 10.00), ('prop', 'big parts co', NULL, 9.00), "
    "('prop', 'small parts co', 1, 12.00), ('rudder', 'local parts co', 1, 2.50), "
    "('rudder', 'big parts co', 2, 3.75), ('rudder', 'small parts co', NULL, 1.90), "
    "('wing', 'local parts co', NULL, 7.50), ('wing', 'big parts co', 1, 15.20), "
    "('wing', 'small parts co', NULL, 11.80)",
    "CREATE TABLE bookings (booking_id int, hotel_code char(8), booking_date date, price decimal(12, 2))",
    "INSERT INTO bookings VALUES "
    + ", ".join(
        f"({number}, '{hotel}', '02/{day:02d}/2023', {price})"
        for number, (hotel, day, price) in enumerate(
            [
                ("FOREST_L", 1, 75.12),
                ("FOREST_L", 2, 75.00),
                ("FOREST_L", 4, 85.54),
                ("FOREST_L", 8, 75.00),
                ("FOREST_L", 11, 75.00),
                ("FOREST_L", 14, 90.00),
                ("FOREST_L", 21, 60.00),
                ("FOREST_L", 22, 85.00),
                ("FOREST_L", 27, 90.00),
                ("DESERT_S", 1, 98.00),
                ("DESERT_S", 2, 75.00),
                ("DESERT_S", 4, 85.00),
                ("DESERT_S", 5, 75.00),
                ("DESERT_S", 6, 34.00),
                ("DESERT_S", 9, 85.00),
                ("DESERT_S", 12, 23.00),
                ("DESERT_S", 13, 76.00),
                ("DESERT_S", 14, 85.00),
                ("OCEAN_WV", 1, 98.00),
                ("OCEAN_WV", 2, 75.00),
                ("OCEAN_WV", 4, 85.00),
                ("OCEAN_WV", 6, 75.00),
                ("OCEAN_WV", 9, 34.00),
                ("OCEAN_WV", 12, 85.00),
                ("OCEAN_WV", 13, 23.00),
                ("OCEAN_WV", 14, 76.00),
                ("OCEAN_WV", 16, 85.00),
                ("CITY_BLD", 1, 98.00),
                ("CITY_BLD", 2, 75.00),
                ("CITY_BLD", 4, 85.00),
                ("CITY_BLD", 12, 75.00),
                ("CITY_BLD", 13, 34.00),
                ("CITY_BLD", 17, 85.00),
                ("CITY_BLD", 22, 23.00),
                ("CITY_BLD", 23, 76.00),
                ("CITY_BLD", 24, 85.00),
            ],
            start=1,
        )
    ),
    "CREATE TABLE count_by_color (quality varchar, red int, green int, blue int)",
    "INSERT INTO count_by_color VALUES ('high', 15, 20, 7), ('normal', 35, NULL, 40), ('low', 10, 23, NULL)",
    "CREATE TABLE store_sales (ss_sold_date date, ss_sold_time time, ss_item text, ss_sales_price float)",
    "INSERT INTO store_sales VALUES ('2022-01-01', '09:00:00', 'Product 1', 100.0), "
    "('2022-01-01', '11:00:00', 'Product 2', 500.0), ('2022-01-01', '15:00:00', 'Product 3', 20.0), "
    "('2022-01-01', '17:00:00', 'Product 4', 1000.0), ('2022-01-01', '18:00:00', 'Product 5', 30.0), "
    "('2022-01-02', '10:00:00', 'Product 6', 5000.0), ('2022-01-02', '16:00:00', 'Product 7', 5.0)",
]

D = dt.date

# The guide's UNPIVOT of count_by_color beside its quality column: (quality, color, cnt), the colors named
# as the IN list names them, then by their aliases (r, g, b).
_QUALITY_BY_COLOR = [
    ("high", "red", 15),
    ("normal", "red", 35),
    ("low", "red", 10),
    ("high", "green", 20),
    ("low", "green", 23),
    ("high", "blue", 7),
    ("normal", "blue", 40),
]
_QUALITY_BY_COLOR_ALIASED = [(quality, color[0], cnt) for quality, color, cnt in _QUALITY_BY_COLOR]

# (guide page, Redshift SQL, the documented columns, the documented rows in any order)
DOCUMENTED_QUERIES: list[tuple[str, str, list[str], list[tuple[Any, ...]]]] = [
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT * FROM (SELECT partname, price FROM part) PIVOT (\n"
        "    AVG(price) FOR partname IN ('prop', 'rudder', 'wing')\n)",
        ["prop", "rudder", "wing"],
        [(Decimal("10.33"), Decimal("2.71"), Decimal("11.50"))],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT * FROM (SELECT quality, manufacturer FROM part) PIVOT (\n"
        "    count(*) FOR quality IN (1, 2, NULL)\n)",
        ["manufacturer", "1", "2", "null"],
        [("local parts co", 1, 1, 1), ("big parts co", 1, 1, 1), ("small parts co", 1, 0, 2)],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT * FROM (SELECT quality, manufacturer FROM part) PIVOT (\n"
        "    count(*) AS count FOR quality IN (1 AS high, 2 AS low, NULL AS na)\n)",
        ["manufacturer", "high_count", "low_count", "na_count"],
        [("local parts co", 1, 1, 1), ("big parts co", 1, 1, 1), ("small parts co", 1, 0, 2)],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT * FROM\n    (SELECT\n       booking_id,\n"
        "       (date_trunc('week', booking_date::date) + '5 days'::interval)::date as enddate,\n"
        '       hotel_code AS "hotel code"\nFROM bookings\n) PIVOT (\n'
        "    count(booking_id) FOR enddate IN ('2023-02-04','2023-02-11','2023-02-18') \n)",
        ["hotel code", "2023-02-04", "2023-02-11", "2023-02-18"],
        [("FOREST_L", 3, 2, 1), ("DESERT_S", 4, 3, 2), ("OCEAN_WV", 3, 3, 3), ("CITY_BLD", 3, 1, 2)],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT *\nFROM (SELECT red, green, blue FROM count_by_color) UNPIVOT (\n"
        "    cnt FOR color IN (red, green, blue)\n)",
        ["color", "cnt"],
        [("red", 15), ("red", 35), ("red", 10), ("green", 20), ("green", 23), ("blue", 7), ("blue", 40)],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT *\nFROM (\n    SELECT red, green, blue\n    FROM count_by_color\n) UNPIVOT INCLUDE NULLS (\n"
        "    cnt FOR color IN (red, green, blue)\n)",
        ["color", "cnt"],
        [
            ("red", 15),
            ("red", 35),
            ("red", 10),
            ("green", 20),
            ("green", None),
            ("green", 23),
            ("blue", 7),
            ("blue", 40),
            ("blue", None),
        ],
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples (the input as a subquery)",
        "SELECT *\nFROM (SELECT quality, red, green, blue FROM count_by_color) UNPIVOT (\n"
        "    cnt FOR color IN (red AS r, green AS g, blue AS b)\n)",
        ["quality", "color", "cnt"],
        _QUALITY_BY_COLOR_ALIASED,
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT *\nFROM count_by_color UNPIVOT (\n    cnt FOR color IN (red, green, blue)\n)",
        ["quality", "color", "cnt"],
        _QUALITY_BY_COLOR,
    ),
    (
        "r_FROM_clause-pivot-unpivot-examples",
        "SELECT *\nFROM count_by_color UNPIVOT (\n    cnt FOR color IN (red AS r, green AS g, blue AS b)\n)",
        ["quality", "color", "cnt"],
        _QUALITY_BY_COLOR_ALIASED,
    ),
    (
        "r_QUALIFY_clause",
        "SELECT *\nFROM store_sales ss\nWHERE ss_sold_time > time '12:00:00'\n"
        "QUALIFY row_number()\nOVER (PARTITION BY ss_sold_date ORDER BY ss_sales_price DESC) <= 2",
        ["ss_sold_date", "ss_sold_time", "ss_item", "ss_sales_price"],
        [
            (D(2022, 1, 1), dt.time(17), "Product 4", 1000.0),
            (D(2022, 1, 1), dt.time(18), "Product 5", 30.0),
            (D(2022, 1, 2), dt.time(16), "Product 7", 5.0),
        ],
    ),
    (
        "r_QUALIFY_clause",
        "SELECT *\nFROM store_sales ss\nQUALIFY last_value(ss_item)\n"
        "OVER (PARTITION BY ss_sold_date ORDER BY ss_sold_time ASC\n"
        "      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) = ss_item",
        ["ss_sold_date", "ss_sold_time", "ss_item", "ss_sales_price"],
        [(D(2022, 1, 1), dt.time(18), "Product 5", 30.0), (D(2022, 1, 2), dt.time(16), "Product 7", 5.0)],
    ),
]

# Beyond the guide's pages: QUALIFY with a select list, grouping, ORDER BY and LIMIT; PIVOT with a CTE,
# several aggregates and an alias; UNPIVOT under an alias.
MORE_QUERIES: list[tuple[str, str, list[str], list[tuple[Any, ...]]]] = [
    (
        "QUALIFY after GROUP BY, ordered and limited",
        "SELECT ss_sold_date AS day, count(*) AS sales, sum(ss_sales_price) FROM store_sales ss "
        "GROUP BY ss_sold_date QUALIFY rank() OVER (ORDER BY count(*) DESC) = 1 "
        "ORDER BY ss.ss_sold_date LIMIT 5",
        ["day", "sales", "sum"],
        [(D(2022, 1, 1), 5, 1650.0)],
    ),
    (
        "PIVOT over a common table expression, two aggregates, an alias",
        "WITH p AS (SELECT partname, price FROM part) "
        "SELECT w.* FROM p PIVOT (min(price) AS low, max(price) AS high FOR partname IN ('wing' AS w)) AS w",
        ["w_low", "w_high"],
        [(Decimal("7.50"), Decimal("15.20"))],
    ),
    (
        "UNPIVOT under an alias, joined",
        "SELECT u.quality, u.color FROM (SELECT quality, red, blue FROM count_by_color) "
        "UNPIVOT (n FOR color IN (red, blue)) AS u WHERE u.n > 12 ORDER BY u.n",
        ["quality", "color"],
        [("high", "red"), ("normal", "red"), ("normal", "blue")],
    ),
]


@pytest.fixture(scope="module")
def guide_db(pg_data_dir: Path, redshift_db: str) -> str:
    """The module's database with the guide's sample tables, which its cases only read."""
    for session in session_on(pg_data_dir, redshift_db):
        for statement in SAMPLE_TABLES:
            session.run(statement)
    return redshift_db


@pytest.fixture
def guide(pg_data_dir: Path, guide_db: str) -> Iterator[RedshiftSession]:
    yield from session_on(pg_data_dir, guide_db)


def as_documented(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in a stable order; a DECIMAL to the guide's two places, cut as Redshift's AVG of a DECIMAL(12, 2)
    cuts it (PostgreSQL's AVG keeps more places: see the README's row on AVG)."""

    def cell(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        return value

    return sorted((tuple(cell(value) for value in row) for row in rows), key=repr)


@pytest.mark.parametrize(
    ("page", "sql", "columns", "rows"), DOCUMENTED_QUERIES + MORE_QUERIES, ids=lambda v: str(v)[:50]
)
def test_documented_query(
    guide: RedshiftSession, page: str, sql: str, columns: list[str], rows: list
) -> None:
    assert guide.columns(sql) == columns, page
    assert as_documented(guide.run(sql)) == as_documented(rows), page


def test_pivot_avg_keeps_the_decimals_scale(guide: RedshiftSession) -> None:
    """Redshift's AVG of a DECIMAL(12, 2) keeps scale 2, truncated (rudder: 2.71, not 2.7166… or 2.72)."""
    sql = "SELECT * FROM (SELECT partname, price FROM part) PIVOT (AVG(price) FOR partname IN ('rudder'))"
    assert guide.value(sql) == Decimal("2.71")


def test_a_rotation_of_an_input_nobody_names_the_columns_of_is_one_line(guide: RedshiftSession) -> None:
    with pytest.raises(UnsupportedStatementError, match="needs its input's columns"):
        guide.run("SELECT * FROM (SELECT * FROM part) PIVOT (count(*) FOR quality IN (1))")


def test_a_rotation_of_a_missing_table_says_it_does_not_exist(guide: RedshiftSession) -> None:
    with pytest.raises(psycopg2.errors.UndefinedTable, match='relation "no_such_table" does not exist'):
        guide.run("SELECT * FROM no_such_table PIVOT (count(*) FOR quality IN (1, 2))")


def test_a_bare_tables_other_columns_group_its_pivot(guide: RedshiftSession) -> None:
    """PIVOT on a table: its columns not named in the PIVOT (the session knows them, in the table's order)
    are the implicit group-by columns; a table alias and a schema are allowed."""
    sql = "SELECT * FROM public.part AS p PIVOT (count(*) FOR quality IN (1 AS one, 2 AS two)) ORDER BY 1, 2"
    assert guide.columns(sql) == ["partname", "manufacturer", "price", "one", "two"]
    assert guide.run(sql)[:2] == [
        ("prop", "big parts co", Decimal("9.00"), 0, 0),
        ("prop", "local parts co", Decimal("10.00"), 0, 1),
    ]


def test_pivot_and_qualify_words_inside_literals_and_names_are_left_alone(guide: RedshiftSession) -> None:
    sql = "SELECT 'x PIVOT (y)' AS \"qualify\", 'QUALIFY 1' AS pivot_text"
    assert guide.run(sql) == [("x PIVOT (y)", "QUALIFY 1")]


def test_columns_named_qualify_or_pivot_are_columns(guide: RedshiftSession) -> None:
    guide.run("CREATE TEMP TABLE words (qualify int, pivot int)")
    guide.run("INSERT INTO words VALUES (1, 2)")
    assert guide.run(
        "SELECT qualify, pivot, dateadd(day, qualify, '2008-01-01') FROM words WHERE qualify = 1"
    ) == [(1, 2, dt.datetime(2008, 1, 2))]


def test_super_navigation_by_subscript_is_lax(guide: RedshiftSession) -> None:
    """``c_orders[0].o_orderkey`` as in the guide's query-super page: a subscript, then attributes and
    subscripts; an index out of range, a missing attribute or a step into a scalar is NULL."""
    guide.run(
        "CREATE TEMP TABLE customer_orders_lineitem (c_custkey int, c_name varchar(30), c_orders super)"
    )
    guide.run(
        "INSERT INTO customer_orders_lineitem VALUES (1, 'Ann', json_parse('[{\"o_orderkey\": 7, "
        '"o_lineitems": [{"l_price": 2.5}, {"l_price": 4}]}, {"o_orderkey": 8, "o_lineitems": []}]\'))'
    )
    rows = guide.run(
        "SELECT c_orders[0].o_orderkey, c.c_orders[0].o_lineitems[1].l_price, c_orders[1].o_lineitems[0], "
        "c_orders[5], c_orders[0].nothing, c_orders[0].o_orderkey.deeper, c_orders[(SELECT 1)].o_orderkey "
        "FROM customer_orders_lineitem c"
    )
    assert rows == [(7, 4, None, None, None, None, 8)]
    assert guide.value("SELECT json_parse('{\"a\": [10, 20]}')[0] IS NULL") is True
