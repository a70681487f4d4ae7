"""Splitting a source file into records: every record is found once, with the line Redshift reports it by.

Files are built from pieces whose lines are known — one object a line, an object spread over several
lines, objects concatenated on one line, blank lines, a line that is not JSON — in any order, and the
records read must be exactly the pieces' records, in order, on their lines.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.engine.copy.records import BadRecord, JsonRecords

values = st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False)
objects = st.dictionaries(st.text(max_size=5), values, max_size=4)


@st.composite
def pieces(draw: Any) -> tuple[list[str], list[tuple[int, Any]]]:
    """Lines of one piece, and its records as (line within the piece, value or "bad")."""
    kind = draw(st.sampled_from(["line", "spread", "concatenated", "blank", "bad"]))
    if kind == "line":
        value = draw(objects)
        return [json.dumps(value)], [(1, value)]
    if kind == "spread":  # reported by its last line, as Redshift does
        value = draw(objects)
        lines = json.dumps(value, indent=2).split("\n")
        return lines, [(len(lines), value)]
    if kind == "concatenated":
        first, second = draw(objects), draw(objects)
        return [json.dumps(first) + json.dumps(second)], [(1, first), (1, second)]
    if kind == "blank":
        return [draw(st.sampled_from(["", "  ", "\t", "\r"]))], []
    return [draw(st.sampled_from(["{oops", "not json", '{"a": }']))], [(1, "bad")]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(pieces(), max_size=8), final_newline=st.booleans())
def test_every_record_is_read_once_on_its_line(
    parts: list[tuple[list[str], list[tuple[int, Any]]]], final_newline: bool
) -> None:
    lines: list[str] = []
    expected: list[tuple[int, Any]] = []
    for piece_lines, records in parts:
        expected += [(len(lines) + line, value) for line, value in records]
        lines += piece_lines
    data = ("\n".join(lines) + ("\n" if final_newline else "")).encode("utf-8")

    read = [(line, "bad" if isinstance(value, BadRecord) else value) for line, value in JsonRecords(data)]

    assert read == expected
