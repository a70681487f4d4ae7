"""A view's definition as a cluster's ``pg_get_viewdef`` prints it, worked out when the view is created.

Redshift's leader node is PostgreSQL 8.0, whose deparser qualifies every column of a view on one table
(``SELECT my_table.col1, my_table.col2 FROM my_table``); PostgreSQL 16 and later leave them bare.  A
late-binding view (``WITH NO SCHEMA BINDING``) is printed as the whole statement that created it.  The
definition is recorded beside the view (``sparkify_redshift.view_texts``); a view this module cannot print
(a star, a join, a set operation …) keeps PostgreSQL's text.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream

from sparkify.engine.sql.tokens import tokens


def view_definition(sql: str, adapted: str) -> tuple[str, str] | None:
    """The view's name and the text a cluster's pg_get_viewdef gives for the CREATE VIEW ``sql`` (its
    PostgreSQL translation ``adapted``), or None for another statement or a view this module cannot print."""
    found = tokens(sql)
    words = [token.word for token in found if token.text != ";"]
    if words[:1] != ["CREATE"] or "VIEW" not in words[:5] or "MATERIALIZED" in words[:5]:
        return None
    statement = view_statement(adapted)
    if statement is None:
        return None
    name = RawStream()(statement.view)
    if is_late_binding(words):
        return name, sql.strip().rstrip(";").strip()
    query = statement.query
    if not _qualify(query):
        return None
    return name, RawStream()(query) + ";"


def view_statement(adapted: str) -> Any:
    """The pglast ViewStmt of the one CREATE VIEW in ``adapted``, or None."""
    try:
        parsed = parse_sql(adapted)
    except ParseError:
        return None
    statement = parsed[0].stmt if len(parsed) == 1 else None
    return statement if isinstance(statement, ast.ViewStmt) else None


def is_late_binding(words: list[str]) -> bool:
    """Whether the words of a CREATE VIEW (no ``;``) end in WITH NO SCHEMA BINDING."""
    return words[-4:] == ["WITH", "NO", "SCHEMA", "BINDING"]


def _qualify(query: Any) -> bool:
    """Qualify the bare columns of a SELECT on one table with that table's name (or alias), in place;
    False when the query is not such a SELECT."""
    if not isinstance(query, ast.SelectStmt) or query.op != 0 or not query.fromClause:
        return False
    if len(query.fromClause) != 1 or not isinstance(query.fromClause[0], ast.RangeVar):
        return False
    table = query.fromClause[0]
    qualifier = table.alias.aliasname if table.alias else table.relname
    aliases = {target.name for target in query.targetList or () if target.name}
    parts = [query.targetList, query.whereClause, query.groupClause, query.havingClause]
    columns = [column for part in parts for column in _column_refs(part)]
    columns += [column for column in _column_refs(query.sortClause) if column.fields[0].sval not in aliases]
    if any(isinstance(field, ast.A_Star) for column in columns for field in column.fields):
        return False
    for column in columns:
        if len(column.fields) == 1:
            column.fields = (ast.String(qualifier), *column.fields)
    return True


def _column_refs(node: Any) -> list[Any]:
    """The ColumnRefs in ``node``, not those of a subquery (whose tables are its own)."""
    if isinstance(node, ast.SubLink):
        return _column_refs(node.testexpr)
    if node is None or isinstance(node, ast.SelectStmt):
        return []
    if isinstance(node, ast.ColumnRef):
        return [node]
    if isinstance(node, list | tuple):
        return [column for item in node for column in _column_refs(item)]
    if isinstance(node, ast.Node):
        return [column for attribute in node for column in _column_refs(getattr(node, attribute))]
    return []
