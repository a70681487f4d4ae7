"""result_check.py on a real warehouse: a clean load passes, each planted fault fails its named check,
--json carries the generator's counts, and --report opens in headless Chromium with all its charts."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from PIL import Image

import create_tables
import etl
import result_check
import sql_queries as q
from sparkify.checks import CheckResult, CheckSettings, check_definitions, load_check_settings
from sparkify.engine.server import embedded
from sparkify.engine.sql.adapter import postgres_only_feature
from sparkify.errors import ConfigError
from sparkify.report import format_checks
from sparkify.sample_data import ExpectedCounts, generate
from sparkify.terminal import colour_enabled

TEMPLATE_DB = "result_check_template"
CHART_COUNT = 6
CHECK_COUNT = 29
_copy_numbers = itertools.count()
# Every awkward character a song title can carry into HTML, and a "$" pair that mathtext would parse.
NASTY_TITLE = "<img src=x onerror=alert(1)> \"Quoted\" & 'Co' $5 & $10"
NASTY_ARTIST = '<script>document.title="owned"</script> Zoë & Sons'


@dataclass(frozen=True)
class LoadedWarehouse:
    """A private copy of the loaded template database and a dwh.cfg that points at it."""

    config: Path
    db_name: str
    expected: ExpectedCounts
    socket_dir: str
    port: int

    def plant(self, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
        """Run SQL as the warehouse user and commit: the fault stays for result_check.py to find."""
        connection = psycopg2.connect(
            host=self.socket_dir, port=self.port, dbname=self.db_name, user="dwhuser"
        )
        try:
            with connection, connection.cursor() as cursor:
                for statement in statements:
                    sql, params = statement if isinstance(statement, tuple) else (statement, None)
                    cursor.execute(sql, params)
        finally:
            connection.close()


def _config_text(sources: Path, db_name: str, data_dir: Path) -> str:
    return textwrap.dedent(f"""\
        [CLUSTER]
        HOST =
        DB_NAME = {db_name}
        DB_USER = dwhuser
        DB_PASSWORD =
        DB_PORT = 5439
        [S3]
        LOG_DATA = {sources}/log_data
        LOG_JSONPATH = {sources}/log_json_path.json
        SONG_DATA = {sources}/song_data
        [EMBEDDED]
        DATA_DIR = {data_dir}
        """)


@pytest.fixture(scope="module")
def loaded_template(
    pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, ExpectedCounts]]:
    """One clean load, kept as a template database that each test copies (copying takes a moment)."""
    root = tmp_path_factory.mktemp("result-check")
    expected = generate(root / "data", events=3000, song_files=60, seed=11, days=7)
    config = root / "dwh.cfg"
    config.write_text(_config_text(root / "data", TEMPLATE_DB, pg_data_dir))
    assert create_tables.main(["--config", str(config)]) == 0
    assert etl.main(["--config", str(config)]) == 0
    yield root / "data", expected
    with _admin(pg_data_dir) as admin:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")


class _admin:
    """An autocommit superuser connection to the embedded server, as a context manager."""

    def __init__(self, pg_data_dir: Path) -> None:
        self.socket_dir, self.port = embedded.ensure_server(pg_data_dir)

    def __enter__(self) -> Any:
        self.connection = psycopg2.connect(
            host=self.socket_dir, port=self.port, dbname="postgres", user="postgres"
        )
        self.connection.autocommit = True
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()


@pytest.fixture
def warehouse(
    loaded_template: tuple[Path, ExpectedCounts], write_config, pg_data_dir: Path
) -> Iterator[LoadedWarehouse]:
    sources, expected = loaded_template
    name = f"result_check_{next(_copy_numbers)}"
    with _admin(pg_data_dir) as admin:
        admin.cursor().execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB} OWNER dwhuser")
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    yield LoadedWarehouse(write_config(sources, DB_NAME=name), name, expected, socket_dir, port)
    with _admin(pg_data_dir) as admin:
        admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")


def failed_checks(stderr: str) -> dict[str, str]:
    """The failure lines of result_check.py's error, by check name."""
    lines = [line[4:] for line in stderr.splitlines() if line.startswith("  - ")]
    return {line.split(": expected ")[0]: line for line in lines}


def with_checks_section(config: Path, body: str) -> Path:
    config.write_text(config.read_text() + f"[CHECKS]\n{body}\n")
    return config


# ----------------------------------------------------------------------------------------- the gate


def test_a_clean_warehouse_passes_every_check(warehouse: LoadedWarehouse, capsys) -> None:
    assert result_check.main(["--config", str(warehouse.config)]) == 0
    out = capsys.readouterr().out
    assert f"Data-quality checks: {CHECK_COUNT} passed, 0 failed" in out
    assert "FAIL" not in out and "\033[" not in out, "no colour when stdout is not a terminal"
    for title in ("Row counts", *q.analytics_queries):
        assert title in out


FIRST_PLAY = "(SELECT MIN(songplay_id) FROM songplays)"
FIRST_MATCHED_PLAY = "(SELECT MIN(songplay_id) FROM songplays WHERE song_id IS NOT NULL)"
PLAY_COLUMNS = "start_time, user_id, level, song_id, artist_id, session_id, item_in_session"

FAULTS = {
    "duplicate user": (
        [
            "INSERT INTO users SELECT * FROM users WHERE user_id = (SELECT MIN(user_id) FROM users)",
        ],
        {"users.user_id unique"},
    ),
    "duplicate song": (
        [
            "INSERT INTO songs SELECT * FROM songs WHERE song_id = (SELECT MIN(song_id) FROM songs)",
        ],
        {"songs.song_id unique"},
    ),
    "the same event twice": (
        [
            f"INSERT INTO songplays ({PLAY_COLUMNS}) "
            f"SELECT {PLAY_COLUMNS} FROM songplays WHERE songplay_id = {FIRST_PLAY}"
        ],
        {"songplays (session_id, item_in_session) unique"},
    ),
    "orphan songplay": (
        [
            "INSERT INTO songplays (start_time, user_id, level, session_id, item_in_session) "
            "SELECT MIN(start_time), -1, 'free', -1, 0 FROM time"
        ],
        {"songplays.user_id in users"},
    ),
    "unknown song": (
        [f"UPDATE songplays SET song_id = 'SONOSUCHSONG' WHERE songplay_id = {FIRST_MATCHED_PLAY}"],
        {"songplays.song_id in songs"},
    ),
    "unknown artist": (
        [f"UPDATE songplays SET artist_id = 'ARNOSUCHARTIST' WHERE songplay_id = {FIRST_MATCHED_PLAY}"],
        {"songplays.artist_id in artists"},
    ),
    "NULL user key": (
        [
            "ALTER TABLE songplays ALTER COLUMN user_id DROP NOT NULL",
            f"UPDATE songplays SET user_id = NULL WHERE songplay_id = {FIRST_PLAY}",
        ],
        {"songplays.user_id not null"},
    ),
    "NULL weekday": (
        [
            "ALTER TABLE time ALTER COLUMN weekday DROP NOT NULL",
            "UPDATE time SET weekday = NULL WHERE start_time = (SELECT MIN(start_time) FROM time)",
        ],
        {"time.weekday not null"},
    ),
    "start_time missing from time": (
        ["DELETE FROM time WHERE start_time = (SELECT MAX(start_time) FROM time)"],
        {"songplays.start_time in time"},
    ),
    "no artists": (["DELETE FROM artists"], {"artists not empty", "songplays.artist_id in artists"}),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_planted_fault_fails_its_named_check(warehouse: LoadedWarehouse, capsys, fault: str) -> None:
    statements, expected_failures = FAULTS[fault]
    warehouse.plant(*statements)
    assert result_check.main(["--config", str(warehouse.config)]) == 1
    captured = capsys.readouterr()
    count = len(expected_failures)
    assert f"result_check.py: error: {count} of {CHECK_COUNT} data-quality checks failed" in captured.err
    assert set(failed_checks(captured.err)) == expected_failures
    assert captured.out.count("FAIL") == count


def test_a_failure_line_names_the_check_the_expected_and_the_actual_value(
    warehouse: LoadedWarehouse, capsys
) -> None:
    warehouse.plant(*FAULTS["duplicate user"][0])
    assert result_check.main(["--config", str(warehouse.config)]) == 1
    line = failed_checks(capsys.readouterr().err)["users.user_id unique"]
    assert line == "users.user_id unique: expected 0, actual 1 (duplicated keys)"


def test_the_share_of_plays_with_a_known_song_has_a_settable_minimum(
    warehouse: LoadedWarehouse, capsys
) -> None:
    expected = warehouse.expected
    share = expected.songplays_with_song / expected.songplays
    base = warehouse.config.read_text()
    with_checks_section(warehouse.config, f"MIN_SONG_MATCH_SHARE = {share + 0.01:.4f}")
    assert result_check.main(["--config", str(warehouse.config)]) == 1
    line = failed_checks(capsys.readouterr().err)["songplays with a known song"]
    assert line.startswith(f"songplays with a known song: expected >= {share + 0.01:.4f}, actual 0.06")
    warehouse.config.write_text(base)
    with_checks_section(warehouse.config, f"MIN_SONG_MATCH_SHARE = '{share - 0.01:.4f}'")
    assert result_check.main(["--config", str(warehouse.config)]) == 0


@pytest.mark.parametrize("value", ["abc", "1.5", "-0.1", "nan", "5%"])
def test_a_malformed_minimum_share_is_a_configuration_error(
    write_config, tmp_path: Path, capsys, value: str
) -> None:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    config = with_checks_section(write_config(), f"MIN_SONG_MATCH_SHARE = {value}")
    with pytest.raises(
        ConfigError, match=r"\[CHECKS\] MIN_SONG_MATCH_SHARE: .* is not a fraction from 0 to 1"
    ):
        load_check_settings(config)
    assert result_check.main(["--config", str(config)]) == 2
    assert "MIN_SONG_MATCH_SHARE" in capsys.readouterr().err


def test_the_minimum_share_defaults_to_zero_and_may_be_quoted(tmp_path: Path) -> None:
    config = tmp_path / "dwh.cfg"
    config.write_text("[CLUSTER]\nHOST =\n")
    assert load_check_settings(config) == CheckSettings(0.0)
    config.write_text('[CHECKS]\nMIN_SONG_MATCH_SHARE = "0.25"\n')
    assert load_check_settings(config) == CheckSettings(0.25)


def test_every_check_and_chart_query_is_valid_on_redshift() -> None:
    statements = [check.sql for check in check_definitions(CheckSettings())] + list(q.chart_queries.values())
    assert len(statements) == CHECK_COUNT + CHART_COUNT
    for sql in statements:
        assert postgres_only_feature(sql) is None, sql
        assert "::" not in sql, "Redshift and PostgreSQL both read CAST(x AS type)"


# ---------------------------------------------------------------------------------------- terminal


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert colour_enabled(Terminal())  # type: ignore[arg-type]
    assert not colour_enabled(open(os.devnull, "w"))  # noqa: SIM115
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(Terminal())  # type: ignore[arg-type]


def test_coloured_checks_keep_their_alignment() -> None:
    checks = check_definitions(CheckSettings())
    results = [CheckResult(checks[0], 3), CheckResult(checks[5], 2)]
    coloured = format_checks(results, colour=True)
    assert "\033[32mPASS\033[0m" in coloured and "\033[31mFAIL\033[0m" in coloured
    assert re.sub(r"\033\[\d+m", "", coloured) == format_checks(results, colour=False)


# -------------------------------------------------------------------------------------------- --json


def test_json_is_the_whole_stdout_and_carries_the_generators_counts(
    warehouse: LoadedWarehouse, capsys
) -> None:
    assert result_check.main(["--config", str(warehouse.config), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    expected = warehouse.expected.to_dict()
    assert document["counts"] == {table: expected[table] for table in q.ALL_TABLES}
    assert document["passed"] is True
    assert len(document["checks"]) == CHECK_COUNT and all(check["passed"] for check in document["checks"])
    share = next(check for check in document["checks"] if check["name"] == "songplays with a known song")
    assert share["actual"] == pytest.approx(expected["songplays_with_song"] / expected["songplays"])
    assert set(document["analytics"]) == set(q.analytics_queries)
    assert set(document["charts"]) == set(q.chart_queries)
    new_users = sum(row["new_users"] for row in document["charts"]["new_users_per_day"])
    assert new_users == _users_with_plays(warehouse)
    assert all(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["day"]) for row in document["charts"]["new_users_per_day"]
    )


def _users_with_plays(warehouse: LoadedWarehouse) -> int:
    connection = psycopg2.connect(
        host=warehouse.socket_dir, port=warehouse.port, dbname=warehouse.db_name, user="dwhuser"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(DISTINCT user_id) FROM songplays")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def test_json_still_reports_when_a_check_fails(warehouse: LoadedWarehouse, capsys) -> None:
    warehouse.plant(*FAULTS["orphan songplay"][0])
    assert result_check.main(["--config", str(warehouse.config), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False
    assert [check["name"] for check in document["checks"] if not check["passed"]] == [
        "songplays.user_id in users"
    ]


# ------------------------------------------------------------------------------------------ --report


def chromium(*arguments: str, user_data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once.  Without a browser the test fails in CI (which always installs one) and
    is reported as not run elsewhere, with the command that installs one: `make test` must pass on a
    laptop where a normal user cannot install Debian's chromium."""
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(binary).is_file():
        missing = (
            "Chromium is needed to test the HTML report and is not installed: run "
            "`sudo apt-get install chromium` (or `make browser` as root), or set CHROMIUM to a Chrome or "
            "Chromium binary"
        )
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(f"not run: {missing}")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={user_data_dir}",
    ]
    done = subprocess.run([binary, *flags, *arguments], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_the_report_opens_in_chromium_with_every_chart(warehouse: LoadedWarehouse, tmp_path: Path) -> None:
    top_song = (
        "SELECT song_id FROM songplays WHERE song_id IS NOT NULL "
        "GROUP BY song_id ORDER BY COUNT(*) DESC, song_id LIMIT 1"
    )
    warehouse.plant(
        (f"UPDATE songs SET title = %s WHERE song_id = ({top_song})", (NASTY_TITLE,)),
        (
            f"UPDATE artists SET name = %s "
            f"WHERE artist_id = (SELECT artist_id FROM songs WHERE song_id = ({top_song}))",
            (NASTY_ARTIST,),
        ),
    )
    report = tmp_path / "out" / "report.html"
    assert result_check.main(["--config", str(warehouse.config), "--report", str(report)]) == 0
    page = report.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script>document" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;Quoted&quot; &amp; &#x27;Co&#x27; $5 &amp; $10" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the report must need no network"

    dom = chromium("--dump-dom", report.as_uri(), user_data_dir=tmp_path / "profile-dom").stdout
    assert f'data-images-loaded="{CHART_COUNT}/{CHART_COUNT}"' in dom, "every chart decoded in the browser"
    assert 'data-page-errors="0"' in dom
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', dom)) == CHART_COUNT
    assert dom.count("<img") == CHART_COUNT and "<title>Sparkify warehouse report</title>" in dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom, "a title is text, not markup"

    screenshot = tmp_path / "report.png"
    chromium(
        f"--screenshot={screenshot}",
        "--window-size=1200,3400",
        report.as_uri(),
        user_data_dir=tmp_path / "profile-shot",
    )
    with Image.open(screenshot) as image:
        assert image.size == (1200, 3400)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 500, "the screenshot shows charts, not a blank page"
    if os.environ.get("SPARKIFY_REPORT_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["SPARKIFY_REPORT_SCREENSHOT"])


def test_the_report_of_an_empty_star_still_has_every_chart(write_config, tmp_path: Path, capsys) -> None:
    for folder in ("data/log_data", "data/song_data"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data/log_json_path.json").write_text("{}")
    config = str(write_config())
    assert create_tables.main(["--config", config]) == 0
    report = tmp_path / "empty.html"
    assert result_check.main(["--config", config, "--report", str(report)]) == 1
    page = report.read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == CHART_COUNT
    assert f"5 of {CHECK_COUNT} checks failed" in page
    assert "songplays not empty: expected &gt; 0, actual 0 (rows)" in page
