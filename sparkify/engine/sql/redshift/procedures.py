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
- **Arguments' type modifiers.**  A cluster keeps a procedure's ``numeric(10,5)``, ``char(20)`` or
  ``varchar(256)`` for SHOW PARAMETERS (not a function's: its SQL UDFs keep none); PostgreSQL keeps none.
  They are recorded by the CREATE statement, run as a DO block with the recording, in the shim's
  routine_typmods (routines.sql).
- **INTERVAL YEAR TO MONTH / DAY TO SECOND** arguments and results.  PostgreSQL keeps no typmod on a
  routine's signature, which would make them both ``interval``; they are the shim's domains
  ``intervaly2m`` and ``intervald2s`` there (routines.sql), in every statement that names a routine by its
  signature (CREATE, DROP, ALTER, GRANT, REVOKE, COMMENT ON), so that SHOW PROCEDURES, SHOW PARAMETERS
  and Redshift's drivers read the types a cluster gives and the two are different routines' arguments.
- **A function beside a procedure.**  An OUT argument is no part of a cluster's procedure signature, but
  counts here (held as INOUT): a procedure ``p(r OUT int)`` and a function ``p(int)`` would collide.
  Whichever is created second, the procedure is made again with its OUT arguments of the shim's domains
  over their types (routines.sql's create_procedure and apart_from_procedure), and both stand.
"""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.parser import ParseError

from sparkify.engine.sql.redshift import SHIM_SCHEMA
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
    return with_recorded_typmods(_create_procedure(sql, found, start + 1), replacing=start == 3)


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


def with_recorded_typmods(statement: str, replacing: bool) -> str:
    """The CREATE PROCEDURE ``statement`` and the recording of its arguments' type modifiers, as one DO
    block (routines.sql's create_procedure, which also keeps a procedure of OUT arguments apart from a
    function of its signature here), when it declares one, replaces a procedure that may have had some or
    has OUT arguments; else as it is."""
    try:
        (parsed,) = parse_sql(statement)
    except (ParseError, ValueError):
        return statement  # PostgreSQL reports the error itself
    create = parsed.stmt
    if not isinstance(create, ast.CreateFunctionStmt) or not create.is_procedure:
        return statement
    parameters = create.parameters or ()
    types = [text for text in (_type_text(parameter.argType) for parameter in parameters) if text is not None]
    modified = any(parameter.argType.typmods for parameter in parameters)
    has_out = any(parameter.defexpr is not None for parameter in parameters)  # OUT: INOUT … DEFAULT NULL
    if len(types) < len(parameters) or not (replacing or modified or has_out):
        return statement  # a %TYPE argument; or nothing to record
    body = statement.strip().rstrip(";").strip()
    tag, outer = _dollar_tag("ddl", body), _dollar_tag("sparkify", body)
    name = ".".join(_quoted(part.sval) for part in create.funcname)
    signature = postgres_literal(f"{name}({', '.join(types)})")
    typmods = ", ".join(f"to_regtypemod({postgres_literal(text)})" for text in types)
    # The names are read as the session reads them (its search path), not as the recording function does.
    return (
        f"DO ${outer}$ BEGIN PERFORM {SHIM_SCHEMA}.create_procedure(${tag}${body}${tag}$, {signature}, "
        f"ARRAY[{typmods}]::integer[], {'true' if has_out else 'false'}); END ${outer}$"
    )


def beside_a_procedure(statement: str) -> str:
    """The CREATE FUNCTION ``statement`` made able to stand beside a procedure of its name whose OUT
    arguments alone give it the same signature here (``p(r OUT int)`` and a function ``p(int)``: two
    routines on a cluster, where an OUT argument is no part of a procedure's signature): that procedure is
    made again apart first (routines.sql's apart_from_procedure), in one DO block.  Any other statement as
    it is."""
    words = [token.word for token in tokens(statement)[:5]]
    if words[:1] != ["CREATE"] or "FUNCTION" not in words[1:4]:
        return statement
    try:
        (parsed,) = parse_sql(statement)
    except (ParseError, ValueError):
        return statement
    create = parsed.stmt
    if not isinstance(create, ast.CreateFunctionStmt) or create.is_procedure:
        return statement
    inputs = [p for p in create.parameters or () if p.mode.value not in ("o", "t")]
    types = [text for text in (_type_text(parameter.argType) for parameter in inputs) if text is not None]
    if len(types) < len(inputs):
        return statement
    name = ".".join(_quoted(part.sval) for part in create.funcname)
    body = statement.strip().rstrip(";").strip()
    tag, outer = _dollar_tag("ddl", body), _dollar_tag("sparkify", body)
    signature = postgres_literal(f"{name}({', '.join(types)})")
    return (
        f"DO ${outer}$ BEGIN PERFORM {SHIM_SCHEMA}.apart_from_procedure({signature}); "
        f"EXECUTE ${tag}${body}${tag}$; END ${outer}$"
    )


def _dollar_tag(word: str, body: str) -> str:
    """A dollar quote's tag that ``body`` does not hold."""
    while f"${word}$" in body:
        word += "_"
    return word


def _type_text(type_name: ast.TypeName) -> str | None:
    """A type as PostgreSQL reads it back (``"pg_catalog"."numeric"(10,5)``), its modifiers if they are
    numbers; None for a ``%TYPE``."""
    if type_name.pct_type:
        return None
    text = ".".join(_quoted(part.sval) for part in type_name.names)
    modifiers = [
        modifier.val.ival
        for modifier in type_name.typmods or ()
        if isinstance(modifier, ast.A_Const) and isinstance(modifier.val, ast.Integer)
    ]
    if modifiers and len(modifiers) == len(type_name.typmods or ()):
        text += "(" + ",".join(str(modifier) for modifier in modifiers) + ")"
    return text + "[]" * len(type_name.arrayBounds or ())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


_ROUTINE_STATEMENTS = frozenset(["CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "COMMENT"])
# The words before FUNCTION / PROCEDURE where a routine is named by its signature.
_BEFORE_ROUTINE = frozenset(["CREATE", "REPLACE", "DROP", "ALTER", "ON"])
_MODES = frozenset(["IN", "OUT", "INOUT", "VARIADIC"])
_INTERVAL_WORDS = frozenset(["INTERVAL", "INTERVALY2M", "INTERVALD2S"])
_YEAR_MONTH = frozenset(["YEAR", "MONTH"])
_DAY_SECOND = frozenset(["DAY", "HOUR", "MINUTE", "SECOND"])
_DOMAINS = {"INTERVALY2M": f"{SHIM_SCHEMA}.intervaly2m", "INTERVALD2S": f"{SHIM_SCHEMA}.intervald2s"}


def routine_signatures(sql: str, found: list[Token]) -> str:
    """``sql`` with Redshift's INTERVAL YEAR TO MONTH and DAY TO SECOND (or their short names) in a
    routine's arguments and result as the shim's domains; any other statement as it is."""
    words = [token.word for token in found]
    if words[:1] == [] or words[0] not in _ROUTINE_STATEMENTS or not _INTERVAL_WORDS & set(words):
        return sql
    kind = next(
        (
            index
            for index in range(1, len(found))
            if words[index] in ("FUNCTION", "PROCEDURE") and words[index - 1] in _BEFORE_ROUTINE
        ),
        None,
    )
    if kind is None:
        return sql
    replacements: list[tuple[int, int, str]] = []
    index = kind + 1
    while index < len(found):
        open_index = next((i for i in range(index, len(found)) if found[i].text == "("), None)
        if open_index is None:
            break
        close = closing_paren(found, open_index)
        for first, last in split_arguments(found, open_index + 1, close):
            replacements += _argument_type(found, first, last)
        index = close + 1
        if index < len(found) and words[index] == "RETURNS":
            replacements += interval_type(found, index + 1)
        if index >= len(found) or found[index].text != ",":  # DROP / GRANT name several: f(…), g(…)
            break
    return replace_spans(sql, replacements)


def _argument_type(found: list[Token], first: int, last: int) -> list[tuple[int, int, str]]:
    """The replacement of an argument's INTERVAL type (``[mode] [name] [mode] type [DEFAULT …]``: Redshift
    writes the mode before or after the name), if it has one."""
    at = [index for index in range(first, last) if index > first + 2 or found[index].word not in _MODES]
    if len(at) > 1 and found[at[1]].word in _INTERVAL_WORDS:
        return interval_type(found, at[1])  # a named argument
    unnamed = len(at) == 1 or (len(at) > 1 and (found[at[1]].word == "DEFAULT" or found[at[1]].text == "="))
    if at and (unnamed or found[at[0]].word == "INTERVAL"):
        return interval_type(found, at[0])
    return []


def interval_type(found: list[Token], index: int) -> list[tuple[int, int, str]]:
    """The replacement of the type at ``index`` by a domain when it is one of Redshift's two INTERVALs."""
    if index >= len(found) or found[index].word not in _INTERVAL_WORDS:
        return []
    if found[index].word in _DOMAINS:
        return [(found[index].start, found[index].end, _DOMAINS[found[index].word])]
    last = index + 1
    fields = set()
    while last < len(found) and found[last].word in _YEAR_MONTH | _DAY_SECOND | {"TO"}:
        fields.add(found[last].word)
        last += 1
    if last < len(found) and found[last].text == "(":  # a fraction of a second: the domain's own
        last = closing_paren(found, last) + 1
    fields.discard("TO")
    if not fields:
        return []
    domain = "INTERVALY2M" if fields <= _YEAR_MONTH else "INTERVALD2S" if fields <= _DAY_SECOND else None
    return [(found[index].start, found[last - 1].end, _DOMAINS[domain])] if domain else []
