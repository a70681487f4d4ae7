"""Redshift's declared DECIMAL of a UNION, INTERSECT, EXCEPT, CASE or COALESCE, on PostgreSQL's tree (pglast).

The developer guide, "Computations with numeric values": for set operators and functions such as COALESCE
and DECODE, "Scale = max(s1,s2)  Precision = min(max(p1-s1,p2-s2)+scale,19)" — a DECIMAL(7,2) UNION a
DECIMAL(15,3) is NUMERIC(15,3); the UNION page adds that the limit is 19 for 64-bit values and 38 for 128-bit
ones (a DECIMAL of precision above 19).  PostgreSQL describes such a result as unconstrained numeric, which a
client sees in its cursor's description.

When every branch of one of these is a known DECIMAL(p,s) — a cast with a declared precision, or a column of
a session's table (``types_of``) — and they differ, each set operation's branch and each CASE or COALESCE is
cast to the computed NUMERIC(p,s); anything else is left as it is.  The values do not change: the scale is
the largest and the precision holds every branch's integer digits (until the limit, where Redshift too fails).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import SetOperation
from pglast.parser import ParseError
from pglast.stream import RawStream

from sparkify.engine.sql.redshift.tree import children

#: A table as named in FROM: (schema, name), the schema '' when unqualified.
Relation = tuple[str, str]
#: Each named table's columns and their types as ``format_type`` spells them ("numeric(7,2)").
TypeLookup = Callable[[Collection[Relation]], Mapping[Relation, Mapping[str, str]]]

Decimal = tuple[int, int]  # (precision, scale)

_SMALL_LIMIT = 19  # a 64-bit DECIMAL's largest precision
_LARGE_LIMIT = 38


def with_declared_decimals(sql: str, types_of: TypeLookup | None) -> str:
    """``sql`` (one PostgreSQL statement) with its DECIMAL branches cast to Redshift's declared result;
    unchanged when there is none to cast."""
    statement = _statement_of(sql)
    if statement is None:
        return sql
    relations = sorted(_relations_in(statement)) if types_of is not None else []
    types = dict(types_of(relations)) if types_of is not None and relations else {}
    typing = _Typing(types, _cte_names(statement))
    if not typing.rewrite(statement, ()):
        return sql
    try:
        return RawStream()(statement)
    except Exception:  # a node pglast cannot print: PostgreSQL's own description stays
        return sql


def may_declare_decimals(sql: str) -> bool:
    """Whether ``sql`` has a set operation, CASE or COALESCE whose result a column of the session's tables
    or a cast's declared precision may decide (its translation is then no verdict for other statements of
    its shape, whose casts' precisions may differ)."""
    statement = _statement_of(sql)
    return statement is not None and any(
        isinstance(branch, _DECIDING) for node in _walk(statement) for branch in _branches_of(node)
    )


# A branch that may be a DECIMAL of known precision.
_DECIDING = (ast.ColumnRef, ast.TypeCast, ast.CaseExpr, ast.CoalesceExpr)


def _branches_of(node: Any) -> list[Any]:
    if isinstance(node, ast.CaseExpr):
        return [when.result for when in node.args] + [node.defresult]
    if isinstance(node, ast.CoalesceExpr):
        return list(node.args)
    if isinstance(node, ast.SelectStmt) and node.op != SetOperation.SETOP_NONE:
        return [target.val for leaf in _leaves(node) for target in leaf.targetList or ()]
    return []


def _statement_of(sql: str) -> Any | None:
    """The statement's tree when it has a candidate and no string a deparse would re-read differently (a
    backslash, under standard_conforming_strings off); else None."""
    words = sql.upper()
    if not any(word in words for word in ("UNION", "INTERSECT", "EXCEPT", "CASE", "COALESCE")):
        return None
    try:
        statements = parse_sql(sql)
    except ParseError:
        return None
    if len(statements) != 1:
        return None
    statement = statements[0].stmt
    nodes = list(_walk(statement))
    if any(isinstance(node, ast.String) and "\\" in node.sval for node in nodes):
        return None
    if not any(_is_candidate(node) for node in nodes):
        return None
    return statement


def _is_candidate(node: Any) -> bool:
    return isinstance(node, ast.CaseExpr | ast.CoalesceExpr) or (
        isinstance(node, ast.SelectStmt) and node.op != SetOperation.SETOP_NONE
    )


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in children(node):
        yield from _walk(child)


def _relations_in(statement: Any) -> set[Relation]:
    return {
        (node.schemaname or "", node.relname) for node in _walk(statement) if isinstance(node, ast.RangeVar)
    }


def _cte_names(statement: Any) -> frozenset[str]:
    return frozenset(node.ctename for node in _walk(statement) if isinstance(node, ast.CommonTableExpr))


def combined(decimals: list[Decimal]) -> Decimal | None:
    """The guide's rule for one result of several DECIMAL branches; None past the limit, where the guide's
    result could not hold every branch's values (Redshift: "the query returns an error"), and the result
    stays PostgreSQL's rather than fail on a value that fits neither."""
    scale = max(s for _, s in decimals)
    limit = _LARGE_LIMIT if any(p > _SMALL_LIMIT for p, _ in decimals) else _SMALL_LIMIT
    precision = max(p - s for p, s in decimals) + scale
    return (precision, scale) if precision <= limit else None


@dataclass(frozen=True)
class _Source:
    """A FROM table of a SELECT: the name it is referred to by, and its columns' types (None: unknown)."""

    name: str
    columns: Mapping[str, str] | None


Scope = tuple[tuple[_Source, ...], ...]  # the SELECT's sources, then the enclosing ones'


class _Typing:
    def __init__(self, types: Mapping[Relation, Mapping[str, str]], ctes: frozenset[str]) -> None:
        self.types = types
        self.ctes = ctes

    def rewrite(self, node: Any, scope: Scope) -> bool:
        """Cast what needs it under ``node``, innermost first; whether anything was cast."""
        if isinstance(node, ast.SelectStmt) and node.op == SetOperation.SETOP_NONE:
            scope = (tuple(self._sources(node.fromClause)), *scope)
        changed = False
        if isinstance(node, ast.Node):
            for name in node.__slots__:
                value = getattr(node, name, None)
                if isinstance(value, tuple):
                    items = list(value)
                    for index, item in enumerate(items):
                        changed |= self.rewrite(item, scope)
                        items[index] = self._cast_expression(item, scope)
                    if any(new is not old for new, old in zip(items, value, strict=True)):
                        setattr(node, name, tuple(items))
                        changed = True
                elif isinstance(value, ast.Node):
                    changed |= self.rewrite(value, scope)
                    cast = self._cast_expression(value, scope)
                    if cast is not value:
                        if isinstance(node, ast.ResTarget) and node.name is None:
                            node.name = _column_name(value)  # a cast would name it "numeric"
                        setattr(node, name, cast)
                        changed = True
        if isinstance(node, ast.SelectStmt) and node.op != SetOperation.SETOP_NONE:
            changed |= self._cast_set_operation(node, scope)
        return changed

    def _cast_expression(self, node: Any, scope: Scope) -> Any:
        """A CASE or COALESCE of differing DECIMALs cast to their result; else ``node`` itself."""
        if not isinstance(node, ast.CaseExpr | ast.CoalesceExpr):
            return node
        branches = _branches_of(node)
        found = self._branches(branches, scope)
        if found is None or (len(set(found)) == 1 and len(found) == len(branches)):
            return node  # PostgreSQL keeps one DECIMAL of every branch itself
        result = combined(found)
        return node if result is None else _cast(node, result)

    def _branches(self, branches: list[Any], scope: Scope) -> list[Decimal] | None:
        """The DECIMALs of the branches that are not NULL, when each is known (and there is one)."""
        found = [self.decimal_of(branch, scope) for branch in branches if not _is_null(branch)]
        known = [decimal for decimal in found if decimal is not None]
        return known if known and len(known) == len(found) else None

    def _cast_set_operation(self, node: Any, scope: Scope) -> bool:
        columns = self._set_columns(node, scope)
        changed = False
        leaves = list(_leaves(node))
        for index, decimals in enumerate(columns):
            if decimals is None or (len(set(decimals)) == 1 and len(decimals) == len(leaves)):
                continue
            result = combined(decimals)
            if result is None:
                continue
            for leaf in leaves:
                target = leaf.targetList[index]
                if self.decimal_of(target.val, _leaf_scope(self, leaf, scope)) != result:
                    target.name = target.name or _column_name(target.val)
                    target.val = _cast(target.val, result)
                    changed = True
        return changed

    def _set_columns(self, node: Any, scope: Scope) -> list[list[Decimal] | None]:
        """Each output column's DECIMALs over the branches (None: a branch not a known DECIMAL)."""
        leaves = list(_leaves(node))
        if any(leaf.targetList is None for leaf in leaves):
            return []
        for leaf in leaves:
            self._expand_star(leaf)
        width = len(leaves[0].targetList)
        if any(len(leaf.targetList) != width for leaf in leaves):
            return []
        columns: list[list[Decimal] | None] = []
        for index in range(width):
            column = [leaf.targetList[index].val for leaf in leaves]
            found = [
                self.decimal_of(value, _leaf_scope(self, leaf, scope)) for leaf, value in zip(leaves, column)
            ]
            nulls = [_is_null(value) for value in column]
            known = [decimal for decimal, null in zip(found, nulls, strict=True) if not null]
            columns.append(known if known and None not in known else None)
        return columns

    def decimal_of(self, node: Any, scope: Scope) -> Decimal | None:
        """The declared DECIMAL of an expression, when known."""
        if isinstance(node, ast.TypeCast):
            return _declared(node.typeName)
        if isinstance(node, ast.ColumnRef):
            return self._column_decimal(node, scope)
        if isinstance(node, ast.CaseExpr | ast.CoalesceExpr):
            found = self._branches(_branches_of(node), scope)
            return combined(found) if found else None
        return None

    def _expand_star(self, leaf: Any) -> None:
        """A branch's lone ``*`` over one table of the session as that table's columns (each can be cast)."""
        targets = leaf.targetList
        if len(targets) != 1 or not isinstance(targets[0].val, ast.ColumnRef):
            return
        if not isinstance(targets[0].val.fields[-1], ast.A_Star) or len(targets[0].val.fields) != 1:
            return
        sources = list(self._sources(leaf.fromClause))
        if len(sources) != 1 or sources[0].columns is None:
            return
        leaf.targetList = tuple(
            ast.ResTarget(val=ast.ColumnRef(fields=(ast.String(sval=name),), location=-1), location=-1)
            for name in sources[0].columns
        )

    def _column_decimal(self, node: Any, scope: Scope) -> Decimal | None:
        fields = node.fields
        if not all(isinstance(field, ast.String) for field in fields) or len(fields) > 2:
            return None
        column = fields[-1].sval
        qualifier = fields[0].sval if len(fields) == 2 else None
        for sources in scope:
            matching = [source for source in sources if qualifier is None or source.name == qualifier]
            if qualifier is not None and not matching:
                continue
            if any(source.columns is None for source in matching):
                return None  # a subquery's, a function's, a WITH query's: not known here
            having = [source for source in matching if column in source.columns]  # type: ignore[operator]
            if len(having) == 1:
                return _parsed(having[0].columns[column])  # type: ignore[index]
            if having or qualifier is not None:
                return None
        return None

    def _sources(self, items: Any) -> Iterator[_Source]:
        for item in items or ():
            if isinstance(item, ast.JoinExpr):
                yield from self._sources((item.larg, item.rarg))
            elif isinstance(item, ast.RangeVar):
                relation = (item.schemaname or "", item.relname)
                known = (
                    None if not item.schemaname and item.relname in self.ctes else self.types.get(relation)
                )
                name = item.alias.aliasname if item.alias else item.relname
                yield _Source(name, known)
            else:
                alias = getattr(item, "alias", None)
                yield _Source(alias.aliasname if alias else "", None)


def _leaf_scope(typing: _Typing, leaf: Any, scope: Scope) -> Scope:
    return (tuple(typing._sources(leaf.fromClause)), *scope)


def _leaves(node: Any) -> Iterator[Any]:
    if node.op == SetOperation.SETOP_NONE:
        yield node
        return
    yield from _leaves(node.larg)
    yield from _leaves(node.rarg)


def _is_null(node: Any) -> bool:
    return node is None or (isinstance(node, ast.A_Const) and node.isnull)


def _declared(type_name: Any) -> Decimal | None:
    names = [name.sval for name in type_name.names if isinstance(name, ast.String)]
    if not names or names[-1] not in ("numeric", "decimal") or type_name.arrayBounds:
        return None
    modifiers = [getattr(item, "val", None) for item in type_name.typmods or ()]
    if not modifiers or len(modifiers) > 2 or not all(isinstance(item, ast.Integer) for item in modifiers):
        return None
    precision = modifiers[0].ival  # type: ignore[union-attr]
    scale = modifiers[1].ival if len(modifiers) == 2 else 0  # type: ignore[union-attr]
    return (precision, scale)


def _parsed(formatted: str) -> Decimal | None:
    """A ``format_type`` text as a DECIMAL: "numeric(7,2)"; None for any other type."""
    if not formatted.startswith("numeric(") or not formatted.endswith(")"):
        return None
    precision, _, scale = formatted[len("numeric(") : -1].partition(",")
    return int(precision), int(scale or 0)


def _cast(node: Any, decimal: Decimal) -> Any:
    precision, scale = decimal
    type_name = ast.TypeName(
        names=(ast.String(sval="pg_catalog"), ast.String(sval="numeric")),
        typmods=(ast.A_Const(val=ast.Integer(ival=precision)), ast.A_Const(val=ast.Integer(ival=scale))),
        typemod=-1,
    )
    return ast.TypeCast(arg=node, typeName=type_name, location=-1)


def _column_name(node: Any) -> str:
    """The output name PostgreSQL gives an unnamed select item, which a cast around it would change."""
    if isinstance(node, ast.ColumnRef) and isinstance(node.fields[-1], ast.String):
        return node.fields[-1].sval
    if isinstance(node, ast.TypeCast):
        inner = _column_name(node.arg)
        return inner if inner != "?column?" else node.typeName.names[-1].sval
    if isinstance(node, ast.CaseExpr):
        return "case"
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce"
    if isinstance(node, ast.FuncCall):
        return node.funcname[-1].sval
    return "?column?"
