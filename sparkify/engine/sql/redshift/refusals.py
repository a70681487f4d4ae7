"""What PostgreSQL would run but Redshift refuses, found on tokens, with Redshift's own wording.

From the developer guide's "Unsupported PostgreSQL features", "functions" and "data types" pages.  A local
pass then predicts a cluster pass.
"""

from __future__ import annotations

from sparkify.engine.sql.redshift.leader import reads_no_user_table, reads_only_catalog
from sparkify.engine.sql.tokens import Token, is_call

# Statements Redshift does not have: "SQL command "…" not supported on Redshift tables."
_UNSUPPORTED_COMMANDS = [
    ("CREATE", "INDEX"),
    ("CREATE", "UNIQUE", "INDEX"),
    ("DROP", "INDEX"),
    ("REINDEX",),
    ("CREATE", "SEQUENCE"),
    ("ALTER", "SEQUENCE"),
    ("DROP", "SEQUENCE"),
    ("CREATE", "EXTENSION"),
    ("CREATE", "TRIGGER"),
    ("CREATE", "TABLESPACE"),
    ("CREATE", "TYPE"),
    ("CREATE", "DOMAIN"),
    ("CREATE", "RULE"),
    ("CREATE", "FOREIGN"),
    ("CREATE", "SERVER"),
    ("CREATE", "TEXT", "SEARCH"),
    ("LISTEN",),
    ("NOTIFY",),
    ("SAVEPOINT",),
    ("RELEASE",),
]

# Functions and types: "Specified types or functions (one per INFO message) not supported on Redshift tables."
_UNSUPPORTED_FUNCTIONS = frozenset(
    [
        "string_agg",
        "array_agg",
        "every",
        "xmlagg",
        "corr",
        "covar_pop",
        "covar_samp",
        "regr_avgx",
        "regr_avgy",
        "regr_count",
        "regr_intercept",
        "regr_r2",
        "regr_slope",
        "regr_sxx",
        "regr_sxy",
        "regr_syy",
        "clock_timestamp",
        "justify_days",
        "justify_hours",
        "justify_interval",
        "pg_sleep",
        "transaction_timestamp",
        "div",
        "setseed",
        "width_bucket",
        "generate_series",
        "generate_subscripts",
        "bit_length",
        "overlay",
        "convert_from",
        "convert_to",
        "encode",
        "format",
        "quote_nullable",
        "regexp_matches",
        "regexp_split_to_array",
        "regexp_split_to_table",
        "nextval",
        "currval",
        "setval",
        "lastval",
        "inet_client_addr",
        "inet_client_port",
        "inet_server_addr",
        "inet_server_port",
        "pg_conf_load_time",
        "pg_is_other_temp_schema",
        "pg_listening_channels",
        "pg_my_temp_schema",
        "pg_postmaster_start_time",
        "pg_trigger_depth",
        "current_query",
        "to_tsvector",
        "to_tsquery",
        "plainto_tsquery",
        "ts_rank",
        "ts_headline",
        "pg_advisory_lock",
        "pg_advisory_unlock",
        "pg_try_advisory_lock",
        "pg_advisory_xact_lock",
        "unnest",
        "array_length",
        "array_append",
        "array_cat",
        "array_to_string",
        "string_to_array",
        "json_agg",
        "json_build_object",
        "json_build_array",
        "json_object_agg",
        "row_to_json",
        "to_json",
        "to_jsonb",
        "jsonb_build_object",
        "jsonb_agg",
        "jsonb_set",
        "jsonb_path_query",
        "txid_current",
        "txid_current_snapshot",
        "xmlelement",
        "xmlforest",
        "xpath",
        # PostgreSQL's server file, program and large-object functions: PostgreSQL refuses them to every
        # client's role as well (none is a PostgreSQL superuser), this answers as Redshift does.
        "pg_read_file",
        "pg_read_binary_file",
        "pg_stat_file",
        "pg_ls_dir",
        "pg_ls_logdir",
        "pg_ls_waldir",
        "pg_ls_tmpdir",
        "pg_ls_archive_statusdir",
        "pg_file_write",
        "lo_import",
        "lo_export",
        "pg_reload_conf",
        "pg_rotate_logfile",
    ]
)
_UNSUPPORTED_TYPES = frozenset(
    [
        "serial",
        "serial4",
        "serial8",
        "bigserial",
        "smallserial",
        "serial2",
        "money",
        "uuid",
        "bytea",
        "bit",
        "varbit",
        "json",
        "jsonb",
        "xml",
        "inet",
        "cidr",
        "macaddr",
        "macaddr8",
        "tsvector",
        "tsquery",
        "txid_snapshot",
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "point",
        "line",
        "lseg",
        "box",
        "path",
        "polygon",
        "circle",
    ]
)
# Types a Redshift table's column cannot have, though expressions may (the catalog's oid and reg* casts, an
# INTERVAL literal): object identifiers, pseudo-types, and an INTERVAL without Redshift's YEAR TO MONTH or
# DAY TO SECOND qualifiers.
_UNSUPPORTED_COLUMN_TYPES = frozenset(
    [
        "oid",
        "xid",
        "xid8",
        "cid",
        "tid",
        "pg_lsn",
        "regproc",
        "regprocedure",
        "regoper",
        "regoperator",
        "regclass",
        "regtype",
        "regrole",
        "regnamespace",
        "regconfig",
        "regdictionary",
        "regcollation",
        "anyelement",
        "anyarray",
        "anynonarray",
        "anyenum",
        "anyrange",
        "anymultirange",
        "anycompatible",
        "anycompatiblearray",
        "anycompatiblenonarray",
        "anycompatiblerange",
        "anycompatiblemultirange",
        "cstring",
        "internal",
        "language_handler",
        "fdw_handler",
        "table_am_handler",
        "index_am_handler",
        "tsm_handler",
        "record",
        "trigger",
        "event_trigger",
        "pg_ddl_command",
        "void",
        "unknown",
        "opaque",
    ]
)
_INTERVAL_QUALIFIERS = frozenset(["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"])
# Operators of PostgreSQL's JSON, array, range and geometric types.
_UNSUPPORTED_OPERATORS = frozenset(["->", "->>", "#>", "#>>", "@>", "<@", "?|", "?&", "&&", "@@"])
_TYPE_POSITIONS = frozenset(["TYPECAST"])

FUNCTIONS_MESSAGE = "Specified types or functions (one per INFO message) not supported on Redshift tables."


def refusal(sql: str, found: list[Token]) -> str | None:
    """Redshift's error message for ``sql`` (its tokens ``found``) if Redshift refuses it, else None."""
    if reads_only_catalog(found):  # the leader node's PostgreSQL runs it as is
        return None
    leader = reads_no_user_table(found)
    return _command_refusal(sql, found) or _clause_refusal(found) or _function_or_type_refusal(found, leader)


def _command_refusal(sql: str, found: list[Token]) -> str | None:
    leading = [token.word for token in found[:4]]
    for command in _UNSUPPORTED_COMMANDS:
        if tuple(leading[: len(command)]) == command:
            return f'SQL command "{sql.strip().rstrip(";").strip()}" not supported on Redshift tables.'
    if leading[:2] == ["ROLLBACK", "TO"]:
        return 'SQL command "ROLLBACK TO SAVEPOINT" not supported on Redshift tables.'
    return None


def _clause_refusal(found: list[Token]) -> str | None:
    """Clauses Redshift's parser does not know: it answers with a syntax error at their first word."""
    words = [token.word for token in found]
    table_clauses = _table_clause_positions(found)
    table_ddl = words[:1] in (["CREATE"], ["ALTER"]) and "TABLE" in words[1:5]
    for index, word in enumerate(words):
        following = words[index + 1 : index + 4]
        opens = index + 1 < len(found) and found[index + 1].text == "("
        if table_ddl and (
            (word == "CHECK" and opens) or (word == "EXCLUDE" and (opens or following[:1] == ["USING"]))
        ):
            return _syntax_error(found[index], f"{word} constraints are not supported by Redshift")
        if word == "TABLESAMPLE":
            return _syntax_error(found[index], "TABLESAMPLE is not supported by Redshift")
        if word == "ON" and following[:1] == ["CONFLICT"]:
            return _syntax_error(
                found[index], "ON CONFLICT is not supported by Redshift; use MERGE, or DELETE then INSERT"
            )
        if word == "RETURNING":
            return _syntax_error(found[index], "RETURNING is not supported by Redshift")
        if word == "DISTINCT" and following[:1] == ["ON"]:
            return _syntax_error(
                found[index + 1], "DISTINCT ON is not supported by Redshift; use ROW_NUMBER()"
            )
        if (
            word == "FILTER"
            and index + 2 < len(found)
            and found[index + 1].text == "("
            and following[1:2] == ["WHERE"]
        ):
            return _syntax_error(found[index], "aggregate FILTER is not supported by Redshift; use CASE")
        if word == "LATERAL":
            return _syntax_error(found[index], "LATERAL is not supported by Redshift")
        if word == "IS" and following[:2] in (["DISTINCT", "FROM"], ["NOT", "DISTINCT"]):
            return _syntax_error(found[index], "IS [NOT] DISTINCT FROM is not supported by Redshift")
        if index in table_clauses and (
            word in ("INHERITS", "TABLESPACE") or (word == "PARTITION" and following[:1] == ["BY"])
        ):
            return _syntax_error(found[index], f"{word} is not supported by Redshift tables")
        if word == "ARRAY" and index + 1 < len(found) and found[index + 1].text == "[":
            return _syntax_error(found[index], "array constructors are not supported by Redshift")
        if word == "ROW" and index + 1 < len(found) and found[index + 1].text == "(":
            return _syntax_error(found[index], "row constructors are not supported by Redshift")
        if word == "VALUES" and (index == 0 or _opens_table(found, index - 1)):
            return _syntax_error(found[index], "VALUES lists as tables are not supported by Redshift")
        if word == "COLLATE" and following[:1] and following[0] not in ("CASE_SENSITIVE", "CASE_INSENSITIVE"):
            return "collations other than CASE_SENSITIVE and CASE_INSENSITIVE are not supported by Redshift"
    return None


def _table_clause_positions(found: list[Token]) -> set[int]:
    """Where a CREATE statement's own clauses stand: outside parentheses and before any AS query."""
    if not found or found[0].word != "CREATE":
        return set()
    positions = set()
    depth = 0
    for index, token in enumerate(found):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0:
            if token.word == "AS":
                break
            positions.add(index)
    return positions


def _opens_table(found: list[Token], paren_index: int) -> bool:
    """Whether ``found[paren_index]`` is a ``(`` opening a table expression (after FROM, JOIN or a comma)."""
    if found[paren_index].text != "(" or paren_index == 0:
        return False
    before = found[paren_index - 1]
    return before.word in ("FROM", "JOIN") or before.text == ","


def _syntax_error(token: Token, why: str) -> str:
    return f'syntax error at or near "{token.text}" ({why})'


# Functions of the leader node's PostgreSQL that a query reading no user table may call (the guide's
# GENERATE_SERIES examples, rows made from nothing); with a user or system table they are refused.
_LEADER_NODE_FUNCTIONS = frozenset(["generate_series"])


def _function_or_type_refusal(found: list[Token], leader: bool) -> str | None:
    """``leader``: the query reads no user table, and runs on the leader node."""
    for index, token in enumerate(found):
        name = token.word.lower()
        if leader and name in _LEADER_NODE_FUNCTIONS:
            continue
        if name in _UNSUPPORTED_FUNCTIONS and is_call(found, index):
            return f'{FUNCTIONS_MESSAGE} Function "{name}()" not supported.'
        if name in _UNSUPPORTED_TYPES and _in_type_position(found, index):
            column = _column_of(found, index)
            if column:
                return f'Column "{column}" has unsupported type "{_type_name(found, index)}".'
            return f'{FUNCTIONS_MESSAGE} Type "{name}" not supported.'
        if _unsupported_column_type(found, index):
            column = _column_of(found, index)
            if column:
                return f'Column "{column}" has unsupported type "{_type_name(found, index)}".'
        if token.name == "Op" and token.text in _UNSUPPORTED_OPERATORS:
            return f'{FUNCTIONS_MESSAGE} Operator "{token.text}" not supported.'
        if token.text == "[" and index + 1 < len(found) and found[index + 1].text == "]":
            return f'{FUNCTIONS_MESSAGE} Type "array" not supported.'
    return None


def _unsupported_column_type(found: list[Token], index: int) -> bool:
    """Whether the type at ``index`` is a column's in CREATE or ALTER TABLE that Redshift refuses there:
    an object identifier, a pseudo-type, a bare INTERVAL, or any array (``int[]``)."""
    name = found[index].word.lower()
    if not name or found[index - 1].name in _TYPE_POSITIONS or not _in_type_position(found, index):
        return False
    if name in _UNSUPPORTED_COLUMN_TYPES:
        return True
    if name == "interval":
        return index + 1 >= len(found) or found[index + 1].word not in _INTERVAL_QUALIFIERS
    return _type_end(found, index) + 1 < len(found) and found[_type_end(found, index) + 1].text == "["


def _type_end(found: list[Token], index: int) -> int:
    """The last token of the type name starting at ``index`` (``bit varying(5)``, ``numeric(10, 2)``)."""
    end = index
    while end + 1 < len(found) and found[end + 1].word in ("VARYING", "PRECISION", "ZONE", "WITH", "TIME"):
        end += 1
    if end + 1 < len(found) and found[end + 1].text == "(":
        depth = 0
        for position in range(end + 1, len(found)):
            depth += {"(": 1, ")": -1}.get(found[position].text, 0)
            if depth == 0:
                return position
    return end


def _type_name(found: list[Token], index: int) -> str:
    """The column's type as written (``bit varying``, ``int[]``), lower-cased."""
    end = _type_end(found, index)
    while end + 2 < len(found) and found[end + 1].text == "[" and found[end + 2].text == "]":
        end += 2
    text = ""
    for position in range(index, end + 1):
        piece = found[position].text.lower()
        glued = position == index or piece in _GLUED or found[position - 1].text in ("(", "[")
        text += piece if glued else f" {piece}"
    return text


_GLUED = frozenset(["(", ")", "[", "]", ","])


def _column_of(found: list[Token], index: int) -> str | None:
    """``table.column`` when the type at ``index`` is a column's in a CREATE or ALTER TABLE, else None."""
    words = [token.word for token in found]
    if (
        words[:1] not in (["CREATE"], ["ALTER"])
        or "TABLE" not in words[:4]
        or found[index - 1].name == "TYPECAST"
    ):
        return None
    table = words.index("TABLE") + 1
    while words[table] in ("IF", "NOT", "EXISTS", "ONLY"):
        table += 1
    while table + 2 < len(found) and found[table + 1].text == ".":
        table += 2
    return f"{_bare(found[table].text)}.{_bare(found[index - 1].text)}"


def _bare(name: str) -> str:
    return name.strip('"').lower()


def _in_type_position(found: list[Token], index: int) -> bool:
    """A cast's target (``::uuid``, ``CAST(x AS uuid)``) or a column's type in CREATE/ALTER TABLE."""
    previous = found[index - 1] if index > 0 else None
    if previous is None:
        return False
    if previous.name in _TYPE_POSITIONS:
        return True
    if previous.word == "AS" and _inside_cast(found, index):
        return True
    statement = [token.word for token in found[:3]]
    if statement[:1] in (["CREATE"], ["ALTER"]) and "TABLE" in [token.word for token in found[:6]]:
        # a column definition: "(" or "," then the column's name, then its type
        before_name = found[index - 2] if index > 1 else None
        return (
            bool(previous.word or previous.text.startswith('"'))
            and before_name is not None
            and (before_name.text in ("(", ",") or before_name.word == "COLUMN")
        )
    return False


def _inside_cast(found: list[Token], index: int) -> bool:
    depth = 0
    for position in range(index - 1, -1, -1):
        text = found[position].text
        if text == ")":
            depth += 1
        elif text == "(":
            if depth == 0:
                return position > 0 and found[position - 1].word == "CAST"
            depth -= 1
    return False
