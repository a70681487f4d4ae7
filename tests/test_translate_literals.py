"""The translation's second fast path (sparkify.engine.sql.literals): a rewritten statement served from its
key's template is translated exactly as the full path translates it, whatever its literals hold; a key whose
literals the rewrites move, duplicate or change keeps no template (issue #26)."""

from __future__ import annotations

import pytest

from sparkify.engine.sql import adapter
from sparkify.engine.sql.literals import Lifted, RewrittenTranslations, lifted_literals
from sparkify.engine.sql.shapes import lexed
from tests.test_translate_frames import full_translation, translation

#: The session settings templates are kept apart by: standard_conforming_strings, and no lookup of the
#: session's tables given (the scripts' path) or one given (the endpoint's).
WITHOUT_LOOKUP = ((False, False), True)  # (standard_conforming_strings, case sensitivity), no lookup
WITH_LOOKUP = ((False, False), False)
CASE_SENSITIVE_WITHOUT_LOOKUP = ((False, True), True)


def lifted(sql: str) -> Lifted:
    found = lexed(sql)
    assert found is not None
    result = lifted_literals(found)
    assert result is not None
    return result


#: Values for a string literal: hostile ones, quotes, SQL in a string, comments in a string, keywords.
STRINGS = [
    "'bench_rows'",
    "''",
    "'it''s'",
    "''''",
    "'x'' OR 1=1 --'",
    "'/* not a comment */'",
    "'-- nor this'",
    "'select'",
    "'day'",
    "'month'",
    "'$$'",
    "'$1'",
    "';'",
    "'DROP TABLE t; --'",
    "'ünïcødé ☃'",
    "'a\\b'",
    "'\\'",
    "E'a\\nb'",
    "'  trailing  '",
    "'NVL(a, 0)'",
    "'%'",
]
NUMBERS = ["0", "1", "16384", "2147483647", "9223372036854775808", "1.5", "1e10", ".5"]
#: Rewritten statements (each translation differs from its text) with operand literals.
TEMPLATES = [
    "SELECT NVL(a, 0) FROM t WHERE b = {s} AND c = {n}",
    "SELECT GETDATE(), LEN(b) FROM t WHERE b = {s} -- {s} in a comment\nAND c > {n}",
    "SELECT DATEADD('day', 1, d) FROM t /* {s} */ WHERE k IN ({s}, {s}) AND c <> {n}",
    "SELECT a FROM t WHERE b = {s} QUALIFY row_number() OVER (PARTITION BY a ORDER BY c) = {n}",
    "SELECT LEN(b) FROM t WHERE b LIKE {s} OR c = {n}",
    "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = {s} AND c.oid = {n} AND n.nspname = 'public'",
]


@pytest.mark.parametrize("standard_strings", [False, True])
@pytest.mark.parametrize("template", TEMPLATES)
def test_a_learnt_template_translates_every_value_as_the_full_path(
    template: str, standard_strings: bool
) -> None:
    first = template.format(s="'first'", n="7")
    assert translation(first, standard_strings=standard_strings) == full_translation(
        first, standard_strings=standard_strings
    )
    for string in STRINGS:
        for number in NUMBERS:
            sql = template.format(s=string, n=number)
            assert translation(sql, standard_strings=standard_strings) == full_translation(
                sql, standard_strings=standard_strings
            ), sql


def test_the_rewritten_statements_are_served_from_templates() -> None:
    """The statements above do take the new path: their templates are learnt (pandas' reflection
    query, a call's rewrite, a comment holding a literal)."""
    for template in (TEMPLATES[0], TEMPLATES[1], TEMPLATES[5]):
        sql = template.format(s="'one'", n="1")
        assert full_translation(sql) != sql
        translation(sql)
        translation(sql)
        assert adapter._REWRITTEN.serves(lifted(sql), WITHOUT_LOOKUP), sql


def test_a_template_serves_only_the_case_sensitivity_it_was_learnt_under() -> None:
    """enable_case_sensitive_identifier changes what a quoted name becomes: each setting learns its own."""
    sql = TEMPLATES[0].format(s="'one'", n="1")
    translation(sql)
    translation(sql)
    assert adapter._REWRITTEN.serves(lifted(sql), WITHOUT_LOOKUP)
    assert not adapter._REWRITTEN.serves(lifted(sql), CASE_SENSITIVE_WITHOUT_LOOKUP)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # a literal that changes a keyword, a call or a cast: another key
        ("SELECT NVL(a, 0) FROM t WHERE b = 'x'", "SELECT NVL(a, 0) FROM t WHERE b = x"),
        ("SELECT NVL(a, 0) FROM t WHERE b = 'x'", "SELECT NVL(a, 0) FROM t WHERE b = NVL('x', 'y')"),
        ("SELECT NVL(a, 0) FROM t WHERE b = 'x'", "SELECT NVL(a, 0) FROM t WHERE b = 'x'::super"),
        ("SELECT NVL(a, 0) FROM t WHERE b = 5", "SELECT NVL(a, 0) FROM t WHERE b = '5'"),
        ("SELECT NVL(a, 0) FROM t WHERE b = 5", "SELECT NVL(a, 0) FROM t WHERE b = -5"),
        (
            "SELECT DATEADD('day', 1, d) FROM t WHERE b = 'x'",
            "SELECT DATEADD('month', 1, d) FROM t WHERE b = 'y'",
        ),
        (
            "SELECT DATEADD(day, 1, d) FROM t WHERE b = 'x'",
            "SELECT DATEADD(month, 1, d) FROM t WHERE b = 'y'",
        ),
        ("SELECT a + INTERVAL '1 day', NVL(a, 0) FROM t", "SELECT a + INTERVAL '1 week', NVL(a, 0) FROM t"),
        # comments are part of the key as written
        (
            "SELECT NVL(a, 0) FROM t WHERE b = 'x' -- c",
            "SELECT NVL(a, 0) FROM t WHERE b = 'x' /* NVL(b, 1) */",
        ),
        ("SELECT NVL(a, 0) FROM t WHERE b = 'x'", "SELECT NVL(a, 0) FROM t WHERE b = /* c */ 'x'"),
        # a refused statement after a learnt one
        (
            "SELECT NVL(a, 0) FROM t WHERE b = 'x'",
            "SELECT NVL(a, 0) FROM t WHERE b = 'x' FOR UPDATE SKIP LOCKED",
        ),
    ],
)
def test_a_near_statement_is_never_served_a_wrong_template(first: str, second: str) -> None:
    for sql in (first, second, first, second):
        assert translation(sql) == full_translation(sql), sql


def test_a_key_whose_literal_the_rewrite_duplicates_keeps_no_template() -> None:
    """PIVOT makes each IN value a condition and a column's name: never served from a template."""
    sql = "SELECT * FROM (SELECT k, v FROM t) PIVOT (sum(v) FOR k IN ('a', 'b'))"
    other = "SELECT * FROM (SELECT k, v FROM t) PIVOT (sum(v) FOR k IN ('c', 'd'))"
    assert translation(sql) == full_translation(sql)
    assert translation(sql) == full_translation(sql)
    assert not adapter._REWRITTEN.serves(lifted(sql), WITHOUT_LOOKUP)
    assert translation(other) == full_translation(other)


def learnt(translate_text, sql: str) -> RewrittenTranslations:  # type: ignore[no-untyped-def]
    cache = RewrittenTranslations()
    assert cache.translation(lifted(sql), False, translate_text, lambda _: True) == translate_text(sql)
    assert not cache.serves(lifted(sql), False)  # a statement sent once costs no probe
    assert cache.translation(lifted(sql), False, translate_text, lambda _: True) == translate_text(sql)
    return cache


def _swapped(sql: str) -> str:
    """A rewrite that moves literals: ``a = X AND b = Y`` becomes ``b = Y AND a = X``."""
    head, tail = sql.split(" AND ")
    return f"{tail} AND {head}"


@pytest.mark.parametrize(
    "rewrite",
    [
        _swapped,  # moved out of order
        lambda sql: sql + " /* " + sql + " */",  # duplicated
        lambda sql: sql.replace("'", '"'),  # changed
        lambda sql: sql.replace("'x'", "'y'").replace("'sparkify_probe_0001'", "'y'"),  # decided on
        lambda sql: sql.replace("= 1", "= true"),  # a number made something else
    ],
)
def test_a_literal_the_rewrite_moves_duplicates_or_changes_keeps_no_template(rewrite) -> None:  # type: ignore[no-untyped-def]
    sql = "SELECT 1 FROM t WHERE a = 'x' AND b = 1"
    cache = learnt(rewrite, sql)
    assert not cache.serves(lifted(sql), False)
    other = "SELECT 1 FROM t WHERE a = 'q' AND b = 2"
    assert cache.translation(lifted(other), False, rewrite, lambda _: True) == rewrite(other)


def test_a_literal_the_rewrite_keeps_in_place_is_served_from_the_template() -> None:
    def rewrite(sql: str) -> str:
        return "/* rewritten */ " + sql.replace("FROM t", "FROM sparkify_redshift.t")

    cache = learnt(rewrite, "SELECT 1 FROM t WHERE a = 'x' AND b = 1")
    other = "SELECT 1 FROM t WHERE a = 'it''s -- ' AND b = 12"
    assert cache.serves(lifted(other), False)
    assert cache.translation(lifted(other), False, lambda _: "not asked", lambda _: True) == rewrite(other)
    assert not cache.serves(lifted(other), True)  # standard_conforming_strings on: learnt apart


def test_a_statement_the_session_decides_keeps_no_template() -> None:
    cache = RewrittenTranslations()
    sql = "SELECT 1 FROM t WHERE a = 'x'"
    for _ in range(3):
        assert cache.translation(lifted(sql), False, lambda text: text + " ", lambda _: False) == sql + " "
    assert not cache.serves(lifted(sql), False)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",  # a select-list literal stands as an operand too, but: no other here is the point below
        "SELECT NVL(a, 0) FROM t",  # a call's argument
        "SELECT NVL /* c */ (a, 0) FROM t",  # one with a comment before its parenthesis
        "SELECT a FROM t WHERE d > DATE '2024-01-01'",  # a typed literal
        "SELECT a FROM t WHERE d > now() - INTERVAL /* c */ '2 weeks'",  # one with a comment between
        "SELECT a FROM t WHERE b = 'x' /* c */ ::text",  # a cast's operand, a comment between
        "SELECT a FROM t WHERE b LIKE 'a%'",  # a pattern
        "SELECT a FROM t WHERE b = 'x'::text",  # a cast's operand
        "SELECT a FROM t WHERE b = $$x$$ OR c = E'y'",  # a dollar quote, an escape string
        "SELECT a FROM t WHERE b = 'a\\b'",  # a backslash
    ],
)
def test_literals_whose_value_may_decide_stay_in_the_key(sql: str) -> None:
    found = lexed(sql)
    assert found is not None
    result = lifted_literals(found)
    if sql == "SELECT 1":
        assert result is not None and result.literals == ("1",)
    else:
        assert result is None


def test_a_statement_whose_translation_asks_for_the_session_tables_asks_every_time() -> None:
    """The endpoint's lookup of the session's tables (a select-list alias used later): asked for each
    statement of the key, never answered from a template; a statement that asks nothing is served."""
    asked: list[object] = []

    def columns_of(relations):  # type: ignore[no-untyped-def]
        asked.append(relations)
        return {}

    for value in ("'x'", "'y'", "'it''s'"):
        sql = f"SELECT NVL(a, 0) AS b, b + 1 AS c FROM t WHERE k = {value}"
        before = len(asked)
        assert adapter.translate(sql, columns_of) == adapter._lexed_translation(sql, columns_of)
        assert len(asked) > before
        assert not adapter._REWRITTEN.serves(lifted(sql), WITH_LOOKUP)
    for value in ("'x'", "'y'"):
        sql = f"SELECT NVL(a, 0) FROM t WHERE k = {value}"
        assert adapter.translate(sql, columns_of) == adapter._lexed_translation(sql, columns_of)
    assert adapter._REWRITTEN.serves(lifted(sql), WITH_LOOKUP)
