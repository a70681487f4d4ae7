"""What dbt-redshift asks of a cluster's catalog and DDL, through a real endpoint process and AWS's driver
(issues #20 and #21): schema names qualified with the session's own database (dbt's ``datasharing`` mode),
a materialized view listed as one in the catalog queries dbt's ``docs generate`` runs, commented on with
``COMMENT ON VIEW``, and described by ``svv_table_info`` and ``svv_mv_info``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint_process import RunningEndpoint, running_endpoint

# dbt-redshift's early-binding catalog query, in the shape it sends (WITH queries over the catalog).
CATALOG_QUERY = """
with early_binding as (
    select sch.nspname as table_schema, tbl.relname as table_name,
        case when tbl.relkind = 'v' and mat_views.table_name is not null then 'MATERIALIZED VIEW'
             when tbl.relkind = 'v' then 'VIEW' else 'BASE TABLE' end as table_type,
        tbl_desc.description as table_comment, col.attname as column_name
    from pg_catalog.pg_namespace sch
    join pg_catalog.pg_class tbl on tbl.relnamespace = sch.oid
    join pg_catalog.pg_attribute col on col.attrelid = tbl.oid
    left outer join pg_catalog.pg_description tbl_desc on tbl_desc.objoid = tbl.oid and tbl_desc.objsubid = 0
    left outer join information_schema.views mat_views
        on mat_views.table_schema = sch.nspname and mat_views.table_name = tbl.relname
        and mat_views.view_definition ilike '%create materialized view%'
    where tbl.relkind in ('r', 'v', 'f', 'p') and col.attnum > 0 and not col.attisdropped
      and sch.nspname = 'shop'
),
table_owners as (
    select schemaname as table_schema, tablename as table_name from pg_tables
    union all
    select schemaname as table_schema, viewname as table_name from pg_views
)
select table_name, table_type, table_comment, count(*) from early_binding
join table_owners using (table_schema, table_name)
group by 1, 2, 3 order by 1
"""


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture
def cursor(endpoint: RunningEndpoint) -> Iterator[Any]:
    connection = endpoint.redshift_connector()
    connection.autocommit = True
    try:
        yield connection.cursor()
    finally:
        connection.close()


def rows(cursor: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor.execute(sql)
    return [tuple(row) for row in cursor.fetchall()]


def test_a_schema_named_with_the_own_database_is_created_used_and_dropped(
    cursor: Any, endpoint: RunningEndpoint
) -> None:
    database = endpoint.database
    cursor.execute(f'create schema if not exists "{database}"."Staging"')
    cursor.execute(f'create schema if not exists "{database}"."staging"')  # exists: nothing to do
    cursor.execute(f'create table "{database}"."staging"."t" as (select 1 as a)')
    assert rows(cursor, f"select a from {database}.staging.t") == [(1,)]
    cursor.execute(f'drop schema if exists "{database}"."staging" cascade')
    assert rows(cursor, "select count(*) from pg_namespace where nspname = 'staging'") == [(0,)]


def test_a_schema_of_another_database_is_refused(cursor: Any) -> None:
    with pytest.raises(Exception, match=r"0A000.*cross-database references are not implemented: \"other.s\""):
        cursor.execute('create schema if not exists "other"."s"')


def test_a_materialized_view_is_a_view_in_the_catalog_with_its_comment(cursor: Any) -> None:
    cursor.execute("create schema if not exists shop")
    cursor.execute("create table shop.orders as (select 1 as id, 'placed'::varchar(10) as status)")
    cursor.execute("create view shop.order_ids as select id from shop.orders")
    cursor.execute("create materialized view shop.order_states as select id, status from shop.orders")
    cursor.execute("comment on view shop.order_states is 'Each order''s state'")
    cursor.execute("comment on view shop.order_ids is 'Order keys'")
    assert rows(cursor, CATALOG_QUERY) == [
        ("order_ids", "VIEW", "Order keys", 1),
        ("order_states", "MATERIALIZED VIEW", "Each order's state", 2),
        ("orders", "BASE TABLE", None, 2),
    ]
    definition = rows(cursor, "select definition from pg_views where viewname = 'order_states'")[0][0]
    assert definition.startswith("create materialized view order_states as (") and definition.endswith(");")
    columns = "select column_name, data_type, character_maximum_length from svv_redshift_columns"
    assert rows(cursor, f"{columns} where table_name = 'order_states' order by ordinal_position") == [
        ("id", "integer", None),
        ("status", "character varying", 10),
    ]
    info = "select trim(schema_name), trim(name), is_stale, state, autorefresh from svv_mv_info"
    assert rows(cursor, f"{info} where name = 'order_states'") == [("shop", "order_states", "f", 1, "f")]
    assert rows(cursor, "select trim(name) from pg_catalog.stv_mv_info") == [("order_states",)]
    described = "select \"table\" from svv_table_info where schema = 'shop' order by 1"  # dbt's describe
    assert rows(cursor, described) == [("order_states",), ("orders",)]


def test_comment_on_a_missing_view_says_so(cursor: Any) -> None:
    with pytest.raises(Exception, match=r'relation "shop\.nowhere" does not exist'):
        cursor.execute("comment on view shop.nowhere is 'x'")
