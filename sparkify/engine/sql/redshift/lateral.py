"""Redshift's lateral column aliases in every query, on PostgreSQL's syntax tree (pglast).

The developer guide, SELECT list: "The alias is recognized right after it is defined in the target list.
You can use an alias in other expressions defined after it in the same target list … If there is a column
with the same name defined in the FROM clause as the previously aliased expression, the column in the FROM
clause takes priority."  WHERE clause: "You can use aliases in the WHERE clause to reference select list
expressions."  (HAVING: "you can't specify an alias that was defined in the select list" — PostgreSQL
refuses it too; ORDER BY and a bare GROUP BY name already take an output name on PostgreSQL.)

PostgreSQL has no lateral aliases: each use becomes the aliased expression in parentheses, as Redshift
"inlines the previously defined aliases".  Whether a name is a column of a FROM table only the session can
tell (its tables, its search_path, its uncommitted DDL): :func:`with_lateral_aliases` finds the uses in the
text alone (cached per text), asks ``columns_of`` for the columns of the tables named in FROM — once, and
only when there is a use — and writes the statement.  The columns of subqueries and WITH queries come from
the tree itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import SetOperation
from pglast.parser import ParseError

from sparkify.engine.sql.redshift.tree import SELECT_ITEM_ENDS, children, string_names, with_ctes
from sparkify.engine.sql.text import quote_ident, quote_literal, relation_oid
from sparkify.engine.sql.tokens import SqlLexError, Token, replace_spans, tokens

#: A table as named in FROM: (schema, name), the schema '' when unqualified; names as PostgreSQL folds them.
Relation = tuple[str, str]
#: The columns of each named table that exists in the session, in the table's order (a missing table is
#: left out).
ColumnLookup = Callable[[Collection[Relation]], Mapping[Relation, Sequence[str]]]

# What a FROM item gives: the columns of a table of the session, or names known from the text.
_Source = Relation | frozenset[str]


@dataclass(eq=False)
class _Scope:
    """One SELECT's FROM: where its names come from, and the enclosing query's FROM (a correlated name)."""

    sources: list[_Source]
    outer: _Scope | None


@dataclass(eq=False)
class _Alias:
    name: str
    start: int  # the aliased expression's span in the text
    end: int
    scope: _Scope


@dataclass(frozen=True, eq=False)
class _Use:
    start: int  # the name's span in the text
    end: int
    alias: _Alias
    #: The select item is the bare name: it keeps its output name (``(expression) AS name``).
    named_item: bool = False


@dataclass
class _Plan:
    uses: list[_Use] = field(default_factory=list)
    relations: set[Relation] = field(default_factory=set)


def with_lateral_aliases(sql: str, columns_of: ColumnLookup) -> str:
    """``sql`` (one statement in PostgreSQL's syntax) with each use of a select-list alias that is not a
    column of the FROM tables replaced by the aliased expression; unchanged when it has none."""
    plan = _plan(sql) if len(sql) <= _CACHED_TEXT else _plan_of(sql)
    if plan is None:
        return sql
    columns = dict(columns_of(sorted(plan.relations))) if plan.relations else {}
    resolved: dict[int, frozenset[str]] = {}

    def visible(scope: _Scope | None) -> frozenset[str]:
        names: frozenset[str] = frozenset()
        while scope is not None:
            if id(scope) not in resolved:
                resolved[id(scope)] = frozenset().union(
                    *(
                        source if isinstance(source, frozenset) else columns.get(source, frozenset())
                        for source in scope.sources
                    )
                )
            names |= resolved[id(scope)]
            scope = scope.outer
        return names

    active = [use for use in plan.uses if use.alias.name not in visible(use.alias.scope)]
    if not active:
        return sql
    texts: dict[int, str] = {}

    def text_of(alias: _Alias) -> str:
        if id(alias) not in texts:
            inner = [use for use in active if alias.start <= use.start and use.end <= alias.end]
            replaced = replace_spans(
                sql[alias.start : alias.end],
                [(use.start - alias.start, use.end - alias.start, replacement(use)) for use in inner],
            )
            texts[id(alias)] = replaced
        return texts[id(alias)]

    def replacement(use: _Use) -> str:
        expression = f"({text_of(use.alias)})"
        return f"{expression} AS {quote_ident(use.alias.name)}" if use.named_item else expression

    return replace_spans(sql, [(use.start, use.end, replacement(use)) for use in active])


def columns_in_session(cursor: Any) -> SessionColumns:
    """A lookup that asks the session of ``cursor`` (a DB-API cursor: psycopg2's, or the endpoint's own
    over the client's backend session) which columns the named tables have, as its search_path and
    transaction see them.  A missing table, or one in a schema the session may not use, has no columns: the
    query cannot fail (:func:`relation_oid`)."""
    return SessionColumns(cursor)


class SessionColumns:
    """The columns of the session's tables (a :data:`ColumnLookup`), and with :meth:`types` their types."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def __call__(self, relations: Collection[Relation]) -> Mapping[Relation, Sequence[str]]:
        return {relation: tuple(columns) for relation, columns in self.types(relations).items()}

    def types(self, relations: Collection[Relation]) -> Mapping[Relation, Mapping[str, str]]:
        """Each named table's columns, in order, with their types as ``format_type`` spells them."""
        ordered = list(relations)
        schemas = ", ".join(quote_literal(schema) for schema, _ in ordered)
        names = ", ".join(quote_literal(name) for _, name in ordered)
        self.cursor.execute(
            "SELECT r.ordinality, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod)"
            f" FROM unnest(ARRAY[{schemas}]::text[], ARRAY[{names}]::text[]) WITH ORDINALITY"
            " AS r(schema, name, ordinality)"
            f" JOIN pg_catalog.pg_attribute a ON a.attrelid = {relation_oid('r.schema', 'r.name')}"
            " WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY r.ordinality, a.attnum"
        )
        found: dict[Relation, dict[str, str]] = {}
        for ordinality, name, type_name in self.cursor.fetchall():
            found.setdefault(ordered[int(ordinality) - 1], {})[name] = type_name
        return found


class AskedLookup:
    """A column lookup (names, and :meth:`types` where it has them) that notes whether a translation asked
    it: a translation that did depends on the session's tables, and is no verdict or template for others.
    Without a lookup to ask, every table has no known columns."""

    def __init__(self, columns_of: ColumnLookup | None = None) -> None:
        self.columns_of = columns_of
        self.asked = False
        if columns_of is not None and not hasattr(columns_of, "types"):
            # A lookup of names only offers no types: the translation sees none to ask, as without it.
            self.types = None  # type: ignore[assignment,method-assign]

    def __call__(self, relations: Collection[Relation]) -> Mapping[Relation, Sequence[str]]:
        self.asked = True
        return self.columns_of(relations) if self.columns_of is not None else {}

    def types(self, relations: Collection[Relation]) -> Mapping[Relation, Mapping[str, str]]:
        self.asked = True
        return self.columns_of.types(relations) if self.columns_of is not None else {}  # type: ignore[attr-defined]


# --- finding the uses, on the text alone ----------------------------------------------------------------

_CACHED_TEXT = 8192


def uses_lateral_aliases(sql: str) -> bool:
    """Whether ``sql`` (PostgreSQL's syntax) uses a select-list alias where Redshift lets it stand."""
    return (_plan(sql) if len(sql) <= _CACHED_TEXT else _plan_of(sql)) is not None


def _plan_of(sql: str) -> _Plan | None:
    """The uses of lateral aliases in ``sql`` and the tables whose columns decide them; None if none."""
    if "select" not in sql.lower():
        return None
    try:
        statements = parse_sql(sql)
        found = tokens(sql)
    except (ParseError, SqlLexError):
        return None  # PostgreSQL reports it in its own words
    if len(statements) != 1:
        return None
    finder = _Finder(sql, found)
    finder.visit(statements[0].stmt, None, {})
    return finder.plan if finder.plan.uses else None


_plan = functools.lru_cache(maxsize=1024)(_plan_of)


class _Finder:
    """Walks one statement's tree: each SELECT's aliases and their uses in later items, WHERE and GROUP BY."""

    def __init__(self, sql: str, found: list[Token]) -> None:
        self.sql = sql
        self.found = found
        self.at = {token.start: index for index, token in enumerate(found)}
        self.plan = _Plan()

    def visit(self, node: Any, outer: _Scope | None, ctes: Mapping[str, Any]) -> None:
        """Every SELECT under ``node`` (a SELECT itself included), ``outer`` the scope around it."""
        if isinstance(node, ast.SelectStmt):
            self.select(node, outer, ctes)
            return
        if isinstance(node, ast.Node):
            ctes = with_ctes(node, ctes)
        for child in children(node):
            self.visit(child, outer, ctes)

    def select(self, select: ast.SelectStmt, outer: _Scope | None, ctes: Mapping[str, Any]) -> None:
        ctes = with_ctes(select, ctes)
        if select.withClause is not None:
            for cte in select.withClause.ctes or ():
                self.visit(cte.ctequery, outer, ctes)
        if select.op != SetOperation.SETOP_NONE:
            self.visit(select.larg, outer, ctes)
            self.visit(select.rarg, outer, ctes)
            return
        scope = _Scope(self.sources(select.fromClause or (), ctes), outer)
        for item in select.fromClause or ():
            self.visit(item, outer, ctes)  # subqueries in FROM see the enclosing query, not this one
        defined: dict[str, _Alias] = {}
        for target in select.targetList or ():
            if not isinstance(target, ast.ResTarget):
                continue
            bare = isinstance(target.val, ast.ColumnRef) and target.name is None
            self.uses(target.val, defined, scope, ctes, named_item=bare)
            if target.name:
                alias = self.alias(target, scope)
                if alias is not None:
                    defined[target.name] = alias
        self.uses(select.whereClause, defined, scope, ctes)
        for item in select.groupClause or ():
            if isinstance(item, ast.ColumnRef):  # a bare name: PostgreSQL takes an output name itself
                continue
            self.uses(item, defined, scope, ctes)
        for part in (select.havingClause, select.sortClause, select.limitCount, select.limitOffset):
            self.uses(part, {}, scope, ctes)

    def uses(
        self,
        node: Any,
        defined: Mapping[str, _Alias],
        scope: _Scope,
        ctes: Mapping[str, Any],
        *,
        named_item: bool = False,
    ) -> None:
        """The uses of ``defined`` aliases in the expression ``node``; its subqueries are queries of their
        own (``scope`` around them)."""
        if node is None:
            return
        if isinstance(node, ast.SelectStmt):
            self.visit(node, scope, ctes)
            return
        if isinstance(node, ast.ColumnRef):
            fields = node.fields or ()
            if len(fields) == 1 and isinstance(fields[0], ast.String) and fields[0].sval in defined:
                use = self.use(node, defined[fields[0].sval], named_item)
                if use is not None:
                    self.plan.uses.append(use)
            return
        for child in children(node):
            self.uses(child, defined, scope, ctes)

    def use(self, node: ast.ColumnRef, alias: _Alias, named_item: bool) -> _Use | None:
        index = self.at.get(node.location)
        if index is None or _folded(self.found[index]) != alias.name:
            return None
        token = self.found[index]
        return _Use(token.start, token.end, alias, named_item)

    def alias(self, target: ast.ResTarget, scope: _Scope) -> _Alias | None:
        """The span of ``target``'s expression, read off the tokens: up to ``AS name`` or ``name``."""
        first = self.at.get(target.location)
        if first is None:
            return None
        depth, index = 0, first
        while index < len(self.found):
            token = self.found[index]
            if token.text in ("(", "["):
                depth += 1
            elif token.text in (")", "]"):
                depth -= 1
            if depth < 0 or (depth == 0 and (token.text in (",", ";") or token.word in SELECT_ITEM_ENDS)):
                break
            index += 1
        last = index - 1
        if last <= first or _folded(self.found[last]) != target.name:
            return None
        end = last - 1 if self.found[last - 1].word == "AS" else last
        if end <= first:
            return None
        return _Alias(target.name, self.found[first].start, self.found[end - 1].end, scope)

    def sources(self, items: Collection[Any], ctes: Mapping[str, Any]) -> list[_Source]:
        """Where the names of FROM ``items`` come from; the tables are noted for the lookup."""
        sources: list[_Source] = []
        for item in items:
            sources += self.item_sources(item, ctes)
        return sources

    def item_sources(self, item: Any, ctes: Mapping[str, Any]) -> list[_Source]:
        renamed = _alias_columns(getattr(item, "alias", None))
        if isinstance(item, ast.RangeVar):
            if not item.schemaname and item.relname in ctes:
                cte = ctes[item.relname]
                named = string_names(cte.aliascolnames)
                return [named, *([] if named else self.output_sources(cte.ctequery, ctes))]
            relation = (item.schemaname or "", item.relname)
            self.plan.relations.add(relation)
            return [renamed, relation]
        if isinstance(item, ast.JoinExpr):
            return self.item_sources(item.larg, ctes) + self.item_sources(item.rarg, ctes) + [renamed]
        if isinstance(item, ast.RangeSubselect):
            return [renamed] if renamed else self.output_sources(item.subquery, ctes)
        if isinstance(item, ast.RangeFunction):
            names = {item.alias.aliasname} if item.alias else set()
            for function in item.functions or ():
                call = function[0] if isinstance(function, tuple | list) else function
                if isinstance(call, ast.FuncCall):
                    names.add(call.funcname[-1].sval)
            return [renamed | frozenset(names)]
        return [renamed]

    def output_sources(self, select: Any, ctes: Mapping[str, Any]) -> list[_Source]:
        """The output names of a subquery (a ``*`` stands for all the names of its FROM)."""
        if not isinstance(select, ast.SelectStmt):
            return []
        ctes = with_ctes(select, ctes)
        if select.op != SetOperation.SETOP_NONE:
            return self.output_sources(select.larg, ctes)
        names: set[str] = set()
        sources: list[_Source] = []
        for target in select.targetList or ():
            value = getattr(target, "val", None)
            if getattr(target, "name", None):
                names.add(target.name)
            elif isinstance(value, ast.ColumnRef) and isinstance(value.fields[-1], ast.A_Star):
                sources += self.sources(select.fromClause or (), ctes)
            else:
                names.add(_output_name(value))
        return [frozenset(names), *sources]


def _output_name(value: Any) -> str:
    """The name PostgreSQL gives an unnamed select item."""
    while isinstance(value, ast.TypeCast) and value.arg is not None:
        if not isinstance(value.arg, ast.ColumnRef | ast.FuncCall | ast.TypeCast):
            return value.typeName.names[-1].sval
        value = value.arg
    if isinstance(value, ast.ColumnRef) and isinstance(value.fields[-1], ast.String):
        return value.fields[-1].sval
    if isinstance(value, ast.FuncCall):
        return value.funcname[-1].sval
    return "?column?"


def _alias_columns(alias: Any) -> frozenset[str]:
    return string_names(alias.colnames) if alias is not None else frozenset()


def _folded(token: Token) -> str:
    """A name as PostgreSQL folds it ('' for anything that is not a name)."""
    if token.text.startswith('"'):
        return token.text[1:-1].replace('""', '"')
    return token.text.lower() if token.word else ""
