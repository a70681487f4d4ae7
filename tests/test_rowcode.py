"""The compiled row function gives exactly what the column converters alone give, for any record.

The compiled function only takes short cuts for the usual values; these properties hold it to the
converters on every kind of value JSON can bring, under each option that changes a conversion.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.engine.copy.convert import Column, ValueRejected
from sparkify.engine.copy.mapping import auto_extractor
from sparkify.engine.copy.produce import RowConverter
from sparkify.engine.copy.statement import parse_copy

COLUMNS = [
    Column("name", "character varying(8)", False, 8),
    Column("code", "character varying(16)", True, 16),
    Column("note", "text", False),
    Column("flag", "character(3)", False, 3),
    Column("small", "smallint", False),
    Column("count", "integer", True),
    Column("big", "bigint", False),
    Column("score", "double precision", False),
    Column("seen", "timestamp without time zone", False),
    Column("ok", "boolean", False),
]

OPTIONS = [
    "TIMEFORMAT 'epochmillisecs'",
    "TIMEFORMAT 'epochsecs' BLANKSASNULL EMPTYASNULL",
    "TIMEFORMAT 'auto' TRUNCATECOLUMNS BLANKSASNULL",
    "EMPTYASNULL",
]

# Strings built from the characters that matter: escapes, controls, blanks, multi-byte and invalid ones.
SPECIAL_CHARACTERS = [
    "a",
    "Z",
    "7",
    " ",
    "\t",
    "\n",
    "\r",
    "\\",
    "\x00",
    "\x7f",
    "\u00a0",
    "é",
    "€",
    "𝄞",
    "\ud800",
]
texts = st.text(alphabet=st.sampled_from(SPECIAL_CHARACTERS), max_size=12) | st.text(max_size=20)
numbers = (
    st.integers(min_value=-(2**63) - 1, max_value=2**63)
    | st.sampled_from([0, -1, 2**15 - 1, 2**15, -(2**15), 2**31 - 1, 2**31, 253402300799999, 253402300800000])
    | st.floats(allow_nan=True, allow_infinity=True)
)
digit_strings = st.from_regex(r"\A[ +-]?[0-9]{1,12} ?\Z")
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts | digit_strings,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=3,
)
# Integers at and beside each integer type's limits, and past the last timestamp Redshift can hold.
edges = st.sampled_from(
    [edge + step for edge in (2**15, 2**31, 2**63, 253402300800000) for step in (-1, 0)]
    + [-edge + step for edge in (2**15, 2**31, 2**63) for step in (-1, 0)]
)
# The NOT NULL columns mostly hold a value, or nearly every record would be rejected for lacking one.
records = st.fixed_dictionaries(
    {"code": texts | json_values, "count": st.integers(-(2**31), 2**31 - 1) | edges | json_values},
    optional={column.name: edges | json_values for column in COLUMNS if not column.not_null},
)


def converter_for(options: str) -> RowConverter:
    command = parse_copy(
        f"COPY t FROM 's3://bucket/prefix' IAM_ROLE default FORMAT AS JSON 'auto' {options};"
    )
    return RowConverter(command, COLUMNS, auto_extractor([c.name for c in COLUMNS], ignore_case=False))


CONVERTERS = {options: converter_for(options) for options in OPTIONS}


def outcome(function: Any, record: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "row", function(record)
    except ValueRejected as exc:
        return "rejected", exc.code
    except UnicodeEncodeError:
        return "invalid text", None


@pytest.mark.parametrize("options", OPTIONS)
@settings(max_examples=400, deadline=None)
@given(record=records)
def test_compiled_row_equals_the_converters(options: str, record: dict[str, Any]) -> None:
    converter = CONVERTERS[options]
    assert converter.row_function is not converter._general_row  # the compiled one is under test
    assert outcome(converter.row_function, record) == outcome(converter._general_row, record)


def test_epoch_milliseconds_become_exact_timestamp_text() -> None:
    converter = CONVERTERS["TIMEFORMAT 'epochmillisecs'"]
    row = converter.row_function({"code": "x", "count": 1, "seen": 1541030401713}).decode()
    assert row.split("\t")[8] == "2018-11-01 00:00:01.713"
    assert outcome(converter.row_function, {"code": "x", "count": 1, "seen": 253402300800000}) == (
        "rejected",
        1206,
    )


def test_remembered_values_come_out_as_on_first_sight() -> None:
    """A column remembers values it passed; seeing them again (or an equal value of another kind, or
    -0.0 after 0.0) gives what the converters give."""
    converter = converter_for("TIMEFORMAT 'epochmillisecs' BLANKSASNULL")
    seen = [
        {"code": "x", "count": 1, "name": "ab", "score": 0.0, "big": "12", "note": "é"},
        {"code": "x", "count": 1, "name": "ab", "score": -0.0, "big": "12", "note": "é"},
        {"code": "x", "count": 1, "name": "ab", "score": 276.2906, "big": 12, "note": "é"},
        {"code": "x", "count": 1, "name": "ab", "score": 276.2906, "big": "12", "note": "é"},
        {"code": "x", "count": 1, "name": "ab", "score": 276, "big": True, "note": 276.2906},
        {"code": "x", "count": "x", "name": "ab", "score": 1.0, "big": "12", "note": "é"},
        {"code": "x", "count": 1, "name": "abcdefghi", "score": True, "big": "12", "note": "é"},
    ]
    for record in seen * 2:
        assert outcome(converter.row_function, record) == outcome(converter._general_row, record)
