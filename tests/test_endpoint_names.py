"""Names as a cluster reads them, through a real endpoint: quoted names with capitals and backslashes fold
like any other (only their ASCII letters: ``"ÖhNo"`` is ``Öhno``), and the metadata API finds them — the
cases of redshift_connector's test_metadataAPI_special_character_handling files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint_process import RunningEndpoint, running_endpoint

# The driver's schema of test_metadataAPI_special_character_handling.py: a capital, a backslash before the
# closing quote, a quote, every ASCII punctuation mark.
MIXED_CASE_SCHEMA = '"sChema`~!@#$%^&*()_+-={}|[]:"";,./<>?\'\\"'
SCHEMA_AS_STORED = "schema`~!@#$%^&*()_+-={}|[]:\";,./<>?'\\"


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture
def rc(endpoint: RunningEndpoint) -> Iterator[Any]:
    connection = endpoint.redshift_connector()
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def test_a_quoted_name_with_capitals_and_a_backslash_folds(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute(f"DROP SCHEMA IF EXISTS {MIXED_CASE_SCHEMA} CASCADE")
    cursor.execute(f"CREATE SCHEMA {MIXED_CASE_SCHEMA}")
    cursor.execute(f'CREATE TABLE {MIXED_CASE_SCHEMA}."test\\_Table\\_1" ("%cOl1" INT)')
    cursor.execute(f'INSERT INTO {MIXED_CASE_SCHEMA}."TEST\\_table\\_1" VALUES (7)')
    cursor.execute(f'SELECT "%COL1" FROM {MIXED_CASE_SCHEMA}."test\\_table\\_1"')
    assert cursor.fetchall() == ([7],)
    assert [row[2] for row in cursor.get_tables(None, SCHEMA_AS_STORED.replace("\\", "\\\\"), "%")] == [
        "test\\_table\\_1"
    ]
    cursor.execute(f"DROP SCHEMA {MIXED_CASE_SCHEMA} CASCADE")


def test_only_ascii_letters_fold(rc: Any) -> None:
    cursor = rc.cursor()
    cursor.execute('DROP TABLE IF EXISTS "ÖhNo"')
    cursor.execute('CREATE TABLE "ÖhNo" ("ÄBC" INT)')
    cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s", ("%hno",))
    assert cursor.fetchall() == (["Öhno"],)
    assert [row[3] for row in cursor.get_columns(None, "public", "Öhno", "%")] == ["Äbc"]
    cursor.execute('DROP TABLE "Öhno"')
