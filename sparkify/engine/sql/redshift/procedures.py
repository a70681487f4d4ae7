"""Redshift's stored procedures on PostgreSQL's, rewritten on tokens.

PostgreSQL has procedures in PL/pgSQL with IN, INOUT and OUT arguments, RAISE, COMMIT and ROLLBACK,
refcursors and SECURITY DEFINER; what differs:

- **OUT arguments.** Redshift's CALL passes the IN and INOUT arguments only; PostgreSQL's wants a value
  for each OUT argument too.  An OUT argument is created as ``INOUT … DEFAULT NULL``, so that Redshift's
  CALL finds the procedure and its answer row still carries the OUT values.
- **NONATOMIC** (Redshift's mode in which each statement commits by itself) is PostgreSQL's way of
  running a procedure called outside a transaction block; the word goes.
- **The body is Redshift's SQL.** Its expressions get the same rewrites as any statement (DATEADD,
  NVL, GETDATE, DECODE …), and its CREATE TABLE statements lose Redshift's layout clauses.
- **SHOW PROCEDURE** answers the procedure's definition, in the column Redshift names.
"""

from __future__ import annotations

from sparkify.engine.sql.redshift.ddl import adapt_create_table
from sparkify.engine.sql.redshift.long_names import with_stored_names_in
from sparkify.engine.sql.redshift.rewrite import rewrite_expressions
from sparkify.engine.sql.text import postgres_literal
from sparkify.engine.sql.tokens import Token, closing_paren, replace_spans, split_arguments, tokens


def procedure_statement(sql: str, found: list[Token]) -> str | None:
    """The PostgreSQL statement for a CREATE PROCEDURE or SHOW PROCEDURE, or None for any other one."""
    words = [token.word for token in found[:5]]
    if words[:2] == ["SHOW", "PROCEDURE"]:
        return _show_procedure(sql, found)
    start = 3 if words[:3] == ["CREATE", "OR", "REPLACE"] else 1
    if words[:1] != ["CREATE"] or words[start : start + 1] != ["PROCEDURE"]:
        return None
    return _create_procedure(sql, found, start + 1)


def _create_procedure(sql: str, found: list[Token], name_index: int) -> str:
    open_index = next(index for index in range(name_index, len(found)) if found[index].text == "(")
    close = closing_paren(found, open_index)
    replacements = []
    for first, last in split_arguments(found, open_index + 1, close):
        for index in range(first, last):
            if found[index].word == "OUT":
                replacements.append((found[index].start, found[index].end, "INOUT"))
                replacements.append((found[last - 1].end, found[last - 1].end, " DEFAULT NULL"))
    for index in range(close + 1, len(found)):
        token = found[index]
        if token.word == "NONATOMIC":
            replacements.append((token.start, token.end, ""))
        elif token.name == "SCONST" and token.text.startswith("$") and found[index - 1].word == "AS":
            tag = token.text[: token.text.index("$", 1) + 1]
            body = token.text[len(tag) : -len(tag)]
            try:
                rewritten = rewrite_expressions(_tables_adapted(with_stored_names_in(body)))
            except ValueError:
                rewritten = body  # PL/pgSQL that is not lexically SQL: PostgreSQL says where
            replacements.append((token.start, token.end, f"{tag}{rewritten}{tag}"))
    return replace_spans(sql, replacements)


_STATEMENT_STARTS = frozenset(["BEGIN", "THEN", "ELSE", "LOOP"])


def _tables_adapted(body: str) -> str:
    """The body with each CREATE TABLE in PostgreSQL's DDL (Redshift's layout clauses go; a table made
    by a procedure has no layout recorded for pg_table_def)."""
    found = tokens(body)
    replacements = []
    for index, token in enumerate(found):
        starts = index > 0 and (found[index - 1].text == ";" or found[index - 1].word in _STATEMENT_STARTS)
        if token.word != "CREATE" or not starts:
            continue
        end = next((i for i in range(index, len(found)) if found[i].text == ";"), len(found))
        statement = body[token.start : found[end - 1].end]
        adapted = adapt_create_table(statement)[0]
        if adapted != statement:
            replacements.append((token.start, found[end - 1].end, adapted))
    return replace_spans(body, replacements)


def _show_procedure(sql: str, found: list[Token]) -> str:
    """``SHOW PROCEDURE name [(argument types)]``: the definition, as ``pg_get_functiondef`` writes it.

    The procedure is found by its name (the argument types, which would count the OUT arguments
    PostgreSQL holds as INOUT, are not compared): an overloaded name is PostgreSQL's error."""
    end = next((index for index in range(2, len(found)) if found[index].text in ("(", ";")), len(found))
    name = sql[found[2].start : found[end - 1].end]
    definition = f"pg_catalog.pg_get_functiondef({postgres_literal(name)}::regproc)"
    return f'SELECT {definition} AS "Stored Procedure Definition"'
