"""PartiQL's dot navigation into SUPER values, on PostgreSQL's syntax tree (pglast): ``c.c_name.first``,
``t.s.a.b``, ``s.a`` and ``e.o_orderkey`` (an unnested element) become json ``->`` steps, lax as
Redshift's default: a missing attribute or a step into a scalar is NULL.

PostgreSQL reads ``a.b.c`` as schema.table.column; Redshift (query-super, "Navigation") reads a name
path as a FROM item's name, then its column, then attributes.  The first name decides, innermost query
first: the name of a FROM item (its alias, or its table) makes the second name a column and the rest
attributes — an unnested element's alias makes every following name an attribute of the element; a
column of a FROM item (the session's tables, asked once through ``columns_of``; subqueries' and WITH
queries' output names from the tree) makes every following name an attribute; any other path is left to
PostgreSQL (a schema-qualified column).

Attribute names fold to lower case; one written with capitals is looked up at run time as
``enable_case_sensitive_super_attribute`` says (``sparkify_redshift.super_attribute``).  A navigated
select item without an alias is named by its last attribute, as Redshift names it.  A string literal
compared with a navigated value is a VARCHAR (the shims' dynamic-typing operators then compare it with a
SUPER string; PostgreSQL would read the bare literal as JSON).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind, SetOperation
from pglast.parser import ParseError

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.lateral import ColumnLookup, Relation
from sparkify.engine.sql.redshift.tree import SELECT_ITEM_ENDS, children, string_names, with_ctes
from sparkify.engine.sql.redshift.unnesting import ELEMENT_FUNCTIONS
from sparkify.engine.sql.text import quote_ident, quote_literal
from sparkify.engine.sql.tokens import SqlLexError, Token, replace_spans, tokens

_COMPARISONS = frozenset(["=", "<>", "!=", "<", "<=", ">", ">="])


@dataclass(eq=False)
class _Scope:
    """One query's FROM: its items' visible names, and the columns each name's item has."""

    outer: _Scope | None
    items: dict[str, _Source] = field(default_factory=dict)


@dataclass(eq=False)
class _Source:
    relation: Relation | None = None  # a table of the session: its columns are asked for
    columns: frozenset[str] = frozenset()  # known from the text
    element: str | None = None  # an unnested element: the column that holds it


@dataclass(eq=False)
class _Path:
    node: ast.ColumnRef
    names: list[Token]
    scope: _Scope


@dataclass
class _Found:
    paths: list[_Path] = field(default_factory=list)
    compared: list[tuple[Any, Token]] = field(default_factory=list)  # (path side, string literal beside it)
    #: Select items without an alias that Redshift names by a path's last attribute: where the item ends,
    #: and the name path (named only if it is a navigation) or the last step's name (a subscripted path).
    unnamed: list[tuple[int, ast.ColumnRef | str]] = field(default_factory=list)


def with_super_navigation(sql: str, columns_of: ColumnLookup | None) -> str:
    """``sql`` (PostgreSQL's syntax) with each SUPER navigation path made json steps; unchanged when it has
    none.  Without ``columns_of``, a path that starts with a column of a table is left as written."""
    found = _paths_of(sql)
    if found is None:
        return sql
    columns = _session_columns(found.paths, columns_of)
    replacements, navigated = [], set()
    for path in found.paths:
        text = _navigation(path, columns)
        if text is None:
            continue
        navigated.add(id(path.node))
        replacements.append((path.names[0].start, path.names[-1].end, text))
    for side, literal in found.compared:
        if _is_super(side, navigated):
            replacements.append((literal.start, literal.end, f"{literal.text}::varchar"))
    last_names = {id(path.node): _attribute_name(path.names[-1]).lower() for path in found.paths}
    for end, named in found.unnamed:
        if isinstance(named, str):
            replacements.append((end, end, f" AS {quote_ident(named)}"))
        elif id(named) in navigated:
            replacements.append((end, end, f" AS {quote_ident(last_names[id(named)])}"))
    return replace_spans(sql, replacements) if replacements else sql


def has_name_path(found: list[Token]) -> bool:
    """Whether the tokens hold a path of two names or more (``a.b``) or a subscript: the cheap test before
    the parse."""
    return any(token.text == "[" for token in found) or any(
        token.text == "."
        and 0 < index < len(found) - 1
        and _named(found[index - 1])
        and _named(found[index + 1])
        for index, token in enumerate(found)
    )


def session_decides(sql: str) -> bool:
    """Whether a path of ``sql`` is a navigation only if the session's tables say so: one whose first name
    is no FROM item's (a column of a table, or a schema)."""
    found = _paths_of(sql)
    return found is not None and any(
        _item_named(path.scope, path.node.fields[0].sval) is None for path in found.paths
    )


def _named(token: Token) -> bool:
    return token.name == "IDENT" or token.text.startswith('"') or bool(token.word)


_CACHED_TEXT = 8192


def _paths_of(sql: str) -> _Found | None:
    """What ``sql`` has to rewrite (None: nothing); cached per short text, as clients send the same texts
    again and again."""
    return _cached_paths(sql) if len(sql) <= _CACHED_TEXT else _found_in(sql)


def _found_in(sql: str) -> _Found | None:
    if "." not in sql and "->" not in sql:
        return None
    try:
        statements = parse_sql(sql)
        found = tokens(sql)
    except (ParseError, SqlLexError):
        return None
    if len(statements) != 1:
        return None
    finder = _Finder(found)
    finder.visit(statements[0].stmt, None, {})
    return finder.found if finder.found.paths or finder.found.compared or finder.found.unnamed else None


_cached_paths = functools.lru_cache(maxsize=1024)(_found_in)


def _session_columns(paths: list[_Path], columns_of: ColumnLookup | None) -> Mapping[Relation, Any]:
    """The columns of the session's tables that a path's first name may be a column of."""
    wanted: set[Relation] = set()
    for path in paths:
        if _item_named(path.scope, path.node.fields[0].sval) is None:
            scope: _Scope | None = path.scope
            while scope is not None:
                wanted |= {s.relation for s in scope.items.values() if s.relation is not None}
                scope = scope.outer
    if not wanted or columns_of is None:
        return {}
    return columns_of(sorted(wanted))


def _item_named(scope: _Scope | None, name: str) -> _Source | None:
    while scope is not None:
        if name in scope.items:
            return scope.items[name]
        scope = scope.outer
    return None


def _navigation(path: _Path, columns: Mapping[Relation, Any]) -> str | None:
    """The json steps of ``path``, or None where it is no navigation."""
    names = path.names
    item = _item_named(path.scope, path.node.fields[0].sval)
    if item is not None and item.element is not None:
        return _steps(f"{names[0].text}.{quote_ident(item.element)}", names[1:])
    if item is not None:
        return _steps(f"{names[0].text}.{names[1].text}", names[2:]) if len(names) >= 3 else None
    scope: _Scope | None = path.scope
    first = path.node.fields[0].sval
    while scope is not None:
        for source in scope.items.values():
            known = columns.get(source.relation, ()) if source.relation else source.columns
            if first in known:
                return _steps(names[0].text, names[1:])
        scope = scope.outer
    return None


def _attribute_name(token: Token) -> str:
    """A path's name as written (quotes taken off)."""
    return token.text[1:-1].replace('""', '"') if token.text.startswith('"') else token.text


def _steps(base: str, attributes: list[Token]) -> str:
    text = base
    for token in attributes:
        written = _attribute_name(token)
        folded = written.lower()
        if written == folded:
            text = f"{text} -> {quote_literal(folded)}"
        else:
            quoted = "true" if token.text.startswith('"') else "false"
            names = f"{quote_literal(written)}, {quote_literal(folded)}, {quoted}"
            text = f"{SHIM_SCHEMA}.super_attribute({text}, {names})"
    return f"({text})"


def _is_super(node: Any, navigated: set[int]) -> bool:
    """A navigated path, or a json step (a subscripted path, rewritten before)."""
    if isinstance(node, ast.ColumnRef):
        return id(node) in navigated
    return isinstance(node, ast.A_Expr) and bool(node.name) and node.name[0].sval == "->"


class _Finder:
    """Walks a statement's tree: each query's FROM scope, and the name paths of two names or more."""

    def __init__(self, found: list[Token]) -> None:
        self.tokens = found
        self.at = {token.start: index for index, token in enumerate(found)}
        self.found = _Found()

    def visit(self, node: Any, scope: _Scope | None, ctes: Mapping[str, Any]) -> None:
        if isinstance(node, ast.SelectStmt):
            self.select(node, scope, ctes)
        elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
            self.change(node, scope, ctes)
        elif isinstance(node, ast.ColumnRef):
            self.path(node, scope)
        elif isinstance(node, ast.A_Expr):
            self.comparison(node)
            for child in children(node):
                self.visit(child, scope, ctes)
        else:
            for child in children(node):
                self.visit(child, scope, ctes)

    def change(
        self, node: ast.UpdateStmt | ast.DeleteStmt, outer: _Scope | None, ctes: Mapping[str, Any]
    ) -> None:
        """An UPDATE's or DELETE's scope: its table and its FROM or USING list."""
        ctes = with_ctes(node, ctes)
        scope = _Scope(outer)
        others = node.fromClause if isinstance(node, ast.UpdateStmt) else node.usingClause
        for item in [node.relation, *(others or ())]:
            self.from_item(item, scope, ctes)
        for name in ("targetList", "whereClause", "returningList"):
            self.visit(getattr(node, name, None), scope, ctes)

    def select(self, select: ast.SelectStmt, outer: _Scope | None, ctes: Mapping[str, Any]) -> None:
        ctes = with_ctes(select, ctes)
        for cte in (select.withClause.ctes or ()) if select.withClause else ():
            self.visit(cte.ctequery, outer, ctes)
        if select.op != SetOperation.SETOP_NONE:
            self.visit(select.larg, outer, ctes)
            self.visit(select.rarg, outer, ctes)
            return
        scope = _Scope(outer)
        for item in select.fromClause or ():
            self.from_item(item, scope, ctes)
        for target in select.targetList or ():
            if isinstance(target, ast.ResTarget) and target.name is None:
                self.unnamed(target)
        for name in (
            "targetList",
            "whereClause",
            "groupClause",
            "havingClause",
            "sortClause",
            "windowClause",
        ):
            self.visit(getattr(select, name), scope, ctes)
        for name in ("limitCount", "limitOffset", "valuesLists"):
            self.visit(getattr(select, name), scope, ctes)

    def from_item(self, item: Any, scope: _Scope, ctes: Mapping[str, Any]) -> None:
        """Note the names ``item`` makes visible in ``scope``; visit what it holds."""
        if isinstance(item, ast.JoinExpr):
            self.from_item(item.larg, scope, ctes)
            self.from_item(item.rarg, scope, ctes)
            self.visit(item.quals, scope, ctes)
            return
        alias = item.alias.aliasname if getattr(item, "alias", None) is not None else None
        if isinstance(item, ast.RangeVar):
            name = alias or item.relname
            if not item.schemaname and item.relname in ctes:
                scope.items[name] = _Source(columns=_output_names(ctes[item.relname].ctequery, ctes))
            else:
                scope.items[name] = _Source(relation=(item.schemaname or "", item.relname))
        elif isinstance(item, ast.RangeSubselect):
            self.visit(item.subquery, scope if item.lateral else scope.outer, ctes)
            if alias is not None:
                element = _element_column(item.subquery)
                scope.items[alias] = _Source(columns=_output_names(item.subquery, ctes), element=element)
        elif isinstance(item, ast.RangeFunction):
            self.visit(item.functions, scope, ctes)
            if alias is not None:
                scope.items[alias] = _Source(columns=string_names(item.alias.colnames))

    def unnamed(self, target: ast.ResTarget) -> None:
        """Note a select item Redshift names by a path's last attribute (a cast of one too)."""
        value = target.val
        while isinstance(value, ast.TypeCast):
            value = value.arg
        named: ast.ColumnRef | str
        if isinstance(value, ast.ColumnRef) and len(value.fields or ()) >= 2:
            named = value
        elif _is_super(value, set()) and _is_string(value.rexpr):
            named = value.rexpr.val.sval
        else:
            return
        end = self.item_end(target.location)
        if end is not None:
            self.found.unnamed.append((end, named))

    def item_end(self, location: int | None) -> int | None:
        """Where the select item that starts at ``location`` ends (after its last token)."""
        index = self.at.get(location) if location is not None else None
        if index is None:
            return None
        depth, last = 0, None
        while index < len(self.tokens):
            token = self.tokens[index]
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(token.text, 0)
            if depth < 0 or (depth == 0 and (token.text in (",", ";") or token.word in SELECT_ITEM_ENDS)):
                break
            last = token
            index += 1
        return last.end if last is not None else None

    def path(self, node: ast.ColumnRef, scope: _Scope | None) -> None:
        fields = node.fields or ()
        if scope is None or len(fields) < 2 or not all(isinstance(f, ast.String) for f in fields):
            return
        first = self.at.get(node.location)
        if first is None:
            return
        names = self.tokens[first : first + 2 * len(fields) - 1 : 2]
        if len(names) == len(fields):
            self.found.paths.append(_Path(node, names, scope))

    def comparison(self, node: ast.A_Expr) -> None:
        """Note the string literals compared with a value (the operator's neighbours, an IN list's items)."""
        name = node.name[0].sval if node.name and isinstance(node.name[0], ast.String) else ""
        at = self.at.get(node.location) if node.location is not None else None
        if at is None:
            return
        if node.kind == A_Expr_Kind.AEXPR_OP and name in _COMPARISONS:
            for side, other, neighbour in (
                (node.lexpr, node.rexpr, at + 1),
                (node.rexpr, node.lexpr, at - 1),
            ):
                literal = self.tokens[neighbour] if 0 <= neighbour < len(self.tokens) else None
                if _is_string(other) and literal is not None and literal.name == "SCONST":
                    self.found.compared.append((side, literal))
        elif node.kind == A_Expr_Kind.AEXPR_IN:
            self.in_list(node, at + 1 if self.tokens[at].word == "IN" else at + 2)

    def in_list(self, node: ast.A_Expr, opening: int) -> None:
        if opening < len(self.tokens) and self.tokens[opening].text == "(":
            depth, index = 0, opening
            while index < len(self.tokens):
                token = self.tokens[index]
                depth += {"(": 1, ")": -1}.get(token.text, 0)
                if depth == 0:
                    break
                alone = self.tokens[index - 1].text in ("(", ",") and self.tokens[index + 1].text in (
                    ")",
                    ",",
                )
                if depth == 1 and token.name == "SCONST" and alone:
                    self.found.compared.append((node.lexpr, token))
                index += 1


def _is_string(node: Any) -> bool:
    return isinstance(node, ast.A_Const) and isinstance(node.val, ast.String)


def _element_column(subquery: Any) -> str | None:
    """The element column of an unnesting's or unpivoting's subquery (see unnesting.py)."""
    if not isinstance(subquery, ast.SelectStmt) or not subquery.fromClause or not subquery.targetList:
        return None
    source = subquery.fromClause[0]
    if not isinstance(source, ast.RangeFunction):
        return None
    call = source.functions[0][0]
    if isinstance(call, ast.FuncCall) and call.funcname[-1].sval in ELEMENT_FUNCTIONS:
        return subquery.targetList[0].name
    return None


def _output_names(select: Any, ctes: Mapping[str, Any]) -> frozenset[str]:
    if not isinstance(select, ast.SelectStmt):
        return frozenset()
    if select.op != SetOperation.SETOP_NONE:
        return _output_names(select.larg, ctes)
    names = set()
    for target in select.targetList or ():
        if target.name:
            names.add(target.name)
        elif isinstance(target.val, ast.ColumnRef) and isinstance(target.val.fields[-1], ast.String):
            names.add(target.val.fields[-1].sval)
    return frozenset(names)
