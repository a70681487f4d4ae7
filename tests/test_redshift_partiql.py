"""SUPER and PartiQL: dot navigation, unnesting and object unpivoting in FROM, dynamic typing,
enable_case_sensitive_super_attribute — the developer guide's query-super and super-configurations
examples with their documented results, on the guide's SUPER sample tables (r_SUPER_sample_dataset)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from sparkify.engine.copy import run_copy
from sparkify.errors import LoadError
from sparkify.sample_data import generate
from tests.redshift_session import RedshiftSession, session_on
from tests.test_redshift_functions import assert_documented, case_id

_ORDER_8251 = {
    "o_orderstatus": "P",
    "o_clerk": "Clerk#000000871",
    "o_lineitems": [{"l_partkey": 55, "l_extendedprice": 100.5, "l_discount": 0.05}],
    "o_orderdate": "1995-05-01",
    "o_shippriority": 0,
    "o_totalprice": 1204.5,
    "o_orderkey": 3020007,
    "o_comment": "first",
    "o_orderpriority": "2-HIGH",
}
_ORDER_9451 = {
    "o_orderstatus": "F",
    "o_clerk": "Clerk#000000500",
    "o_lineitems": [
        {"l_partkey": "A55", "l_extendedprice": 20.25, "l_discount": 0.1},
        {"l_partkey": ["X", 10], "l_extendedprice": 7.0, "l_discount": 0},
    ],
    "o_orderdate": "1993-01-01",
    "o_shippriority": 0,
    "o_totalprice": 27.25,
    "o_orderkey": 4043971,
    "o_comment": "second",
    "o_orderpriority": "1-URGENT",
}

# The guide's sample tables (r_SUPER_sample_dataset), their SUPER columns filled with json_parse.
SAMPLE_TABLES = [
    "CREATE TABLE customer_orders_lineitem (c_custkey bigint, c_name varchar, c_nationkey smallint, "
    "c_orders super)",
    "INSERT INTO customer_orders_lineitem VALUES "
    f"(8251, 'Customer#000008251', 1, json_parse('{json.dumps([_ORDER_8251])}')), "
    f"(9451, 'Customer#000009452', 2, json_parse('{json.dumps([_ORDER_9451])}'))",
    "CREATE TABLE supplier_partsupp (s_suppkey bigint, s_name varchar, s_nationkey smallint, "
    "s_partsupps super)",
    "INSERT INTO supplier_partsupp VALUES "
    """(1, 'Supplier#1', 1, json_parse('[{"ps_partkey": 55}, {"ps_partkey": "A55"}]')), """
    """(2, 'Supplier#2', 2, json_parse('[{"ps_partkey": "A55"}, {"ps_partkey": ["X", 10]}]'))""",
    "CREATE TABLE region_nations (r_regionkey smallint, r_name varchar, r_comment varchar, r_nations super)",
    "INSERT INTO region_nations VALUES (1, 'AMERICA', 'c', json_parse('[{\"n_nationkey\": 1, "
    '"n_name": "ARGENTINA"}, {"n_nationkey": 2, "n_name": "BRAZIL"}]\'))',
]


# The guide's examples that need no table, as one statement each (the documented corpus sends them
# through the endpoint too: tests/test_endpoint_corpus.py): (guide page, Redshift SQL, the documented
# answer as tests/test_redshift_functions.py writes answers).
DOCUMENTED_PARTIQL = [
    (
        "query-super (unnesting a scalar array)",
        "WITH bar AS (SELECT json_parse('{\"scalar_array\": [1, 2.3, 45000000]}') AS data) "
        "SELECT index, json_serialize(element) FROM bar AS b, b.data.scalar_array AS element AT index "
        "ORDER BY index",
        [(0, "1"), (1, "2.3"), (2, "45000000")],
    ),
    (
        "query-super (unnesting arrays of arrays)",
        "WITH foo AS (SELECT json_parse('[[1.1, 1.2], [2.1, 2.2], [3.1, 3.2]]') AS multi_level_array) "
        "SELECT json_serialize(arr), json_serialize(element) "
        "FROM foo AS f, f.multi_level_array AS arr, arr AS element ORDER BY 2",
        [
            ("[1.1,1.2]", "1.1"),
            ("[1.1,1.2]", "1.2"),
            ("[2.1,2.2]", "2.1"),
            ("[2.1,2.2]", "2.2"),
            ("[3.1,3.2]", "3.1"),
            ("[3.1,3.2]", "3.2"),
        ],
    ),
    (
        "query-super (object unpivoting)",
        'WITH c AS (SELECT json_parse(\'{"o_orderstatus": "F", "o_shippriority": 0, '
        '"o_lineitems": []}\') AS o) '
        "SELECT attr AS attribute_name, json_typeof(val) AS value_type FROM c, UNPIVOT c.o AS val AT attr",
        [("o_orderstatus", "string"), ("o_shippriority", "number"), ("o_lineitems", "array")],
    ),
    (
        "query-super (dynamic typing: = is false across types, <= is NULL)",
        'WITH t AS (SELECT json_parse(\'{"s": "P", "n": 5}\') AS d) '
        "SELECT t.d.s = 'P', t.d.n = 5, t.d.s = 5, (t.d.s <= 5) IS NULL, t.d.n + 1 FROM t",
        (True, True, False, True, 6),
    ),
    (
        "query-super (lax semantics: a missing attribute, an index out of range, a bad cast are NULL)",
        'WITH t AS (SELECT json_parse(\'{"a": [1, 2], "s": "Good"}\') AS d) '
        "SELECT t.d.something IS NULL, t.d.a[5] IS NULL, t.d.s::integer IS NULL, t.d.s::varchar FROM t",
        (True, True, True, "Good"),
    ),
    (
        "query-super (order by: boolean, number, string, array, object)",
        "SELECT json_serialize(v) FROM (SELECT json_parse('\"Amazon\"') AS v "
        "UNION ALL SELECT json_parse('1') UNION ALL SELECT json_parse('[1,\"abc\",null]') "
        "UNION ALL SELECT json_parse('-2.5') "
        "UNION ALL SELECT json_parse('{\"a\":1}') UNION ALL SELECT json_parse('true')) AS r ORDER BY v",
        [("true",), ("-2.5",), ("1",), ('"Amazon"',), ('[1,"abc",null]',), ('{"a":1}',)],
    ),
    (
        "super-configurations (attribute names fold to lower case)",
        'SELECT json_serialize(json_table.data."ITEMS"."Name"), json_serialize(json_table.data.price) FROM '
        '(SELECT json_parse(\'{"ITEMS":{"Name":"TV"}, "price": 345}\') AS data) AS json_table',
        ("null", "345"),
    ),
]


@pytest.mark.parametrize(
    ("page", "sql", "expected"), DOCUMENTED_PARTIQL, ids=[case_id(p, s) for p, s, _ in DOCUMENTED_PARTIQL]
)
def test_documented_example(rs: RedshiftSession, page: str, sql: str, expected: object) -> None:
    assert_documented(rs.run(sql), expected, page)


@pytest.fixture(scope="module")
def super_db(pg_data_dir: Path, redshift_db: str) -> str:
    for session in session_on(pg_data_dir, redshift_db):
        for statement in SAMPLE_TABLES:
            session.run(statement)
    return redshift_db


@pytest.fixture
def guide(pg_data_dir: Path, super_db: str) -> Iterator[RedshiftSession]:
    yield from session_on(pg_data_dir, super_db)


def test_navigation_by_dots_and_brackets_in_every_clause(guide: RedshiftSession) -> None:
    """query-super, Navigation: with and without a table alias, in WHERE, GROUP BY and ORDER BY."""
    assert sorted(guide.run("SELECT c_orders[0].o_orderkey FROM customer_orders_lineitem")) == [
        (3020007,),
        (4043971,),
    ]
    sql = "SELECT cust.c_orders[0].o_orderkey FROM customer_orders_lineitem AS cust ORDER BY 1"
    assert guide.run(sql) == [(3020007,), (4043971,)]
    assert (
        guide.value("SELECT count(*) FROM customer_orders_lineitem WHERE c_orders[0]. o_orderkey IS NOT NULL")
        == 2
    )
    sql = (
        "SELECT c_orders[0].o_orderdate, c_orders[0].o_orderstatus, count(*) FROM customer_orders_lineitem "
        "WHERE c_orders[0].o_orderkey IS NOT NULL "
        "GROUP BY c_orders[0].o_orderstatus, c_orders[0].o_orderdate ORDER BY c_orders[0].o_orderdate"
    )
    assert guide.run(sql) == [("1993-01-01", "F", 1), ("1995-05-01", "P", 1)]


def test_dot_navigation_without_a_subscript(guide: RedshiftSession) -> None:
    """``c.c_orders.x`` (a table alias, its column, attributes) and ``c_orders.x`` (a column, then
    attributes) are navigation; lax: a missing attribute or a step into an array is NULL."""
    sql = (
        "SELECT c.c_orders.something, c_orders.o_orderkey, c.c_name FROM customer_orders_lineitem c "
        "WHERE c.c_custkey = 8251"
    )
    assert guide.run(sql) == [(None, None, "Customer#000008251")]
    assert guide.columns(sql) == ["something", "o_orderkey", "c_name"]
    assert guide.run("SELECT c.c_orders[1][1] FROM customer_orders_lineitem c") == [(None,), (None,)]
    sql = "SELECT o.o_lineitems[0].l_partkey, o.nothing.deeper FROM customer_orders_lineitem c, c.c_orders o"
    assert sorted(guide.run(sql), key=repr) == [("A55", None), (55, None)]


def test_unnesting_in_from(guide: RedshiftSession) -> None:
    """query-super, Unnesting queries: ``c.c_orders o``, nested levels, ``AT index``."""
    rows = guide.run("SELECT c.*, o FROM customer_orders_lineitem c, c.c_orders o ORDER BY c_custkey")
    assert [row[:3] for row in rows] == [(8251, "Customer#000008251", 1), (9451, "Customer#000009452", 2)]
    assert rows[0][4] == _ORDER_8251
    rows = guide.run(
        "SELECT c.c_custkey, o, l FROM customer_orders_lineitem c, c.c_orders o, o.o_lineitems l"
    )
    assert sorted((row[0], row[2]["l_extendedprice"]) for row in rows) == [
        (8251, 100.5),
        (9451, 7.0),
        (9451, 20.25),
    ]
    sql = (
        "SELECT c_name, orders.o_orderkey AS orderkey, index AS orderkey_index "
        "FROM customer_orders_lineitem c, c.c_orders AS orders AT index ORDER BY orderkey_index"
    )
    assert guide.columns(sql) == ["c_name", "orderkey", "orderkey_index"]
    assert sorted(guide.run(sql)) == [("Customer#000008251", 3020007, 0), ("Customer#000009452", 4043971, 0)]


def test_unnesting_a_scalar_array_and_arrays_of_arrays(guide: RedshiftSession) -> None:
    guide.run("CREATE TEMP TABLE bar AS SELECT json_parse('{\"scalar_array\": [1, 2.3, 45000000]}') AS data")
    sql = "SELECT index, element FROM bar AS b, b.data.scalar_array AS element AT index ORDER BY index"
    assert guide.run(sql) == [(0, 1), (1, 2.3), (2, 45000000)]
    guide.run(
        "CREATE TEMP TABLE foo AS "
        "SELECT json_parse('[[1.1, 1.2], [2.1, 2.2], [3.1, 3.2]]') AS multi_level_array"
    )
    sql = "SELECT arr, element FROM foo AS f, f.multi_level_array AS arr, arr AS element"
    assert guide.run(sql) == [
        ([1.1, 1.2], 1.1), ([1.1, 1.2], 1.2), ([2.1, 2.2], 2.1), ([2.1, 2.2], 2.2),
        ([3.1, 3.2], 3.1), ([3.1, 3.2], 3.2),
    ]  # fmt: skip
    assert guide.run("SELECT e FROM bar AS b, b.data AS e") == []  # an object is no array: no rows
    # A table named again is a table: a self-join, not an unnesting.
    assert guide.value("SELECT count(*) FROM region_nations, region_nations AS again") == 1


def test_object_unpivoting(guide: RedshiftSession) -> None:
    """query-super, Object unpivoting: the attributes of ``c.c_orders[0]`` in their written order."""
    sql = (
        "SELECT attr as attribute_name, json_typeof(val) as value_type "
        "FROM customer_orders_lineitem c, UNPIVOT c.c_orders[0] AS val AT attr WHERE c_custkey = 9451"
    )
    assert guide.run(sql) == [
        ("o_orderstatus", "string"), ("o_clerk", "string"), ("o_lineitems", "array"),
        ("o_orderdate", "string"), ("o_shippriority", "number"), ("o_totalprice", "number"),
        ("o_orderkey", "number"), ("o_comment", "string"), ("o_orderpriority", "string"),
    ]  # fmt: skip
    sql = (
        "SELECT attr as attribute_name, val as object_value "
        "FROM customer_orders_lineitem c, c.c_orders AS o, UNPIVOT o AS val AT attr WHERE c_custkey = 9451"
    )
    assert dict(guide.run(sql))["o_orderkey"] == 4043971


def test_dynamic_typing_in_comparisons_and_joins(guide: RedshiftSession) -> None:
    """A SUPER string equals a string, a SUPER number a number; another type is false for ``=`` and NULL
    for ``<=``; a join matches SUPER values of any type (query-super, Dynamic typing)."""
    sql = "SELECT c_orders[0].o_orderkey FROM customer_orders_lineitem WHERE c_orders[0].o_orderstatus = 'P'"
    assert guide.run(sql) == [(3020007,)]
    sql = "SELECT c_custkey FROM customer_orders_lineitem WHERE c_orders[0].o_orderstatus <= 'G'"
    assert guide.run(sql) == [(9451,)]
    sql = "SELECT c_custkey FROM customer_orders_lineitem WHERE c_orders[0].o_orderkey = 4043971"
    assert guide.run(sql) == [(9451,)]
    sql = "SELECT c_custkey FROM customer_orders_lineitem WHERE c_orders[0].o_orderkey = 'P'"
    assert guide.run(sql) == []
    sql = (
        "SELECT (c_orders[0].o_orderkey <= 'P') IS NULL, c_orders[0].o_totalprice * 2 "
        "FROM customer_orders_lineitem c WHERE c_custkey = 9451"
    )
    assert guide.run(sql) == [(True, Decimal("54.50"))]
    sql = (
        "SELECT c.c_name, l.l_extendedprice, l.l_discount FROM customer_orders_lineitem c, c.c_orders o, "
        "o.o_lineitems l, supplier_partsupp s, s.s_partsupps ps "
        "WHERE l.l_partkey = ps.ps_partkey AND c.c_nationkey = s.s_nationkey ORDER BY c.c_name"
    )
    assert sorted(guide.run(sql), key=repr) == [
        ("Customer#000008251", 100.5, 0.05),
        ("Customer#000009452", 20.25, 0.1),
        ("Customer#000009452", 7.0, 0),
    ]  # fmt: skip


def test_navigation_in_update_and_delete(guide: RedshiftSession) -> None:
    guide.run("CREATE TEMP TABLE orders_copy AS SELECT c_custkey, c_orders FROM customer_orders_lineitem")
    guide.run(
        "UPDATE orders_copy SET c_custkey = c_orders[0].o_orderkey::bigint "
        "WHERE c_orders[0].o_orderstatus = 'P'"
    )
    guide.run("DELETE FROM orders_copy o WHERE o.c_orders[0].o_orderstatus = 'F'")
    assert guide.run("SELECT c_custkey FROM orders_copy") == [(3020007,)]
    guide.run("UPDATE orders_copy o SET c_custkey = 1 WHERE o.c_orders.nothing IS NULL")
    assert guide.run("SELECT c_custkey FROM orders_copy") == [(1,)]


def test_lax_casts_of_navigated_values(guide: RedshiftSession) -> None:
    """``::integer`` of a SUPER string is NULL, not an error; ``::varchar`` of a SUPER string is its text."""
    sql = (
        "SELECT c.c_orders[0].o_orderstatus::integer, c.c_orders[0].o_orderstatus::varchar "
        "FROM customer_orders_lineitem c WHERE c_custkey = 8251"
    )
    assert guide.run(sql) == [(None, "P")]
    sql = (
        "SELECT r_nations[1].n_name FROM region_nations WHERE CASE WHEN IS_INTEGER(r_nations[1].n_nationkey) "
        "THEN r_nations[1].n_nationkey::INTEGER = 2 ELSE false END"
    )
    assert guide.run(sql) == [("BRAZIL",)]


def test_case_sensitive_super_attributes(guide: RedshiftSession) -> None:
    """r_enable_case_sensitive_super_attribute's example, and super-configurations' one."""
    guide.run("CREATE TEMP TABLE tbl (col SUPER)")
    guide.run('INSERT INTO tbl VALUES (json_parse(\'{"A": "A", "a": "a"}\'))')
    guide.run("SET enable_case_sensitive_super_attribute TO ON")
    assert guide.run("SELECT col.A FROM tbl") == [("A",)]
    assert guide.columns("SELECT col.A FROM tbl") == ["a"]
    assert guide.run("SELECT col.a FROM tbl") == [("a",)]
    sql = (
        "SELECT json_table.data.ITEMS.Name, json_table.data.price FROM "
        '(SELECT json_parse(\'{"ITEMS":{"Name":"TV"}, "price": 345}\') AS data) AS json_table'
    )
    assert guide.run(sql) == [("TV", 345)]
    guide.run("SET enable_case_sensitive_super_attribute TO OFF")
    assert guide.run("SELECT col.A FROM tbl") == [("a",)]
    assert guide.run(sql) == [(None, 345)]
    assert guide.columns(sql) == ["name", "price"]
    quoted = sql.replace("ITEMS.Name", '"ITEMS"."Name"')
    assert guide.run(quoted) == [(None, 345)]


def _copy(session: RedshiftSession, sql: str) -> None:
    """A COPY run by the emulator on the session's connection, in a transaction as the endpoint runs it."""
    session.run("BEGIN")
    try:
        run_copy(session.connection, sql)
    finally:
        session.run("COMMIT")


def test_a_partiql_walk_over_song_files_loaded_whole_as_super(guide: RedshiftSession, tmp_path: Path) -> None:
    """The project's song files (sample_data's generator) loaded by COPY JSON 'noshred', each document
    into one SUPER column, then walked with PartiQL: navigation, dynamic typing, object unpivoting; the
    answers are the files' own, read here with Python's json."""
    generate(tmp_path, events=0, song_files=15, seed=11, days=1)
    songs = [json.loads(path.read_text("utf-8")) for path in sorted(tmp_path.glob("song_data/**/*.json"))]
    guide.run("CREATE TEMP TABLE song_documents (doc SUPER)")
    _copy(guide, f"COPY song_documents FROM '{tmp_path}/song_data/' FORMAT JSON 'noshred'")
    assert guide.value("SELECT count(*) FROM song_documents") == len(songs)
    rows = guide.run("SELECT s.doc.song_id, s.doc.title::varchar, s.doc.duration FROM song_documents s")
    assert sorted(rows, key=repr) == sorted(
        ((song["song_id"], song["title"], song["duration"]) for song in songs), key=repr
    )
    sql = "SELECT count(*) FROM song_documents s WHERE s.doc.year = 0"
    assert guide.value(sql) == sum(1 for song in songs if song["year"] == 0)
    sql = (
        "SELECT attribute, count(*) FROM song_documents s, UNPIVOT s.doc AS v AT attribute GROUP BY attribute"
    )
    assert dict(guide.run(sql)) == {key: len(songs) for key in songs[0]}
    sql = (
        "SELECT json_typeof(v), count(*) FROM song_documents s, UNPIVOT s.doc AS v AT attribute "
        "WHERE attribute = 'artist_latitude' GROUP BY 1"
    )
    expected: dict[str, int] = {}
    for song in songs:
        kind = "null" if song["artist_latitude"] is None else "number"
        expected[kind] = expected.get(kind, 0) + 1
    assert dict(guide.run(sql)) == expected


def test_noshred_needs_a_table_of_one_column(guide: RedshiftSession, tmp_path: Path) -> None:
    (tmp_path / "doc.json").write_text('{"a": 1}', encoding="utf-8")
    guide.run("CREATE TEMP TABLE two_columns (doc SUPER, other int)")
    with pytest.raises(LoadError, match="one SUPER column"):
        _copy(guide, f"COPY two_columns FROM '{tmp_path}/doc.json' FORMAT JSON 'noshred'")
    _copy(guide, f"COPY two_columns (doc) FROM '{tmp_path}/doc.json' FORMAT JSON 'noshred'")
    assert guide.run("SELECT two_columns.doc.a, other FROM two_columns") == [(1, None)]
