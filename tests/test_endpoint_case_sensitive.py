"""enable_case_sensitive_identifier through a real endpoint: quoted names fold to lower case, as Redshift
folds them, until a session sets it to true; then they keep their case (tables, columns, aliases, the
result column names a client sees).  The translation's caches never serve one setting's answer to the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redshift_connector

from sparkify.config import load_config
from sparkify.engine.endpoint.plan import classify
from sparkify.engine.sql.adapter import translate
from sparkify.engine.sql.redshift.case_setting import CaseSensitivity
from sparkify.warehouse import connect
from tests.endpoint_process import RunningEndpoint, running_endpoint


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@contextlib.contextmanager
def autocommitting(endpoint: RunningEndpoint) -> Iterator[Any]:
    """A psycopg2 cursor on a connection of its own, each statement committed; closed at the end."""
    connection = endpoint.connect()
    connection.autocommit = True
    try:
        yield connection.cursor()
    finally:
        connection.close()


def columns_seen(cursor: Any, sql: str) -> list[str]:
    cursor.execute(sql)
    cursor.fetchall()
    return [column[0] for column in cursor.description]


def catalog_names(cursor: Any, table_like: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE lower(c.relname) = %s AND a.attnum > 0 ORDER BY 1, 2",
        (table_like,),
    )
    return cursor.fetchall()


def test_quoted_names_fold_by_default(endpoint: RunningEndpoint) -> None:
    with autocommitting(endpoint) as cursor:
        cursor.execute("SHOW enable_case_sensitive_identifier")
        assert cursor.fetchall() == [("off",)]
        cursor.execute('CREATE TABLE "MixedCase" ("ColA" int)')
        cursor.execute('INSERT INTO "MixedCase" ("ColA") VALUES (7)')
        assert catalog_names(cursor, "mixedcase") == [("mixedcase", "cola")]
        assert columns_seen(cursor, 'select "ColA" from "MixedCase"') == ["cola"]
        cursor.execute("select cola from mixedcase")
        assert cursor.fetchall() == [(7,)]


def test_the_guides_examples(endpoint: RunningEndpoint) -> None:
    """r_enable_case_sensitive_identifier.md's two examples, with their documented output."""
    with autocommitting(endpoint) as cursor:
        cursor.execute("SET enable_case_sensitive_identifier TO true")
        cursor.execute("SHOW enable_case_sensitive_identifier")
        assert cursor.fetchall() == [("true",)]
        cursor.execute('CREATE TABLE "MixedCasedTable" ("MixedCasedColumn" int)')
        cursor.execute("CREATE TABLE MixedCasedTable (MixedCasedColumn int)")
        quoted = 'SELECT "MixedCasedColumn" FROM "MixedCasedTable"'
        assert columns_seen(cursor, quoted) == ["MixedCasedColumn"]
        assert cursor.rowcount in (0, -1)
        assert columns_seen(cursor, "SELECT MixedCasedColumn FROM MixedCasedTable") == ["mixedcasedcolumn"]
        assert catalog_names(cursor, "mixedcasedtable") == [
            ("MixedCasedTable", "MixedCasedColumn"),
            ("mixedcasedtable", "mixedcasedcolumn"),
        ]

        cursor.execute("RESET enable_case_sensitive_identifier")
        cursor.execute('CREATE TABLE "MixedCasedTable2" ("MixedCasedColumn" int)')
        with pytest.raises(psycopg2.errors.DuplicateTable, match='"mixedcasedtable2" already exists'):
            cursor.execute("CREATE TABLE MixedCasedTable2 (MixedCasedColumn int)")
        assert columns_seen(cursor, quoted[:-1] + '2"') == ["mixedcasedcolumn"]
        assert columns_seen(cursor, "SELECT MixedCasedColumn FROM MixedCasedTable2") == ["mixedcasedcolumn"]


ALIASED = 'SELECT 1 AS "TheAnswer", "Kept"."Value" FROM (SELECT 2 AS "Value") AS "Kept"'


def assert_each_setting_answers(cursor: Any, set_to: Any) -> None:
    """The same statement text, switched back and forth on one connection: each setting's answer."""
    for setting, expected in [
        ("true", ["TheAnswer", "Value"]),
        ("false", ["theanswer", "value"]),
        ("true", ["TheAnswer", "Value"]),
        ("false", ["theanswer", "value"]),
    ]:
        set_to(setting)
        assert columns_seen(cursor, ALIASED) == expected, setting


def test_switching_back_and_forth_with_psycopg2(endpoint: RunningEndpoint) -> None:
    with autocommitting(endpoint) as cursor:
        assert_each_setting_answers(
            cursor, lambda value: cursor.execute(f"SET enable_case_sensitive_identifier TO {value}")
        )


def test_redshift_connector_names_by_the_setting_its_statement_was_prepared_under(
    endpoint: RunningEndpoint,
) -> None:
    """redshift_connector prepares each statement text once per connection and binds it again later: a
    text keeps the names of the setting it was first prepared under (the endpoint sees no new Parse)."""
    connection = endpoint.redshift_connector()
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        cursor.execute("SET enable_case_sensitive_identifier TO true")
        assert columns_seen(cursor, ALIASED) == ["TheAnswer", "Value"]
        cursor.execute('CREATE TABLE "ConnectorTable" ("ConnectorColumn" int)')
        cursor.execute('INSERT INTO "ConnectorTable" VALUES (%s)', (5,))
        assert columns_seen(cursor, 'SELECT "ConnectorColumn" FROM "ConnectorTable"') == ["ConnectorColumn"]
        cursor.execute("RESET enable_case_sensitive_identifier")
        assert columns_seen(cursor, ALIASED + " WHERE 1 = 1") == ["theanswer", "value"]
        with pytest.raises(redshift_connector.ProgrammingError, match="connectortable"):
            cursor.execute('SELECT "ConnectorColumn" FROM "ConnectorTable" WHERE true')  # folded: none
    finally:
        connection.close()


def test_a_rolled_back_set_is_undone(endpoint: RunningEndpoint) -> None:
    """A SET inside a transaction that rolls back leaves the setting as it was, and the names with it."""
    connection = endpoint.connect()
    try:
        cursor = connection.cursor()
        cursor.execute("SET enable_case_sensitive_identifier TO true")
        assert columns_seen(cursor, 'SELECT 1 AS "Inside"') == ["Inside"]
        connection.rollback()
        assert columns_seen(cursor, 'SELECT 1 AS "Inside"') == ["inside"]
        connection.rollback()
    finally:
        connection.close()


def test_one_query_text_that_sets_it_then_uses_it(endpoint: RunningEndpoint) -> None:
    with autocommitting(endpoint) as cursor:
        cursor.execute('SET enable_case_sensitive_identifier TO true; SELECT 1 AS "Both"')
        assert [column[0] for column in cursor.description] == ["Both"]
        cursor.execute('RESET enable_case_sensitive_identifier; SELECT 1 AS "Both"')
        assert [column[0] for column in cursor.description] == ["both"]


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "ColA" FROM "MixedCase" WHERE "ColA" IN (1, 2, 3)',
        'INSERT INTO "MixedCase" ("ColA") VALUES (1), (2)',
        'CREATE TABLE "Kept" ("Key" INT, PRIMARY KEY ("Key"))',
    ],
)
def test_the_translations_caches_serve_each_setting_its_own_answer(sql: str) -> None:
    """The shape verdicts and known frames are learnt per setting: asked in turns with the same text (and
    with another statement of the same shape), each setting gets its own translation."""
    other = sql.replace("1", "4")
    for _ in range(3):
        for text in (sql, other):
            folded = translate(text)
            kept = translate(text, case_sensitive=True)
            assert '"ColA"' not in folded and '"Kept"' not in folded and '"MixedCase"' not in folded
            assert '"MixedCase"' in kept or '"Kept"' in kept
            assert classify(text).sql == folded  # type: ignore[union-attr]
            assert classify(text, case_sensitive=True).sql == kept  # type: ignore[union-attr]


def test_the_session_follows_the_setting() -> None:
    asked: list[str] = []

    def ask() -> str:
        asked.append("asked")
        return "true"

    setting = CaseSensitivity()
    assert setting.value(ask) is False and asked == []
    setting.planned("COMMIT")  # no SET of it before: nothing to undo, nothing asked
    assert setting.value(ask) is False and asked == []
    setting.planned("SET enable_case_sensitive_identifier TO 'true'")
    assert setting.value(ask) is True and asked == []
    setting.planned("SHOW enable_case_sensitive_identifier")
    setting.planned("RESET enable_case_sensitive_identifier")
    assert setting.value(ask) is False and asked == []
    setting.planned("SET enable_case_sensitive_identifier = DEFAULT")
    assert setting.value(ask) is False
    setting.planned("rollback")  # may undo a SET: the backend is asked, once
    assert setting.value(ask) is True and setting.value(ask) is True and asked == ["asked"]
    setting.planned("SELECT 1")
    setting.planned("SET search_path TO public")
    setting.planned("COMMIT")
    assert setting.value(ask) is True and asked == ["asked"]  # neither changes it
    setting.planned("RESET ALL")
    assert setting.value(lambda: None) is True  # cannot be asked now: the last value known
    assert setting.value(lambda: "off") is False


def test_the_scripts_embedded_path_follows_it_too(write_config: Any, tmp_path: Path) -> None:
    """The scripts' path (sparkify.warehouse) shares the translation, and follows the setting as well."""
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as warehouse:
        warehouse.execute('CREATE TABLE "EmbeddedFolded" ("ColA" int)')
        warehouse.execute("SET enable_case_sensitive_identifier TO true")
        warehouse.execute('CREATE TABLE "EmbeddedKept" ("ColA" int)')
        warehouse.rollback()  # the SET goes with its transaction
        warehouse.execute('CREATE TABLE "EmbeddedAgain" ("ColA" int)')
        _, rows = warehouse.query(
            "SELECT relname FROM pg_class WHERE lower(relname) LIKE 'embedded%' ORDER BY 1"
        )
        warehouse.rollback()
    assert rows == [("embeddedagain",)]  # the SET and both tables before it rolled back; then folded
    with connect(load_config(write_config())) as warehouse:
        warehouse.execute("SET enable_case_sensitive_identifier TO true")
        warehouse.execute('CREATE TABLE "EmbeddedKept" ("ColA" int)')
        kept = "'\"EmbeddedKept\"'::regclass"
        _, rows = warehouse.query(f"SELECT attname FROM pg_attribute WHERE attrelid = {kept}")
        warehouse.rollback()
    assert ("ColA",) in rows


def test_copy_and_unload_read_quoted_names_by_the_setting(endpoint: RunningEndpoint, tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("1\n2\n")
    with autocommitting(endpoint) as cursor:
        cursor.execute("SET enable_case_sensitive_identifier TO true")
        cursor.execute('CREATE TABLE "CopyKept" ("Number" int)')
        cursor.execute(f'COPY "CopyKept" ("Number") FROM \'{tmp_path}/rows.csv\' CSV')
        query = 'SELECT "Number" FROM "CopyKept"'
        cursor.execute(f"UNLOAD ('{query}') TO '{tmp_path}/out_' CSV PARALLEL OFF")
        cursor.execute("RESET enable_case_sensitive_identifier")
        cursor.execute('CREATE TABLE "CopyFolded" ("Number" int)')
        cursor.execute(f"COPY \"CopyFolded\" FROM '{tmp_path}/rows.csv' CSV")
        cursor.execute('SELECT count(*) FROM "CopyFolded"')
        assert cursor.fetchall() == [(2,)]
        cursor.execute("SET enable_case_sensitive_identifier TO true")
        cursor.execute('SELECT sum("Number") FROM "CopyKept"')
        assert cursor.fetchall() == [(3,)]
    assert sorted((tmp_path / "out_000").read_text().split()) == ["1", "2"]
