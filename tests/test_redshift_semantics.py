"""Redshift's semantics where PostgreSQL's differ, so that a user's own SQL runs unchanged: lateral column
aliases (the developer guide's SELECT list and WHERE clause pages) — through the adapter, each statement's
aliases decided by the session's own tables, on the embedded PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

import psycopg2
import pytest

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.adapter import translate
from sparkify.engine.sql.redshift.positions import original_position
from tests.redshift_session import RedshiftSession


@pytest.fixture
def raw_data(rs: RedshiftSession) -> RedshiftSession:
    rs.run("CREATE TEMP TABLE raw_data (clicks DECIMAL(8, 2), impressions DECIMAL(8, 2))")
    rs.run("INSERT INTO raw_data VALUES (1, 8), (3, 4)")
    return rs


def test_the_guides_lateral_alias_example(raw_data: RedshiftSession) -> None:
    sql = (
        "select clicks / impressions as probability, round(100 * probability, 1) as percentage "
        "from raw_data order by 1"
    )
    assert raw_data.columns(sql) == ["probability", "percentage"]
    assert [row[1] for row in raw_data.run(sql)] == [Decimal("12.5"), Decimal("75.0")]


def test_a_column_of_the_from_table_takes_priority_over_the_alias(rs: RedshiftSession) -> None:
    # The guide: "if there is a column named 'probability' in table raw_data, the 'probability' in the
    # second expression in the target list refers to that column instead of the alias name".
    rs.run("CREATE TEMP TABLE raw_data (clicks INTEGER, impressions INTEGER, probability INTEGER)")
    rs.run("INSERT INTO raw_data VALUES (1, 4, 7)")
    sql = "select clicks / impressions as probability, 100 * probability as percentage from raw_data"
    assert rs.run(sql) == [(0, 700)]


def test_an_alias_in_the_where_clause(raw_data: RedshiftSession) -> None:
    sql = "select clicks / impressions as probability from raw_data where probability > 0.5"
    assert raw_data.run(sql) == [(Decimal("0.75000000000000000000"),)]


def test_an_alias_of_an_alias_and_a_bare_use_keeps_its_name(raw_data: RedshiftSession) -> None:
    sql = "select clicks * 2 as twice, twice + 1 as more, more from raw_data order by 1"
    assert raw_data.columns(sql) == ["twice", "more", "more"]
    assert raw_data.run(sql) == [
        (Decimal("2.00"), Decimal("3.00"), Decimal("3.00")),
        (Decimal("6.00"), Decimal("7.00"), Decimal("7.00")),
    ]


def test_an_alias_in_group_by(raw_data: RedshiftSession) -> None:
    sql = "select clicks > 2 as many, count(*) from raw_data group by many order by 1"
    assert raw_data.run(sql) == [(False, 1), (True, 1)]
    sql = "select clicks * 2 as twice, twice > 5 as big, count(*) from raw_data group by 1, big order by 1"
    assert raw_data.run(sql) == [(Decimal("2.00"), False, 1), (Decimal("6.00"), True, 1)]


def test_aliases_in_subqueries_and_with_queries(raw_data: RedshiftSession) -> None:
    sql = (
        "with shares as (select clicks / impressions as share, share * 100 as pct from raw_data) "
        "select pct as p, p + 1 as q from (select pct from shares where pct > 50) s"
    )
    assert raw_data.run(sql) == [(Decimal("75.00000000000000000000"), Decimal("76.00000000000000000000"))]


def test_a_subquerys_output_column_takes_priority(raw_data: RedshiftSession) -> None:
    sql = "select clicks + 100 as clicks, clicks from (select clicks from raw_data where clicks = 1) s"
    assert raw_data.run(sql) == [(Decimal("101.00"), Decimal("1.00"))]


def test_the_students_insert_select_with_a_timestamp_alias(rs: RedshiftSession) -> None:
    rs.run("CREATE TEMP TABLE staging_events (ts BIGINT, page VARCHAR(20))")
    rs.run(
        "INSERT INTO staging_events VALUES (1541105830796, 'NextSong'), (1541106106796, 'NextSong'), "
        "(1541106106796, 'Home')"
    )
    rs.run("CREATE TEMP TABLE time (start_time TIMESTAMP, hour SMALLINT, day SMALLINT)")
    rs.run(
        "INSERT INTO time (start_time, hour, day) "
        "SELECT DISTINCT TIMESTAMP 'epoch' + ts/1000 * INTERVAL '1 second' AS start_time, "
        "EXTRACT(hour FROM start_time), EXTRACT(day FROM start_time) "
        "FROM staging_events WHERE page = 'NextSong' AND start_time >= '2018-11-01'"
    )
    assert rs.run("SELECT * FROM time ORDER BY 1") == [
        (datetime.datetime(2018, 11, 1, 20, 57, 10), 20, 1),
        (datetime.datetime(2018, 11, 1, 21, 1, 46), 21, 1),
    ]


def test_create_table_as_with_an_alias(raw_data: RedshiftSession) -> None:
    raw_data.run("CREATE TEMP TABLE doubled AS SELECT clicks * 2 AS twice, twice + 1 AS more FROM raw_data")
    assert raw_data.run("SELECT more FROM doubled ORDER BY 1") == [(Decimal("3.00"),), (Decimal("7.00"),)]


def test_a_name_nothing_defines_is_postgresqls_error(raw_data: RedshiftSession) -> None:
    with pytest.raises(Exception, match='column "nothing" does not exist'):
        raw_data.run("select clicks as c from raw_data where nothing > 1")


def test_the_session_is_asked_only_when_an_alias_is_used() -> None:
    asked = []

    def lookup(relations: object) -> dict:
        asked.append(relations)
        return {}

    assert translate("SELECT a AS b FROM t WHERE a > 1", lookup) == "SELECT a AS b FROM t WHERE a > 1"
    assert asked == []
    assert translate("SELECT a AS b FROM s.t WHERE b > 1", lookup) == "SELECT a AS b FROM s.t WHERE (a) > 1"
    assert asked == [[("s", "t")]]


# --- conversions: the guide's "Type compatibility and conversion" -------------------------------------


@pytest.fixture
def typed(rs: RedshiftSession) -> RedshiftSession:
    rs.run(
        "CREATE TEMP TABLE typed (s SMALLINT, i INTEGER, b BIGINT, d DECIMAL(5, 2), r REAL, "
        "f DOUBLE PRECISION, ts TIMESTAMP, dt DATE, flag BOOLEAN)"
    )
    rs.run(
        "INSERT INTO typed VALUES (1, 1, 1, 1.25, 1, 1, '2008-01-05 14:00:00', '2008-01-05', true), "
        "(2, 2, 4, 2.50, 2, 2, '2009-12-31 23:59:59', '2009-12-31', false)"
    )
    return rs


def type_codes(rs: RedshiftSession, sql: str) -> list[int]:
    with rs.connection.cursor() as cursor:
        cursor.execute(translate(sql))
        return [column.type_code for column in cursor.description]


BIGINT, NUMERIC, DOUBLE, REAL_TYPE = 20, 1700, 701, 700


def test_an_integer_goes_into_a_boolean_column(typed: RedshiftSession) -> None:
    # Implicit conversions in assignments: SMALLINT, INTEGER and BIGINT to BOOLEAN.
    typed.run("CREATE TEMP TABLE days (weekday BOOLEAN, hour SMALLINT)")
    typed.run("INSERT INTO days SELECT EXTRACT(dow FROM ts) IN (0, 6), EXTRACT(hour FROM ts) FROM typed")
    typed.run("INSERT INTO days SELECT EXTRACT(dow FROM ts), EXTRACT(hour FROM ts) FROM typed")
    typed.run("INSERT INTO days (weekday) VALUES (1)")
    typed.run("INSERT INTO days (weekday) SELECT s - 1 FROM typed")
    assert typed.run("SELECT weekday, hour FROM days") == [
        (True, 14),
        (False, 23),
        (True, 14),
        (True, 23),
        (True, None),
        (False, None),
        (True, None),
    ]
    typed.run("UPDATE days SET weekday = 0 WHERE hour = 14")
    assert typed.run("SELECT COUNT(*) FROM days WHERE NOT weekday") == [(4,)]


def test_avg_of_integers_is_a_bigint_and_of_decimals_keeps_the_scale(typed: RedshiftSession) -> None:
    # The guide's AVG: "BIGINT for any integer type argument"; "an AVG of a DEC(5,2) column returns a
    # DEC(38,2)"; DOUBLE PRECISION for a floating point argument.  The decimal quotient is truncated to the
    # scale, as the integer one is: the guide's PIVOT example averages rudder prices to 2.71 (2.7166…).
    sql = "SELECT AVG(s), AVG(i), AVG(b), AVG(d), AVG(r), AVG(f) FROM typed"
    assert typed.run(sql) == [(1, 1, 2, Decimal("1.87"), 1.5, 1.5)]
    assert type_codes(typed, sql) == [BIGINT, BIGINT, BIGINT, NUMERIC, DOUBLE, DOUBLE]
    assert typed.run("SELECT AVG(i) OVER (ORDER BY i) FROM typed ORDER BY 1") == [(1,), (1,)]


def test_sum_of_a_bigint_is_a_bigint(typed: RedshiftSession) -> None:
    # The guide's SUM: BIGINT for SMALLINT, INTEGER and BIGINT arguments; the argument's type otherwise.
    sql = "SELECT SUM(s), SUM(i), SUM(b), SUM(d), SUM(r), SUM(f) FROM typed"
    assert typed.run(sql) == [(3, 3, 5, Decimal("3.75"), 3.0, 3.0)]
    assert type_codes(typed, sql) == [BIGINT, BIGINT, BIGINT, NUMERIC, REAL_TYPE, DOUBLE]


def test_string_functions_take_numbers_and_times(typed: RedshiftSession) -> None:
    # "you can convert a date, time, timestamp, or numeric value to a … character string".
    sql = (
        "SELECT REPEAT(s, 3), SPLIT_PART(ts, '-', 1), LEFT(dt, 4), SUBSTRING(ts, 6, 2), LENGTH(b), "
        "UPPER(d), LPAD(i, 3, '0') FROM typed ORDER BY s"
    )
    assert typed.run(sql) == [
        ("111", "2008", "2008", "01", 1, "1.25", "001"),
        ("222", "2009", "2009", "12", 1, "2.50", "002"),
    ]
    sql = (
        "SELECT RIGHT(dt, 2), SUBSTR(f, 1, 1), LOWER(ts), RPAD(s, 2, '*'), STRPOS(ts, '-'), "
        "REPLACE(dt, '-', '/'), BTRIM(i) FROM typed WHERE s = 1"
    )
    assert typed.run(sql) == [("05", "1", "2008-01-05 14:00:00", "1*", 5, "2008/01/05", "1")]
    # A literal still finds PostgreSQL's text function.
    assert typed.run("SELECT REPEAT('ab', 2), LENGTH('abc'), UPPER('x')") == [("abab", 3, "X")]


def test_an_identity_column_takes_no_explicit_value(rs: RedshiftSession) -> None:
    # The guide (CREATE TABLE): a default identity column takes a value "without EXPLICIT_IDS"; an
    # IDENTITY column does not.
    rs.run(
        "CREATE TEMP TABLE ids (hist_id BIGINT IDENTITY(1, 1), base_id BIGINT GENERATED BY DEFAULT AS "
        "IDENTITY(1, 1), note VARCHAR(8))"
    )
    rs.run("INSERT INTO ids (base_id, note) VALUES (7, 'kept')")
    with pytest.raises(psycopg2.errors.GeneratedAlways):
        rs.run("INSERT INTO ids (hist_id, note) VALUES (7, 'refused')")
    rs.connection.rollback()
    assert rs.run("SELECT hist_id, base_id, note FROM ids") == [(1, 7, "kept")]
    rs.run("CREATE TEMP TABLE more_ids (LIKE ids)")
    rs.run("INSERT INTO more_ids SELECT hist_id + 10, base_id, note FROM ids")
    rs.run("ALTER TABLE ids APPEND FROM more_ids")  # the rows move with their values, as on Redshift
    assert rs.run("SELECT hist_id FROM ids ORDER BY 1") == [(1,), (11,)]


def test_generate_series_runs_where_the_leader_node_would(rs: RedshiftSession) -> None:
    # The guide: a query "that does not reference any tables, runs exclusively on the leader node", whose
    # PostgreSQL has generate_series; with a user table Redshift refuses it (test_redshift_sql's REFUSED).
    assert rs.run("SELECT * FROM generate_series(1, 3)") == [(1,), (2,), (3,)]
    assert rs.run("SELECT generate_series(1, 5, 2) AS n") == [(1,), (3,), (5,)]
    assert rs.run("SELECT COUNT(*) FROM generate_series(1, 10) g, pg_catalog.pg_namespace n WHERE false") == [
        (0,)
    ]
    with pytest.raises(UnsupportedStatementError, match="generate_series"):
        translate("CREATE TABLE numbers AS SELECT * FROM generate_series(1, 3)")


# --- errors: positions in the client's own text -------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "translated", "at", "expected"),
    [
        # A token both texts have: the client's.
        ("SELECT a AS c, c + 1 FROM nowhere", "SELECT a AS c, (a) + 1 FROM nowhere", "nowhere", "nowhere"),
        # A token the translation made: where what it replaced stands.
        ("SELECT a AS c, c + 1 FROM t", "SELECT a AS c, (a) + 1 FROM t", "(a)", "c + 1"),
        # The CREATE TABLE a DO block ran, without the Redshift clauses.
        (
            "CREATE TABLE x (id INT SORTKEY, v VARCHAR,, w INT) DISTSTYLE ALL",
            "CREATE TABLE x (id INT , v VARCHAR(256),, w INT)",
            ",, w",
            ",, w",
        ),
    ],
)
def test_an_error_position_is_carried_back_to_the_clients_text(
    original: str, translated: str, at: str, expected: str
) -> None:
    position = original_position(original, translated, translated.index(at) + 1)
    assert position is not None and original[position - 1 :].startswith(expected)
    assert original_position(original, translated, len(translated) + 1) == len(original) + 1


def test_trailing_blanks_are_not_significant_in_varchar_comparisons(rs: RedshiftSession) -> None:
    # r_Character_types: "Trailing spaces in VARCHAR and CHAR values are treated as semantically
    # insignificant when values are compared"; LENGTH counts a VARCHAR's.
    rs.run("CREATE TEMP TABLE names (id INTEGER, name VARCHAR(10), code CHAR(4))")
    rs.run("INSERT INTO names VALUES (1, 'a', 'x'), (2, 'a  ', 'x  '), (3, 'b', 'y')")
    assert rs.run("SELECT id FROM names WHERE name = 'a' ORDER BY id") == [(1,), (2,)]
    assert rs.run("SELECT id FROM names WHERE name = 'a    ' ORDER BY id") == [(1,), (2,)]
    assert rs.run("SELECT id FROM names WHERE name <> 'a' ORDER BY id") == [(3,)]
    assert rs.run("SELECT id FROM names WHERE code = 'x' ORDER BY id") == [(1,), (2,)]
    assert rs.value("SELECT COUNT(DISTINCT name) FROM names") == 2
    assert rs.run("SELECT COUNT(*) FROM names GROUP BY name ORDER BY 1") == [(1,), (2,)]
    assert rs.value("SELECT COUNT(*) FROM names a JOIN names b ON a.name = b.name") == 5
    assert rs.run("SELECT LENGTH(name) FROM names ORDER BY id") == [(1,), (3,), (1,)]
    assert rs.value("SELECT 'a'::VARCHAR = 'a  '::VARCHAR") is True


def test_a_varchar_sort_key_serves_comparisons_that_ignore_trailing_blanks(rs: RedshiftSession) -> None:
    rs.run("CREATE TEMP TABLE artists (artist_id VARCHAR(18) SORTKEY, name VARCHAR(64))")
    rs.run("INSERT INTO artists VALUES ('AR1', 'Blondie'), ('AR2', 'Blondie  ')")
    rs.run("SET enable_seqscan TO off")
    try:
        plan = " ".join(row[0] for row in rs.run("EXPLAIN SELECT * FROM artists WHERE artist_id = 'AR2 '"))
        assert "Bitmap Index Scan" in plan
        assert rs.run("SELECT artist_id FROM artists WHERE name = 'Blondie' ORDER BY 1") == [
            ("AR1",),
            ("AR2",),
        ]
    finally:
        rs.run("RESET enable_seqscan")
