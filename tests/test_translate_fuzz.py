"""Whatever text a client sends, the adapter gives PostgreSQL text or one UnsupportedStatementError (and an
UNLOAD gives a command or one UnloadError) — never a crash.

Statements are built from the words the rewrites look for, literals, names and punctuation in any order:
most are nonsense in interesting ways (a call without its closing parenthesis, WITHIN GROUP without a
group, TOP without a number).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.engine.sql.adapter import translate
from sparkify.engine.unload.statement import parse_unload
from sparkify.errors import UnloadError, UnsupportedStatementError

WORDS = [
    "SELECT",
    "FROM",
    "WHERE",
    "CREATE",
    "TABLE",
    "TEMP",
    "IF",
    "NOT",
    "EXISTS",
    "AS",
    "LIKE",
    "ALTER",
    "APPEND",
    "IGNOREEXTRA",
    "ADD",
    "COLUMN",
    "DISTKEY",
    "SORTKEY",
    "COMPOUND",
    "INTERLEAVED",
    "DISTSTYLE",
    "EVEN",
    "ALL",
    "KEY",
    "AUTO",
    "ENCODE",
    "zstd",
    "BACKUP",
    "NO",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "IDENTITY",
    "GENERATED",
    "BY",
    "DEFAULT",
    "COLLATE",
    "CASE_INSENSITIVE",
    "TEXT",
    "VARCHAR",
    "MAX",
    "BPCHAR",
    "NVARCHAR",
    "SUPER",
    "DECIMAL",
    "TOP",
    "DISTINCT",
    "DATEADD",
    "DATEDIFF",
    "DATE_PART",
    "EXTRACT",
    "LISTAGG",
    "WITHIN",
    "GROUP",
    "ORDER",
    "OVER",
    "PARTITION",
    "MEDIAN",
    "APPROXIMATE",
    "COUNT",
    "DECODE",
    "NVL",
    "NVL2",
    "CONVERT",
    "RATIO_TO_REPORT",
    "SYSDATE",
    "GETDATE",
    "MINUS",
    "UNION",
    "MERGE",
    "INTO",
    "USING",
    "ON",
    "REMOVE",
    "DUPLICATES",
    "SET",
    "RESET",
    "SHOW",
    "search_path",
    "query_group",
    "TO",
    "VACUUM",
    "ANALYZE",
    "COMPRESSION",
    "VIEW",
    "MATERIALIZED",
    "WITH",
    "SCHEMA",
    "BINDING",
    "QUOTA",
    "GB",
    "TABLES",
    "COLUMNS",
    "DELETE",
    "VALUES",
    "day",
    "week",
    "t",
    "x",
    "UNLOAD",
    "PARALLEL",
    "OFF",
    "MANIFEST",
    "VERBOSE",
    "HEADER",
    "DELIMITER",
    "NULL",
    "CSV",
    "JSON",
    "GZIP",
    "FORMAT",
    "ALLOWOVERWRITE",
]
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["(", ")", ",", ";", ".", "#", "::", "=", "*", "[", "]"]),
    st.sampled_from(
        [
            "'a\\'b'",
            "'c\\",
            "-- x",
            "/*",
            "'a'",
            "'s3://b/p_'",
            "'2008-01-01'",
            "'select 1'",
            '"Q"',
            "1",
            "2.5",
            "$$x$$",
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=14))
def test_translate_never_crashes(pieces: list[str]) -> None:
    sql = " ".join(pieces)
    try:
        assert isinstance(translate(sql), str)
    except UnsupportedStatementError as exc:
        assert str(exc)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, min_size=0, max_size=10))
def test_unload_parsing_never_crashes(pieces: list[str]) -> None:
    try:
        parse_unload("UNLOAD ('select 1') TO 's3://b/p_' " + " ".join(pieces))
    except UnloadError as exc:
        assert str(exc)
