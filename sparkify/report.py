"""Plain-text tables for the terminal: any query's rows, and the data-quality checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from sparkify.checks import CheckResult, Findings, format_number
from sparkify.terminal import GREEN, RED, paint

# Given a column index and a cell's padded text, the text to print (e.g. wrapped in colour codes).
CellPainter = Callable[[int, str], str]


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "",
    paint: CellPainter | None = None,
) -> str:
    """An aligned table: numbers to the right, text to the left.

    ``paint`` decorates data cells after padding, so escape codes it adds never skew the alignment.
    """
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [_display_width(header) for header in headers]
    for row in cells:
        widths = [max(width, _display_width(cell)) for width, cell in zip(widths, row)]
    numeric = [bool(rows) and all(_is_number(row[i]) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str], painter: CellPainter | None = None) -> str:
        parts = [_pad(v, w, right=n) for v, w, n in zip(values, widths, numeric)]
        if painter is not None:
            parts = [painter(index, part) for index, part in enumerate(parts)]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out += [line(list(headers)), "  ".join("-" * width for width in widths)]
    out += [line(row, paint) for row in cells] or ["(no rows)"]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    # A tab or newline inside a value (song titles have them) would break the row apart.
    return _CONTROL_CHARACTERS.sub(" ", str(value))


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _pad(text: str, width: int, *, right: bool) -> str:
    padding = " " * max(0, width - _display_width(text))
    return padding + text if right else text + padding


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_checks(results: Sequence[CheckResult], *, colour: bool = False) -> str:
    """The data-quality checks as a table, PASS in green and FAIL in red when ``colour`` is on."""
    failed = sum(not result.passed for result in results)
    title = f"Data-quality checks: {len(results) - failed} passed, {failed} failed"
    rows = [
        (
            result.name,
            result.check.measure,
            result.check.expected,
            format_number(result.actual),
            "PASS" if result.passed else "FAIL",
        )
        for result in results
    ]

    def paint_verdict(column: int, text: str) -> str:
        if column != 4:
            return text
        verdict = text.rstrip()  # colour the word, not its padding
        return paint(verdict, GREEN if verdict == "PASS" else RED, enabled=colour) + text[len(verdict) :]

    return format_table(
        ["check", "measures", "expected", "actual", "result"], rows, title=title, paint=paint_verdict
    )


def format_findings(findings: Findings, *, colour: bool = False) -> str:
    """Row counts, checks and analytics answers, one aligned table after another."""
    sections = [
        format_table(["table", "rows"], list(findings.counts.items()), title="Row counts"),
        format_checks(findings.checks, colour=colour),
    ]
    sections += [
        format_table(table.headers, table.rows, title=title) for title, table in findings.analytics.items()
    ]
    return "\n\n".join(sections)
