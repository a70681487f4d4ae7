"""Whatever JSON brings, the COPY emulator loads exactly that value into PostgreSQL, or rejects the record.

Generated records go through a real COPY on the embedded server and are read back: every text, integer
and float arrives unchanged, and only the records Redshift would refuse (a NUL, too many bytes for the
VARCHAR) are rejected, each on its own line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkify.engine.copy import run_copy

VARCHAR_BYTES = 24
ERR_TOO_LONG, ERR_UTF8 = 1204, 1220

# Every character but lone surrogates (JSON cannot carry them as UTF-8), weighted towards the ones COPY
# text must escape or Redshift treats specially.
characters = st.sampled_from(["\\", "\t", "\n", "\r", "\x00", " ", "\u00a0", "é", "𝄞", "N"]) | st.characters(
    exclude_categories=("Cs",)
)
texts = st.text(alphabet=characters, max_size=30)
records = st.lists(
    st.fixed_dictionaries(
        {
            "t": texts,
            "v": texts,
            "n": st.integers(min_value=-(2**63), max_value=2**63 - 1),
            "f": st.floats(allow_nan=False, allow_infinity=False),
        }
    ),
    min_size=1,
    max_size=40,
)


def expected_outcome(record: dict[str, Any]) -> int | None:
    """The Redshift error code a record gets, or None when it loads."""
    if "\x00" in record["t"] or "\x00" in record["v"]:
        return ERR_UTF8
    if len(record["v"].encode("utf-8")) > VARCHAR_BYTES:
        return ERR_TOO_LONG
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=records, ascii_only=st.booleans())
def test_values_arrive_unchanged_or_the_record_is_rejected(
    db: Any, tmp_path: Path, batch: list[dict[str, Any]], ascii_only: bool
) -> None:
    db.rollback()  # each example starts clean, even after one that failed mid-transaction
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS trip "
            "(id INTEGER, t TEXT, v VARCHAR(24), n BIGINT, f DOUBLE PRECISION); TRUNCATE trip"
        )
    source = tmp_path / "trip.json"
    lines = [
        json.dumps({"id": number, **record}, ensure_ascii=ascii_only) for number, record in enumerate(batch)
    ]
    source.write_text("\n".join(lines), encoding="utf-8")

    result = run_copy(db, f"COPY trip FROM '{source}' IAM_ROLE default FORMAT AS JSON 'auto' MAXERROR 1000;")

    with db.cursor() as cursor:
        cursor.execute("SELECT id, t, v, n, f FROM trip ORDER BY id")
        loaded = {row[0]: list(row[1:]) for row in cursor.fetchall()}
    rejected = {record.line - 1: record.code for record in result.rejected}
    for number, record in enumerate(batch):
        code = expected_outcome(record)
        if code is None:
            assert loaded.get(number) == [record["t"], record["v"], record["n"], record["f"]], record
        else:
            assert rejected.get(number) == code and number not in loaded, record
    assert len(loaded) + len(rejected) == len(batch)
