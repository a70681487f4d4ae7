"""Late-binding views (``CREATE VIEW … WITH NO SCHEMA BINDING``): made by the shim schema's
``create_late_binding_view``, which keeps them free of dependencies (late_binding.sql says how).

The guide: the tables and views such a view reads must be qualified with a schema name (the schema must
exist, the table need not); the view can be made before its tables, and they can be dropped or altered
under it without touching it.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.stream import RawStream

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.views import view_statement
from sparkify.engine.sql.text import quote_literal

#: The context PostgreSQL gives an error of an unbound late-binding view's query (its table is gone).
LATE_BINDING_CONTEXT = "PL/pgSQL function late_binding_rows("
#: A cluster's refusal of a late-binding view that reads a table without its schema.
UNQUALIFIED = "All the relation names inside should be qualified"


def late_binding_creation(adapted: str) -> str | None:
    """The PL/pgSQL statement that makes the late-binding view of ``adapted`` (a CREATE VIEW whose WITH NO
    SCHEMA BINDING the adapter took out), or None when it is not well-formed; raises
    UnsupportedStatementError, in Redshift's words, for a table named without its schema."""
    statement = view_statement(adapted)
    if statement is None:
        return None
    if any(relation.schemaname is None for relation in _relations(statement.query, frozenset())):
        raise UnsupportedStatementError(UNQUALIFIED)
    columns = [name.sval for name in statement.aliases or ()]
    column_array = (
        "ARRAY[" + ", ".join(quote_literal(name) for name in columns) + "]::text[]" if columns else "NULL"
    )
    name, query = quote_literal(RawStream()(statement.view)), quote_literal(RawStream()(statement.query))
    replace = "true" if statement.replace else "false"
    return f"PERFORM {SHIM_SCHEMA}.create_late_binding_view({name}, {query}, {column_array}, {replace});"


def _relations(node: Any, ctes: frozenset[str]) -> list[Any]:
    """The RangeVars of ``node`` that name a table or view (not a CTE of an enclosing WITH)."""
    if isinstance(node, ast.SelectStmt) and node.withClause is not None:
        ctes = ctes | {cte.ctename for cte in node.withClause.ctes}
    if isinstance(node, ast.RangeVar):
        return [] if node.schemaname is None and node.relname in ctes else [node]
    if isinstance(node, list | tuple):
        return [relation for item in node for relation in _relations(item, ctes)]
    if isinstance(node, ast.Node):
        return [relation for attribute in node for relation in _relations(getattr(node, attribute), ctes)]
    return []
