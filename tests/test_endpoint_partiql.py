"""PartiQL over SUPER and PIVOT of a table through a real endpoint process, on the guide's SUPER sample
tables (tests/test_redshift_partiql.py): sent by psycopg2 (simple query protocol), psycopg 3 (extended
protocol, prepared) and redshift_connector, each case twice on fresh connections (the second time the
statement's shape is known: what the session's tables decide is decided again)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint_process import RunningEndpoint, running_endpoint
from tests.test_endpoint_queries import CLIENTS
from tests.test_redshift_partiql import SAMPLE_TABLES

_MORE_TABLES = [
    "CREATE TABLE docs (id int, doc super)",
    'INSERT INTO docs VALUES (1, json_parse(\'{"a": 10, "b": "x", "Tag": "T1"}\')), '
    '(2, json_parse(\'{"a": 20, "b": "y"}\')), (3, json_parse(\'[1, 2]\'))',
    "CREATE TABLE part_flat (name varchar, maker varchar, quality int)",
    "INSERT INTO part_flat VALUES ('prop', 'big', 1), ('prop', 'small', 2), ('wing', 'big', 1), "
    "('wing', 'big', 1)",
]

# (Redshift SQL, the columns, the rows)
CASES: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
    (
        "SELECT id, doc.a::int, doc.b::varchar FROM docs WHERE doc.b = 'x'",
        ["id", "a", "b"],
        [(1, 10, "x")],
    ),
    (
        "SELECT d.id, d.doc.a::int AS a FROM docs d WHERE d.doc.a > 5 ORDER BY d.doc.a DESC",
        ["id", "a"],
        [(2, 20), (1, 10)],
    ),
    (
        "SELECT id, e::int, i FROM docs AS d, d.doc AS e AT i ORDER BY i",
        ["id", "e", "i"],
        [(3, 1, 0), (3, 2, 1)],
    ),
    (
        "SELECT id, k, json_serialize(v) FROM docs AS d, UNPIVOT d.doc AS v AT k ORDER BY id, k",
        ["id", "k", "json_serialize"],
        [(1, "Tag", '"T1"'), (1, "a", "10"), (1, "b", '"x"'), (2, "a", "20"), (2, "b", '"y"')],
    ),
    (
        "SELECT c_name, orders.o_orderkey::bigint AS orderkey, index AS orderkey_index "
        "FROM customer_orders_lineitem c, c.c_orders AS orders AT index ORDER BY c_name",
        ["c_name", "orderkey", "orderkey_index"],
        [("Customer#000008251", 3020007, 0), ("Customer#000009452", 4043971, 0)],
    ),
    (
        "SELECT c.c_name FROM customer_orders_lineitem c, c.c_orders o, o.o_lineitems l, "
        "supplier_partsupp s, s.s_partsupps ps WHERE l.l_partkey = ps.ps_partkey "
        "AND c.c_nationkey = s.s_nationkey ORDER BY 1",
        ["c_name"],
        [("Customer#000008251",), ("Customer#000009452",), ("Customer#000009452",)],
    ),
    (
        "SELECT json_serialize(doc), count(*) FROM docs GROUP BY doc ORDER BY 1",
        ["json_serialize", "count"],
        [("[1,2]", 1), ('{"a":10,"b":"x","Tag":"T1"}', 1), ('{"a":20,"b":"y"}', 1)],
    ),
    (
        "SELECT * FROM part_flat PIVOT (count(*) FOR quality IN (1 AS q1, 2 AS q2)) ORDER BY name, maker",
        ["name", "maker", "q1", "q2"],
        [("prop", "big", 1, 0), ("prop", "small", 0, 1), ("wing", "big", 2, 0)],
    ),
    (
        "SELECT * FROM part_flat UNPIVOT (n FOR what IN (quality)) WHERE name = 'prop' ORDER BY maker",
        ["name", "maker", "what", "n"],
        [("prop", "big", "quality", 1), ("prop", "small", "quality", 2)],
    ),
]


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("partiql")) as running:
        connection = running.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for statement in SAMPLE_TABLES + _MORE_TABLES:
                    cursor.execute(statement)
        finally:
            connection.close()
        yield running


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("sql", "columns", "rows"), CASES, ids=lambda value: str(value)[:50])
def test_partiql_through_the_endpoint(
    endpoint: RunningEndpoint, client: str, sql: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    for _ in range(2):
        assert CLIENTS[client](endpoint, sql) == (columns, rows)
