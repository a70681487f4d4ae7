"""Bad input: Redshift's COPY options and load errors, a readable report, and nothing lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import psycopg2
import pytest

import create_tables
import etl
import sql_queries as q
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.engine.copy import run_copy
from sparkify.engine.sql.load_errors import RejectedRecord
from sparkify.engine.sql.text import collapse_whitespace
from sparkify.errors import LoadError, UnsupportedStatementError
from sparkify.load_errors import hint_for
from sparkify.sample_data import generate
from sparkify.warehouse import Warehouse, connect

BAD_LINES = [
    '{"artist": null, "auth": "Logged In", "firstName": "Broken',  # malformed object
    '{"artist":null,"auth":"Logged In","itemInSession":"seven","page":"Home","ts":1541105830796,'
    '"userId":"3"}',
    '{"artist":null,"auth":"Logged In","itemInSession":1,"page":"Home","ts":"yesterday","userId":"3"}',
    b'{"artist":"Bj\xf6rk","auth":"Logged In","itemInSession":1,"page":"Home","ts":1541105830796,'
    b'"userId":"3"}',
    "this line is not JSON at all",
]


@pytest.fixture
def bad_sample(tmp_path: Path) -> tuple[Path, int, list[tuple[str, int]]]:
    """A generated data set with the bad lines spliced into two log files; returns the expected bad places."""
    root = tmp_path / "data"
    counts = generate(root, events=400, song_files=10, seed=3, days=3)
    logs = sorted((root / "log_data").rglob("*.json"))
    places: list[tuple[str, int]] = []
    for log_file, bad in ((logs[0], BAD_LINES[:2]), (logs[1], BAD_LINES[2:])):
        lines = log_file.read_bytes().split(b"\n")
        for offset, line in enumerate(bad):
            position = 2 + offset * 3
            lines.insert(position, line if isinstance(line, bytes) else line.encode())
            places.append((str(log_file), position + 1))
        log_file.write_bytes(b"\n".join(lines))
    return root, counts.staging_events, sorted(places)


def test_maxerror_0_fails_whole_and_names_the_first_bad_line(bad_sample, write_config, capsys) -> None:
    root, _, places = bad_sample
    config = str(write_config(root))
    assert create_tables.main(["--config", config]) == 0
    assert etl.main(["--config", config]) == 1
    err = capsys.readouterr().err
    first_file, first_line = places[0]
    assert f"etl.py: error: Load into table 'staging_events' failed at {first_file}:{first_line}" in err
    assert "Invalid JSON" in err and "Traceback" not in err
    with connect(load_config(config)) as warehouse:
        assert warehouse.query("SELECT COUNT(*) FROM staging_events")[1] == [(0,)]


def test_maxerror_100_loads_every_good_line_and_records_each_bad_one(
    bad_sample, write_config, capsys
) -> None:
    root, good_lines, places = bad_sample
    config = str(write_config(root, MAXERROR="100"))
    assert create_tables.main(["--config", config]) == 0
    assert etl.main(["--config", config]) == 0
    out, err = capsys.readouterr()
    assert "skipped 5 bad record(s)" in err
    with connect(load_config(config)) as warehouse:
        assert warehouse.query("SELECT COUNT(*) FROM staging_events")[1] == [(good_lines,)]
        counted = pipeline.table_counts(warehouse)
        _, rows = warehouse.query(
            "SELECT filename, line_number, err_code, colname FROM stl_load_errors ORDER BY 1, 2"
        )
    # etl.py takes staging's counts from its COPYs' results, rejected records left out, as counting would.
    assert printed_counts(out) == counted and counted["staging_events"] == good_lines
    assert [(name, line) for name, line, _, _ in rows] == places
    assert sorted(code for _, _, code, _ in rows) == [1206, 1207, 1216, 1216, 1220]
    assert ("item_in_session", 1207) in [(column, code) for _, _, code, column in rows]
    assert create_tables.main(["--config", config, "--force"]) == 0
    with connect(load_config(config)) as warehouse:
        assert warehouse.query("SELECT COUNT(*) FROM stl_load_errors")[1] == [(0,)]


def printed_counts(out: str) -> dict[str, int]:
    """etl.py's closing table of row counts, as printed."""
    cells = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return {table: int(count.replace(",", "")) for table, count in cells}


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.fixture
def events(db: Any) -> Any:
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE events (id INTEGER NOT NULL, name VARCHAR(20), day DATE, at TIMESTAMP)")
    return db


def load(db: Any, source: Path | str, options: str) -> Any:
    return run_copy(db, f"COPY events FROM '{source}' IAM_ROLE default {options};")


def count(db: Any) -> int:
    with db.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM events")
        return cursor.fetchone()[0]


def test_each_bad_line_costs_exactly_that_line(events: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", '{"id": 1}\n{"id": 2\n{"id": 3}\n[1, 2]\n{"id": null}\n{"id": 6}')
    result = load(events, source, "JSON 'auto' MAXERROR 10")
    assert count(events) == 3
    assert [(r.line, r.code) for r in result.rejected] == [(2, 1216), (4, 1216), (5, 1213)]
    stats = result.files[0]
    assert stats.read == stats.loaded + stats.rejected == 6


def test_acceptinvchars_replaces_invalid_bytes(events: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", b'{"id": 1, "name": "Bj\xf6rk"}')
    with pytest.raises(LoadError, match="Invalid UTF-8 byte 0xf6"):
        load(events, source, "JSON 'auto'")
    load(events, source, "JSON 'auto' ACCEPTINVCHARS AS '^'")
    with events.cursor() as cursor:
        cursor.execute("SELECT name FROM events")
        assert cursor.fetchall() == [("Bj^rk",)]


def test_time_and_date_formats(events: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", '{"id": 1, "day": "27.11.2026", "at": "2026/11/27 13.05.09"}')
    load(events, source, "JSON 'auto' DATEFORMAT 'DD.MM.YYYY' TIMEFORMAT 'YYYY/MM/DD HH24.MI.SS'")
    with events.cursor() as cursor:
        cursor.execute("SELECT day::text, at::text FROM events")
        assert cursor.fetchall() == [("2026-11-27", "2026-11-27 13:05:09")]


def test_noload_checks_without_loading(events: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.json", '{"id": 1}\n{"id": "x"}')
    result = load(events, source, "JSON 'auto' NOLOAD MAXERROR 5")
    assert count(events) == 0 and [r.code for r in result.rejected] == [1207]


def test_manifest_mandatory_and_optional_entries(events: Any, tmp_path: Path) -> None:
    present = write(tmp_path / "a.json", '{"id": 1}')
    entries = [
        {"url": str(present), "mandatory": True},
        {"url": str(tmp_path / "gone.json"), "mandatory": False},
    ]
    manifest = write(tmp_path / "ok.manifest", json.dumps({"entries": entries}))
    load(events, manifest, "JSON 'auto' MANIFEST")
    assert count(events) == 1
    entries[1]["mandatory"] = True
    manifest = write(tmp_path / "bad.manifest", json.dumps({"entries": entries}))
    with pytest.raises(LoadError, match=r"the mandatory file .*gone.json in the manifest does not exist"):
        load(events, manifest, "JSON 'auto' MANIFEST")


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("cut.json.gz", gzip.compress(b'{"id": 1}' * 50)[:-12], "JSON 'auto' GZIP", "is not valid gzip data"),
        (
            "big.json",
            b'{"id": 1, "name": "' + b"x" * (4 * 1024 * 1024) + b'"}',
            "JSON 'auto'",
            "exceeds Redshift's 4 MB",
        ),
        ("in.json", b'{"id": 1}', "JSON '/no/such/paths.json'", "cannot read /no/such/paths.json"),
    ],
)
def test_other_bad_input_is_one_clear_error(events, tmp_path, name, content, options, message) -> None:
    with pytest.raises(LoadError, match=message):
        load(events, write(tmp_path / name, content), options)
    assert count(events) == 0


def test_malformed_jsonpaths_file(events: Any, tmp_path: Path) -> None:
    paths = write(tmp_path / "paths.json", '{"jsonpaths": "$.id"}')
    with pytest.raises(LoadError, match="the JSONPaths file must be an object"):
        load(events, write(tmp_path / "in.json", '{"id": 1}'), f"JSON '{paths}'")


def test_hints_say_what_to_do() -> None:
    record = RejectedRecord("f.json", 3, "ts", 1206, "Invalid timestamp", "{}", "1541105830796")
    assert hint_for(record) == "the value looks like epoch milliseconds: add TIMEFORMAT 'epochmillisecs'"
    record.code, record.raw_value = 1204, "x" * 300
    assert hint_for(record) == "widen the column in sql_queries.py, or add TRUNCATECOLUMNS to the COPY"


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
        "CREATE TABLE t (id SERIAL)",
        "CREATE INDEX t_id ON t (id)",
        "SELECT DISTINCT ON (a) a FROM t",
        "DELETE FROM t RETURNING id",
    ],
)
def test_postgresql_only_sql_is_refused(write_config, tmp_path: Path, statement: str) -> None:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    with connect(load_config(write_config())) as warehouse, pytest.raises(UnsupportedStatementError):
        warehouse.execute(statement)


class RedshiftSession:
    """Stands in for a Redshift session (none runs here): records the SQL, fails the COPY as Redshift does."""

    def __init__(self, error_rows: list[tuple[Any, ...]]) -> None:
        self.sent: list[str] = []
        self.error_rows = error_rows
        self.rolled_back = False

    def cursor(self) -> RedshiftSession:
        return self

    def __enter__(self) -> RedshiftSession:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def execute(self, sql: str, params: Any = None) -> None:
        self.sent.append(sql)
        if sql.lstrip().startswith("COPY"):
            raise psycopg2.InternalError(
                "Load into table 'staging_events' failed. Check 'stl_load_errors' system table for details."
            )
        self.description = [type("Col", (), {"name": f"c{i}"})() for i in range(9)]

    def fetchone(self) -> tuple[str]:
        return (
            "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017, Redshift 1.0.7",
        )

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.error_rows

    def rollback(self) -> None:
        self.rolled_back = True


@pytest.mark.parametrize(
    ("serverless", "table"), [(False, "stl_load_errors"), (True, "sys_load_error_detail")]
)
def test_failed_copy_on_redshift_is_explained_from_its_system_table(serverless: bool, table: str) -> None:
    row = (
        "s3://b/log_data/2018/11/2018-11-03-events.json   ",
        17,
        "ts   ",
        1206,
        "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]",
        "{...}",
        "1541105830796",
        "timestamp",
        "0",
    )
    session = RedshiftSession([row])
    warehouse = Warehouse(session, "cluster", serverless=serverless)
    copy_sql = "COPY staging_events FROM 's3://b/log_data' IAM_ROLE default FORMAT AS JSON 'auto';"
    with pytest.raises(LoadError) as caught:
        warehouse.execute(copy_sql)
    assert session.rolled_back
    assert session.sent[-2:] == [
        copy_sql,
        q.serverless_load_errors_query if serverless else q.provisioned_load_errors_query,
    ]
    assert f"FROM {table}" in collapse_whitespace(session.sent[-1])
    assert "pg_last_copy_id()" in session.sent[-1]
    assert str(caught.value) == (
        "Load into table 'staging_events' failed at s3://b/log_data/2018/11/2018-11-03-events.json:17, "
        "column ts, value '1541105830796': "
        "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS] (error 1206). "
        "the value looks like epoch milliseconds: add TIMEFORMAT 'epochmillisecs'"
    )
