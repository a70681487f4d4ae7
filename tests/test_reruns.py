"""Reruns, incremental loads, crashes and concurrent runs leave the warehouse exactly right."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import create_tables
import etl
import sql_queries as q
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.engine.server import embedded
from sparkify.sample_data import generate
from sparkify.warehouse import Warehouse, connect
from tests.star_rows import star

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("days")
    generate(root, events=2500, song_files=40, seed=11, days=12)
    return root


def run(config: Path, *args: str) -> int:
    return etl.main(["--config", str(config), *args])


@pytest.fixture
def clean_star(sample: Path, write_config) -> dict[str, list[tuple[Any, ...]]]:
    config = write_config(sample, name="clean.cfg")
    assert create_tables.main(["--config", str(config)]) == 0
    assert run(config) == 0
    return star(config)


def test_second_run_changes_nothing(sample: Path, write_config) -> None:
    config = write_config(sample)
    assert create_tables.main(["--config", str(config)]) == 0
    assert run(config) == 0
    first = star(config, with_ids=True)
    assert run(config) == 0
    assert star(config, with_ids=True) == first
    with connect(load_config(config)) as warehouse:
        assert warehouse.query("SELECT COUNT(*) FROM staging_events")[1][0][0] == 2500


def test_first_half_then_since_equals_one_clean_load(sample: Path, write_config, clean_star) -> None:
    first_half = write_config(sample, LOG_DATA=f"{sample}/log_data/2018/11/2018-11-0")
    assert create_tables.main(["--config", str(first_half)]) == 0
    assert run(first_half) == 0
    partial = star(first_half)
    assert 0 < len(partial["songplays"]) < len(clean_star["songplays"])
    everything = write_config(sample, name="all.cfg", DB_NAME=load_config(first_half).db_name)
    assert run(everything, "--since", "2018-11-10") == 0
    assert star(everything) == clean_star
    assert run(everything, "--since", "2018-11-01") == 0
    assert star(everything) == clean_star


def test_since_plans_whole_folders_and_single_days(sample: Path, write_config, capsys) -> None:
    config = write_config(sample)
    assert run(config, "--since", "2018-11-11", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"FROM '{sample}/log_data/2018/11/2018-11-11'" in out
    assert f"FROM '{sample}/log_data/2018/11/2018-11-12'" in out
    assert "2018-11-10'" not in out
    assert run(config, "--since", "2018-11-01", "--dry-run") == 0
    assert f"FROM '{sample}/log_data/2018/11/'" in capsys.readouterr().out


def hold_time_table(config: Path) -> Any:
    """A session that locks the time table: a load then stops inside its transaction, at the merge."""
    socket_dir, port = embedded.ensure_server(load_config(config).embedded_data_dir)
    blocker = psycopg2.connect(host=socket_dir, port=port, dbname=load_config(config).db_name, user="dwhuser")
    blocker.cursor().execute("LOCK TABLE time IN ACCESS EXCLUSIVE MODE")
    return blocker


def start_etl(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "etl.py", "--config", str(config), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class StderrLines:
    """A running process's stderr, read as it comes by a thread, so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        for line in process.stderr:  # type: ignore[union-attr]
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def wait_for(condition: Any, what: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"etl.py ended ({process.returncode}) before {what}: {process.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}: {process.communicate()[1]}")
        time.sleep(0.05)


def blocked_loads(blocker: Any) -> int:
    with blocker.cursor() as cursor:
        # The blocker sits in a transaction, which would otherwise keep seeing its first activity snapshot.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name LIKE 'sparkify-dwh %' "
            "AND wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def test_kill_during_the_merge_leaves_the_star_then_rerun_completes(sample, write_config, clean_star) -> None:
    config = write_config(sample, LOG_DATA=f"{sample}/log_data/2018/11/2018-11-0")
    assert create_tables.main(["--config", str(config)]) == 0
    assert run(config) == 0
    before = star(config)
    everything = write_config(sample, name="all.cfg", DB_NAME=load_config(config).db_name)
    blocker = hold_time_table(config)
    loader = start_etl(everything)
    wait_for(lambda: blocked_loads(blocker) == 1, "the load to reach the time table", loader)
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait(timeout=30)
    blocker.rollback()
    blocker.close()
    assert star(config) == before
    assert run(everything) == 0
    assert star(everything) == clean_star


def test_concurrent_runs_wait_for_each_other(sample, write_config, clean_star) -> None:
    config = write_config(sample)
    assert create_tables.main(["--config", str(config)]) == 0
    blocker = hold_time_table(config)
    first = start_etl(config)
    wait_for(lambda: blocked_loads(blocker) == 1, "the first load to hold the warehouse", first)
    impatient = start_etl(config, "--no-wait")
    assert impatient.wait(timeout=30) == 1
    assert (
        f"another etl.py run (PID {first.pid}) is loading this warehouse; try again"
        in impatient.stderr.read()
    )
    second = start_etl(config)
    second_said = StderrLines(second)
    said = f"etl.py: another etl.py run (PID {first.pid}) is loading this warehouse; waiting for it to finish"
    # Past the short first try at the lock, into the announced wait: the second run says so.
    wait_for(lambda: said in second_said.text(), "the second load to announce its wait", second)
    # The announcement comes just before the second run's LOCK reaches the server: on a busy machine the
    # server may not count it as waiting yet.
    wait_for(lambda: blocked_loads(blocker) == 2, "the second load to wait on the lock", second)
    blocker.rollback()
    blocker.close()
    assert first.wait(timeout=60) == 0
    assert second.wait(timeout=60) == 0
    assert said in second_said.text()
    assert star(config) == clean_star


def test_create_tables_keeps_a_star_that_holds_data(sample: Path, write_config, capsys) -> None:
    config = str(write_config(sample))
    assert create_tables.main(["--config", config]) == 0
    assert run(Path(config)) == 0
    capsys.readouterr()
    assert create_tables.main(["--config", config]) == 2
    assert "the star holds data (songplays " in capsys.readouterr().err
    assert create_tables.main(["--config", config, "--force"]) == 0
    assert star(Path(config))["songplays"] == []


def test_dry_runs_print_the_sql_and_touch_nothing(sample: Path, write_config, capsys) -> None:
    config = str(
        write_config(sample, DB_PASSWORD="s3cret-pass", ARN="arn:aws:iam::123456789012:role/dwhRole")
    )
    assert create_tables.main(["--config", config, "--dry-run"]) == 0
    assert etl.main(["--config", config, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "DROP TABLE IF EXISTS songplays;" in out and "CREATE TABLE IF NOT EXISTS time (" in out
    assert "COPY staging_events" in out and "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'" in out
    assert "LOCK staging_events;" in out and "s3cret-pass" not in out


def test_the_dry_run_is_exactly_what_a_load_executes(
    sample: Path, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path = write_config(sample)
    assert create_tables.main(["--config", str(config_path)]) == 0
    config = load_config(config_path)
    executed: list[str] = []
    original = Warehouse.execute

    def recording(self: Warehouse, sql: str) -> Any:
        executed.append(sql)
        return original(self, sql)

    monkeypatch.setattr(Warehouse, "execute", recording)
    with connect(config) as warehouse:
        pipeline.load(warehouse, config, log_sources=None)
    # The sample stages no duplicated play, so the merge takes the plays as they are; the star was empty.
    assert [*executed, "COMMIT;"] == pipeline.planned_load(
        config, staged_duplicate_plays=0, empty_tables=q.PLAY_TABLES
    )
    assert pipeline.planned_load(config)[:3] == [
        "SET statement_timeout TO 200;",
        "LOCK staging_events;",
        "SET statement_timeout TO 0;",
    ]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=st.integers(min_value=2, max_value=12), overlap=st.integers(min_value=1, max_value=12))
def test_any_split_into_two_loads_then_any_overlapping_reload_equals_one_load(
    sample: Path, write_config: Any, clean_star: dict[str, list[tuple[Any, ...]]], split: int, overlap: int
) -> None:
    early = Path(tempfile.mkdtemp(dir=sample.parent))
    for day in range(1, split):
        name = f"log_data/2018/11/2018-11-{day:02d}-events.json"
        (early / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sample / name, early / name)
    first = write_config(sample, name=f"first-{split}.cfg", LOG_DATA=f"{early}/log_data")
    assert create_tables.main(["--config", str(first), "--force"]) == 0
    assert run(first) == 0
    rest = write_config(sample, name=f"rest-{split}.cfg", DB_NAME=load_config(first).db_name)
    assert run(rest, "--since", f"2018-11-{split:02d}") == 0
    assert star(rest) == clean_star
    assert run(rest, "--since", f"2018-11-{min(overlap, split):02d}") == 0
    assert star(rest) == clean_star


def next_song_events(log_file: Path) -> int:
    return sum(json.loads(line)["page"] == "NextSong" for line in log_file.read_text().splitlines() if line)


def test_a_file_delivered_twice_in_one_load_gives_the_clean_star_and_is_reported(
    sample: Path, write_config, clean_star, tmp_path: Path, capsys
) -> None:
    doubled = tmp_path / "doubled"
    shutil.copytree(sample, doubled)
    day = doubled / "log_data/2018/11/2018-11-03-events.json"
    shutil.copy(day, day.with_name("2018-11-03-events (1).json"))
    song = next((doubled / "song_data").rglob("*.json"))
    shutil.copy(song, song.with_name(f"{song.stem} (1).json"))
    config = write_config(doubled, name="doubled.cfg")
    assert create_tables.main(["--config", str(config)]) == 0
    capsys.readouterr()
    assert run(config) == 0
    err = capsys.readouterr().err
    assert star(config) == clean_star
    plays = next_song_events(day)
    assert plays > 0
    assert (
        f"etl.py: staging_events: {plays} duplicate play(s) dropped (same session_id and item_in_session "
        "as another staged row; a file delivered twice under two names?); one of each was kept" in err
    )
    assert "etl.py: staging_songs: 1 duplicate song row(s) dropped (same song_id as another" in err
    with connect(load_config(config)) as warehouse:
        assert warehouse.query(q.duplicated_keys_queries["songplays"])[1][0][0] == 0


def test_the_staged_duplicates_count_is_the_grouped_count_for_any_keys_nulls_and_extremes_included(
    sample: Path, write_config
) -> None:
    """The count by distinct BIGINT keys equals counting each (session_id, item_in_session) group."""
    grouped = """
        SELECT COALESCE(SUM(copies - 1), 0) FROM (
            SELECT COUNT(*) AS copies FROM staging_events WHERE page = 'NextSong'
            GROUP BY session_id, item_in_session HAVING COUNT(*) > 1
        ) AS repeated;
    """
    values = [None, 0, 1, -1, 7, 2_147_483_647, -2_147_483_648]
    rng = random.Random(26)
    with connect(load_config(write_config(sample, name="duplicates.cfg"))) as warehouse:
        cursor = warehouse.connection.cursor()
        # A temporary table of the same name comes first on the search path: the real one is untouched.
        cursor.execute(
            "CREATE TEMP TABLE staging_events (page VARCHAR(64), session_id INTEGER, item_in_session INTEGER)"
        )
        for _ in range(120):
            cursor.execute("TRUNCATE staging_events")
            rows = [
                (rng.choice(["NextSong", "NextSong", "Home", None]), rng.choice(values), rng.choice(values))
                for _ in range(rng.randint(0, 25))
            ]
            if rows:
                cursor.executemany("INSERT INTO staging_events VALUES (%s, %s, %s)", rows)
            cursor.execute(grouped)
            expected = cursor.fetchone()[0]
            cursor.execute(q.staged_duplicates_queries["staging_events"])
            assert cursor.fetchone()[0] == expected, rows
        warehouse.rollback()


def delivery(sample: Path, days: list[int], songs: list[Path]) -> Path:
    """A folder holding the log files of ``days`` and the song files ``songs`` of the sample, as they lie."""
    folder = Path(tempfile.mkdtemp(dir=sample.parent))
    names = [f"log_data/2018/11/2018-11-{day:02d}-events.json" for day in days]
    for name in [*names, "log_json_path.json", *(str(song.relative_to(sample)) for song in songs)]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sample / name, folder / name)
    return folder


def song_files(sample: Path) -> list[Path]:
    return sorted((sample / "song_data").rglob("*.json"))


def test_songs_arriving_after_their_plays_match_them_on_a_later_load(
    sample: Path, write_config, clean_star
) -> None:
    songs = song_files(sample)
    early = delivery(sample, list(range(1, 13)), songs[: len(songs) // 3])
    first = write_config(early, name="early.cfg")
    assert create_tables.main(["--config", str(first)]) == 0
    assert run(first) == 0
    with_song = [row for row in clean_star["songplays"] if row[3] is not None]
    assert 0 < len([row for row in star(first)["songplays"] if row[3] is not None]) < len(with_song)
    everything = write_config(sample, name="late.cfg", DB_NAME=load_config(first).db_name)
    assert run(everything) == 0
    assert star(everything) == clean_star
    assert run(everything) == 0
    assert star(everything) == clean_star


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), loads=st.integers(min_value=1, max_value=3))
def test_any_order_of_arrival_of_log_and_song_files_equals_one_clean_load(
    sample: Path, write_config: Any, clean_star: dict[str, list[tuple[Any, ...]]], data: Any, loads: int
) -> None:
    songs = song_files(sample)
    day_load = data.draw(st.lists(st.integers(0, loads - 1), min_size=12, max_size=12), label="day's load")
    song_load = data.draw(
        st.lists(st.integers(0, loads - 1), min_size=len(songs), max_size=len(songs)), label="song's load"
    )
    # Every load brings some log file and some song file (a COPY of an empty prefix fails, as on Redshift).
    day_load[:loads] = song_load[:loads] = range(loads)
    again = data.draw(st.lists(st.booleans(), min_size=loads, max_size=loads), label="songs staged again")
    skip = data.draw(st.lists(st.booleans(), min_size=loads, max_size=loads), label="--skip-unchanged-songs")
    database = f"arrival_{abs(hash((tuple(day_load), tuple(song_load), tuple(again), tuple(skip))))}"
    for load in range(loads):
        days = [day + 1 for day, where in enumerate(day_load) if where == load]
        brought = [
            song for song, where in zip(songs, song_load) if where == load or (again[load] and where < load)
        ]
        folder = delivery(sample, days, brought)
        config = write_config(folder, name=f"load-{load}.cfg", DB_NAME=database)
        if load == 0:
            assert create_tables.main(["--config", str(config), "--force"]) == 0
        assert run(config, *(["--skip-unchanged-songs"] if skip[load] else [])) == 0
    assert star(config) == clean_star


def test_skip_unchanged_songs_stages_only_new_and_changed_song_files(
    sample: Path, write_config, clean_star, capsys
) -> None:
    songs = song_files(sample)
    folder = delivery(sample, list(range(1, 13)), songs[: len(songs) // 3])
    config = write_config(folder, name="skip.cfg")
    assert create_tables.main(["--config", str(config)]) == 0
    capsys.readouterr()
    assert run(config, "--skip-unchanged-songs") == 0
    first = len(songs) // 3
    assert f"songs: {first} of {first} song file(s) new or changed since the last load; COPY " in (
        capsys.readouterr().err
    )
    for song in songs[first:]:
        (folder / song.relative_to(sample)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(song, folder / song.relative_to(sample))
    assert run(config, "--skip-unchanged-songs") == 0
    err = capsys.readouterr().err
    assert f"songs: {len(songs) - first} of {len(songs)} song file(s) new or changed since" in err
    assert star(config) == clean_star
    assert run(config, "--skip-unchanged-songs") == 0
    err = capsys.readouterr().err
    assert f"songs: 0 of {len(songs)} song file(s) new or changed since the last load; no song COPY" in err
    assert "COPY staging_songs" not in err
    assert star(config) == clean_star
    assert run(config) == 0  # the default stages every song file, and changes nothing
    assert star(config) == clean_star


def test_skip_unchanged_songs_restages_a_song_file_that_changed(sample: Path, write_config, tmp_path) -> None:
    folder = delivery(sample, list(range(1, 13)), song_files(sample))
    config = write_config(folder, name="changing.cfg")
    assert create_tables.main(["--config", str(config)]) == 0
    assert run(config, "--skip-unchanged-songs") == 0
    # Retitle a song that plays matched: those plays lose their song, as in a clean load of the new file.
    with connect(load_config(config)) as warehouse:
        _, rows = warehouse.query("SELECT song_id FROM songplays WHERE song_id IS NOT NULL LIMIT 1")
    played = rows[0][0]
    changed = next(path for path in song_files(folder) if json.loads(path.read_text())["song_id"] == played)
    document = json.loads(changed.read_text())
    changed.write_text(json.dumps({**document, "title": document["title"] + " (remastered)"}))
    assert run(config, "--skip-unchanged-songs") == 0
    clean = write_config(folder, name="changed-clean.cfg")
    assert create_tables.main(["--config", str(clean)]) == 0
    assert run(clean) == 0
    assert star(config) == star(clean)
    assert ("(remastered)" in str(star(config)["songs"])) and played not in {
        row[3] for row in star(config)["songplays"]
    }


def test_skip_unchanged_songs_and_pack_to_are_refused_together(sample: Path, write_config, capsys) -> None:
    config = write_config(sample)
    with pytest.raises(SystemExit) as exited:
        run(config, "--skip-unchanged-songs", "--pack-to", str(sample.parent / "packed"))
    assert exited.value.code == 2
    assert "--skip-unchanged-songs and --pack-to cannot be combined" in capsys.readouterr().err


def test_a_dry_run_that_skips_unchanged_songs_says_the_song_copy_is_decided_when_connected(
    sample: Path, write_config, capsys
) -> None:
    assert run(write_config(sample), "--dry-run", "--skip-unchanged-songs") == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "-- --skip-unchanged-songs: once connected, the song COPY covers only the SONG_DATA folders whose "
        "files changed since the last load (perhaps none)\n"
    )
    assert "CREATE TABLE IF NOT EXISTS loaded_song_files (" in out and "COPY staging_songs" in out


def test_skip_unchanged_songs_with_no_new_log_file_copies_nothing_and_changes_nothing(
    sample: Path, write_config, clean_star, capsys
) -> None:
    config = write_config(sample, name="nothing-new.cfg")
    assert create_tables.main(["--config", str(config)]) == 0
    assert run(config, "--skip-unchanged-songs") == 0
    capsys.readouterr()
    assert run(config, "--skip-unchanged-songs", "--since", "2018-12-01") == 0
    err = capsys.readouterr().err
    assert "no song COPY" in err and "COPY staging_" not in err
    assert star(config) == clean_star
