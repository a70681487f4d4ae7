"""Late-binding views (the guide's CREATE VIEW … WITH NO SCHEMA BINDING and PG_GET_LATE_BINDING_VIEW_COLS):
no dependency between the view and what it reads, through the adapter on the embedded PostgreSQL (the
endpoint's own tests run the same through a real client)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest

from sparkify.engine.errors import UnsupportedStatementError
from tests.redshift_session import RedshiftSession

_cases = itertools.count()
_COLUMNS = (
    "pg_get_late_binding_view_cols() "
    "cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)"
)


@pytest.fixture
def rs(rs: RedshiftSession) -> Iterator[RedshiftSession]:
    """A session whose ``public`` is a schema of the case's own (the cases' views and tables stay apart)."""
    schema = f"lbv_{next(_cases)}"
    rs.run(f"CREATE SCHEMA {schema}")
    rs.run(f"SET search_path TO {schema}")
    yield _Renamed(rs.connection, schema)
    rs.run("RESET search_path")
    rs.run(f"DROP SCHEMA {schema} CASCADE")


class _Renamed(RedshiftSession):
    """A session that reads ``public.`` in each statement as its own schema's name."""

    def __init__(self, connection: Any, schema: str) -> None:
        self.connection, self.schema = connection, schema

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        return super().run(sql.replace("public.", f"{self.schema}."))


@pytest.fixture
def event(rs: RedshiftSession) -> RedshiftSession:
    rs.run("CREATE TABLE public.event (eventid INTEGER, eventname VARCHAR(200))")
    rs.run("INSERT INTO public.event VALUES (2, 'Boris Godunov')")
    return rs


def test_the_tables_must_be_qualified_with_their_schema(rs: RedshiftSession) -> None:
    # The guide's own example of a statement that returns an error.
    with pytest.raises(UnsupportedStatementError, match="All the relation names inside should be qualified"):
        rs.run("create view myevent as select eventname from event with no schema binding")


def test_its_columns_are_the_functions_as_the_guide_shows_them(event: _Renamed) -> None:
    event.run("create view myevent as select eventname from public.event with no schema binding")
    assert event.run(f"select * from {_COLUMNS} where view_name = 'myevent'") == [
        (event.schema, "myevent", "eventname", "character varying(200)", 1)
    ]
    assert event.run("select pg_get_late_binding_view_cols()") == [
        (f'({event.schema},myevent,eventname,"character varying(200)",1)',)
    ]
    assert event.run("select * from myevent") == [("Boris Godunov",)]


def test_a_base_table_is_dropped_and_made_again_under_the_view(event: RedshiftSession) -> None:
    event.run("create view event_vw as select * from public.event with no schema binding")
    event.run("drop table public.event")  # no CASCADE, and no error
    with pytest.raises(psycopg2.errors.UndefinedTable, match=r'relation "lbv_\d+\.event" does not exist'):
        event.run("select * from event_vw")
    event.connection.rollback()
    event.run("CREATE TABLE public.event (eventid INTEGER, eventname VARCHAR(200))")
    event.run("INSERT INTO public.event VALUES (3, 'Carmen')")
    assert event.run("select * from event_vw") == [(3, "Carmen")]
    assert event.value("select count(*) from pg_views where viewname = 'event_vw'") == 1


def test_drop_table_cascade_leaves_a_late_binding_view(event: RedshiftSession) -> None:
    event.run("create view event_lbv as select eventid from public.event with no schema binding")
    event.run("create view event_bound as select eventid from public.event")
    event.run("drop table public.event cascade")
    views = event.run("select viewname from pg_views where viewname like 'event_%' order by 1")
    assert views == [("event_lbv",)]  # the ordinary view went with the table, the late-binding one stays


def test_a_view_made_before_its_table(rs: RedshiftSession) -> None:
    rs.run("create view sales_lbv as select salesid, pricepaid from public.sales with no schema binding")
    assert rs.run("select count(*) from pg_class where relname = 'sales_lbv' and relkind = 'v'") == [(1,)]
    rs.run("grant select on sales_lbv to public")
    rs.run("CREATE TABLE public.sales (salesid INTEGER, listid INTEGER, pricepaid DECIMAL(8,2))")
    rs.run("INSERT INTO public.sales VALUES (1, 7, 12.50)")
    assert rs.run("select salesid, pricepaid from sales_lbv")[0][0] == 1
    assert rs.run(f"select col_name, col_type, col_num from {_COLUMNS} where view_name = 'sales_lbv'") == [
        ("salesid", "integer", 1),
        ("pricepaid", "numeric(8,2)", 2),
    ]
    owner = rs.value("select pg_get_userbyid(relowner) from pg_class where relname = 'sales_lbv'")
    assert owner == rs.value("select current_user")
    assert rs.value("select has_table_privilege('public', 'sales_lbv', 'select')") is True


def test_an_altered_base_table(event: RedshiftSession) -> None:
    event.run("create view event_vw as select eventid, eventname from public.event with no schema binding")
    event.run("alter table public.event add column starttime timestamp")
    event.run("alter table public.event alter column eventname type varchar(300)")
    assert event.run("select * from event_vw") == [(2, "Boris Godunov")]


def test_pg_get_viewdef_gives_the_statement(event: _Renamed) -> None:
    sql = "create view event_vw as select eventid from public.event with no schema binding"
    event.run(sql)
    assert event.value("select pg_get_viewdef('event_vw')") == sql.replace("public.", f"{event.schema}.")


def test_a_view_written_over_lines_and_named_with_its_database(event: _Renamed) -> None:
    """dbt-redshift's late-binding view (``bind: false``): the query in parentheses on lines of its own, the
    view named database.schema.view; pg_get_viewdef gives the statement with its lines."""
    database = event.value("select current_database()")
    sql = (
        f'create view "{database}".public."event_lines" as (\n'
        "    select eventid, 'Bob' as tag from public.event\n"
        "  ) with no schema binding"
    )
    event.run(sql + ";")
    assert event.run("select eventid, tag from event_lines") == [(2, "Bob")]
    assert event.value("select pg_get_viewdef('event_lines')") == sql.replace("public.", f"{event.schema}.")


def test_a_listing_of_early_and_late_binding_columns_has_a_late_binding_view_once(event: _Renamed) -> None:
    """dbt's catalog query: pg_attribute's columns (with the relations' comments) and then
    pg_get_late_binding_view_cols()'s, in one query: a cluster's pg_attribute has none of a late-binding
    view, so the view is listed once, late-binding, without the comment its early columns would bring."""
    event.run("create view event_late as select eventid from public.event with no schema binding")
    event.run("comment on view event_late is 'documented'")
    listing = (
        "with late_binding as (select view_name::text as name, 'late'::text as kind, null::text as comment "
        f"from {_COLUMNS}), "
        "early_binding as (select c.relname::text as name, 'early'::text as kind, "
        "d.description::text as comment "
        "from pg_catalog.pg_class c join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 "
        "left join pg_catalog.pg_description d on d.objoid = c.oid and d.objsubid = 0) "
        "select * from early_binding where name = 'event_late' "
        "union all select * from late_binding where name = 'event_late'"
    )
    assert event.run(listing) == [("event_late", "late", None)]
