"""A student's own script, unchanged, against a real endpoint process with S3 on moto's server: lateral
column aliases, EXTRACT into SMALLINT and BOOLEAN columns, the guide's conversions and result types, and
errors pointing into the student's own text."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from sparkify.sample_data import ExpectedCounts, generate
from tests.endpoint_process import RunningEndpoint, moto_s3_holding, running_endpoint

BUCKET = "student-bucket"

STUDENT_DDL = """
CREATE TABLE IF NOT EXISTS staging_events (
    artist VARCHAR, auth VARCHAR, firstName VARCHAR, gender VARCHAR, itemInSession INTEGER,
    lastName VARCHAR, length FLOAT, level VARCHAR, location VARCHAR, method VARCHAR, page VARCHAR,
    registration FLOAT, sessionId INTEGER, song VARCHAR, status INTEGER, ts BIGINT, userAgent VARCHAR,
    userId INTEGER);
CREATE TABLE IF NOT EXISTS staging_songs (
    num_songs INTEGER, artist_id VARCHAR, artist_latitude FLOAT, artist_longitude FLOAT,
    artist_location VARCHAR, artist_name VARCHAR, song_id VARCHAR, title VARCHAR, duration FLOAT,
    year INTEGER);
CREATE TABLE IF NOT EXISTS songplays (
    songplay_id INTEGER IDENTITY(0,1) PRIMARY KEY, start_time TIMESTAMP NOT NULL SORTKEY DISTKEY,
    user_id INTEGER NOT NULL, level VARCHAR, song_id VARCHAR, artist_id VARCHAR, session_id INTEGER,
    location VARCHAR, user_agent VARCHAR);
CREATE TABLE IF NOT EXISTS users (user_id INTEGER PRIMARY KEY SORTKEY, first_name VARCHAR,
    last_name VARCHAR, gender VARCHAR, level VARCHAR) DISTSTYLE ALL;
CREATE TABLE IF NOT EXISTS time (start_time TIMESTAMP PRIMARY KEY SORTKEY, hour SMALLINT, day SMALLINT,
    week SMALLINT, month SMALLINT, year SMALLINT, weekday BOOLEAN) DISTSTYLE ALL;
"""

STUDENT_COPY = f"""
COPY staging_events FROM 's3://{BUCKET}/log_data'
CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/dwhRole'
FORMAT AS JSON 's3://{BUCKET}/log_json_path.json' BLANKSASNULL EMPTYASNULL REGION 'us-west-2';
COPY staging_songs FROM 's3://{BUCKET}/song_data'
CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/dwhRole' JSON 'auto' REGION 'us-west-2';
"""

STUDENT_STAR = """
INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT TIMESTAMP 'epoch' + e.ts/1000 * INTERVAL '1 second' AS start_time, e.userId, e.level, s.song_id,
       s.artist_id, e.sessionId, e.location, e.userAgent
FROM staging_events e
LEFT JOIN (SELECT title, artist_name, duration, MIN(song_id) AS song_id, MIN(artist_id) AS artist_id
           FROM staging_songs GROUP BY title, artist_name, duration) s
       ON e.song = s.title AND e.artist = s.artist_name AND e.length = s.duration
WHERE e.page = 'NextSong';
INSERT INTO users
SELECT userId AS user_id, MAX(firstName), MAX(lastName), MAX(gender), MAX(level)
FROM staging_events WHERE user_id IS NOT NULL GROUP BY user_id;
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT DISTINCT TIMESTAMP 'epoch' + ts/1000 * INTERVAL '1 second' AS start_time,
       EXTRACT(hour FROM start_time), EXTRACT(day FROM start_time), EXTRACT(week FROM start_time),
       EXTRACT(month FROM start_time), EXTRACT(year FROM start_time), EXTRACT(dow FROM start_time)
FROM staging_events
WHERE page = 'NextSong';
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExpectedCounts]:
    out = tmp_path_factory.mktemp("student-sample")
    return out, generate(out, events=800, song_files=30, seed=21, days=3)


@pytest.fixture(scope="module")
def endpoint(
    pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, sample: tuple[Path, ExpectedCounts]
) -> Iterator[RunningEndpoint]:
    """An endpoint whose COPY reads the sample from moto's S3 server (AWS_ENDPOINT_URL)."""
    with (
        moto_s3_holding(BUCKET, sample[0]) as aws,
        running_endpoint(pg_data_dir, tmp_path_factory.mktemp("semantics"), environment=aws) as running,
    ):
        yield running


def next_song_seconds(root: Path) -> set[int]:
    """The distinct seconds of the NextSong events, read from the sample's files by Python."""
    seconds = set()
    for path in (root / "log_data").rglob("*.json"):
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["page"] == "NextSong":
                seconds.add(event["ts"] // 1000)
    return seconds


def rows(cursor: psycopg2.extensions.cursor, sql: str) -> list[tuple[object, ...]]:
    cursor.execute(sql)
    return cursor.fetchall()


def test_a_students_script_runs_unchanged(
    endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, expected = sample
    seconds = next_song_seconds(root)
    sundays = sum(1 for second in seconds if datetime.datetime.utcfromtimestamp(second).isoweekday() == 7)
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(STUDENT_DDL)
        cursor.execute(STUDENT_COPY)
        cursor.execute(STUDENT_STAR)
        connection.commit()
        assert rows(cursor, "SELECT COUNT(*) FROM staging_events") == [(expected.staging_events,)]
        assert rows(cursor, "SELECT COUNT(*), COUNT(song_id) FROM songplays") == [
            (expected.songplays, expected.songplays_with_song)
        ]
        assert rows(cursor, "SELECT COUNT(*) FROM users") == [(expected.users,)]
        assert rows(cursor, "SELECT COUNT(*), SUM(CASE WHEN weekday THEN 0 ELSE 1 END) FROM time") == [
            (len(seconds), sundays)
        ]
        # The hour is the start time's, as a SMALLINT; a student's lateral alias in WHERE and a later item.
        assert rows(
            cursor,
            "SELECT COUNT(*) FROM (SELECT start_time AS st, EXTRACT(hour FROM st) AS h FROM time "
            "WHERE h = hour AND st >= '2018-01-01') q",
        ) == [(len(seconds),)]
        # AVG of SMALLINTs is a BIGINT, as on Redshift: a Python int through the driver.
        (average,) = rows(cursor, "SELECT AVG(hour) FROM time")[0]
        assert isinstance(average, int)


def test_the_lateral_aliases_through_the_extended_protocol(
    endpoint: RunningEndpoint, sample: tuple[Path, ExpectedCounts]
) -> None:
    root, _ = sample
    connection = endpoint.redshift_connector()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT COUNT(DISTINCT start_time) FROM (SELECT TIMESTAMP 'epoch' + ts/1000 "
            "* INTERVAL '1 second' AS start_time, EXTRACT(year FROM start_time) AS year FROM staging_events "
            "WHERE page = 'NextSong' AND year > 2000) q"
        )
        assert cursor.fetchall()[0][0] == len(next_song_seconds(root))
    finally:
        connection.close()


def test_errors_point_into_the_clients_own_text(endpoint: RunningEndpoint) -> None:
    ddl = "CREATE TABLE broken (id INTEGER SORTKEY, name VARCHAR,, level VARCHAR) DISTSTYLE ALL"
    query = "SELECT TIMESTAMP 'epoch' + ts/1000 * INTERVAL '1 second' AS start_time, start_time FROM nowhere"
    with endpoint.connect() as connection, connection.cursor() as cursor:
        with pytest.raises(psycopg2.errors.SyntaxError) as failed:
            cursor.execute(ddl)
        assert failed.value.diag.message_primary == 'syntax error at or near ","'
        assert int(failed.value.diag.statement_position) == ddl.index(",,") + 2
        assert failed.value.diag.context is None and failed.value.diag.internal_query is None
        connection.rollback()
        with pytest.raises(psycopg2.errors.UndefinedTable) as missing:
            cursor.execute(query)
        assert int(missing.value.diag.statement_position) == query.index("nowhere") + 1


def test_an_explicit_identity_value_is_refused_in_redshifts_words(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE plays (play_id INTEGER IDENTITY(0, 1), who VARCHAR(8))")
        with pytest.raises(psycopg2.Error) as refused:
            cursor.execute("INSERT INTO plays VALUES (5, 'me')")
        assert refused.value.diag.message_primary == "cannot set an identity column to a value"
        assert refused.value.diag.message_hint is None


def test_a_copy_into_a_missing_table_is_redshifts_undefined_table(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        with pytest.raises(psycopg2.errors.UndefinedTable) as missing:
            cursor.execute(
                f"COPY no_such_table FROM 's3://{BUCKET}/song_data' JSON 'auto' REGION 'us-west-2'"
            )
        assert missing.value.diag.message_primary == 'relation "no_such_table" does not exist'


def test_a_late_binding_view_outlives_its_table(endpoint: RunningEndpoint) -> None:
    """The guide's late-binding view through a client: made before its table, its table dropped (CASCADE
    too) and made again under it; a read in between fails as a cluster's does, with no trace of ours."""
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW late_event AS SELECT eventname FROM public.lbv_event WITH NO SCHEMA BINDING"
        )
        assert cursor.statusmessage == "CREATE VIEW"
        cursor.execute("CREATE TABLE public.lbv_event (eventid INTEGER, eventname VARCHAR(200))")
        cursor.execute("INSERT INTO public.lbv_event VALUES (2, 'Boris Godunov')")
        assert rows(cursor, "SELECT * FROM late_event") == [("Boris Godunov",)]
        cursor.execute("DROP TABLE public.lbv_event CASCADE")
        connection.commit()
        with pytest.raises(psycopg2.errors.UndefinedTable) as dropped:
            cursor.execute("SELECT * FROM late_event")
        assert dropped.value.diag.message_primary == 'relation "public.lbv_event" does not exist'
        assert dropped.value.diag.context is None and dropped.value.diag.internal_query is None
        connection.rollback()
        cursor.execute("CREATE TABLE public.lbv_event (eventid INTEGER, eventname VARCHAR(200))")
        assert rows(cursor, "SELECT * FROM late_event") == []
        columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'late_event'"
        assert rows(cursor, columns) == []  # a cluster's late-binding views: pg_get_late_binding_view_cols
        cursor.execute("DROP VIEW late_event")
        cursor.execute("DROP TABLE public.lbv_event")
        connection.commit()


def test_information_schema_names_a_super_column_super(endpoint: RunningEndpoint) -> None:
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE documents (id INTEGER, body SUPER)")
        assert rows(
            cursor,
            'SELECT column_name, data_type, udt_name FROM information_schema."columns" '
            "WHERE table_name = 'documents' ORDER BY ordinal_position",
        ) == [("id", "integer", "int4"), ("body", "super", "super")]
        connection.rollback()
