"""The translation's fast path (sparkify.engine.sql.shapes): a statement served from its shape's verdict is
translated exactly as the full path translates it, whatever was learnt before; and through a real endpoint
a statement of a known shape still means what its text says (issue #26)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql import adapter
from sparkify.engine.sql.shapes import Lexed, ShapeVerdicts, lexed, shape_of
from sparkify.engine.sql.tokens import split_statements, with_redshift_escapes
from tests.endpoint_process import RunningEndpoint, running_endpoint


def scanned(sql: str) -> Lexed:
    found = lexed(sql)
    assert found is not None
    return found


def full_translation(sql: str, *, standard_strings: bool = False) -> str:
    """The translation without the fast path: what every statement must get."""
    return adapter._lexed_translation(sql if standard_strings else with_redshift_escapes(sql), None)


def translations(sql: str, *, standard_strings: bool = False) -> tuple[str, str]:
    try:
        fast = adapter.translate(sql, standard_strings=standard_strings)
    except UnsupportedStatementError as exc:
        fast = f"refused: {exc}"
    try:
        full = full_translation(sql, standard_strings=standard_strings)
    except UnsupportedStatementError as exc:
        full = f"refused: {exc}"
    return fast, full


#: Pairs of one shape or near shapes, in the order a client might send them: the first teaches a verdict,
#: the second must not be served a wrong one.
SEQUENCES = [
    # a literal that is a value, then one that changes a keyword: an identifier, a call, a cast
    ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (1, a), (2, 'b')"],
    ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (1, GETDATE()), (2, 'b')"],
    ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (1, NVL(NULL, 'x')), (2, 'b')"],
    ["INSERT INTO t VALUES ('a'::text)", "INSERT INTO t VALUES ('a'::varchar)", "INSERT INTO t VALUES ('a')"],
    [
        "SELECT DATEADD('day', 1, d) FROM t WHERE k IN (1, 2)",
        "SELECT DATEADD('month', 1, d) FROM t WHERE k IN (3)",
    ],
    ["SELECT a FROM t WHERE k IN (1, 2, 3)", "SELECT NVL(a, 0) FROM t WHERE k IN (1, 2, 3)"],
    ["SELECT a FROM t WHERE k IN ('x', 'y')", "SELECT TOP 5 a FROM t WHERE k IN ('x', 'y')"],
    # comments: kept in the shape as written
    ["INSERT INTO t VALUES (1), (2) -- first", "INSERT INTO t VALUES (1), (2) /* NVL(a, 0) */"],
    ["SELECT a FROM t WHERE k IN (1) -- a", "SELECT NVL(a, 0) /* c */ FROM t WHERE k IN (1)"],
    ["INSERT INTO t VALUES (1, /* c */ 2), (3, 4)", "INSERT INTO t VALUES (1, 2), (3, 4)"],
    # a string that looks like SQL is a value
    ["INSERT INTO t VALUES (1, 'x')", "INSERT INTO t VALUES (1, 'x''); DROP TABLE t; --')"],
    ["INSERT INTO t VALUES (1, 'x')", "INSERT INTO t VALUES (1, 'SELECT NVL(a, 0) FROM t ON CONFLICT')"],
    # backslashes: Redshift's escapes, or the client's standard strings
    ["INSERT INTO t VALUES (1, 'plain'), (2, 'b')", "INSERT INTO t VALUES (1, 'back\\slash'), (2, 'b')"],
    ["INSERT INTO t VALUES (1, 'it\\'s'), (2, 'b')", "INSERT INTO t VALUES (1, 'it''s'), (2, 'b\\\\')"],
    # refused by Redshift, before or after a verdict of the same rows
    ["INSERT INTO t VALUES (1), (2)", "INSERT INTO t VALUES (1), (2) ON CONFLICT DO NOTHING"],
    [
        "INSERT INTO t VALUES (1), (2) ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES (3), (4) ON CONFLICT DO NOTHING",
    ],
    ["SELECT x FROM (VALUES (1), (2)) AS v(x)", "SELECT x FROM (VALUES (3), (4)) AS v(x)"],
    # rows of several kinds, signs, NULL, DEFAULT; rows that are no lone literals after them
    [
        "INSERT INTO t VALUES (-1, NULL), (+2.5, 'a'), (3, DEFAULT), (1e5, TRUE)",
        "INSERT INTO t VALUES (1, f(2))",
    ],
    ["INSERT INTO t VALUES (1, 2), (3, 4), (GETDATE(), 5)", "INSERT INTO t VALUES (1, 2), (3, 4), (6, 5)"],
    ["SELECT 1 WHERE 1 IN (1, 2); INSERT INTO t VALUES (1)", "SELECT 1 WHERE 1 IN (1, 'a')"],
    # a row of its own between runs of lone-literal rows, first, last, or two side by side
    [
        "INSERT INTO t VALUES (1, 2), (GETDATE(), 5), (3, 4)",
        "INSERT INTO t VALUES (1, 2), (/* c */ 6, 5), (3, 4)",
        "INSERT INTO t VALUES (7, 8), (/* c */ 6, 5), (9, 10), ('a', 'b')",
    ],
    ["INSERT INTO t VALUES (NVL(1, 2), 5), (3, 4), (5, 6)", "INSERT INTO t VALUES (f(1), 5), (7, 8)"],
    [
        "INSERT INTO t VALUES (1, 2), (f(1), 5), (g(2), 6)",
        "INSERT INTO t VALUES (1, 2), (f(1), 5), (g(2), 6), (3, 4)",
    ],
    ["INSERT INTO t VALUES (1, (SELECT 2)), (3, 4)", "INSERT INTO t VALUES (1, (SELECT NVL(2, 3))), (3, 4)"],
    # a client's parameters (a Parse of SQLAlchemy's many-row INSERT): rows of them, beside literals, cast
    ["INSERT INTO t VALUES ($1, $2), ($3, $4)", "INSERT INTO t VALUES ($1, GETDATE()), ($2, $3)"],
    ["INSERT INTO t VALUES ($1, $2), ($3, $4)", "INSERT INTO t VALUES ($1, $2::varchar(max)), ($3, $4)"],
    ["INSERT INTO t VALUES ($1::int, $2), ($3::int, 'a')", "INSERT INTO t VALUES ($1::super, $2)"],
    [
        "INSERT INTO t VALUES ($1, 'x'), (2, $2)",
        "INSERT INTO t VALUES ($1, 'x'), (2, $2) ON CONFLICT DO NOTHING",
    ],
    ["SELECT a FROM t WHERE k IN ($1, $2)", "SELECT NVL(a, 0) FROM t WHERE k IN ($1, $2)"],
    ["SELECT a FROM t WHERE k IN ($1, $2)", "SELECT a FROM t WHERE k IN ($1, $$a$$)"],
    # emulated statements are returned as written
    [
        "COPY t FROM 's3://b/k' IAM_ROLE 'r' CSV",
        "/* x */ UNLOAD ('SELECT 1 WHERE a IN (1)') TO 's3://b/' IAM_ROLE 'r'",
    ],
]


@pytest.mark.parametrize("standard_strings", [False, True])
@pytest.mark.parametrize("sequence", SEQUENCES, ids=lambda sequence: sequence[-1][:50])
def test_a_known_shape_is_translated_as_the_full_path_translates_it(
    sequence: list[str], standard_strings: bool
) -> None:
    adapter._SHAPE_VERDICTS.forget()
    for sql in sequence * 2:  # each again, now that every verdict of the sequence is known
        fast, full = translations(sql, standard_strings=standard_strings)
        assert fast == full, sql


def test_a_long_values_list_and_a_long_in_list_pass_as_written() -> None:
    rows = ", ".join(f"({i}, 'name {i}', {i}.5, NULL)" for i in range(3000))
    insert = f"INSERT INTO t (a, b, c, d) VALUES {rows}"
    listed = "SELECT a FROM t WHERE a IN (" + ", ".join(str(i) for i in range(5000)) + ")"
    for sql in (insert, listed, insert.replace("'name 7'", "'it\\'s'")):
        fast, full = translations(sql)
        assert fast == full


def test_a_long_list_of_parameters_is_one_shape_and_keeps_no_frame() -> None:
    """A Parse of a many-row INSERT of parameters (SQLAlchemy's insertmanyvalues with a driver that binds
    on the server) is translated from its shape's verdict, as the full path translates it; a frame is
    for literals, so a statement of literals in the same ends is not served by it."""
    adapter._SHAPE_VERDICTS.forget()
    head = "INSERT INTO t (a, b, c, d) VALUES "
    rows = ", ".join(f"(${4 * n + 1}, ${4 * n + 2}, ${4 * n + 3}::int, ${4 * n + 4})" for n in range(1000))
    fast, full = translations(head + rows)
    assert fast == full == head + rows
    shape = shape_of(scanned(head + rows))
    assert shape is not None and shape.sample == head + "($1, $2, $3::int, $4)"
    assert not adapter.in_known_frame(head + "(1, 'a', 2, NULL)")


def test_a_row_of_its_own_among_lone_rows_leaves_two_short_runs_in_the_sample() -> None:
    rows = [f"({n}, 'a')" for n in range(1000)]
    rows[500] = "(1, GETDATE())"
    shape = shape_of(scanned("INSERT INTO t VALUES " + ", ".join(rows) + " RETURNING a"))
    assert shape is not None and len(shape.lists) == 2
    assert shape.sample == "INSERT INTO t VALUES (0, 'a'), (1, GETDATE()), (501, 'a') RETURNING a"


def test_a_shape_is_learnt_from_one_sample_of_each_row_kind() -> None:
    asked: list[str] = []

    def recorded(sql: str) -> str:
        asked.append(sql)
        return adapter._lexed_translation(sql, None)

    verdicts = ShapeVerdicts()
    first = shape_of(scanned("INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'b'), (4, NULL)"))
    again = shape_of(scanned("INSERT INTO t VALUES (9, 'z'), (8, NULL)"))
    assert first is not None and again is not None and first.key == again.key
    assert first.sample == "INSERT INTO t VALUES (1, 'a'), (2, NULL)"
    assert verdicts.passes_unchanged(first, False, recorded)
    assert verdicts.passes_unchanged(again, False, recorded)
    assert asked == [first.sample]
    assert not verdicts.passes_unchanged(again, True, lambda sql: sql + " ")  # another session setting
    assert len(asked) == 1


def test_a_small_cache_keeps_the_most_recent_shapes() -> None:
    verdicts = ShapeVerdicts(size=2)
    shapes = [shape_of(scanned(f"INSERT INTO t{n} VALUES (1)")) for n in range(3)]
    asked: list[str] = []
    for shape in [*shapes, shapes[2], shapes[0]]:
        assert shape is not None
        verdicts.passes_unchanged(shape, False, lambda sql: asked.append(sql) or sql)
    assert asked == [shapes[0].sample, shapes[1].sample, shapes[2].sample, shapes[0].sample]  # type: ignore[union-attr]


def test_statements_without_literal_lists_have_no_shape() -> None:
    assert shape_of(scanned("SELECT 1")) is None
    assert shape_of(scanned("SELECT f(1, 2) FROM t")) is None
    assert lexed("SELECT 'unterminated") is None
    assert lexed("SELECT CASE WHEN a THEN 1WHEN b THEN 2 END") is None  # the full path puts the space in
    assert shape_of(scanned("INSERT INTO t VALUES (a, b)")) is None


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("select 1", "SELECT"),
        ("  /* a /* nested */ comment */ -- line\n copy t from 'x'", "COPY"),
        ("/* " + "x" * 1000 + " */ UNLOAD ('select 1') TO 'x'", "UNLOAD"),
        ("INSERT INTO t VALUES " + ", ".join(["('" + "y" * 600 + "')"] * 3), "INSERT"),
        ("S" * 600, "S" * 600),
        ("'" + "z" * 600 + "'", ""),
        ("-- only a comment", ""),
        ("", ""),
    ],
)
def test_leading_keyword_reads_past_comments_and_long_texts(sql: str, keyword: str) -> None:
    assert scanned(sql).leading_keyword == keyword


@pytest.mark.parametrize(
    ("sql", "statements"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", " SELECT 2"]),
        ("SELECT ';' ; -- only a comment ;\n", ["SELECT ';' "]),
        ("/* a */ ; ; SELECT 1", [" SELECT 1"]),
        (
            "CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2)",
            ["CREATE RULE r AS ON INSERT TO t DO (SELECT 1; SELECT 2)"],
        ),
        ('SELECT $$;$$; SELECT "a;b"', ["SELECT $$;$$", ' SELECT "a;b"']),
        ("", []),
    ],
)
def test_statements_split_at_top_level_semicolons(sql: str, statements: list[str]) -> None:
    assert split_statements(sql) == statements


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


def test_a_known_shape_follows_the_search_path_and_keeps_its_values(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    connection.autocommit = True
    hostile = "x'); DROP TABLE shaped; --"
    with connection.cursor() as cursor:
        for schema in ("shape_a", "shape_b"):
            cursor.execute(f"CREATE SCHEMA {schema}")
            cursor.execute(f"CREATE TABLE {schema}.shaped (id INTEGER, label VARCHAR(64))")
        for number, schema in enumerate(("shape_a", "shape_b", "shape_a")):
            cursor.execute(f"SET search_path TO {schema}")
            cursor.execute(
                "INSERT INTO shaped VALUES (%s, %s), (%s, %s)", (number, hostile, number + 10, "back\\slash")
            )
        cursor.execute("SELECT id, label FROM shape_a.shaped ORDER BY id")
        in_a = cursor.fetchall()
        cursor.execute("SELECT id, label FROM shape_b.shaped ORDER BY id")
        in_b = cursor.fetchall()
    connection.close()
    assert in_a == [(0, hostile), (2, hostile), (10, "back\\slash"), (12, "back\\slash")]
    assert in_b == [(1, hostile), (11, "back\\slash")]


def test_a_shape_whose_alias_the_session_resolves_takes_the_full_path_every_time() -> None:
    # The sample alone cannot tell whether ``start_time`` is a column of ``plays`` (then it stays) or the
    # alias (then it becomes its expression): the session's tables decide, for every statement of the shape.
    sql = "SELECT ts / 1000 AS start_time, start_time + 1 FROM plays WHERE id IN ({})"
    as_alias = adapter.translate(
        sql.format("1, 2, 3"), lambda relations: {r: frozenset({"id"}) for r in relations}
    )
    assert "(ts / 1000) + 1" in as_alias
    for values in ("4, 5, 6", "7, 8, 9"):
        with_alias = adapter.translate(
            sql.format(values), lambda relations: {r: frozenset() for r in relations}
        )
        assert "(ts / 1000) + 1" in with_alias and values in with_alias
        as_column = adapter.translate(
            sql.format(values), lambda relations: {r: frozenset({"start_time"}) for r in relations}
        )
        assert as_column == sql.format(values)
