"""The token layer: keywords are found in code only, never inside literals, quoted names or comments."""

from __future__ import annotations

import pytest

from sparkify.sqltokens import SqlLexError, first_keyword, replace_spans, split_statements, tokens, words


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


def test_non_ascii_text_keeps_its_positions() -> None:
    sql = "select 'héllo wörld', x from t"
    ident = next(token for token in tokens(sql) if token.word == "X")
    assert replace_spans(sql, [(ident.start, ident.end, "y")]) == "select 'héllo wörld', y from t"


def test_an_unterminated_literal_is_a_lex_error() -> None:
    with pytest.raises(SqlLexError):
        tokens("select 'open")
    assert first_keyword("select 'open") == ""
