"""COPY through the endpoint: server-side in the client's own transaction, Redshift's error and
stl_load_errors after a rollback, several clients at once, a student's plain-Redshift script, and our own
scripts taking their Redshift path."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg2
import pytest

import create_tables
import etl
import result_check
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.sample_data import ExpectedCounts, generate
from sparkify.warehouse import connect
from tests.endpoint_process import PASSWORD, RunningEndpoint, moto_s3_holding, running_endpoint

STUDENT_DDL = """
CREATE TABLE IF NOT EXISTS stage_log (
    artist VARCHAR(512), auth VARCHAR(32), first_name VARCHAR(128), gender CHAR(1) ENCODE bytedict,
    item_in_session INTEGER, last_name VARCHAR(128), length FLOAT, level VARCHAR(8), location VARCHAR(512),
    method VARCHAR(8), page VARCHAR(32), registration FLOAT, session_id INTEGER, song VARCHAR(512),
    status INTEGER, ts TIMESTAMP, user_agent VARCHAR(512), user_id INTEGER
) DISTSTYLE EVEN;
CREATE TABLE IF NOT EXISTS stage_song (
    num_songs INTEGER, artist_id VARCHAR(32), artist_latitude FLOAT, artist_longitude FLOAT,
    artist_location VARCHAR(512), artist_name VARCHAR(512), song_id VARCHAR(32), title VARCHAR(512),
    duration FLOAT, year INTEGER
) DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS fact_play (
    play_id BIGINT IDENTITY(0, 1), start_time TIMESTAMP NOT NULL DISTKEY SORTKEY, user_id INTEGER NOT NULL,
    level VARCHAR(8), song_id VARCHAR(32), artist_id VARCHAR(32), session_id INTEGER, location VARCHAR(512),
    user_agent VARCHAR(512)
);
CREATE TABLE IF NOT EXISTS dim_user (user_id INTEGER PRIMARY KEY SORTKEY, first_name VARCHAR(128),
    last_name VARCHAR(128), gender CHAR(1), level VARCHAR(8)) DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS dim_song (song_id VARCHAR(32) PRIMARY KEY SORTKEY, title VARCHAR(512),
    artist_id VARCHAR(32), year INTEGER, duration FLOAT) DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS dim_artist (artist_id VARCHAR(32) PRIMARY KEY SORTKEY, name VARCHAR(512),
    location VARCHAR(512), latitude FLOAT, longitude FLOAT) DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS dim_time (start_time TIMESTAMP PRIMARY KEY DISTKEY SORTKEY, hour INTEGER,
    day INTEGER, week INTEGER, month INTEGER, year INTEGER, weekday INTEGER);
"""

STUDENT_COPY = """
COPY stage_log FROM '{root}/log_data'
IAM_ROLE 'arn:aws:iam::123456789012:role/myRedshiftRole'
FORMAT AS JSON '{root}/log_json_path.json' TIMEFORMAT AS 'epochmillisecs'
BLANKSASNULL EMPTYASNULL REGION 'us-west-2';
COPY stage_song FROM '{root}/song_data'
IAM_ROLE 'arn:aws:iam::123456789012:role/myRedshiftRole'
JSON 'auto' REGION 'us-west-2' COMPUPDATE OFF;
"""

STUDENT_STAR = """
INSERT INTO fact_play (start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT e.ts, e.user_id, e.level, s.song_id, s.artist_id, e.session_id, e.location, e.user_agent
FROM stage_log e
LEFT JOIN (SELECT title, artist_name, duration, MIN(song_id) AS song_id, MIN(artist_id) AS artist_id
           FROM stage_song GROUP BY title, artist_name, duration) s
       ON e.song = s.title AND e.artist = s.artist_name AND e.length = s.duration
WHERE e.page = 'NextSong';
INSERT INTO dim_user SELECT user_id, MAX(first_name), MAX(last_name), MAX(gender), MAX(level)
FROM stage_log WHERE user_id IS NOT NULL GROUP BY user_id;
INSERT INTO dim_song SELECT song_id, MAX(title), MAX(artist_id), MAX(year), MAX(duration)
FROM stage_song GROUP BY song_id;
INSERT INTO dim_artist SELECT artist_id, MAX(artist_name), MAX(artist_location), MAX(artist_latitude),
    MAX(artist_longitude) FROM stage_song GROUP BY artist_id;
INSERT INTO dim_time SELECT DISTINCT ts, EXTRACT(hour FROM ts), EXTRACT(day FROM ts), EXTRACT(week FROM ts),
    EXTRACT(month FROM ts), EXTRACT(year FROM ts), EXTRACT(dow FROM ts)
FROM stage_log WHERE page = 'NextSong';
"""

FAILED_COPY_MESSAGE = "Load into table 'numbers' failed. Check 'stl_load_errors' system table for details."


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        yield running


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExpectedCounts]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, events=1500, song_files=40, seed=11, days=4)


@pytest.fixture
def numbers_source(tmp_path: Path) -> Path:
    """Three JSON lines for a table numbers (n INTEGER, label VARCHAR(5)); the second is bad."""
    folder = tmp_path / "numbers"
    folder.mkdir()
    lines = [{"n": 1, "label": "one"}, {"n": "two", "label": "two"}, {"n": 3, "label": "three"}]
    (folder / "part-0.json").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder


def count(cursor: psycopg2.extensions.cursor, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


def test_a_student_script_in_plain_redshift_sql_loads_the_star(
    endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, expected = sample
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(STUDENT_DDL)
        cursor.execute(STUDENT_COPY.format(root=root))
        assert cursor.statusmessage == f"COPY {expected.staging_songs}"
        cursor.execute(STUDENT_STAR)
        connection.commit()
        counts = {
            "staging_events": count(cursor, "stage_log"),
            "staging_songs": count(cursor, "stage_song"),
            "songplays": count(cursor, "fact_play"),
            "songplays_with_song": count(cursor, "fact_play WHERE song_id IS NOT NULL"),
            "users": count(cursor, "dim_user"),
            "songs": count(cursor, "dim_song"),
            "artists": count(cursor, "dim_artist"),
            "time": count(cursor, "dim_time"),
        }
    wanted = expected.to_dict()
    assert counts == {name: wanted[name] for name in counts}


def test_copy_answers_with_its_row_count_and_joins_the_clients_transaction(
    endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, expected = sample
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE songs_in_tx (LIKE stage_song)")
        connection.commit()
        cursor.execute(f"COPY songs_in_tx FROM '{root}/song_data' FORMAT AS JSON 'auto'")
        assert (cursor.statusmessage, cursor.rowcount) == (
            f"COPY {expected.staging_songs}",
            expected.staging_songs,
        )
        connection.rollback()
        assert count(cursor, "songs_in_tx") == 0
        connection.rollback()
        connection.autocommit = True  # no transaction block: the COPY commits by itself
        cursor.execute(f"COPY songs_in_tx FROM '{root}/song_data' JSON 'auto'")
        assert count(cursor, "songs_in_tx") == expected.staging_songs


def test_a_failed_copy_answers_redshifts_message_and_its_load_errors_outlive_the_rollback(
    endpoint: RunningEndpoint, numbers_source: Path
) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE numbers (n INTEGER, label VARCHAR(5))")
        cursor.execute("INSERT INTO numbers VALUES (0, 'zero')")
        with pytest.raises(psycopg2.errors.InternalError) as failed:
            cursor.execute(f"COPY numbers FROM '{numbers_source}' FORMAT AS JSON 'auto'")
        assert failed.value.pgcode == "XX000"
        assert failed.value.diag.message_primary == FAILED_COPY_MESSAGE
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cursor.execute("SELECT 1")  # a failed COPY aborts the client's transaction, as on Redshift
        connection.rollback()
        assert cursor.execute("SELECT to_regclass('numbers')") is None and cursor.fetchone() == (None,)
        cursor.execute(
            "SELECT TRIM(filename), line_number, TRIM(colname), err_code, TRIM(raw_field_value) "
            "FROM stl_load_errors WHERE query = pg_last_copy_id() ORDER BY line_number"
        )
        assert cursor.fetchall() == [(str(numbers_source / "part-0.json"), 2, "n", 1207, "two")]


def test_maxerror_skips_the_bad_line_and_records_it(endpoint: RunningEndpoint, numbers_source: Path) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE numbers_ok (n INTEGER, label VARCHAR(5))")
        cursor.execute(f"COPY numbers_ok FROM '{numbers_source}' FORMAT AS JSON 'auto' MAXERROR 1")
        assert cursor.rowcount == 2
        cursor.execute("SELECT COUNT(*) FROM stl_load_errors WHERE query = pg_last_copy_id()")
        assert cursor.fetchone() == (1,)


def test_copy_through_the_extended_protocol(
    endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, expected = sample
    with psycopg.connect(endpoint.dsn(password=PASSWORD)) as connection:
        connection.execute("CREATE TEMP TABLE songs_p3 (LIKE stage_song)")
        cursor = connection.execute(f"COPY songs_p3 FROM '{root}/song_data' JSON 'auto'", prepare=True)
        assert cursor.rowcount == expected.staging_songs
        assert connection.execute("SELECT COUNT(*) FROM songs_p3").fetchone() == (expected.staging_songs,)
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE TEMP TABLE songs_rc (LIKE stage_song)")
        cursor.execute(f"COPY songs_rc FROM '{root}/song_data' FORMAT AS JSON 'auto'")
        cursor.execute("SELECT COUNT(*) FROM songs_rc")
        assert cursor.fetchone()[0] == expected.staging_songs
    finally:
        connection.close()


def test_two_clients_copying_at_once(endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]) -> None:
    root, expected = sample
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE log_twice (LIKE stage_log)")
        connection.commit()
    errors: list[BaseException] = []

    def load() -> None:
        try:
            with endpoint.connect() as connection, connection.cursor() as cursor:
                cursor.execute(
                    f"COPY log_twice FROM '{root}/log_data' FORMAT AS JSON '{root}/log_json_path.json' "
                    "TIMEFORMAT 'epochmillisecs' BLANKSASNULL EMPTYASNULL"
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with endpoint.connect() as connection, connection.cursor() as cursor:
        assert count(cursor, "log_twice") == 2 * expected.staging_events


def test_our_scripts_take_their_redshift_path_through_the_endpoint(
    endpoint: RunningEndpoint,
    sample: tuple[Path, ExpectedCounts],
    write_config,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, expected = sample
    monkeypatch.setenv("DWH_DB_PASSWORD", PASSWORD)
    config = write_config(root, HOST=endpoint.host, DB_PORT=str(endpoint.port), DB_NAME=endpoint.database)
    for script in (create_tables, etl, result_check):
        assert script.main(["--config", str(config)]) == 0
    with connect(load_config(config)) as warehouse:
        assert warehouse.is_redshift
        counts = pipeline.table_counts(warehouse)
    assert counts == {name: value for name, value in expected.to_dict().items() if name in counts}


def test_a_failed_load_through_the_endpoint_is_explained_from_stl_load_errors(
    endpoint: RunningEndpoint,
    sample: tuple[Path, ExpectedCounts],
    write_config,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = sample
    songs = tmp_path / "song_data"
    songs.mkdir()
    (songs / "bad.json").write_text('{"song_id": "S1", "num_songs": "many"}\n')
    monkeypatch.setenv("DWH_DB_PASSWORD", PASSWORD)
    config = write_config(
        root, HOST=endpoint.host, DB_PORT=str(endpoint.port), DB_NAME=endpoint.database, SONG_DATA=str(songs)
    )
    assert create_tables.main(["--config", str(config), "--force"]) == 0
    assert etl.main(["--config", str(config)]) == 1
    error = capsys.readouterr().err
    assert f"Load into table 'staging_songs' failed at {songs / 'bad.json'}:1, column num_songs" in error


@pytest.fixture(scope="module")
def s3_endpoint(
    pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, sample: tuple[Path, ExpectedCounts]
) -> Iterator[RunningEndpoint]:
    """An endpoint whose COPY reads S3 from moto's server (AWS_ENDPOINT_URL), holding the sample's files."""
    with (
        moto_s3_holding("udacity-dend", sample[0]) as aws,
        running_endpoint(pg_data_dir, tmp_path_factory.mktemp("s3endpoint"), environment=aws) as running,
    ):
        yield running


def test_copy_from_s3_runs_server_side(
    s3_endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    _, expected = sample
    with s3_endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(STUDENT_DDL)
        cursor.execute(
            "COPY stage_log FROM 's3://udacity-dend/log_data' "
            "CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/dwhRole' "
            "FORMAT AS JSON 's3://udacity-dend/log_json_path.json' TIMEFORMAT 'epochmillisecs' "
            "BLANKSASNULL EMPTYASNULL REGION 'us-west-2'"
        )
        assert cursor.rowcount == expected.staging_events
        cursor.execute("COPY stage_song FROM 's3://udacity-dend/song_data' JSON 'auto' REGION 'us-west-2'")
        assert cursor.rowcount == expected.staging_songs
        with pytest.raises(psycopg2.errors.InternalError) as failed:
            cursor.execute(
                "COPY stage_song FROM 's3://no-such-bucket/song_data' JSON 'auto' REGION 'us-west-2'"
            )
        # Not a data error: the emulator's own message, not Redshift's pointer to stl_load_errors.
        assert failed.value.diag.message_primary.startswith(
            "Load into table 'stage_song' failed: the S3 bucket 'no-such-bucket' does not exist."
        )


def test_unload_runs_in_the_endpoint_and_copy_reads_it_back(
    endpoint: RunningEndpoint, tmp_path: Path
) -> None:
    prefix = tmp_path / "unloaded" / "plays_"
    prefix.parent.mkdir()
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE plays_src (id INTEGER, title VARCHAR(32))")
        cursor.execute("INSERT INTO plays_src VALUES (1, 'it''s'), (2, NULL), (3, 'Ünïcode')")
        cursor.execute(f"UNLOAD ('select * from plays_src') TO '{prefix}' FORMAT JSON PARALLEL OFF")
        assert cursor.statusmessage == "UNLOAD"
        cursor.execute("CREATE TEMP TABLE plays_back (id INTEGER, title VARCHAR(32))")
        cursor.execute(f"COPY plays_back FROM '{prefix}' FORMAT AS JSON 'auto'")
        cursor.execute("SELECT id, title FROM plays_back ORDER BY id")
        assert cursor.fetchall() == [(1, "it's"), (2, None), (3, "Ünïcode")]
    assert [path.name for path in prefix.parent.iterdir()] == ["plays_000"]


def test_a_copy_through_the_endpoint_is_in_stl_load_commits_and_pg_last_copy_count(
    endpoint: RunningEndpoint, numbers_source: Path
) -> None:
    good = numbers_source.parent / "good"
    good.mkdir()
    (good / "a.json").write_text('{"n": 1, "label": "one"}\n{"n": 2, "label": "two"}\n')
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE counted (n INTEGER, label VARCHAR(5))")
        cursor.execute(f"COPY counted FROM '{good}' FORMAT AS JSON 'auto'")
        cursor.execute("SELECT pg_last_copy_count()")
        assert cursor.fetchone() == (2,)
        cursor.execute(
            "SELECT lines_scanned, errors FROM stl_load_commits WHERE filename LIKE %s", (f"{good}%",)
        )
        assert cursor.fetchall() == [(2, 0)]
