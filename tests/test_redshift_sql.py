"""Redshift's SQL surface beyond functions: refusals with Redshift's wording, DDL as Redshift reads it,
and the catalog views tutorials query — through the adapter on the embedded PostgreSQL."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

import sql_queries as q
from sparkify.config import load_config
from sparkify.engine.sql.adapter import translate
from sparkify.engine.sql.redshift.load_commits import NEXT_QUERY_ID
from sparkify.errors import UnsupportedStatementError
from sparkify.warehouse import connect
from tests.redshift_session import RedshiftSession

COMMAND = 'SQL command "{}" not supported on Redshift tables.'
TYPES = "Specified types or functions (one per INFO message) not supported on Redshift tables."


# (PostgreSQL-only SQL, Redshift's words refusing it)
REFUSED = [
    ("CREATE INDEX t_id ON t (id)", COMMAND.format("CREATE INDEX t_id ON t (id)")),
    ("create unique index u on t (id);", COMMAND.format("create unique index u on t (id)")),
    ("CREATE SEQUENCE s", COMMAND.format("CREATE SEQUENCE s")),
    ("CREATE EXTENSION hstore", COMMAND.format("CREATE EXTENSION hstore")),
    ("CREATE TRIGGER x AFTER INSERT ON t EXECUTE FUNCTION f()", "not supported on Redshift tables"),
    ("SAVEPOINT a", COMMAND.format("SAVEPOINT a")),
    ("CREATE TABLE t (id SERIAL)", 'Column "t.id" has unsupported type "serial".'),
    ("CREATE TABLE t (id bigserial, u uuid)", 'Column "t.id" has unsupported type "bigserial".'),
    ("CREATE TABLE t (doc jsonb)", 'Column "t.doc" has unsupported type "jsonb".'),
    ("CREATE TEMPORARY TABLE t1 (a bit varying)", 'Column "t1.a" has unsupported type "bit varying".'),
    ("CREATE TABLE t (a oid)", 'Column "t.a" has unsupported type "oid".'),
    ("create table t (a regclass)", 'Column "t.a" has unsupported type "regclass".'),
    ("CREATE TABLE t (a anyelement)", 'Column "t.a" has unsupported type "anyelement".'),
    ("CREATE TABLE t (a int, b record)", 'Column "t.b" has unsupported type "record".'),
    ("CREATE TABLE t (a interval)", 'Column "t.a" has unsupported type "interval".'),
    ("CREATE TABLE t (a int[])", 'Column "t.a" has unsupported type "int[]".'),
    ("CREATE TABLE t (a int[][])", 'Column "t.a" has unsupported type "int[][]".'),
    ("CREATE TABLE t (a varchar(5)[])", 'Column "t.a" has unsupported type "varchar(5)[]".'),
    ("ALTER TABLE t ADD COLUMN a oid", 'Column "t.a" has unsupported type "oid".'),
    ("SELECT CAST(x AS uuid) FROM t", f'{TYPES} Type "uuid" not supported.'),
    ("SELECT '{}'::json", f'{TYPES} Type "json" not supported.'),
    ("SELECT string_agg(name, ',') FROM t", f'{TYPES} Function "string_agg()" not supported.'),
    ("SELECT array_agg(name) FROM t", f'{TYPES} Function "array_agg()" not supported.'),
    ("SELECT generate_series(1, n) FROM t", f'{TYPES} Function "generate_series()" not supported.'),
    (
        "INSERT INTO t SELECT * FROM generate_series(1, 3)",
        f'{TYPES} Function "generate_series()" not supported.',
    ),
    ("SELECT nextval('s')", f'{TYPES} Function "nextval()" not supported.'),
    ("SELECT regexp_matches('a', 'a')", f'{TYPES} Function "regexp_matches()" not supported.'),
    ("SELECT doc->>'a' FROM t", f'{TYPES} Operator "->>" not supported.'),
    ("SELECT * FROM (VALUES (1), (2)) AS v (n)", 'syntax error at or near "VALUES"'),
    ("VALUES (1)", 'syntax error at or near "VALUES"'),
    ("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", 'syntax error at or near "ON"'),
    ("DELETE FROM t RETURNING id", 'syntax error at or near "RETURNING"'),
    ("SELECT DISTINCT ON (a) a FROM t", 'syntax error at or near "ON"'),
    ("SELECT count(*) FILTER (WHERE a > 1) FROM t", 'syntax error at or near "FILTER"'),
    ("SELECT * FROM t, LATERAL (SELECT 1) s", 'syntax error at or near "LATERAL"'),
    ("SELECT a IS DISTINCT FROM b FROM t", 'syntax error at or near "IS"'),
    ("SELECT ARRAY[1, 2]", 'syntax error at or near "ARRAY"'),
    ("SELECT ROW(1, 2)", 'syntax error at or near "ROW"'),
    ("CREATE TABLE t (a int) PARTITION BY RANGE (a)", 'syntax error at or near "PARTITION"'),
    ("CREATE TABLE c (b int) INHERITS (t)", 'syntax error at or near "INHERITS"'),
    ("CREATE TABLE c (b int CHECK (b > 0))", 'syntax error at or near "CHECK"'),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0)", 'syntax error at or near "CHECK"'),
    ("CREATE TABLE c (b int, EXCLUDE USING gist (b WITH =))", 'syntax error at or near "EXCLUDE"'),
    ("SELECT * FROM t TABLESAMPLE SYSTEM (10)", 'syntax error at or near "TABLESAMPLE"'),
    (
        'SELECT name COLLATE "C" FROM t',
        "collations other than CASE_SENSITIVE and CASE_INSENSITIVE are not supported",
    ),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_postgresql_only_sql_is_refused_with_redshifts_wording(sql: str, message: str) -> None:
    with pytest.raises(UnsupportedStatementError) as refused:
        translate(sql)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'CREATE INDEX', 'string_agg(x)' AS \"returning\" -- ON CONFLICT\n FROM t",
        "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t",
        "CREATE TABLE n AS SELECT a, ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) AS r FROM t",
        "INSERT INTO t (a, b) VALUES (1, 2), (3, 4)",
        "COPY t FROM 's3://b/k' IAM_ROLE default FORMAT AS JSON 'auto'",
        "SELECT tablespace FROM pg_tables",
        "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
        "CREATE TABLE t (oid int, record varchar(8), y2m interval year to month, d2s INTERVAL DAY TO SECOND)",
        "SELECT 'pg_class'::regclass::oid, INTERVAL '2 days' FROM t",
    ],
)
def test_what_redshift_accepts_is_not_refused(sql: str) -> None:
    translate(sql)


def _table_def(rs: RedshiftSession, table: str) -> list[tuple]:
    return rs.run(
        'SELECT "column", type, encoding, distkey, sortkey, notnull FROM pg_table_def '
        f"WHERE tablename = '{table}' ORDER BY \"column\""
    )


def test_pg_table_def_shows_the_layout_the_ddl_wrote(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS songplays")
    rs.run(q.songplay_table_create)
    rows = {row[0]: row[1:] for row in _table_def(rs, "songplays")}
    assert rows["start_time"] == ("timestamp without time zone", "none", True, 1, True)
    assert rows["songplay_id"] == ("bigint", "az64", False, 0, True)
    assert rows["location"] == ("character varying(512)", "lzo", False, 0, False)


def test_the_first_sort_key_gets_a_brin_index_that_the_catalog_does_not_show(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS songplays")
    rs.run(q.songplay_table_create)
    rs.run(q.songplay_table_create)  # IF NOT EXISTS: a second run changes nothing
    with rs.connection.cursor() as cursor:  # PostgreSQL's own catalog, past the adapter
        cursor.execute("SELECT indexdef FROM pg_catalog.pg_indexes WHERE tablename = 'songplays'")
        assert cursor.fetchall() == [
            ("CREATE INDEX songplays_sortkey_brin ON public.songplays USING brin (start_time)",)
        ]
    # A cluster has no index there, only the informational primary key: a tool must not take the sort key
    # for the key (awswrangler's upsert reads pg_indexes).
    indexes = rs.run("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'songplays'")
    assert indexes == [
        ("songplays_pkey", "CREATE UNIQUE INDEX songplays_pkey ON public.songplays USING btree (songplay_id)")
    ]
    assert rs.run("SELECT count(*) FROM pg_index WHERE indrelid = 'songplays'::regclass") == [(0,)]


def test_types_table_attributes_and_interleaved_keys(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS layout_demo")
    rs.run(
        "CREATE TABLE layout_demo (a INT ENCODE zstd, b TEXT, c BPCHAR, d NVARCHAR(10), e VARCHAR(MAX), "
        "f VARCHAR, g SUPER, PRIMARY KEY (a)) DISTSTYLE KEY DISTKEY (b) INTERLEAVED SORTKEY (a, b, c) "
        "BACKUP NO"
    )
    rows = {row[0]: row[1:] for row in _table_def(rs, "layout_demo")}
    assert rows["a"] == ("integer", "zstd", False, 1, True)  # a primary key column is NOT NULL
    assert rows["b"] == ("character varying(256)", "none", True, -2, False)
    assert rows["c"] == ("character(256)", "none", False, 3, False)
    assert rows["d"][0] == "character varying(10)"
    assert rows["e"][0] == "character varying(65535)"
    assert rows["f"][0] == "character varying(256)"
    assert rows["g"][0] == "super"
    assert rs.value("SELECT relpersistence FROM pg_class WHERE relname = 'layout_demo'") == "u"


def test_compound_sortkey_like_and_informational_keys(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS base_t, copy_t")
    rs.run(
        "CREATE TABLE base_t (id INT IDENTITY(1, 1), k INT UNIQUE, v VARCHAR(8) NOT NULL REFERENCES x (y)) "
        "COMPOUND SORTKEY (k, v)"
    )
    rs.run("CREATE TABLE copy_t (LIKE base_t)")
    assert [row[4] for row in _table_def(rs, "copy_t")] == [0, 1, 2]
    rs.run("INSERT INTO base_t (k, v) VALUES (1, 'a'), (1, 'a')")  # keys are informational on Redshift
    assert rs.run("SELECT id, k FROM base_t ORDER BY id") == [(1, 1), (2, 1)]


def _primary_key_catalog(rs: RedshiftSession, table: str) -> dict[str, list[tuple]]:
    """What each catalog a tool reads says about ``table``'s keys."""
    where = f"'{table}'"
    return {
        "pg_constraint": rs.run(
            "SELECT c.conname, c.contype, a.attname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            f"WHERE c.conrelid = {where}::regclass ORDER BY a.attnum"
        ),
        "table_constraints": rs.run(
            "SELECT constraint_name, constraint_type FROM information_schema.table_constraints "
            f"WHERE table_name = {where} AND constraint_type <> 'CHECK'"
        ),
        "key_column_usage": rs.run(
            "SELECT constraint_name, column_name, ordinal_position FROM information_schema.key_column_usage "
            f"WHERE table_name = {where} ORDER BY ordinal_position"
        ),
        "pg_indexes": rs.run(f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = {where}"),
    }


def test_the_catalog_shows_a_table_level_primary_key_and_not_the_sort_key_index(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS keyed_t")
    rs.run(
        'CREATE TABLE keyed_t ("id" BIGINT, "part" INT, "ts" TIMESTAMP, v VARCHAR(8), '
        'PRIMARY KEY ("id", "part")) DISTSTYLE AUTO SORTKEY ("ts")'
    )
    assert _primary_key_catalog(rs, "keyed_t") == {
        "pg_constraint": [
            ("keyed_t_pkey", "p", "id", "PRIMARY KEY (id, part)"),
            ("keyed_t_pkey", "p", "part", "PRIMARY KEY (id, part)"),
        ],
        "table_constraints": [("keyed_t_pkey", "PRIMARY KEY")],
        "key_column_usage": [("keyed_t_pkey", "id", 1), ("keyed_t_pkey", "part", 2)],
        "pg_indexes": [
            ("keyed_t_pkey", "CREATE UNIQUE INDEX keyed_t_pkey ON public.keyed_t USING btree (id, part)")
        ],
    }
    # Informational, as on Redshift: duplicates insert; but a primary key column is NOT NULL.
    rs.run("INSERT INTO keyed_t VALUES (1, 1, '2018-11-01', 'a'), (1, 1, '2018-11-01', 'b')")
    assert rs.value("SELECT count(*) FROM keyed_t WHERE id = 1") == 2
    with pytest.raises(psycopg2.errors.NotNullViolation, match='column "id"'):
        rs.run("INSERT INTO keyed_t (part) VALUES (1)")
    rs.run("DROP TABLE keyed_t")
    assert rs.run("SELECT count(*) FROM pg_constraint WHERE conname = 'keyed_t_pkey'") == [(0,)]


def test_named_and_unique_keys_and_a_table_without_keys(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS named_key_t, keyless_t")
    rs.run(
        "CREATE TABLE named_key_t (code CHAR(2), name VARCHAR(8) UNIQUE, a INT, b INT, "
        "CONSTRAINT named_key PRIMARY KEY (code), UNIQUE (a, b))"
    )
    rs.run("CREATE TABLE keyless_t (code CHAR(2) SORTKEY)")
    catalog = _primary_key_catalog(rs, "named_key_t")
    assert catalog["pg_constraint"] == [
        ("named_key", "p", "code", "PRIMARY KEY (code)"),
        ("named_key_t_name_key", "u", "name", "UNIQUE (name)"),
        ("named_key_t_a_b_key", "u", "a", "UNIQUE (a, b)"),
        ("named_key_t_a_b_key", "u", "b", "UNIQUE (a, b)"),
    ]
    assert sorted(catalog["table_constraints"]) == [
        ("named_key", "PRIMARY KEY"),
        ("named_key_t_a_b_key", "UNIQUE"),
        ("named_key_t_name_key", "UNIQUE"),
    ]
    assert [row[0] for row in catalog["pg_indexes"]] == ["named_key"]  # the primary key only
    rs.run("INSERT INTO named_key_t VALUES ('aa', 'x', 1, 1), ('bb', 'x', 1, 1)")  # unique: informational
    assert _primary_key_catalog(rs, "keyless_t") == {
        "pg_constraint": [],
        "table_constraints": [],
        "key_column_usage": [],
        "pg_indexes": [],
    }


def test_foreign_keys_in_the_catalog(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS fk_child_t, fk_parent_t")
    rs.run("CREATE TABLE fk_parent_t (id INT PRIMARY KEY, code INT UNIQUE)")
    rs.run(
        "CREATE TABLE fk_child_t (id INT, parent INT REFERENCES fk_parent_t, code INT, "
        "CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES fk_parent_t (code))"
    )
    catalog = _primary_key_catalog(rs, "fk_child_t")
    assert catalog["pg_constraint"] == [
        ("fk_child_t_parent_fkey", "f", "parent", "FOREIGN KEY (parent) REFERENCES fk_parent_t(id)"),
        ("fk_code", "f", "code", "FOREIGN KEY (code) REFERENCES fk_parent_t(code)"),
    ]
    assert sorted(catalog["table_constraints"]) == [
        ("fk_child_t_parent_fkey", "FOREIGN KEY"),
        ("fk_code", "FOREIGN KEY"),
    ]
    assert rs.run(
        "SELECT constraint_name, unique_constraint_name, match_option, delete_rule "
        "FROM information_schema.referential_constraints WHERE constraint_name LIKE 'fk_%' ORDER BY 1"
    ) == [
        ("fk_child_t_parent_fkey", "fk_parent_t_pkey", "NONE", "NO ACTION"),
        ("fk_code", "fk_parent_t_code_key", "NONE", "NO ACTION"),
    ]
    assert rs.run(
        "SELECT constraint_name, table_name, column_name FROM information_schema.constraint_column_usage "
        "WHERE constraint_name IN ('fk_code', 'fk_child_t_parent_fkey') ORDER BY 1"
    ) == [("fk_child_t_parent_fkey", "fk_parent_t", "id"), ("fk_code", "fk_parent_t", "code")]
    assert rs.run(
        "SELECT confrelid::regclass::text, confkey FROM pg_constraint WHERE conname = 'fk_code'"
    ) == [("fk_parent_t", [2])]
    rs.run("INSERT INTO fk_child_t VALUES (1, 99, 99)")  # informational: never enforced
    rs.run("DROP TABLE fk_child_t, fk_parent_t")


def test_a_recorded_keys_whole_pg_constraint_row(rs: RedshiftSession) -> None:
    """Every column of a recorded key's pg_constraint row, as a cluster's: informational (not enforced),
    no index, no parent; a foreign key's referenced table and columns, the others' none."""
    rs.run("DROP TABLE IF EXISTS row_child_t, row_parent_t")
    rs.run("CREATE TABLE row_parent_t (id INT PRIMARY KEY, code INT)")
    rs.run("CREATE TABLE row_child_t (id INT, parent INT REFERENCES row_parent_t)")
    rows = rs.run(
        "SELECT conname, connamespace::regnamespace::text, contype, condeferrable, condeferred, conenforced, "
        "convalidated, conrelid::regclass::text, contypid, conindid, conparentid, confrelid::regclass::text, "
        "confupdtype, confdeltype, confmatchtype, conislocal, coninhcount, connoinherit, conperiod, conkey, "
        "confkey, conpfeqop, conppeqop, conffeqop, confdelsetcols, conexclop, conbin IS NULL, "
        "oid >= 4000000000 "
        "FROM pg_catalog.pg_constraint WHERE conrelid IN ('row_parent_t'::regclass, 'row_child_t'::regclass) "
        "ORDER BY conname"
    )
    unused = (None, None, None, None, None, True, True)  # the operators, conbin, a recorded key's oid
    assert rows == [
        ("row_child_t_parent_fkey", "public", "f", False, False, False, True, "row_child_t", 0, 0, 0,
         "row_parent_t", "a", "a", "s", True, 0, True, False, [2], [1], *unused),
        ("row_parent_t_pkey", "public", "p", False, False, False, True, "row_parent_t", 0, 0, 0,
         "-", " ", " ", " ", True, 0, True, False, [1], None, *unused),
    ]  # fmt: skip
    rs.run("DROP TABLE row_child_t, row_parent_t")


def test_pg_get_constraintdef_of_a_constraint_postgresql_keeps(rs: RedshiftSession) -> None:
    """A domain's CHECK (PostgreSQL's own constraint, not a recorded key): PostgreSQL's definition, as
    SQLAlchemy's reflection of domains reads it; an oid of no constraint: NULL, as PostgreSQL's gives."""
    assert rs.run(
        "SELECT t.typname, pg_catalog.pg_get_constraintdef(c.oid, true) FROM pg_catalog.pg_constraint c "
        "JOIN pg_catalog.pg_type t ON t.oid = c.contypid WHERE t.typname = 'cardinal_number'"
    ) == [("cardinal_number", "CHECK (VALUE >= 0)")]
    assert rs.value("SELECT pg_catalog.pg_get_constraintdef(1::oid)") is None


def test_the_leader_nodes_key_views_plan_serially(rs: RedshiftSession) -> None:
    """A catalog query over the key views never starts parallel workers (their start would cost more
    than the query), even where the planner is told parallel work is free."""
    rs.run("SET parallel_setup_cost = 0")
    rs.run("SET parallel_tuple_cost = 0")
    rs.run("SET min_parallel_table_scan_size = 0")
    views = ["pg_constraint", "pg_index", "pg_indexes", "pg_attrdef", "columns", "table_constraints"]
    views += ["key_column_usage", "referential_constraints", "constraint_column_usage"]
    for view in views:
        plan = rs.run(f"EXPLAIN SELECT * FROM sparkify_redshift.leader_{view}")
        assert not any("Gather" in line for (line,) in plan), view
    assert any("Gather" in line for (line,) in rs.run("EXPLAIN SELECT * FROM pg_catalog.pg_attribute"))


def test_views_super_and_identity_in_catalog_queries(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS view_base_t CASCADE")
    rs.run("CREATE TABLE view_base_t (id INT IDENTITY(5, 2), doc SUPER)")
    rs.run("CREATE VIEW view_v AS SELECT id, doc FROM view_base_t WHERE id > 1")
    rs.run("CREATE VIEW late_v AS SELECT id FROM public.view_base_t WITH NO SCHEMA BINDING")
    assert rs.value("SELECT pg_get_viewdef('view_v'::regclass, true)") == (
        "SELECT view_base_t.id, view_base_t.doc FROM view_base_t WHERE view_base_t.id > 1;"
    )
    assert rs.value("SELECT pg_catalog.pg_get_viewdef(oid) FROM pg_class WHERE relname = 'late_v'") == (
        "CREATE VIEW late_v AS SELECT id FROM public.view_base_t WITH NO SCHEMA BINDING"
    )
    table_oid = rs.value("SELECT 'view_base_t'::regclass::oid")
    assert rs.run(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, d.adsrc, a.attisdistkey "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = 'view_base_t'::regclass AND a.attnum > 0 ORDER BY a.attnum"
    ) == [
        ("id", "integer", False, f""""identity"({table_oid}, 0, '5,2'::text)""", False),
        ("doc", "super", False, None, False),
    ]
    rs.run("DROP TABLE view_base_t CASCADE")


def test_alter_table_append_moves_the_rows(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS target_t, source_t")
    rs.run("CREATE TABLE target_t (a INT, b VARCHAR(4))")
    rs.run("CREATE TABLE source_t (b VARCHAR(4), a INT, extra INT)")
    rs.run("INSERT INTO source_t VALUES ('x', 1, 9), ('y', 2, 9)")
    with pytest.raises(Exception, match="columns \\(extra\\)"):
        rs.run("ALTER TABLE target_t APPEND FROM source_t")
    rs.run("ALTER TABLE target_t APPEND FROM source_t IGNOREEXTRA")
    assert rs.run("SELECT a, b FROM target_t ORDER BY a") == [(1, "x"), (2, "y")]
    assert rs.value("SELECT count(*) FROM source_t") == 0


def test_case_insensitive_collation_and_quoted_identifiers_fold(rs: RedshiftSession) -> None:
    rs.run('DROP TABLE IF EXISTS "MixedCase"')
    rs.run('CREATE TABLE "MixedCase" ("Name" VARCHAR(10) COLLATE CASE_INSENSITIVE)')
    rs.run("INSERT INTO mixedcase VALUES ('Alice')")
    assert rs.value("SELECT count(*) FROM MIXEDCASE WHERE name = 'ALICE'") == 1
    assert rs.columns('SELECT name AS "TheName" FROM "MIXEDCASE"') == ["thename"]


def test_backslash_escapes_in_literals_read_as_on_redshift(rs: RedshiftSession) -> None:
    assert rs.value("SELECT 'a\\\\b'") == "a\\b"
    assert rs.value("SELECT len('tab\\there')") == 8
    assert rs.run("SELECT 'it\\'s', 'two''quotes' -- it\\'s\n") == [("it's", "two'quotes")]


def test_svv_table_info_stv_sessions_and_stl_load_commits(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS info_t, empty_t")
    rs.run("CREATE TABLE info_t (k INT DISTKEY, v INT SORTKEY)")
    rs.run("CREATE TABLE empty_t (k INT)")
    rs.run("INSERT INTO info_t VALUES (1, 2), (3, 4)")
    rows = rs.run(
        'SELECT "table", diststyle, sortkey1, sortkey1_enc, tbl_rows, encoded FROM svv_table_info '
        'ORDER BY "table"'
    )
    assert ("info_t", "KEY(k)", "v", "none", 2, "Y, AUTO(ENCODE)") in rows
    assert all(row[0] != "empty_t" for row in rows)
    assert rs.value("SELECT count(*) FROM stv_sessions WHERE process = pg_backend_pid()") == 1
    assert rs.value("SELECT count(*) FROM stl_load_commits WHERE query = -1") == 0


def test_the_scripts_embedded_path_speaks_redshift(write_config, tmp_path) -> None:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as warehouse:
        warehouse.execute(q.time_table_create)
        _, rows = warehouse.query("SELECT \"column\", sortkey FROM pg_table_def WHERE tablename = 'time'")
        assert ("start_time", 1) in rows
        sql = "SELECT datediff(week, a, b) FROM (SELECT date '2009-01-01' a, date '2009-12-31' b) t"
        assert warehouse.query(translate(sql))[1] == [(52,)]


def test_redshift_statements_postgresql_spells_otherwise(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS base_m, src_m CASCADE")
    rs.run("CREATE TABLE base_m (a INT, b VARCHAR(10))")
    rs.run("CREATE VIEW view_m AS SELECT a FROM public.base_m WITH NO SCHEMA BINDING")
    rs.run(
        "CREATE MATERIALIZED VIEW mv_m BACKUP NO DISTSTYLE EVEN SORTKEY (a) AUTO REFRESH YES "
        "AS SELECT a, count(*) AS n FROM base_m GROUP BY a"
    )
    rs.run("ALTER TABLE base_m ADD COLUMN c VARCHAR ENCODE zstd")
    rs.run("ALTER TABLE base_m ALTER DISTSTYLE EVEN")
    rs.run("VACUUM FULL base_m TO 75 PERCENT")
    assert _table_def(rs, "base_m")[2][:2] == ("c", "character varying(256)")
    assert rs.run("ANALYZE COMPRESSION base_m")[0][:3] == ("base_m", "a", "az64")
    rs.run("CREATE TABLE src_m (a INT, b VARCHAR(10))")
    rs.run("INSERT INTO src_m VALUES (1, 'new'), (5, 'five')")
    rs.run("INSERT INTO base_m (a, b) VALUES (1, 'old'), (2, 'two')")
    rs.run("MERGE INTO base_m USING src_m ON base_m.a = src_m.a REMOVE DUPLICATES")
    assert rs.run("SELECT a, b FROM base_m ORDER BY a") == [(1, "new"), (2, "two"), (5, "five")]
    rs.run(
        "MERGE INTO base_m USING src_m s ON base_m.a = s.a WHEN MATCHED THEN UPDATE SET b = 'upd' "
        "WHEN NOT MATCHED THEN INSERT (a, b) VALUES (s.a, s.b)"
    )
    assert rs.value("SELECT count(*) FROM base_m WHERE b = 'upd'") == 2


def test_hash_temporary_tables_and_convert(rs: RedshiftSession) -> None:
    rs.run("CREATE TABLE #scratch (a INT DISTKEY, b VARCHAR(10)) SORTKEY (a)")
    rs.run("INSERT INTO #scratch VALUES (1, 'x')")
    assert rs.run("SELECT a, b FROM #scratch") == [(1, "x")]
    rs.run("SELECT a INTO #copied FROM #scratch")
    assert rs.value("SELECT relpersistence FROM pg_class WHERE relname = '#copied'") == "t"
    assert rs.value("SELECT relpersistence FROM pg_class WHERE relname = '#scratch'") == "t"
    assert rs.run("SELECT convert(integer, 12.7), convert(varchar(5), 'abcdefg')") == [(13, "abcde")]


def test_redshift_session_settings(rs: RedshiftSession) -> None:
    assert rs.value("SHOW enable_result_cache_for_session") == "on"
    rs.run("SET enable_result_cache_for_session TO off")
    assert rs.value("SHOW enable_result_cache_for_session") == "off"
    rs.run("RESET enable_result_cache_for_session")
    assert rs.value("SHOW enable_result_cache_for_session") == "on"
    rs.run("SET query_group TO 'reports'")
    assert rs.value("SHOW query_group") == "reports"
    assert rs.value("SELECT current_setting('TimeZone')") == "UTC"


def test_more_catalog_views(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS cat_t")
    rs.run("CREATE TABLE cat_t (k INT NOT NULL, v VARCHAR(12))")
    assert ("public", "cat_t", "BASE TABLE") in [row[1:4] for row in rs.run("SELECT * FROM svv_tables")]
    columns = rs.run(
        "SELECT column_name, data_type, character_maximum_length FROM svv_columns "
        "WHERE table_name = 'cat_t' ORDER BY ordinal_position"
    )
    assert columns == [("k", "integer", None), ("v", "character varying", 12)]
    assert rs.value("SELECT count(*) FROM stv_recents WHERE pid = pg_backend_pid()") == 1
    assert rs.value("SELECT count(*) FROM stl_load_errors") == 0


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE EXTERNAL SCHEMA s FROM DATA CATALOG DATABASE 'd' IAM_ROLE 'r'", "Redshift Spectrum"),
        ("CREATE LIBRARY l LANGUAGE plpythonu FROM 's3://b/l.zip'", "CREATE LIBRARY"),
    ],
)
def test_cluster_only_features_are_refused_locally(sql: str, message: str) -> None:
    with pytest.raises(UnsupportedStatementError, match=message):
        translate(sql)


def test_minus_default_numeric_varbyte_and_local_only_types(rs: RedshiftSession) -> None:
    assert rs.run("SELECT 1 AS a UNION SELECT 2 MINUS SELECT 1") == [(2,)]
    rs.run("DROP TABLE IF EXISTS numbers_t")
    rs.run("CREATE TABLE numbers_t (d DECIMAL, v VARBYTE(10), n NUMERIC(10, 2))")
    rs.run("INSERT INTO numbers_t VALUES (1.5, 'ab', 1.555)")
    assert rs.run("SELECT d, n FROM numbers_t") == [(2, Decimal("1.56"))]
    with pytest.raises(UnsupportedStatementError, match="GEOMETRY type is not supported by the local engine"):
        translate("CREATE TABLE geo (g GEOMETRY)")
    with pytest.raises(
        UnsupportedStatementError, match="HLLSKETCH type is not supported by the local engine"
    ):
        translate("CREATE TABLE sketches (s HLLSKETCH)")


def test_show_listings_and_schema_quotas(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS listed_t")
    rs.run("CREATE TABLE listed_t (k INT, v VARCHAR(3))")
    database = rs.value("SELECT current_database()")
    tables = rs.run(f"SHOW TABLES FROM SCHEMA {database}.public")
    assert ("public", "listed_t", "TABLE") in [row[1:4] for row in tables]
    columns = rs.run(f"SHOW COLUMNS FROM TABLE {database}.public.listed_t")
    assert [(row[3], row[7]) for row in columns] == [("k", "integer"), ("v", "character varying")]
    assert "public" in [row[1] for row in rs.run(f"SHOW SCHEMAS FROM DATABASE {database}")]
    # svv_all_* list every database of the server (as a cluster's do): this one's rows, by database_name.
    here = "database_name = current_database()"
    listed = f"SELECT table_type FROM pg_catalog.svv_all_tables WHERE table_name = 'listed_t' AND {here}"
    assert rs.run(listed) == [("TABLE",)]
    assert rs.value(f"SELECT count(*) FROM svv_all_columns WHERE table_name = 'listed_t' AND {here}") == 2
    assert rs.value(f"SELECT count(*) FROM svv_redshift_tables WHERE table_name = 'listed_t' AND {here}") == 1
    assert rs.value("SELECT count(*) FROM stl_undone") == 0
    # among other relations too, as dbt's get_columns_in_relation names it between its CTEs
    external = "WITH t AS (SELECT 1 AS n) SELECT count(*) FROM t, pg_catalog.svv_external_columns"
    assert rs.value(external) == 0
    # logins are the endpoint's to record (tests/test_endpoint_wire.py); the in-process path logs none
    assert rs.value("SELECT count(*) FROM stl_connection_log WHERE event = 'authenticated'") >= 0
    public = f"SELECT count(*) FROM pg_catalog.svv_all_schemas WHERE schema_name = 'public' AND {here}"
    assert rs.value(public) == 1
    assert database in [row[0] for row in rs.run("SHOW DATABASES")]
    assert rs.run(f"SHOW CONSTRAINTS PRIMARY KEYS FROM TABLE {database}.public.listed_t") == []
    # a cluster lists the grants given, not the owner's own rights
    assert rs.run(f"SHOW GRANTS ON TABLE {database}.public.listed_t") == []
    rs.run("GRANT SELECT ON listed_t TO PUBLIC")
    grants = rs.run(f"SHOW GRANTS ON TABLE {database}.public.listed_t")
    assert [(row[4], row[6], row[7], row[8]) for row in grants] == [("SELECT", "public", "public", False)]
    rs.run(
        "CREATE OR REPLACE FUNCTION listed_f (INTEGER) RETURNS INTEGER IMMUTABLE AS 'SELECT $1' LANGUAGE sql"
    )
    functions = rs.run(f"SHOW FUNCTIONS FROM SCHEMA {database}.public LIKE 'listed%'")
    assert [(row[2], row[4], row[5]) for row in functions] == [("listed_f", "integer", "integer")]
    parameters = rs.run(f"SHOW PARAMETERS OF FUNCTION {database}.public.listed_f(integer)")
    assert [(row[4], row[5], row[6]) for row in parameters] == [
        (0, "RETURN", "integer"),
        (1, "IN", "integer"),
    ]
    assert rs.run(f"SHOW PROCEDURES FROM SCHEMA {database}.public LIKE 'listed%'") == []
    rs.run("CREATE SCHEMA IF NOT EXISTS quota_s QUOTA 50 GB")
    rs.run("ALTER SCHEMA quota_s QUOTA UNLIMITED")
    assert rs.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'quota_s'") == 1
    assert rs.value("SELECT count(*) >= 0 FROM stl_query, stl_querytext, svl_qlog, sys_query_history") is True
    assert rs.value("SELECT current_user_id > 0") is True


def test_default_column_names_are_redshifts(rs: RedshiftSession) -> None:
    sql = (
        "SELECT dateadd(day, 1, '2008-01-01'), datediff(day, '2008-01-01', '2008-01-02'), "
        "date_part(year, date '2008-01-01'), extract(year FROM date '2008-01-01'), nvl(NULL, 1), "
        "decode(1, 1, 'a'), (SELECT median(n) FROM (SELECT 1 AS n) s) AS m"
    )
    assert rs.columns(sql) == ["date_add", "date_diff", "pgdate_part", "date_part", "coalesce", "case", "m"]


def test_a_clients_search_path_keeps_the_redshift_functions(rs: RedshiftSession) -> None:
    rs.run("CREATE SCHEMA IF NOT EXISTS app")
    rs.run("SET search_path TO app, public")
    assert rs.value("SHOW search_path") == "app, public"
    assert rs.value("SELECT trunc(timestamp '2011-07-21 10:32:38')") == datetime.date(2011, 7, 21)
    assert rs.value("SELECT count(*) >= 0 FROM pg_table_def") is True
    assert rs.value("SELECT current_schemas(false)") == ["app", "public"]
    rs.run("RESET search_path")
    assert rs.value("SHOW search_path") == '"$user", public'


def copy_inputs(tmp_path: Path, files: dict[str, str]) -> None:
    """The folders write_config names, and ``files`` (name -> JSON lines) under tmp_path/in/ to COPY."""
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    (tmp_path / "in").mkdir()
    for name, text in files.items():
        (tmp_path / "in" / name).write_text(text)


def test_a_copy_records_its_files_in_stl_load_commits(write_config, tmp_path) -> None:
    copy_inputs(tmp_path, {"a.json": '{"k": 1}\n{"k": 2}\n', "b.json": '{"k": 3}\n'})
    with connect(load_config(write_config())) as warehouse:
        warehouse.execute("CREATE TABLE loaded (k INT)")
        warehouse.execute(f"COPY loaded FROM '{tmp_path}/in/' IAM_ROLE default FORMAT AS JSON 'auto'")
        warehouse.commit()
        _, rows = warehouse.query(
            "SELECT query, trim(name), lines_scanned, errors, status FROM stl_load_commits ORDER BY name"
        )
        _, counts = warehouse.query("SELECT pg_last_copy_count(), pg_last_copy_id()")
    ((count, copy_id),) = counts  # the query history's id of the COPY
    assert rows == [(copy_id, "a.json", 2, 0, 1), (copy_id, "b.json", 1, 0, 1)]
    assert count == 3 and copy_id > 0


def test_a_copy_numbers_itself_from_the_index_not_from_every_earlier_load(write_config, tmp_path) -> None:
    """Every load adds a row per file to stl_load_commits: the next COPY's number must not read them all."""
    copy_inputs(tmp_path, {"a.json": '{"k": 1}\n'})
    with connect(load_config(write_config())) as warehouse:
        warehouse.execute("CREATE TABLE loaded (k INT)")
        for _ in range(2):
            warehouse.execute(f"COPY loaded FROM '{tmp_path}/in/' IAM_ROLE default FORMAT AS JSON 'auto'")
        # As after many loads: the planner then reads the index rather than the table.
        with warehouse.connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        _, plan = warehouse.query(f"EXPLAIN {NEXT_QUERY_ID}")
        _, numbers = warehouse.query("SELECT query FROM stl_load_commits ORDER BY query")
        warehouse.rollback()
    (first,), (second,) = numbers  # the query history numbers each COPY; the two loads are its next two
    assert 0 < first < second
    assert any("stl_load_commits_query" in line for (line,) in plan), plan


def test_scalars_assigned_to_a_super_column(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS super_t")
    rs.run("CREATE TABLE super_t (s SUPER)")
    rs.run("INSERT INTO super_t VALUES (TRUE), (12), (JSON_PARSE('{\"a\":[1,2]}')), (NULL)")
    rows = rs.run("SELECT json_serialize(s), is_boolean(s), json_typeof(s) FROM super_t ORDER BY 1")
    assert rows == [
        ("12", False, "number"),
        ("null", False, None),
        ("true", True, "boolean"),
        ('{"a":[1,2]}', False, "object"),
    ]


@pytest.mark.parametrize(
    ("redshift", "postgresql"),
    [
        (
            "CREATE USER dbuser WITH PASSWORD 'abcD1234' CREATEDB CONNECTION LIMIT UNLIMITED "
            "SYSLOG ACCESS UNRESTRICTED SESSION TIMEOUT 120",
            "DO $access$ BEGIN CREATE USER dbuser PASSWORD 'md59a15fe8753a35c02187ae99b7ab17a85' CREATEDB "
            "CONNECTION LIMIT -1; GRANT pg_read_all_stats TO dbuser; "
            "ALTER ROLE dbuser SET idle_session_timeout TO 120000; END $access$",
        ),
        ("ALTER USER dbuser PASSWORD DISABLE", "ALTER USER dbuser PASSWORD NULL"),
        (
            "ALTER USER dbuser CREATEUSER",
            "DO $access$ BEGIN ALTER USER dbuser CREATEROLE CREATEDB; "
            "GRANT pg_read_all_data, pg_write_all_data, pg_read_all_stats TO dbuser WITH ADMIN OPTION; "
            "ALTER ROLE dbuser SET createrole_self_grant TO 'set, inherit'; END $access$",
        ),
        # the guide's md5 example: md5('ez' || 'user1'), kept as given
        (
            "create user user1 password 'md5153c434b4b77c89e6b94f12c5393af5b'",
            "create user user1 PASSWORD 'md5153c434b4b77c89e6b94f12c5393af5b'",
        ),
        ("GRANT ROLE admin_role TO test_admin", "GRANT admin_role TO test_admin"),
        ("grant role sys:monitor to ROLE r2", 'grant "sys:monitor" to r2'),
        ("GRANT SELECT ON t TO ROLE r, GROUP g, PUBLIC", "GRANT SELECT ON t TO r , GROUP g , PUBLIC"),
        ("REVOKE ADMIN OPTION FOR ROLE r FROM u", "REVOKE ADMIN OPTION FOR r FROM u"),
        (
            "ALTER DEFAULT PRIVILEGES FOR USER u GRANT SELECT ON TABLES TO ROLE r",
            "ALTER DEFAULT PRIVILEGES FOR USER u GRANT SELECT ON TABLES TO r",
        ),
        ("SET SESSION AUTHORIZATION 'u1'", "SET ROLE u1"),
        ("RESET SESSION AUTHORIZATION", "RESET ROLE"),
        ("ANALYZE listed_t PREDICATE COLUMNS", "ANALYZE listed_t"),
    ],
)
def test_user_and_analyze_options_postgresql_spells_otherwise(redshift: str, postgresql: str) -> None:
    assert translate(redshift) == postgresql


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1", "Password must be 8 to 64 characters long."),
        ("abcd12345", "Password must contain an uppercase letter."),
        ("ABCD12345", "Password must contain a lowercase letter."),
        ("Abcdefgh", "Password must contain a number."),
        ("Abcd 12345", "Password may use ASCII characters 33 to 126 only."),
    ],
)
def test_a_clear_password_keeps_redshifts_rules(password: str, message: str) -> None:
    with pytest.raises(UnsupportedStatementError, match=message):
        translate(f"CREATE USER weak PASSWORD '{password}'")


def test_a_user_is_stored_with_redshifts_password_hashes_never_the_clear_password() -> None:
    """Clear: md5(password || user), as Redshift stores it; 'sha256|clear' and 'sha256|digest|salt': the
    digest and salt the endpoint checks (SCRAM-shaped, one iteration); PASSWORD DISABLE: none."""
    assert translate("CREATE USER user1 PASSWORD 'ezEZ1234'") == (
        "CREATE USER user1 PASSWORD 'md5" + hashlib.md5(b"ezEZ1234user1").hexdigest() + "'"
    )
    salt = "c721bff5d9042cf541ff7b9d48fa8a6e545c19a763e3710151f9513038b0f6c6"
    digest = "821708135fcc42eb3afda85286dee0ed15c2c461d000291609f77eb113073ec2"
    stored = translate(f"CREATE USER admin PASSWORD 'sha256|{digest}|{salt}'")
    assert stored.startswith("CREATE USER admin PASSWORD 'SCRAM-SHA-256$1:") and "Mypassword1" not in stored
    assert "Mypassword1" not in translate("CREATE USER admin PASSWORD 'sha256|Mypassword1'")


def test_analyze_column_options_and_column_encodings_run(rs: RedshiftSession) -> None:
    rs.run("DROP TABLE IF EXISTS analyzed_t")
    rs.run("CREATE TABLE analyzed_t (a INT, b VARCHAR(4))")
    rs.run("ANALYZE analyzed_t (a, b) ALL COLUMNS")
    rs.run("ALTER TABLE analyzed_t ALTER COLUMN b ENCODE zstd")
    assert rs.value("SELECT count(*) FROM analyzed_t") == 0


def test_the_guides_create_table_examples(rs: RedshiftSession) -> None:
    """r_CREATE_TABLE_examples: keys, encodings, identity columns, defaults, case-insensitive text."""
    rs.run("DROP TABLE IF EXISTS sales_x, t1_x, categorydef_x, ci_x")
    rs.run(
        "create table sales_x(salesid integer not null, listid integer not null, sellerid integer not null, "
        "eventid integer not null encode mostly16, qtysold smallint not null encode mostly8, "
        "pricepaid decimal(8,2) encode delta32k, saletime timestamp, primary key(salesid), "
        "foreign key(listid) references listing(listid)) distkey(listid) compound sortkey(listid,sellerid)"
    )
    rows = {row[0]: row[1:] for row in _table_def(rs, "sales_x")}
    assert rows["listid"] == ("integer", "none", True, 1, True)
    assert rows["sellerid"] == ("integer", "none", False, 2, True)
    assert rows["eventid"] == ("integer", "mostly16", False, 0, True)
    assert rows["pricepaid"] == ("numeric(8,2)", "delta32k", False, 0, False)
    rs.run(
        "CREATE TABLE t1_x(hist_id BIGINT IDENTITY NOT NULL, base_id BIGINT GENERATED BY DEFAULT AS IDENTITY "
        "NOT NULL, business_key varchar(10), some_field varchar(10))"
    )
    rs.run("INSERT INTO T1_X (business_key, some_field) values ('A','MM')")
    rs.run("INSERT INTO T1_X (base_id, business_key, some_field) values (DEFAULT, 'B','MNOP')")
    rs.run("INSERT INTO T1_X (base_id, business_key, some_field) values (2,'B','MNNN')")
    assert rs.run("SELECT * FROM t1_x ORDER BY 1") == [
        (1, 1, "A", "MM"),
        (2, 2, "B", "MNOP"),
        (3, 2, "B", "MNNN"),
    ]
    rs.run(
        "create table categorydef_x(catid smallint not null default 0, "
        "catgroup varchar(10) default 'Special', catdesc varchar(50) default 'Special events', "
        "primary key(catid))"
    )
    rs.run("insert into categorydef_x values(default,default,default)")
    assert rs.run("select * from categorydef_x") == [(0, "Special", "Special events")]
    rs.run("create table CI_X (col1 Varchar(20) collate case_insensitive)")
    rs.run("insert into CI_X values ('bob'), ('john'), ('Tom'), ('JOHN'), ('Bob')")
    matches = rs.run("select * from CI_X where col1 = 'John'")
    assert sorted(matches) == [("JOHN",), ("john",)]
