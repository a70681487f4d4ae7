"""The data-quality gate: named checks on the loaded star, and everything result_check.py reports.

Each check is one query from ``sql_queries.py`` that returns one number, and the comparison that number
must pass.  :func:`inspect_warehouse` runs them together with the row counts, the analytics answers and
the chart data, inside one transaction, so every part of a report describes the same warehouse.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sql_queries as q
from sparkify import pipeline
from sparkify.config import load_min_song_match_share
from sparkify.engine.sql.text import collapse_whitespace
from sparkify.warehouse import Warehouse

log = logging.getLogger(__name__)

SETTINGS_SECTION = "CHECKS"
MIN_SHARE_KEY = "MIN_SONG_MATCH_SHARE"
SONG_MATCH_CHECK = "songplays with a known song"

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class CheckSettings:
    """What ``[CHECKS]`` in dwh.cfg asks of the warehouse beyond its structural rules."""

    min_song_match_share: float = 0.0


@dataclass(frozen=True)
class CheckDefinition:
    """A named query returning one number (``measure`` says what it counts) and what it must be."""

    name: str
    table: str
    sql: str
    comparison: str  # one of _COMPARISONS
    threshold: float
    measure: str

    @property
    def expected(self) -> str:
        """The requirement as people read it: ``0``, ``> 0``, ``>= 0.05``."""
        bound = format_number(self.threshold)
        return bound if self.comparison == "=" else f"{self.comparison} {bound}"


@dataclass(frozen=True)
class CheckResult:
    """A check and the number the warehouse gave for it."""

    check: CheckDefinition
    actual: float

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def passed(self) -> bool:
        return _COMPARISONS[self.check.comparison](self.actual, self.check.threshold)

    def describe(self) -> str:
        """One line: ``name: expected E, actual A (measure)``."""
        return (
            f"{self.name}: expected {self.check.expected}, actual {format_number(self.actual)} "
            f"({self.check.measure})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": self.check.table,
            "measure": self.check.measure,
            "sql": collapse_whitespace(self.check.sql),
            "comparison": self.check.comparison,
            "threshold": self.check.threshold,
            "expected": self.check.expected,
            "actual": self.actual,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class ResultTable:
    """Rows of one query with their column names."""

    headers: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready objects (dates as ISO text, decimals as numbers)."""
        return [{name: _json_value(value) for name, value in zip(self.headers, row)} for row in self.rows]


@dataclass(frozen=True)
class Findings:
    """Everything one look at the warehouse found: counts, checks, analytics answers and chart data."""

    warehouse: str
    counts: dict[str, int]
    checks: list[CheckResult]
    analytics: dict[str, ResultTable] = field(default_factory=dict)
    charts: dict[str, ResultTable] = field(default_factory=dict)

    @property
    def failures(self) -> list[CheckResult]:
        return [result for result in self.checks if not result.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "warehouse": self.warehouse,
            "passed": not self.failures,
            "counts": dict(self.counts),
            "checks": [result.to_dict() for result in self.checks],
            "analytics": {title: table.records() for title, table in self.analytics.items()},
            "charts": {name: table.records() for name, table in self.charts.items()},
        }


def load_check_settings(path: str | Path) -> CheckSettings:
    """``[CHECKS]`` of the configuration file; :class:`ConfigError` if a value is malformed."""
    return CheckSettings(min_song_match_share=load_min_song_match_share(path))


def check_definitions(settings: CheckSettings) -> list[CheckDefinition]:
    """Every check, in the order they are reported: emptiness, keys, NULLs, references, song matches."""
    checks = [
        CheckDefinition(f"{table} not empty", table, q.count_queries[table], ">", 0, "rows")
        for table in q.STAR_TABLES
    ]
    for table, columns in q.unique_key_columns.items():
        key = f"{table}.{columns[0]}" if len(columns) == 1 else f"{table} ({', '.join(columns)})"
        checks.append(
            CheckDefinition(
                f"{key} unique", table, q.duplicated_keys_queries[table], "=", 0, "duplicated keys"
            )
        )
    checks += [
        CheckDefinition(f"{column} not null", column.split(".")[0], sql, "=", 0, "NULLs")
        for column, sql in q.null_count_queries.items()
    ]
    checks += [
        CheckDefinition(f"songplays.{column} in {dimension}", "songplays", sql, "=", 0, "orphan songplays")
        for (column, sql), (dimension, _) in zip(
            q.orphan_songplays_queries.items(), q.songplays_references.values()
        )
    ]
    checks.append(
        CheckDefinition(
            SONG_MATCH_CHECK,
            "songplays",
            q.song_match_share_query,
            ">=",
            settings.min_song_match_share,
            "share of songplays",
        )
    )
    return checks


def run_checks(warehouse: Warehouse, checks: Sequence[CheckDefinition]) -> list[CheckResult]:
    """Run each check's query; its first value is the check's actual number."""
    results = []
    for check in checks:
        log.debug("check %s: %s", check.name, collapse_whitespace(check.sql))
        _, rows = warehouse.query(check.sql)
        value = rows[0][0] if rows else None
        results.append(CheckResult(check, _number(value)))
    return results


def inspect_warehouse(warehouse: Warehouse, settings: CheckSettings) -> Findings:
    """Counts, checks, analytics answers and chart data of ``warehouse``, read in one transaction."""
    try:
        counts = pipeline.table_counts(warehouse)
        results = run_checks(warehouse, check_definitions(settings))
        analytics = {title: ResultTable(*warehouse.query(sql)) for title, sql in q.analytics_queries.items()}
        charts = {name: ResultTable(*warehouse.query(sql)) for name, sql in q.chart_queries.items()}
    finally:
        # Read-only: end the transaction so that Redshift does not hold its snapshot open.
        warehouse.rollback()
    return Findings(warehouse.description, counts, results, analytics, charts)


def describe_failures(findings: Findings) -> str:
    """The error text for failed checks: a summary line, then one line per failed check."""
    failures = findings.failures
    empty = [result.check.table for result in failures if result.check.measure == "rows"]
    hint = f" (empty star table(s): {', '.join(empty)}; run etl.py first)" if empty else ""
    lines = [f"{len(failures)} of {len(findings.checks)} data-quality checks failed{hint}:"]
    lines += [f"  - {result.describe()}" for result in failures]
    return "\n".join(lines)


def _number(value: Any) -> float:
    """A query's single value as a number: integers stay integers, a NULL counts as 0."""
    if value is None:
        return 0
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def format_number(value: float) -> str:
    """Whole numbers with thousands separators, fractions to four significant digits."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4g}"
    return f"{int(value):,}"


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return _number(value)
    return value
