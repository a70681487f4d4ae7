"""Which statements Redshift runs on its leader node alone: those that read only catalog tables.

The developer guide: a query that references only catalog tables (a PG prefix, such as PG_TABLE_DEF) runs
exclusively on the leader node, which is PostgreSQL and takes PostgreSQL's functions, arrays and
operators; the "not supported on Redshift tables" refusals are about queries on user and system tables.
Tools rely on this: SQLAlchemy's reflection asks ``pg_class`` with ``= ANY (ARRAY[…])``.

Such a query is then given Redshift's catalog (:func:`leader_sql`): ``pg_class.reldiststyle`` and
``relkind`` (a materialized view is a view; ``pg_views`` and information_schema's ``views`` list it with its
CREATE statement),
``pg_attribute.attisdistkey`` / ``attsortkeyord`` / ``attencodingtype`` and ``pg_attrdef.adsrc`` are read
from the shim schema's views of those tables, ``pg_namespace`` from a view without the shim schema,
``pg_constraint``, ``pg_index``, ``pg_indexes`` and information_schema's ``table_constraints`` and
``key_column_usage`` from views with the recorded primary keys and without the sort key's BRIN index,
``pg_catalog.pg_proc_info`` from the shim schema, an integer condition (``WHERE 1``) is a boolean, and an
alias of the select list may stand in its WHERE clause and later items
(:mod:`sparkify.engine.sql.redshift.aliases`), as Redshift allows.  The Spectrum views
(``svv_external_*``), ``svv_tables`` and ``svv_columns`` count as catalog tables: they are leader-node views;
so do the query's own WITH queries (dbt's catalog query reads pg_class through them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.aliases import lateral_aliases
from sparkify.engine.sql.tokens import Token, replace_spans

_READS = frozenset(["SELECT", "WITH", "SHOW"])
_CATALOG_SCHEMAS = frozenset(["PG_CATALOG", "INFORMATION_SCHEMA"])
_ALL_VIEWS = frozenset({"SVV_ALL_SCHEMAS", "SVV_ALL_TABLES", "SVV_ALL_COLUMNS", "SVV_REDSHIFT_SCHEMAS"}) | {
    "SVV_REDSHIFT_TABLES",
    "SVV_REDSHIFT_COLUMNS",
}
_LEADER_VIEWS = _ALL_VIEWS | {
    "SVV_EXTERNAL_SCHEMAS",
    "SVV_EXTERNAL_TABLES",
    "SVV_EXTERNAL_COLUMNS",
    "SVV_TABLES",
    "SVV_COLUMNS",
}
# Redshift's columns of PostgreSQL's catalog tables, by table: a query naming one reads the shim's view.
_REDSHIFT_COLUMNS = {
    # relhasoids: psql's \d asks a server of 8.0; relkind: a materialized view is a view ('v') to a cluster
    "PG_CLASS": frozenset(["RELDISTSTYLE", "RELHASOIDS", "RELKIND"]),
    "PG_ATTRIBUTE": frozenset(["ATTISDISTKEY", "ATTSORTKEYORD", "ATTENCODINGTYPE"]),
    "PG_ATTRDEF": frozenset(["ADSRC"]),
    "PG_PROC": frozenset(["PROISAGG", "PROISWINDOW"]),  # psql's \df asks a server of 8.0
}
# Catalog tables read from the shim's view of them whenever named, by name and the schema that holds them:
# what a cluster shows and PostgreSQL does not (recorded primary keys), less what it does not show (the shim
# schema, the sort key's BRIN index).
_ALWAYS_SHIMMED = {
    "PG_VIEWS": "PG_CATALOG",  # a materialized view is listed with the views, by its CREATE statement
    "VIEWS": "INFORMATION_SCHEMA",
    "PG_NAMESPACE": "PG_CATALOG",
    "PG_INDEX": "PG_CATALOG",
    "PG_INDEXES": "PG_CATALOG",
    "PG_CONSTRAINT": "PG_CATALOG",
    "TABLE_CONSTRAINTS": "INFORMATION_SCHEMA",
    "KEY_COLUMN_USAGE": "INFORMATION_SCHEMA",
    "REFERENTIAL_CONSTRAINTS": "INFORMATION_SCHEMA",
    "CONSTRAINT_COLUMN_USAGE": "INFORMATION_SCHEMA",
    "COLUMNS": "INFORMATION_SCHEMA",
}
# Functions of pg_catalog that the shim schema extends, called by qualified name (a bare name finds the shim's
# first on the session's path): pg_get_constraintdef knows the recorded keys, pg_get_expr IDENTITY's default,
# format_type names a SUPER column's type super, pg_get_viewdef prints a view as a cluster does.
_SHIM_FUNCTIONS = frozenset(["PG_GET_CONSTRAINTDEF", "PG_GET_EXPR", "FORMAT_TYPE", "PG_GET_VIEWDEF"])
# The columns of the catalog's tables and views, by (schema, name) upper-cased: a column of the FROM tables
# has priority over a select-list alias.  Read once per process by learn_catalog (prepare_database).
_catalog_columns: dict[tuple[str, str], frozenset[str]] = {}
_CATALOG_COLUMNS_SQL = f"""
SELECT n.nspname, c.relname, array_agg(a.attname::text)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname IN ('pg_catalog', 'information_schema', '{SHIM_SCHEMA}') AND c.relkind IN ('r', 'v', 'm')
 GROUP BY n.nspname, c.relname
"""
# Redshift's system views in its pg_catalog, which the shim schema holds: clients name them with the schema
# (redshift_connector's insert_data_bulk: pg_catalog.svv_all_tables; dbt: pg_catalog.svv_external_columns).
_SHIM_CATALOG = _LEADER_VIEWS | {"PG_PROC_INFO", "PG_TABLE_DEF", "SVV_TABLE_INFO", "STL_QUERY", "STV_RECENTS"}
_SHIM_CATALOG |= {"SVV_MV_INFO", "STV_MV_INFO"}


def reads_only_catalog(found: list[Token]) -> bool:
    """True for a query whose every table (after FROM or JOIN, at any depth) is a catalog table."""
    if not found or found[0].word not in _READS:
        return False
    named = _with_query_names(found)  # dbt's catalog query reads the catalog through its WITH queries
    relations = [relation for relation, _, _ in _relations(found) if relation[0] or relation[1] not in named]
    return bool(relations) and all(_is_catalog(relation) for relation in relations)


def _with_query_names(found: list[Token]) -> frozenset[str]:
    """The names the query's WITH clauses define (``WITH owners AS (…), unioned AS (…)``), upper-cased."""
    if "WITH" not in {token.word for token in found}:
        return frozenset()
    return frozenset(
        _name(found[index])
        for index in range(1, len(found) - 2)
        if found[index + 1].word == "AS"
        and found[index + 2].text == "("
        and (found[index - 1].word in ("WITH", "RECURSIVE") or found[index - 1].text == ",")
    )


def reads_no_user_table(found: list[Token]) -> bool:
    """True for a query that names no table but catalog ones (none at all, or a function in FROM): the
    guide's "query that references only catalog tables … or that does not reference any tables", which
    runs on the leader node alone."""
    if not found or found[0].word not in _READS:
        return False
    return all(_is_catalog(relation) for relation, _, _ in _relations(found))


def learn_catalog(connection: Any) -> None:
    """Read the catalog's column names (once per process): ``connection`` is a psycopg2 connection."""
    if _catalog_columns:
        return
    with connection.cursor() as cursor:
        cursor.execute(_CATALOG_COLUMNS_SQL)
        rows = cursor.fetchall()
    _catalog_columns.update(
        {(schema.upper(), name.upper()): frozenset(columns) for schema, name, columns in rows}
    )


def _columns_of(found: list[Token], low: int, high: int) -> frozenset[str]:
    """The columns of the catalog tables named in ``found[low:high]`` (those of unknown ones: none)."""
    columns: set[str] = set()
    for (schema, name), _, _ in _relations(found[low:high]):
        if schema:
            columns |= _catalog_columns.get((schema.upper(), name.upper()), frozenset())
        else:
            key = name.upper()
            columns |= _catalog_columns.get((SHIM_SCHEMA.upper(), key)) or _catalog_columns.get(
                ("PG_CATALOG", key), frozenset()
            )
    return frozenset(columns)


def leader_sql(sql: str, found: list[Token]) -> str:
    """The catalog-only query ``sql`` (its tokens ``found``) with Redshift's catalog, integer conditions
    and lateral aliases made PostgreSQL's."""
    replacements = (
        _redshift_catalog_tables(found)
        + _shim_catalog(found)
        + _integer_conditions(found)
        + lateral_aliases(sql, found, lambda low, high: _columns_of(found, low, high))
    )
    return replace_spans(sql, replacements) if replacements else sql


def system_views(sql: str, found: list[Token]) -> str:
    """``sql`` with Redshift's system views named in pg_catalog (``pg_catalog.svv_external_columns``) read
    from the shim schema, in any query: dbt's get_columns_in_relation names one among its CTEs."""
    if not any(token.word == "PG_CATALOG" for token in found):
        return sql
    views = _system_view_spans(found)
    return replace_spans(sql, views) if views else sql


def _system_view_spans(found: list[Token]) -> list[tuple[int, int, str]]:
    return [
        (found[start].start, found[end - 1].end, f"{SHIM_SCHEMA}.{name.lower()}")
        for (schema, name), start, end in _relations(found)
        if schema.upper() == "PG_CATALOG" and name.upper() in _SHIM_CATALOG
    ]


def _relations(found: list[Token]) -> Iterator[tuple[tuple[str, str], int, int]]:
    """The tables after each FROM and JOIN, and after each comma of a FROM list: (schema, name) and the
    index range of the tokens that name it."""
    index = 0
    while index < len(found):
        if found[index].word not in ("FROM", "JOIN"):
            index += 1
            continue
        index += 1
        while index < len(found):
            start = index
            relation, index = _relation_at(found, index)
            if relation is not None:
                yield relation, start, index
            comma = _comma_after(found, index)
            if comma is None:
                break
            index = comma + 1


def _relation_at(found: list[Token], index: int) -> tuple[tuple[str, str] | None, int]:
    """The table named at ``index`` (None for a subquery or a function) and the index after its name."""
    token = found[index]
    following = found[index + 1] if index + 1 < len(found) else None
    if token.text == "(" or (following is not None and following.text == "("):
        return None, index + 1  # a subquery (its own FROMs come later) or a function such as generate_series
    if following is not None and following.text == "." and index + 2 < len(found):
        return (_name(token), _name(found[index + 2])), index + 3
    return ("", _name(token)), index + 1


def _comma_after(found: list[Token], index: int) -> int | None:
    """The index of a comma that follows at once (after an optional alias): another table of the list."""
    for position in range(index, min(index + 3, len(found))):
        token = found[position]
        if token.text == ",":
            return position
        if token.word != "AS" and token.name != "IDENT":
            return None
    return None


def _name(token: Token) -> str:
    text = token.text
    return text[1:-1] if text.startswith('"') else text.upper()


def _is_catalog(relation: tuple[str, str]) -> bool:
    schema, name = relation
    if schema:
        return schema.upper() in _CATALOG_SCHEMAS
    return name.upper().startswith("PG_") or name.upper() in _LEADER_VIEWS


# --- Redshift's catalog on PostgreSQL's ---------------------------------------------------------------


def _redshift_catalog_tables(found: list[Token]) -> list[tuple[int, int, str]]:
    """pg_class, pg_attribute and pg_attrdef (bare or in pg_catalog) read from the shim's views when the
    query names one of Redshift's own columns of that table, and the tables of ``_ALWAYS_SHIMMED`` always:
    pg_namespace's view leaves the shim schema out, as ``SHOW SCHEMAS`` and ``current_schemas`` do (the
    tools list no such schema, nor its tables and functions); the key views show the recorded primary keys
    and hide the sort key's BRIN index (awswrangler's upsert takes a table's key from pg_indexes).  The
    view keeps the table's name as its alias, and a column qualified as ``pg_catalog.pg_class.relname``
    (or ``information_schema.table_constraints.constraint_name``) loses the schema."""
    words = {token.word for token in found}
    names = words | {_name(token).upper() for token in found if token.text.startswith('"')}  # "columns"
    wanted = {table: "PG_CATALOG" for table, columns in _REDSHIFT_COLUMNS.items() if words & columns}
    wanted |= {table: schema for table, schema in _ALWAYS_SHIMMED.items() if table in names}
    # beside pg_get_late_binding_view_cols() (dbt's catalog): pg_attribute without the late-binding views'
    # columns, as a cluster's has none of them
    if "PG_GET_LATE_BINDING_VIEW_COLS" in words:
        wanted["PG_ATTRIBUTE"] = "PG_CATALOG"
    if not wanted:
        return []
    replacements = []
    named = set()
    for (schema, name), start, end in _relations(found):
        home = wanted.get(name.upper())
        if home is not None and (schema.upper() == home or (not schema and home == "PG_CATALOG")):
            view = f"{SHIM_SCHEMA}.leader_{name.lower()}"
            aliased = end < len(found) and (found[end].word == "AS" or found[end].name == "IDENT")
            replacements.append(
                (found[start].start, found[end - 1].end, view if aliased else f"{view} AS {name.lower()}")
            )
            named.update(range(start, end))
    for index in range(len(found) - 3):
        if index in named or found[index].word not in wanted.values() or found[index + 1].text != ".":
            continue
        if wanted.get(found[index + 2].word) == found[index].word and found[index + 3].text == ".":
            replacements.append((found[index].start, found[index + 2].start, ""))
    return replacements


def _shim_catalog(found: list[Token]) -> list[tuple[int, int, str]]:
    """``pg_catalog.pg_proc_info`` and the like: Redshift's catalog views, which the shim schema holds;
    ``pg_catalog.pg_get_constraintdef(…)``, which the shim schema's knows the recorded keys, and the
    other functions the shim schema extends."""
    views = _system_view_spans(found)
    functions = [
        (found[index].start, found[index].end, SHIM_SCHEMA)
        for index in range(len(found) - 3)
        if found[index].word == "PG_CATALOG"
        and found[index + 1].text == "."
        and found[index + 2].word in _SHIM_FUNCTIONS
        and found[index + 3].text == "("
    ]
    return views + functions


_CONDITION_ENDS = frozenset(
    ["AND", "OR", "GROUP", "ORDER", "UNION", "INTERSECT", "EXCEPT", "LIMIT", "HAVING", "WINDOW"]
)


def _integer_conditions(found: list[Token]) -> list[tuple[int, int, str]]:
    """``WHERE 1 AND …``: Redshift takes an integer as a condition; the literal becomes a boolean."""
    replacements = []
    for index, token in enumerate(found):
        if token.name != "ICONST" or index == 0 or found[index - 1].word != "WHERE":
            continue
        following = found[index + 1] if index + 1 < len(found) else None
        if following is None or following.word in _CONDITION_ENDS or following.text in (")", ";"):
            replacements.append((token.start, token.end, "false" if int(token.text) == 0 else "true"))
    return replacements
