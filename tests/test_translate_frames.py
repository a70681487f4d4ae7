"""Known frames (sparkify.engine.sql.shapes.ShapeVerdicts.in_known_frame): a statement recognised by the text
around its one literal list, without the scan, is translated exactly as the full path translates it, and
anything but lone literals between the two ends takes the full path (issue #26)."""

from __future__ import annotations

import pytest

from sparkify.engine.endpoint.plan import CheckedFrames
from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql import adapter
from sparkify.engine.sql.redshift.history import query_type
from sparkify.engine.sql.shapes import (
    _PLAIN_LITERAL_LISTS,
    ShapeVerdicts,
    lexed,
    lone_literal_lists,
    parsed_as_lone_literals,
    shape_of,
)
from sparkify.engine.sql.text import first_keyword
from sparkify.engine.sql.tokens import with_redshift_escapes

HEAD = "INSERT INTO frame_rows (a, b, c) VALUES "
TAIL = " -- loaded"
#: Lone literals of every kind the lexer has, one row each.
LONE_ROWS = [
    "(1, 'a', NULL)",
    "(-2.5, E'b', TRUE)",
    "(1e5, b'101', FALSE)",
    "(0, x'ff', DEFAULT)",
    "((3), U&'d', 'it''s')",
]
#: Rows that are not lone literals: each must be translated as the full path translates it.
OTHER_ROWS = [
    "(1, GETDATE(), NULL)",
    "(1, NVL(NULL, 'x'), NULL)",
    "(1, 'a'::super, NULL)",
    "(1, date '2024-01-01', NULL)",
    "(1, 2 + 3, NULL)",
    "(+1, 'a', NULL)",
    "(1, -'a', NULL)",
    "(1, a, NULL)",
    "(1, /* c */ 'a', NULL)",
    "(1, $1, NULL)",
    "(1, $$a$$, NULL)",
    "(1, 'back\\slash', NULL)",
    "(1, (SELECT 1), NULL)",
    "(1, 'a', NULL); DROP TABLE frame_rows; SELECT (1",
    "(1, 'a', NULL) ON CONFLICT DO NOTHING",
    "(1, 'a', NULL), (2, 'b', NULL) AS x",
]


def full_translation(sql: str, *, standard_strings: bool = False) -> str:
    try:
        return adapter._lexed_translation(sql if standard_strings else with_redshift_escapes(sql), None)
    except UnsupportedStatementError as exc:
        return f"refused: {exc}"


def translation(sql: str, *, standard_strings: bool = False) -> str:
    try:
        return adapter.translate(sql, standard_strings=standard_strings)
    except UnsupportedStatementError as exc:
        return f"refused: {exc}"


def learnt(verdicts: ShapeVerdicts, sql: str, *, standard_strings: bool = False) -> None:
    scanned = lexed(sql)
    assert scanned is not None
    shape = shape_of(scanned)
    assert shape is not None
    verdicts.learn_frame(sql, shape, standard_strings)


def test_lone_literals_of_every_kind_pass_the_full_translation_unchanged() -> None:
    """The premise of frames (and of shapes): what a lone literal is decides nothing."""
    sql = HEAD + ", ".join(LONE_ROWS) + TAIL
    assert full_translation(sql) == sql
    assert full_translation(sql, standard_strings=True) == sql


@pytest.mark.parametrize("rows", [LONE_ROWS[:1], LONE_ROWS, LONE_ROWS * 300])
def test_a_known_frame_around_lone_literals_is_recognised(rows: list[str]) -> None:
    verdicts = ShapeVerdicts()
    learnt(verdicts, HEAD + "(7, 'x', NULL)" + TAIL)
    assert verdicts.in_known_frame(HEAD + ", ".join(rows) + TAIL, False)
    assert not verdicts.in_known_frame(HEAD + ", ".join(rows) + TAIL, True)  # learnt for the other setting
    assert not verdicts.in_known_frame(HEAD + ", ".join(rows), False)  # another tail
    assert not verdicts.in_known_frame("INSERT INTO other_rows (a, b, c) VALUES " + rows[0] + TAIL, False)


@pytest.mark.parametrize("row", OTHER_ROWS)
def test_anything_but_lone_literals_in_a_known_frame_takes_the_full_path(row: str) -> None:
    verdicts = ShapeVerdicts()
    learnt(verdicts, HEAD + "(7, 'x', NULL)" + TAIL)
    assert not verdicts.in_known_frame(HEAD + "(7, 'x', NULL), " + row + TAIL, False)
    assert not lone_literal_lists(row) or "\\" in row  # a backslash: a lone literal, but no frame's


def test_a_statement_of_two_keeps_no_frame() -> None:
    verdicts = ShapeVerdicts()
    learnt(verdicts, "INSERT INTO frame_rows VALUES (1); SELECT 2")
    assert not verdicts.in_known_frame("INSERT INTO frame_rows VALUES (3); SELECT 2", False)


@pytest.mark.parametrize("row", OTHER_ROWS)
@pytest.mark.parametrize("standard_strings", [False, True])
def test_after_a_frame_is_learnt_every_statement_is_translated_as_the_full_path_does(
    row: str, standard_strings: bool
) -> None:
    first = HEAD + ", ".join(LONE_ROWS) + TAIL
    assert translation(first, standard_strings=standard_strings) == first  # learnt here
    for sql in (HEAD + row + TAIL, HEAD + LONE_ROWS[0] + ", " + row + TAIL, HEAD + LONE_ROWS[1] + TAIL):
        assert translation(sql, standard_strings=standard_strings) == full_translation(
            sql, standard_strings=standard_strings
        ), sql


def test_a_frame_of_an_in_list_and_the_frames_forgotten_with_the_verdicts() -> None:
    verdicts = ShapeVerdicts()
    learnt(verdicts, "SELECT a FROM frame_rows WHERE k IN (1, 2)")
    assert verdicts.in_known_frame("SELECT a FROM frame_rows WHERE k IN ('x', 3, NULL)", False)
    assert not verdicts.in_known_frame("SELECT a FROM frame_rows WHERE k IN (SELECT 1)", False)
    verdicts.forget()
    assert not verdicts.in_known_frame("SELECT a FROM frame_rows WHERE k IN (1, 2)", False)


def test_a_statement_of_two_literal_lists_keeps_no_frame() -> None:
    verdicts = ShapeVerdicts()
    sql = "SELECT a FROM frame_rows WHERE k IN (1, 2) AND j IN (3)"
    learnt(verdicts, sql)
    assert not verdicts.in_known_frame(sql, False)


def test_a_small_store_keeps_the_most_recent_frames() -> None:
    verdicts = ShapeVerdicts(frames=2)
    for table in ("t1", "t2", "t3"):
        learnt(verdicts, f"INSERT INTO {table} VALUES (1)")
    assert not verdicts.in_known_frame("INSERT INTO t1 VALUES (2)", False)
    assert verdicts.in_known_frame("INSERT INTO t2 VALUES (2)", False)
    assert verdicts.in_known_frame("INSERT INTO t3 VALUES (2)", False)


def test_the_newest_frame_is_asked_first_and_an_older_one_used_becomes_the_newest() -> None:
    """executemany's next row is in the newest frame (asked first, without a move); a row of an older
    frame is found too, and that frame is then the newest, the last to be forgotten."""
    verdicts = ShapeVerdicts(frames=2)
    learnt(verdicts, "INSERT INTO t1 VALUES (1)")
    learnt(verdicts, "INSERT INTO t2 (a) VALUES (1) RETURNING a")
    assert verdicts.frame_sample("INSERT INTO t2 (a) VALUES (2), (3) RETURNING a", False) == (
        "INSERT INTO t2 (a) VALUES (1) RETURNING a"
    )
    assert verdicts.frame_sample("INSERT INTO t2 (a) VALUES (2), (3) RETURNING a", True) is None
    assert verdicts.frame_sample("INSERT INTO t2 (a) VALUES (2), (3 + 1) RETURNING a", False) is None
    assert verdicts.frame_sample("INSERT INTO t1 VALUES (2)", False) == "INSERT INTO t1 VALUES (1)"
    learnt(verdicts, "INSERT INTO t3 VALUES (1)")
    assert verdicts.in_known_frame("INSERT INTO t1 VALUES (2)", False)
    assert not verdicts.in_known_frame("INSERT INTO t2 (a) VALUES (2) RETURNING a", False)
    assert verdicts.in_known_frame("INSERT INTO t3 VALUES (2)", False)


#: Lists the one-pass check takes (numbers, plain and E'' strings, NULL, TRUE, FALSE, DEFAULT, in any case).
PLAIN_LISTS = [
    "(1, 'a', NULL)",
    "(0, E'value 0 1', e'it''s'), (1, E'', E'x)'' , (y')",  # psycopg2's strings while the server says off
    "(-2.5, 'it''s', TRUE), (1e5, '', false), (.5, '--not a comment /* nor this */', DEFAULT)",
    "(0, 'version()', null)\n,\t( 1.e-3 , 'sys_query_history' , True )",
    "(1, ''''), (2, 'a;b'), (3, 'x'' ); DROP TABLE frame_rows; --')",
]
#: Items the one-pass check must leave to the parser (each is something else, or read otherwise there):
#: its answer for them may only be the parser's.
NOT_PLAIN_ITEMS = [
    "'a' 'b'",  # two strings on one line: a syntax error
    "'a'\n'b'",  # … on two lines: one string, 'ab'
    "1e",
    "1e5x",
    "1abc",
    "0x1F",
    "1_000",
    "1..2",
    "+1",
    "- 1",
    "-'a'",
    "falſe",  # ſ folds to s in Python's Unicode IGNORECASE: a name here
    "nullx",
    "NULL::int",
    "'1'::varchar(max)",
    "E'it\\'s'",
    "EE'a'",
    "xE'a'",
    "1E'a'",
    "E 'a'",
    "N'a'",
    "'back\\slash'",
    "$$a$$",
    "$q$it's$q$",
    "$1",
    "GETDATE()",
    "NVL(NULL, 'x')",
    "/* c */ 1",
    "1 -- c\n",
    "(3)",
    "\u0661",  # an Arabic-Indic digit: Python's \\d, not PostgreSQL's
    "1\u00a0",  # a no-break space: Python's \\s, not PostgreSQL's
    "U&'d'",
    "b'101'",
    "date '2024-01-01'",
    "a",
]


@pytest.mark.parametrize("lists", PLAIN_LISTS)
def test_plain_lists_are_taken_in_one_pass_as_the_parser_takes_them(lists: str) -> None:
    assert _PLAIN_LITERAL_LISTS.fullmatch(lists)
    assert parsed_as_lone_literals(lists)
    sql = HEAD + lists + TAIL
    assert full_translation(sql) == sql


@pytest.mark.parametrize("item", NOT_PLAIN_ITEMS)
def test_the_one_pass_check_leaves_anything_else_to_the_parser(item: str) -> None:
    for lists in (f"({item})", f"(1, {item})", f"({item}, 1)", f"(1), ({item})"):
        assert not _PLAIN_LITERAL_LISTS.fullmatch(lists), lists
        assert lone_literal_lists(lists) == parsed_as_lone_literals(lists), lists


#: Rows the brief names: a literal that changes a keyword, comments, an E'' string with a quote, dollar
#: quotes, calls, a Redshift-only cast, DEFAULT; each among thousands of plain rows.
ROWS_AMONG_MANY = [
    "(1, nullx, NULL)",
    "(1, 'a', falſe)",
    "(1, /* c */ 'a', NULL)",
    "(1, 'a' -- c\n, NULL)",
    "(1, E'it\\'s', NULL)",
    "(1, $$it's$$, NULL)",
    "(1, GETDATE(), NULL)",
    "(1, NVL(NULL, 'x'), NULL)",
    "(1, '1'::varchar(max), NULL)",
    "(1, DEFAULT, NULL)",
    "(1, 'a' 'b', NULL)",
]


def test_a_row_among_four_thousand_is_translated_as_the_full_path_does() -> None:
    plain = [f"({n}, 'name {n}', NULL)" for n in range(4000)]
    learnt_from = HEAD + ", ".join(plain[:3]) + TAIL
    assert translation(learnt_from) == learnt_from
    assert translation(HEAD + ", ".join(plain) + TAIL) == HEAD + ", ".join(plain) + TAIL  # the frame
    for number, row in enumerate(ROWS_AMONG_MANY):
        position = (0, 1999, 3999)[number % 3]  # first, in the middle, last
        rows = [*plain[:position], row, *plain[position + 1 :]]
        sql = HEAD + ", ".join(rows) + TAIL
        assert translation(sql) == full_translation(sql), row


@pytest.mark.parametrize("tail", [TAIL, "", "AND k = 1", ")"])
@pytest.mark.parametrize("lists", PLAIN_LISTS + [f"(1, {item})" for item in NOT_PLAIN_ITEMS])
def test_a_short_list_checked_where_it_stands_gets_the_answer_of_the_list_alone(
    lists: str, tail: str
) -> None:
    """A short list (executemany's row) is matched in place, not copied out: the answer is the one of the
    list on its own, whatever text follows it."""
    verdicts = ShapeVerdicts()
    learnt(verdicts, HEAD + "(7, 'x', NULL)" + tail)
    expected = "\\" not in lists and lone_literal_lists(lists)
    assert verdicts.in_known_frame(HEAD + lists + tail, False) == expected, lists


#: Statements of frames, each with others of its frame: the first keyword and query type of each are the
#: frame's (its sample's), whatever comments lead it and however its keyword is written.
FRAMED = [
    ["INSERT INTO frame_rows VALUES (1, 'a')", "INSERT INTO frame_rows VALUES (2, 'select'), (3, NULL)"],
    ["/* lead */ insert into frame_rows values (1)", "/* lead */ insert into frame_rows values ('x')"],
    ["-- c\n  Insert INTO frame_rows VALUES(1)", "-- c\n  Insert INTO frame_rows VALUES(  2 ),( 3)"],
    ["VALUES (1), (2)", "VALUES ('delete'), ('create')"],
    ["SELECT a FROM frame_rows WHERE k IN (1, 2)", "SELECT a FROM frame_rows WHERE k IN ('x')"],
    [
        "WITH w AS (SELECT 1 AS k) SELECT * FROM w WHERE k IN (1)",
        "WITH w AS (SELECT 1 AS k) SELECT * FROM w WHERE k IN (2, 3)",
    ],
    ["DELETE FROM frame_rows WHERE a IN (1)", "DELETE FROM frame_rows WHERE a IN (2, 3)"],
    ["UPDATE frame_rows SET b = 'x' WHERE a IN (1)", "UPDATE frame_rows SET b = 'x' WHERE a IN (4)"],
    [
        "CREATE TABLE frame_copy AS SELECT * FROM frame_rows WHERE a IN (1)",
        "CREATE TABLE frame_copy AS SELECT * FROM frame_rows WHERE a IN (2)",
    ],
]


@pytest.mark.parametrize("statements", FRAMED)
def test_a_frames_statements_take_their_keyword_and_query_type_from_the_frame(statements: list[str]) -> None:
    verdicts = ShapeVerdicts()
    learnt(verdicts, statements[0])
    checked, asked = CheckedFrames(), []
    for sql in statements:
        sample = verdicts.frame_sample(sql, False)
        assert sample is not None, sql
        keyword, kind = checked.get(sample, lambda sample: asked.append(sample) is None)  # type: ignore[misc]
        assert keyword == first_keyword(sql)
        # a CREATE's type reads further than its keyword: worked out per statement (CTAS here)
        assert kind == (None if keyword == "CREATE" else query_type(sql))
    assert len(asked) == 1  # once per frame


def test_a_frame_whose_sample_is_planned_is_planned_for_every_statement() -> None:
    """A frame's sample that names a history view or a session value: each of its statements is planned
    (None), the check asked once; a frame of other values in its literal list goes as written."""
    checked = CheckedFrames()
    reads = "SELECT a FROM frame_rows WHERE (SELECT count(*) FROM stl_query) > 0 AND a IN (1)"
    literal = "SELECT a FROM frame_rows WHERE a IN (1)"
    asked: list[str] = []

    def passes(sample: str) -> bool:
        asked.append(sample)
        return "stl_query" not in sample

    assert [checked.get(reads, passes) for _ in range(3)] == [None] * 3
    assert checked.get(literal, passes) == ("SELECT", "SELECT")
    assert asked == [reads, literal]
