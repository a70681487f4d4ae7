"""Compile one COPY's record-to-row conversion into a single Python function.

Calling a converter per value costs more than the conversion itself at a million rows.  For the common
mapping (each column takes one top-level key) this module writes a function that handles the usual
cases inline — a clean string, an int in range, a float, NULL — and hands every other value to the
column's full converter, so the result is exactly what the converters alone would give.

A log's columns repeat their values (a user's name and browser, a song's length), so each column also
remembers the first few thousand short values it passed unchanged, and each float column the text of its
first few thousand floats: a set or dict lookup costs a third of the checks or of ``repr``.  A string is
remembered only after passing the checks, which depend on the value alone, so a remembered value is one
the checks would pass again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparkify.engine.copy.convert import (
    EPOCH_FORMATS,
    INT_RANGES,
    Column,
    Converter,
    epoch_text_function,
)
from sparkify.engine.copy.statement import CopyCommand

RowFunction = Callable[[dict[str, Any]], bytes]

# How many values a column remembers, and how long a remembered string may be: with 18 columns at most
# a few megabytes per worker.
REMEMBERED_VALUES = 4096
REMEMBERED_LENGTH = 128


def compile_row_function(
    columns: list[Column], converters: list[Converter], keys: list[str], command: CopyCommand
) -> RowFunction:
    """A function from a record to its COPY text row; it raises the converters' ValueRejected."""
    lines = ["def row(record):", "    get = record.get"]
    for index, (column, key) in enumerate(zip(columns, keys)):
        lines += [f"    v = get({key!r})", *_column_code(index, column, command)]
    fields = ", ".join(f"f{index}" for index in range(len(columns)))
    lines.append(f"    return ('\\t'.join(({fields},)) + '\\n').encode('utf-8')")
    namespace: dict[str, Any] = {f"conv{index}": convert for index, convert in enumerate(converters)}
    for index, column in enumerate(columns):
        namespace[f"seen{index}"] = {} if _family(column.type_name.split("(")[0]) == "float" else set()
    if (command.timeformat or "").lower() in EPOCH_FORMATS:
        namespace["epoch_text"] = epoch_text_function(command.timeformat)
    exec(compile("\n".join(lines), f"<copy row: {command.table}>", "exec"), namespace)
    return namespace["row"]


def _column_code(index: int, column: Column, command: CopyCommand) -> list[str]:
    """Code that sets ``f<index>`` from ``v``; every case it does not recognise goes to ``conv<index>``."""
    kind = column.type_name.split("(")[0]
    general = [f"        f{index} = conv{index}(v)", f"        if f{index} is None: f{index} = '\\\\N'"]
    code = []
    cases = _fast_cases(kind, column, command)
    if any(value == "v" for _, value in cases):  # a remembered string first: one lookup, no checks
        code += [f"    if v.__class__ is str and v in seen{index}:", f"        f{index} = v"]
    for condition, value in cases:
        code += [f"    {'elif' if code else 'if'} {condition}:", *_assignment(index, value)]
    fast = bool(code)
    if not column.not_null:
        code += [f"    {'elif' if fast else 'if'} v is None:", f"        f{index} = '\\\\N'"]
    code += ["    else:" if code else "    if True:", *general]
    return code


def _assignment(index: int, value: str) -> list[str]:
    """Code that sets ``f<index>`` to ``value`` for a fast case, remembering it where that pays."""
    seen, limit = f"seen{index}", REMEMBERED_VALUES
    if value == "repr(v)":  # a float: its text from the column's dict, else repr (never -0.0's as 0.0's)
        return [
            f"        f{index} = {seen}.get(v)",
            f"        if f{index} is None:",
            f"            f{index} = repr(v)",
            f"            if v and len({seen}) < {limit}: {seen}[v] = f{index}",
        ]
    if value == "v":  # a string the checks passed: remembered while short and the set small
        return [
            f"        f{index} = v",
            f"        if len(v) <= {REMEMBERED_LENGTH} and len({seen}) < {limit}: {seen}.add(v)",
        ]
    return [f"        f{index} = {value}"]


def _family(kind: str) -> str:
    if kind in INT_RANGES:
        return "int"
    if kind in ("double precision", "real"):
        return "float"
    if kind in ("character varying", "character", "text"):
        return "text"
    return ""


def _fast_cases(kind: str, column: Column, command: CopyCommand) -> list[tuple[str, str]]:
    """(condition on ``v``, the COPY text for it) for the values a column usually gets."""
    family = _family(kind)
    if family == "int":
        bound = INT_RANGES[kind]
        # ASCII digits short enough to be in range, without a leading zero: the converter's own text.
        longest = len(str(bound)) - 1
        digits = (
            f"v.__class__ is str and 0 < len(v) <= {longest} and v.isascii() and v.isdigit() "
            "and (v[0] != '0' or len(v) == 1)"
        )
        return [(f"v.__class__ is int and {-bound} <= v < {bound}", "str(v)"), (digits, "v")]
    if family == "float":
        return [("v.__class__ is float", "repr(v)")]
    if kind.startswith("timestamp") and (command.timeformat or "").lower() in EPOCH_FORMATS:
        limit = 253402300800 * (1000 if command.timeformat.lower() == "epochmillisecs" else 1)  # year 10000
        return [(f"v.__class__ is int and 0 <= v < {limit}", "epoch_text(v)")]
    if family != "text" or kind == "character":
        return []
    # A non-empty string that is printable (no tab, newline, NUL…), has no backslash to escape, is not
    # blank, and fits the column by bytes.
    parts = ["v.__class__ is str", "v", "v.isprintable()", "'\\\\' not in v"]
    if command.blanks_as_null:
        parts.append("not v.isspace()")
    if column.max_bytes is not None:
        limit = column.max_bytes
        parts.append(f"(len(v) * 4 <= {limit} or (v.isascii() and len(v) <= {limit}))")
    return [(" and ".join(parts), "v")]
