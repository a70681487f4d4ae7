"""COPY … FORMAT AS AVRO: outer fields mapped by name ('auto', 'auto ignorecase') or by a JSONPaths file,
complex values as JSON text, logical types as their values, bad records under MAXERROR as JSON's are."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import pytest

from sparkify.engine.copy import run_copy
from sparkify.errors import CopyStatementError, LoadError

SCHEMA = {
    "name": "person",
    "type": "record",
    "fields": [
        {"name": "id", "type": "int"},
        {"name": "guid", "type": "string"},
        {"name": "Name", "type": ["null", "string"]},
        {"name": "joined", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "born", "type": {"type": "int", "logicalType": "date"}},
        {"name": "balance", "type": {"type": "bytes", "logicalType": "decimal", "precision": 8, "scale": 2}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "kind", "type": {"type": "enum", "name": "kinds", "symbols": ["A", "B"]}},
    ],
}
RECORDS = [
    {
        "id": 1,
        "guid": "g1",
        "Name": "Ann",
        "joined": dt.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc),
        "born": dt.date(1990, 5, 6),
        "balance": Decimal("12.34"),
        "tags": ["x", "y"],
        "kind": "B",
    },
    {
        "id": 2,
        "guid": "a guid far too long for its column",
        "Name": None,
        "joined": dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc),
        "born": dt.date(2000, 1, 1),
        "balance": Decimal("0.00"),
        "tags": [],
        "kind": "A",
    },
]
DDL = """CREATE TABLE person (id INTEGER, guid VARCHAR(8), name VARCHAR(20), joined TIMESTAMP, born DATE,
         balance DECIMAL(8,2), tags VARCHAR(50), kind VARCHAR(5))"""


@pytest.fixture
def person(db: Any, tmp_path: Path) -> Any:
    with db.cursor() as cursor:
        cursor.execute(DDL)
    db.commit()
    with open(tmp_path / "person.avro", "wb") as out:
        fastavro.writer(out, SCHEMA, RECORDS, codec="deflate")
    return db


def rows(db: Any) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM person ORDER BY id")
        return cursor.fetchall()


def test_auto_ignorecase_maps_fields_and_keeps_a_bad_record_out(person: Any, tmp_path: Path) -> None:
    result = run_copy(
        person, f"copy person from '{tmp_path}/person' format as avro 'auto ignorecase' maxerror 1"
    )
    assert rows(person) == [
        (
            1,
            "g1",
            "Ann",
            dt.datetime(2020, 1, 2, 3, 4, 5, 678000),
            dt.date(1990, 5, 6),
            Decimal("12.34"),
            '["x","y"]',
            "B",
        )
    ]
    assert [(item.line, item.code, item.column) for item in result.rejected] == [(2, 1204, "guid")]


def test_auto_matches_lowercase_names_only(person: Any, tmp_path: Path) -> None:
    run_copy(person, f"copy person from '{tmp_path}/person.avro' avro 'auto' truncatecolumns")
    assert [row[2] for row in rows(person)] == [None, None]


def test_a_jsonpaths_file_maps_by_position(person: Any, tmp_path: Path) -> None:
    paths = tmp_path / "paths.json"
    paths.write_text(
        json.dumps(
            {
                "jsonpaths": [
                    "$.id",
                    "$.kind",
                    "$.Name",
                    "$.joined",
                    "$.born",
                    "$.balance",
                    "$.tags[0]",
                    "$.guid",
                ]
            }
        )
    )
    run_copy(person, f"copy person from '{tmp_path}/person.avro' format as avro '{paths}' truncatecolumns")
    assert [row[:3] for row in rows(person)] == [(1, "B", "Ann"), (2, "A", None)]


def test_not_an_avro_file_and_text_options(person: Any, tmp_path: Path) -> None:
    (tmp_path / "x.avro").write_text("not avro")
    with pytest.raises(LoadError, match="not a readable Avro file"):
        run_copy(person, f"copy person from '{tmp_path}/x.avro' format as avro 'auto'")
    person.rollback()
    with pytest.raises(CopyStatementError, match="DELIMITER is not supported with AVRO"):
        run_copy(person, f"copy person from '{tmp_path}/x.avro' avro 'auto' delimiter ','")
