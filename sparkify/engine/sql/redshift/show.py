"""Redshift's SHOW commands that list the catalog (the ``show_discovery`` the endpoint reports: version 4),
answered from PostgreSQL's catalog with the columns a cluster returns.

Redshift's drivers build their metadata API on them (redshift_connector's get_schemas, get_tables,
get_columns, get_primary_keys, get_procedures …), and bind the names as parameters:
``SHOW COLUMNS FROM TABLE $1.$2.$3 LIKE $4``.  So each name is a value here: a parameter, a string literal,
or an identifier (folded to lower case unless quoted, as Redshift folds it).  Any database of the server
answers, as on a cluster: the session's own from its catalog, another one through the shim's
``database_rows`` (crossdb.sql), which runs the same listing there, as the session's role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.procedures import interval_type
from sparkify.engine.sql.redshift.quoted_names import ascii_lower
from sparkify.engine.sql.text import first_keyword, postgres_literal
from sparkify.engine.sql.tokens import SqlLexError, Token, closing_paren, split_arguments, tokens, words

#: Schemas SHOW SCHEMAS leaves out: a cluster's lists no pg_catalog (redshift_connector's suite says so of
#: today's clusters, and reads SHOW FUNCTIONS of pg_catalog only through it).
_HIDDEN_SCHEMAS = f"('pg_toast', 'pg_catalog', '{SHIM_SCHEMA}')"
_V = "::varchar"
#: A name as a client reads it: a name of 64 to 127 bytes is held under a stored name (long_names.sql).
_REAL = SHIM_SCHEMA + ".real_name({})::varchar"
#: The columns and FROM clause shared by the listings of one table or its columns.
_TABLE_NAMES = (
    f"current_database(){_V} AS database_name, {_REAL.format('n.nspname')} AS schema_name, "
    f"{_REAL.format('c.relname')} AS table_name"
)
_OF_TABLES = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
_OF_COLUMNS = (
    _OF_TABLES + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
)
#: A grant's columns, from ``g`` (its grantor, grantee, privilege_type and is_grantable) and the grantee's
#: identity ``i`` (sparkify_redshift.identities; none for PUBLIC).
_GRANTEE = (
    f"g.privilege_type{_V} AS privilege_type, g.grantee::integer AS identity_id, "
    f"coalesce({SHIM_SCHEMA}.real_name(i.identity_name::name), 'public'){_V} AS identity_name, "
    f"coalesce(i.identity_type, 'public'){_V} AS identity_type, "
    "g.is_grantable::boolean AS admin_option"
)
_IDENTITY = f"LEFT JOIN {SHIM_SCHEMA}.identities i ON i.identity_id = g.grantee "
#: The order a cluster lists grants in: by grantee, its users' (and groups') ids before its roles'.
_GRANT_ORDER = "(i.identity_type = 'role'), g.grantee, g.privilege_type"
#: The grants a client gave on a table (``c``): its owner's own rights are none of them, PostgreSQL's
#: MAINTAIN is no Redshift privilege, and Redshift's ALTER, DROP and RULE are recorded in the shim.
_TABLE_GRANTS = (
    "CROSS JOIN LATERAL (SELECT x.grantor, x.grantee, x.privilege_type, x.is_grantable "
    "FROM aclexplode(c.relacl) x WHERE x.grantee <> c.relowner AND x.privilege_type <> 'MAINTAIN' "
    "UNION ALL SELECT coalesce(p.grantor, c.relowner), p.grantee, p.privilege, p.grantable "
    f"FROM {SHIM_SCHEMA}.table_privileges p WHERE p.table_oid = c.oid) g "
)


@dataclass
class _Show:
    """A SHOW command's parts: its leading keywords, the values of its dotted name, its argument types,
    its LIKE pattern and its LIMIT."""

    keywords: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    arguments: list[str] | None = None
    like: str | None = None
    limit: str | None = None


def _value(token: Token) -> str:
    """A name part as an SQL value: a parameter or a literal as it is, an identifier folded or unquoted."""
    if token.name == "PARAM":
        return f"{token.text}::text"
    if token.name == "SCONST":
        return f"{token.text}::text"
    if token.text.startswith('"'):
        return postgres_literal(token.text[1:-1].replace('""', '"'))
    return postgres_literal(ascii_lower(token.text))


def _argument(written: list[Token]) -> str:
    """An argument type of a signature as an SQL value: a parameter or a literal as it is, words as written
    (Redshift's INTERVAL YEAR TO MONTH / DAY TO SECOND by their short names, as a signature names them)."""
    if len(written) == 1 and written[0].name in ("PARAM", "SCONST"):
        return f"{written[0].text}::text"
    replaced = interval_type(written, 0)
    if replaced and replaced[0][:2] == (written[0].start, written[-1].end):
        return postgres_literal(replaced[0][2])
    return postgres_literal(" ".join(token.text.lower() for token in written))


def _parse(found: list[Token]) -> _Show:
    show = _Show()
    parts = [token for token in found[1:] if token.text != ";"]
    index = 0
    while index < len(parts) and parts[index].word in _KEYWORDS:
        show.keywords.append(parts[index].word)
        index += 1
    while index < len(parts) and parts[index].word not in ("LIKE", "LIMIT") and parts[index].text != "(":
        if parts[index].text != ".":
            show.names.append(_value(parts[index]))
        index += 1
    if index < len(parts) and parts[index].text == "(":
        close = closing_paren(parts, index)
        items = split_arguments(parts, index + 1, close)
        show.arguments = [_argument(parts[first:last]) for first, last in items]
        index = close + 1
    while index + 1 < len(parts):
        if parts[index].word == "LIKE":
            show.like = _value(parts[index + 1])
        elif parts[index].word == "LIMIT":
            show.limit = str(int(parts[index + 1].text))
        index += 2
    return show


#: The first words of the SHOW commands this module answers.
SHOW_COMMANDS = frozenset(
    {"DATABASES", "SCHEMAS", "TABLES", "COLUMNS", "CONSTRAINTS", "GRANTS", "COLUMN"}
) | {
    "FUNCTIONS",
    "PROCEDURES",
    "PARAMETERS",
}
_KEYWORDS = (
    SHOW_COMMANDS
    | {"PRIMARY", "FOREIGN", "KEYS", "EXPORTED", "OF", "FUNCTION", "PROCEDURE", "FROM"}
    | {
        "DATABASE",
        "SCHEMA",
        "TABLE",
        "ON",
    }
)


def is_show_listing(sql: str) -> bool:
    """Whether ``sql`` is one of the catalog SHOW commands this module answers (its parameters are names
    and patterns)."""
    if first_keyword(sql) != "SHOW":  # asked at each Bind: no lexing of a long INSERT's text
        return False
    try:
        named = words(sql)
    except SqlLexError:
        return False
    return len(named) > 1 and named[1] in SHOW_COMMANDS


def show_statement(found: list[Token]) -> str | None:
    """The query answering a catalog SHOW command, or None when ``found`` is no such command."""
    show = _parse(found)
    if not show.keywords or show.keywords[0] not in SHOW_COMMANDS:
        return None
    kind = show.keywords[0]
    if kind == "CONSTRAINTS":
        kind = "FOREIGN" if "FOREIGN" in show.keywords else "PRIMARY"
        if "EXPORTED" in show.keywords:
            kind = "EXPORTED"
    elif kind == "PARAMETERS":
        kind = "PARAMETERS_PROCEDURE" if "PROCEDURE" in show.keywords else "PARAMETERS_FUNCTION"
    # The database may be left out (the session's), and the schema of SHOW TABLES / FUNCTIONS / PROCEDURES.
    expected = 1 if kind == "SCHEMAS" else 2 if kind in ("TABLES", "FUNCTIONS", "PROCEDURES") else 3
    names = ["current_database()"] * max(0, expected - len(show.names)) + show.names
    names = (names + ["''"] * 3)[:3]
    names[1:] = [name if name == "''" else f"{SHIM_SCHEMA}.stored_name({name})" for name in names[1:]]
    build = _QUERIES[kind]
    like = show.like or "'%'"
    query = build(database=names[0], schema=names[1], table=names[2], like=like, arguments=show.arguments)
    if kind != "DATABASES":  # pg_database is the cluster's: every database is listed from any
        query = f"({query}) UNION ALL {_elsewhere(build, query, names, like, show.arguments)}"
    return query + (f" LIMIT {show.limit}" if show.limit else "")


#: Stand-ins for the values in the text of a listing run in another database (see :func:`_elsewhere`).
_SLOT = "\x01slot{}\x01"


def _elsewhere(build, here: str, names: list[str], like: str, arguments: list[str] | None) -> str:  # type: ignore[no-untyped-def]
    """The listing's rows when the database named is another one: the same query, run there by the shim's
    database_rows (on a side connection, as the session's role), its values put in as literals by
    ``format``, its rows read back as the columns of ``here``."""
    values = [names[1], names[2], like, *(arguments or [])]
    slots = [_SLOT.format(number) for number in range(len(values))]
    there = build(
        database="current_database()",
        schema=slots[0],
        table=slots[1],
        like=slots[2],
        arguments=None if arguments is None else slots[3:],
    ).replace("%", "%%")
    for number, slot in enumerate(slots, 1):
        there = there.replace(slot, f"%{number}$L")
    return (
        f"SELECT r.* FROM {SHIM_SCHEMA}.database_rows({names[0]}, format($sparkify${there}$sparkify$, "
        f"{', '.join(values)}), current_setting('search_path')) j, "
        f"jsonb_to_record(j) AS r({_columns_of(here)})"
    )


def _columns_of(query: str) -> str:
    """The column definitions of a listing's select list, whose every item is written ``…::type AS name``."""
    found = tokens(query)
    items: list[list[Token]] = [[]]
    depth = 0
    for token in found[1:]:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0 and token.word == "FROM":
            break
        if depth == 0 and token.text == ",":
            items.append([])
        else:
            items[-1].append(token)
    definitions = []
    for item in items:
        cast = max(index for index, token in enumerate(item) if token.text == "::")
        if item[-2].word != "AS":
            raise ValueError(f"a listing's column without a name: {item}")
        name = f'"{item[-1].text}"'  # collation: a keyword as a column name
        definitions.append(f"{name} {' '.join(token.text for token in item[cast + 1 : -2])}")
    return ", ".join(definitions)


def _databases(*, like: str, **_: object) -> str:
    """Every database but the embedded server's own maintenance database (no cluster has a postgres)."""
    return (
        f"SELECT datname{_V} AS database_name, pg_get_userbyid(datdba){_V} AS database_owner, "
        f"'local'{_V} AS database_type, NULL{_V} AS database_acl, NULL{_V} AS parameters, "
        f"'Snapshot Isolation'{_V} AS database_isolation_level FROM pg_database "
        f"WHERE NOT datistemplate AND datname LIKE {like} "
        "AND (datname <> 'postgres' OR datname = current_database()) "
        "ORDER BY datname"
    )


def _schemas(*, database: str, like: str, **_: object) -> str:
    return (
        f"SELECT current_database(){_V} AS database_name, {_REAL.format('nspname')} AS schema_name, "
        f"nspowner::integer AS schema_owner, 'local'{_V} AS schema_type, "
        f"array_to_string(nspacl, ','){_V} AS schema_acl, NULL{_V} AS source_database, "
        f"NULL{_V} AS schema_option FROM pg_namespace WHERE current_database() = {database} "
        f"AND nspname NOT LIKE E'pg\\\\_temp\\\\_%' AND nspname NOT LIKE E'pg\\\\_toast\\\\_temp\\\\_%' "
        f"AND nspname NOT IN {_HIDDEN_SCHEMAS} AND {_REAL.format('nspname')} LIKE {like} "
        "ORDER BY nspname"
    )


def _tables(*, database: str, schema: str, like: str, **_: object) -> str:
    return (
        f"SELECT {_TABLE_NAMES}, CASE WHEN c.relkind IN ('v', 'm') THEN 'VIEW' ELSE 'TABLE' END{_V} "
        f"AS table_type, array_to_string(c.relacl, ','){_V} AS table_acl, "
        f"obj_description(c.oid, 'pg_class'){_V} AS remarks, pg_get_userbyid(c.relowner){_V} AS owner, "
        "NULL::timestamp AS last_altered_time, NULL::timestamp AS last_modified_time, "
        f"CASE WHEN c.relkind IN ('v', 'm') THEN NULL ELSE upper(coalesce(s.diststyle, 'auto')) END{_V} "
        f"AS dist_style, CASE c.relkind WHEN 'v' THEN 'REGULAR VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' "
        f"ELSE 'REGULAR TABLE' END{_V} AS table_subtype "
        f"{_OF_TABLES}LEFT JOIN {SHIM_SCHEMA}.table_style s ON s.table_oid = c.oid "
        f"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND current_database() = {database} "
        f"AND n.nspname = {schema} AND {_REAL.format('c.relname')} LIKE {like} ORDER BY c.relname"
    )


def _columns(*, database: str, schema: str, table: str, like: str, **_: object) -> str:
    return (
        f"SELECT {_TABLE_NAMES}, {_REAL.format('a.attname')} AS column_name, "
        "a.attnum::integer AS ordinal_position, "
        f"d.adsrc{_V} AS column_default, "
        "CASE WHEN a.attnotnull AND NOT coalesce(l.nullable_identity, false) THEN 'NO' ELSE 'YES' END"
        f"{_V} AS is_nullable, "
        f"{_DATA_TYPE}{_V} AS data_type, "
        f"{_SIZE.format('char_max_length')} AS character_maximum_length, "
        f"{_SIZE.format('numeric_precision')} AS numeric_precision, "
        f"{_SIZE.format('numeric_scale')} AS numeric_scale, "
        f"col_description(c.oid, a.attnum){_V} AS remarks, "
        f"CASE WHEN l.sortkey > 0 THEN 'COMPOUND' WHEN l.sortkey < 0 THEN 'INTERLEAVED' END{_V} "
        "AS sort_key_type, coalesce(l.sortkey, 0)::integer AS sort_key, "
        "coalesce(l.distkey, false)::integer AS dist_key, "
        f"coalesce(l.encoding, {SHIM_SCHEMA}.default_encoding(a.atttypid, coalesce(l.sortkey, 0))){_V} "
        f"AS encoding, NULL{_V} AS collation "
        # An IDENTITY column as a cluster shows it: "identity"(…) its default, nullable unless declared not.
        f"{_OF_COLUMNS}LEFT JOIN {SHIM_SCHEMA}.leader_pg_attrdef d "
        "ON d.adrelid = c.oid AND d.adnum = a.attnum "
        f"LEFT JOIN {SHIM_SCHEMA}.table_layout l ON l.table_oid = c.oid AND l.column_name = a.attname "
        f"WHERE current_database() = {database} AND n.nspname = {schema} AND c.relname = {table} "
        f"AND {_REAL.format('a.attname')} LIKE {like} ORDER BY a.attnum"
    )


_SIZE = "information_schema._pg_{}(a.atttypid, a.atttypmod)::integer"
#: A column's type as Redshift's SHOW COLUMNS names it (SUPER held as json).
#: Times and intervals keep their typmod, as a cluster's SHOW COLUMNS prints them (``time(3) without time
#: zone``, ``interval day to second(4)``): it tells Redshift's two INTERVAL types apart (PostgreSQL's
#: intervals of those ranges), and drivers read a declared fraction of a second from it.
_DATA_TYPE = (
    "CASE WHEN a.atttypid = 'json'::regtype THEN 'super' "
    "WHEN a.atttypid = 'bytea'::regtype THEN 'binary varying' "
    "WHEN a.atttypid IN ('interval'::regtype, 'time'::regtype, 'timetz'::regtype, 'timestamp'::regtype, "
    "'timestamptz'::regtype) THEN format_type(a.atttypid, a.atttypmod) "
    "ELSE format_type(a.atttypid, NULL) END"
)


def _primary_keys(*, database: str, schema: str, table: str, **_: object) -> str:
    """The recorded primary key (informational, as on Redshift: the adapter keeps it out of PostgreSQL)."""
    return (
        f"SELECT current_database(){_V} AS database_name, {_REAL.format('k.schema_name')} AS schema_name, "
        f"{_REAL.format('k.table_name')} AS table_name, {_REAL.format('k.column_name')} AS column_name, "
        "k.ordinal_position::integer AS key_seq, "
        f"k.constraint_name{_V} AS pk_name FROM {SHIM_SCHEMA}.key_columns k "
        f"WHERE k.contype = 'p' AND current_database() = {database} AND k.schema_name = {schema} "
        f"AND k.table_name = {table} ORDER BY k.ordinal_position"
    )


def _foreign_keys(side: str):  # type: ignore[no-untyped-def]
    """SHOW CONSTRAINTS FOREIGN KEYS (the table's own, ``fk``) or … EXPORTED (those naming it, ``pk``): the
    keys the DDL recorded (unenforced, as on Redshift), which leader_pg_constraint adds to PostgreSQL's."""

    def query(*, database: str, schema: str, table: str, **_: object) -> str:
        return (
            f"SELECT current_database(){_V} AS pk_database_name, "
            f"{_REAL.format('pn.nspname')} AS pk_schema_name, "
            f"{_REAL.format('pc.relname')} AS pk_table_name, {_REAL.format('pa.attname')} AS pk_column_name, "
            f"current_database(){_V} AS fk_database_name, {_REAL.format('fn.nspname')} AS fk_schema_name, "
            f"{_REAL.format('fc.relname')} AS fk_table_name, {_REAL.format('fa.attname')} AS fk_column_name, "
            "k.seq::integer AS key_seq, "
            "3::integer AS update_rule, 3::integer AS delete_rule, "
            f"f.conname{_V} AS fk_name, (SELECT p.conname FROM {SHIM_SCHEMA}.leader_pg_constraint p "
            f"WHERE p.conrelid = f.confrelid AND p.contype = 'p' LIMIT 1){_V} AS pk_name, "
            "7::integer AS deferrability "
            f"FROM {SHIM_SCHEMA}.leader_pg_constraint f, "
            "unnest(f.conkey, f.confkey) WITH ORDINALITY AS k(fk_attnum, pk_attnum, seq), "
            "pg_class fc, pg_namespace fn, pg_attribute fa, pg_class pc, pg_namespace pn, pg_attribute pa "
            "WHERE f.contype = 'f' AND fc.oid = f.conrelid AND fn.oid = fc.relnamespace "
            "AND fa.attrelid = fc.oid AND fa.attnum = k.fk_attnum AND pc.oid = f.confrelid "
            "AND pn.oid = pc.relnamespace AND pa.attrelid = pc.oid AND pa.attnum = k.pk_attnum "
            f"AND current_database() = {database} AND {side}n.nspname = {schema} "
            f"AND {side}c.relname = {table} "
            "ORDER BY pn.nspname, pc.relname, f.conname, k.seq"
        )

    return query


def _table_grants(*, database: str, schema: str, table: str, **_: object) -> str:
    return (
        f"SELECT current_database(){_V} AS database_name, {_REAL.format('n.nspname')} AS schema_name, "
        f"{_REAL.format('c.relname')} AS object_name, 'TABLE'{_V} AS object_type, {_GRANTEE}, "
        f"'TABLE'{_V} AS privilege_scope, pg_get_userbyid(g.grantor){_V} AS grantor_name "
        f"{_OF_TABLES}{_TABLE_GRANTS}{_IDENTITY}"
        f"WHERE current_database() = {database} AND n.nspname = {schema} AND c.relname = {table} "
        "AND (g.grantee = 0 OR i.identity_id IS NOT NULL) "
        f"ORDER BY {_GRANT_ORDER}"
    )


def _column_grants(*, database: str, schema: str, table: str, like: str, **_: object) -> str:
    return (
        f"SELECT {_TABLE_NAMES}, {_REAL.format('a.attname')} AS column_name, {_GRANTEE}, "
        f"pg_get_userbyid(g.grantor){_V} AS grantor_name {_OF_COLUMNS}"
        f"CROSS JOIN LATERAL aclexplode(a.attacl) g {_IDENTITY}"
        f"WHERE current_database() = {database} AND n.nspname = {schema} AND c.relname = {table} "
        f"AND {_REAL.format('a.attname')} LIKE {like} AND (g.grantee = 0 OR i.identity_id IS NOT NULL) "
        f"ORDER BY a.attnum, {_GRANT_ORDER}"
    )


def _routines(kind: str):  # type: ignore[no-untyped-def]
    """SHOW FUNCTIONS / SHOW PROCEDURES FROM SCHEMA d.s: ``kind`` is pg_proc's prokind, f or p."""
    label = "function" if kind == "f" else "procedure"

    def query(*, database: str, schema: str, like: str, **_: object) -> str:
        return (
            f"SELECT current_database(){_V} AS database_name, {_REAL.format('n.nspname')} AS schema_name, "
            f"{_REAL.format('p.proname')} AS {label}_name, "
            f"(SELECT count(*) FROM {SHIM_SCHEMA}.routine_parameters(p.oid) r "
            "WHERE r.parameter_type IN ('IN', 'INOUT'))::integer AS number_of_arguments, "
            f"{SHIM_SCHEMA}.routine_signature(p.oid){_V} AS argument_list, "
            f"{_RETURN_TYPES[kind]}{_V} AS return_type, obj_description(p.oid, 'pg_proc'){_V} AS remarks "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            f"WHERE p.prokind = '{kind}' AND current_database() = {database} AND n.nspname = {schema} "
            f"AND {_REAL.format('p.proname')} LIKE {like} ORDER BY p.proname, argument_list"
        )

    return query


#: A function's return type; a procedure's is its OUT arguments' record, none without them (Redshift's drivers
#: tell a procedure that returns a result by it).
_RETURN_TYPES = {
    "f": f"CASE WHEN p.prorettype = 0 THEN 'void' ELSE {SHIM_SCHEMA}.routine_type_name(p.prorettype) END",
    "p": "CASE WHEN p.prorettype IN (0, 'void'::regtype) THEN NULL ELSE format_type(p.prorettype, NULL) END",
}


def _parameters(kind: str):  # type: ignore[no-untyped-def]
    """SHOW PARAMETERS OF FUNCTION / PROCEDURE d.s.name(types): one row a parameter (and a function's
    return value), found by the name and the signature (routines.sql)."""
    label = "function" if kind == "f" else "procedure"

    def query(*, database: str, schema: str, table: str, like: str, arguments: list[str] | None) -> str:
        written = ", ".join(f"{SHIM_SCHEMA}.signature_type_name({argument})" for argument in arguments or [])
        return (
            f"SELECT current_database(){_V} AS database_name, {_REAL.format('n.nspname')} AS schema_name, "
            f"{_REAL.format('p.proname')} AS {label}_name, "
            f"{_REAL.format('r.parameter_name::name')} AS parameter_name, "
            f"r.ordinal_position::integer AS ordinal_position, r.parameter_type{_V} AS parameter_type, "
            f"r.data_type{_V} AS data_type, "
            "r.character_maximum_length::integer AS character_maximum_length, "
            "r.numeric_precision::integer AS numeric_precision, "
            "r.numeric_scale::integer AS numeric_scale "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, "
            f"{SHIM_SCHEMA}.routine_parameters(p.oid) r "
            f"WHERE p.prokind = '{kind}' AND current_database() = {database} AND n.nspname = {schema} "
            f"AND p.proname = {table} "
            f"AND {SHIM_SCHEMA}.routine_signature(p.oid) = array_to_string(ARRAY[{written}]::text[], ', ') "
            f"AND {_REAL.format('r.parameter_name::name')} LIKE {like} ORDER BY r.ordinal_position"
        )

    return query


_QUERIES = {
    "DATABASES": _databases,
    "SCHEMAS": _schemas,
    "TABLES": _tables,
    "COLUMNS": _columns,
    "PRIMARY": _primary_keys,
    "FOREIGN": _foreign_keys("f"),
    "EXPORTED": _foreign_keys("p"),
    "GRANTS": _table_grants,
    "COLUMN": _column_grants,
    "FUNCTIONS": _routines("f"),
    "PROCEDURES": _routines("p"),
    "PARAMETERS_FUNCTION": _parameters("f"),
    "PARAMETERS_PROCEDURE": _parameters("p"),
}
