"""Whatever UNLOAD writes as text or CSV, COPY reads back to the same table content: NULLs, delimiters,
quotes, backslashes and newlines inside values included, with the options the guide pairs (UNLOAD ESCAPE
with COPY ESCAPE, ADDQUOTES with REMOVEQUOTES, HEADER with IGNOREHEADER, NULL AS with NULL AS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkify.engine.copy import run_copy
from sparkify.engine.unload.statement import run_unload

NULL_MARK = "NULL-MARK"
# (UNLOAD options, COPY options) that the guide says reload what was unloaded.
PAIRS = [
    (r"delimiter '|' escape null as 'NULL-MARK'", r"delimiter '|' escape null as 'NULL-MARK'"),
    (
        r"delimiter '\t' escape null as 'NULL-MARK' header",
        r"delimiter '\t' escape null as 'NULL-MARK' ignoreheader 1",
    ),
    ("addquotes escape null as 'NULL-MARK'", "removequotes escape null as 'NULL-MARK'"),
    (
        "delimiter ',' addquotes escape null as 'NULL-MARK'",
        "delimiter ',' removequotes escape null as 'NULL-MARK'",
    ),
    ("csv", "csv null as ''"),
    ("csv header delimiter '|'", "csv null as '' delimiter '|' ignoreheader 1"),
    ("csv null as 'NULL-MARK' gzip", "csv null as 'NULL-MARK' gzip"),
]

characters = st.sampled_from(
    ["|", ",", "\t", "\n", "\r", '"', "'", "\\", " ", "N", "é", "𝄞"]
) | st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
texts = st.text(alphabet=characters, max_size=12).filter(lambda text: text != NULL_MARK)
table_rows = st.lists(
    st.tuples(
        st.none() | texts,
        st.none() | st.integers(min_value=-(2**31), max_value=2**31 - 1),
        st.none() | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
        st.none() | st.floats(allow_nan=False, allow_infinity=False),
    ),
    max_size=12,
)


def _reset(db: Any) -> None:
    db.rollback()
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS src (id INTEGER, s VARCHAR(200), n INTEGER, d DATE, f FLOAT8);"
            "CREATE TABLE IF NOT EXISTS back (LIKE src); TRUNCATE src; TRUNCATE back"
        )


def _table(db: Any, name: str) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name} ORDER BY id")
        return cursor.fetchall()


@pytest.mark.parametrize(("unload_options", "copy_options"), PAIRS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=table_rows)
def test_unload_then_copy_gives_the_table_back(
    db: Any, tmp_path_factory: Any, unload_options: str, copy_options: str, batch: list[tuple[Any, ...]]
) -> None:
    _reset(db)
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO src VALUES (%s, %s, %s, %s, %s)", [(index, *row) for index, row in enumerate(batch)]
        )
    prefix = Path(tmp_path_factory.mktemp("unload")) / "src_"
    run_unload(db, f"unload ('select * from src') to '{prefix}' iam_role default {unload_options}")
    run_copy(db, f"copy back from '{prefix}' iam_role default {copy_options}")
    assert _table(db, "back") == _table(db, "src")


def test_addquotes_without_escape_reloads_with_removequotes(db: Any, tmp_path: Path) -> None:
    _reset(db)
    with db.cursor() as cursor:
        cursor.execute(
            """INSERT INTO src VALUES (1, 'Hello, World', 1, NULL, 1.5), (2, 'say "hi"', 2, NULL, 0)"""
        )
    run_unload(
        db, f"unload ('select * from src') to '{tmp_path}/q_' delimiter ',' addquotes null as 'NULL-MARK'"
    )
    assert (tmp_path / "q_0000_part_00").read_text().splitlines()[
        0
    ] == '"1","Hello, World","1",NULL-MARK,"1.5"'
    run_copy(db, f"copy back from '{tmp_path}/q_' delimiter ',' removequotes null as 'NULL-MARK'")
    assert _table(db, "back") == _table(db, "src")


def test_escape_writes_a_backslash_before_each_special_character(db: Any, tmp_path: Path) -> None:
    _reset(db)
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO src VALUES (1, E'a|b\\\\c\\nd\\re\\tf', NULL, NULL, NULL)")
    run_unload(db, f"unload ('select id, s from src') to '{tmp_path}/e_' escape")
    assert (tmp_path / "e_0000_part_00").read_bytes() == b"1|a\\|b\\\\c\\\nd\\\re\tf\n"
