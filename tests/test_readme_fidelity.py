"""The README's fidelity table says nothing the tests do not show: every name in a "supported" or
"refused" row appears in the tests of the SQL surface."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURFACE_TESTS = (
    "test_redshift_functions.py",
    "test_redshift_sql.py",
    "test_redshift_semantics.py",
    "test_redshift_queries.py",
    "test_redshift_partiql.py",
    "test_redshift_procedures.py",
    "test_unload.py",
    "test_parquet.py",
    "test_copy_text.py",
    "test_copy_statement.py",
    "test_copy_orc.py",
    "test_copy_avro.py",
    "test_endpoint_grants.py",
    "test_endpoint_history.py",
    "test_redshift_functions_reference.py",
    "test_endpoint_types.py",
    "test_late_binding_views.py",
    "test_decimal_branches.py",
    "test_endpoint_case_sensitive.py",
    "test_endpoint_names.py",
)
STATUSES = {"supported", "refused", "differs", "not supported"}


def _rows() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- fidelity-table -->")[1].split("<!-- /fidelity-table -->")[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1]))
    return rows


def test_every_row_has_a_known_status() -> None:
    rows = _rows()
    assert len(rows) > 50
    assert {status for _, status in rows} <= STATUSES


def test_every_supported_or_refused_name_is_tested() -> None:
    tested = " ".join((ROOT / "tests" / name).read_text(encoding="utf-8") for name in SURFACE_TESTS).lower()
    untested = []
    for feature, status in _rows():
        if status not in ("supported", "refused"):
            continue
        for item in re.findall(r"`([^`]+)`", feature) or [feature]:
            for word in re.findall(r"[A-Za-z_#][A-Za-z0-9_]+", item):
                if word.lower().lstrip("#") not in tested:
                    untested.append(f"{word} ({feature})")
    assert untested == []
