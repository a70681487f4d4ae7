"""The token layer: keywords are found in code only, never inside literals, quoted names or comments."""

from __future__ import annotations

import pytest

from sparkify.engine.sql.redshift.show import is_show_listing
from sparkify.engine.sql.tokens import (
    SqlLexError,
    closing_paren,
    first_keyword,
    is_call,
    replace_spans,
    split_arguments,
    split_statements,
    tokens,
    with_redshift_escapes,
    words,
)


def test_keywords_inside_literals_quoted_names_and_comments_are_not_words() -> None:
    sql = "SELECT 'DISTKEY', \"SORTKEY\" /* ENCODE */ FROM t -- BACKUP NO\n WHERE e = $$DISTSTYLE$$"
    assert words(sql) == ["SELECT", "FROM", "T", "WHERE", "E"]


def test_split_keeps_semicolons_inside_literals_and_bodies() -> None:
    sql = "select ';' ; /* ; */ select $x$ ; $x$;; select 1"
    assert [part.strip() for part in split_statements(sql)] == [
        "select ';'",
        "/* ; */ select $x$ ; $x$",
        "select 1",
    ]


def test_first_keyword_skips_comments_and_spans_map_back_to_the_text() -> None:
    sql = "-- a comment\n/* another */ copy staging_events FROM 's3://b/k'"
    assert first_keyword(sql) == "COPY"
    found = tokens(sql, comments=True)
    assert [sql[token.start : token.end] for token in found] == [token.text for token in found]
    assert found[0].is_comment and found[1].is_comment


def test_a_statement_after_long_runs_of_blanks_is_read_at_once() -> None:
    """dbt's statements open with runs of blank lines: a pattern that backtracked over them (a SHOW check
    made at each Bind) took time doubling with each blank, and held the endpoint, on such a statement that
    was no SHOW."""
    sql = "\n  \n" * 200 + "-- a model\n" + "   \n" * 200 + "insert into t values (1)"
    assert first_keyword(sql) == "INSERT"
    assert not is_show_listing(sql)
    assert is_show_listing("\n\n  /* listing */ SHOW TABLES FROM SCHEMA dev.public")


def test_non_ascii_text_keeps_its_positions() -> None:
    sql = "select 'héllo wörld', x from t"
    ident = next(token for token in tokens(sql) if token.word == "X")
    assert replace_spans(sql, [(ident.start, ident.end, "y")]) == "select 'héllo wörld', y from t"


def test_an_unterminated_literal_is_a_lex_error() -> None:
    with pytest.raises(SqlLexError):
        tokens("select 'open")
    assert first_keyword("select 'open") == ""


def test_parentheses_arguments_and_calls() -> None:
    sql = "select f(a, g(b, c), 'x,y') , s.h(1) from t"
    found = tokens(sql)
    open_index = next(i for i, token in enumerate(found) if token.text == "(")
    close = closing_paren(found, open_index)
    arguments = [
        "".join(token.text for token in found[a:b]) for a, b in split_arguments(found, open_index + 1, close)
    ]
    assert arguments == ["a", "g(b,c)", "'x,y'"]
    calls = [token.text for i, token in enumerate(found) if is_call(found, i)]
    assert calls == ["f", "g"]  # s.h( is a qualified name's part
    with pytest.raises(ValueError, match="unbalanced"):
        closing_paren(tokens("select f(a"), 2)


def test_plain_literals_with_backslashes_become_escape_literals() -> None:
    sql = "select 'it\\'s', 'a\\\\b', 'plain', e'x\\'y', $$a'\\b$$, \"q'\" -- c'\\\n/* ' */ 'z''z', $1"
    assert with_redshift_escapes(sql) == (
        "select E'it\\'s', E'a\\\\b', 'plain', e'x\\'y', $$a'\\b$$, \"q'\" -- c'\\\n/* ' */ 'z''z', $1"
    )
