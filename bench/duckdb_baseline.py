"""The competitor for ``make bench``: DuckDB building the same staging and star tables from the same files.

This is DuckDB's own implementation of the job, written in its dialect and used only by the benchmark:
the same typed staging columns and COPY conversions (blank text is NULL, ``userId`` ``""`` is a NULL
integer, ``ts`` epoch milliseconds become a TIMESTAMP with milliseconds) and the same star rules as
sql_queries.py.  It prints one JSON document: the wall time, the thread count and the row counts.

    python bench/duckdb_baseline.py DATASET [--threads N] [--database FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

# Redshift's BLANKSASNULL and EMPTYASNULL: an empty or whitespace-only text field loads as NULL.
_MACROS = r"""
CREATE MACRO blank_null(x) AS
    CASE WHEN trim(x, chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = '' THEN NULL
         ELSE x END;
"""

_CREATE = """
CREATE TABLE staging_events (
    artist VARCHAR, auth VARCHAR, first_name VARCHAR, gender VARCHAR, item_in_session INTEGER,
    last_name VARCHAR, length DOUBLE, level VARCHAR, location VARCHAR, method VARCHAR, page VARCHAR,
    registration DOUBLE, session_id INTEGER, song VARCHAR, status INTEGER, ts TIMESTAMP,
    user_agent VARCHAR, user_id INTEGER
);
CREATE TABLE staging_songs (
    num_songs INTEGER, artist_id VARCHAR, artist_latitude DOUBLE, artist_longitude DOUBLE,
    artist_location VARCHAR, artist_name VARCHAR, song_id VARCHAR, title VARCHAR, duration DOUBLE,
    year INTEGER
);
CREATE SEQUENCE songplay_ids START 0 MINVALUE 0;
CREATE TABLE songplays (
    songplay_id BIGINT PRIMARY KEY DEFAULT nextval('songplay_ids'),
    start_time TIMESTAMP NOT NULL, user_id INTEGER NOT NULL, level VARCHAR, song_id VARCHAR,
    artist_id VARCHAR, session_id INTEGER NOT NULL, item_in_session INTEGER NOT NULL, location VARCHAR,
    user_agent VARCHAR
);
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY, first_name VARCHAR, last_name VARCHAR, gender VARCHAR, level VARCHAR,
    last_event_at TIMESTAMP
);
CREATE TABLE songs (song_id VARCHAR PRIMARY KEY, title VARCHAR, artist_id VARCHAR, year INTEGER,
                    duration DOUBLE);
CREATE TABLE artists (artist_id VARCHAR PRIMARY KEY, name VARCHAR, location VARCHAR, latitude DOUBLE,
                      longitude DOUBLE);
CREATE TABLE time (
    start_time TIMESTAMP PRIMARY KEY, hour SMALLINT NOT NULL, day SMALLINT NOT NULL,
    week SMALLINT NOT NULL, month SMALLINT NOT NULL, year SMALLINT NOT NULL, weekday SMALLINT NOT NULL
);
"""

# The JSON keys of the logs with the types the staging columns need before conversion.
_LOG_COLUMNS = {
    "artist": "VARCHAR",
    "auth": "VARCHAR",
    "firstName": "VARCHAR",
    "gender": "VARCHAR",
    "itemInSession": "INTEGER",
    "lastName": "VARCHAR",
    "length": "DOUBLE",
    "level": "VARCHAR",
    "location": "VARCHAR",
    "method": "VARCHAR",
    "page": "VARCHAR",
    "registration": "DOUBLE",
    "sessionId": "INTEGER",
    "song": "VARCHAR",
    "status": "INTEGER",
    "ts": "BIGINT",
    "userAgent": "VARCHAR",
    "userId": "VARCHAR",  # a string in the logs, "" when logged out
}
_SONG_COLUMNS = {
    "num_songs": "INTEGER",
    "artist_id": "VARCHAR",
    "artist_latitude": "DOUBLE",
    "artist_longitude": "DOUBLE",
    "artist_location": "VARCHAR",
    "artist_name": "VARCHAR",
    "song_id": "VARCHAR",
    "title": "VARCHAR",
    "duration": "DOUBLE",
    "year": "INTEGER",
}

_STAGE_EVENTS = """
INSERT INTO staging_events
SELECT blank_null(artist), blank_null(auth), blank_null(firstName), blank_null(gender), itemInSession,
       blank_null(lastName), length, blank_null(level), blank_null(location), blank_null(method),
       blank_null(page), registration, sessionId, blank_null(song), status, epoch_ms(ts),
       blank_null(userAgent), CAST(blank_null(userId) AS INTEGER)
FROM read_json({files}, format = 'newline_delimited', columns = {columns});
"""

_STAGE_SONGS = """
INSERT INTO staging_songs
SELECT num_songs, blank_null(artist_id), artist_latitude, artist_longitude, blank_null(artist_location),
       blank_null(artist_name), blank_null(song_id), blank_null(title), duration, year
FROM read_json({files}, format = 'newline_delimited', columns = {columns});
"""

# The star rules of sql_queries.py, on a fresh load (no earlier rows to merge with).
_STAR = """
INSERT INTO users
SELECT user_id, first_name, last_name, gender, level, ts
FROM staging_events
WHERE user_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts DESC NULLS LAST,
                                                         item_in_session DESC NULLS LAST) = 1;

INSERT INTO songs
SELECT song_id, title, artist_id, year, duration
FROM staging_songs
WHERE song_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY song_id ORDER BY title, artist_id, duration) = 1;

-- The most frequent name per artist id (ties: shortest, then alphabetical), location and coordinates
-- the most frequent non-empty value the same way.
INSERT INTO artists
WITH named AS (
    SELECT artist_id, artist_name FROM staging_songs WHERE artist_id IS NOT NULL
    GROUP BY artist_id, artist_name
    QUALIFY row_number() OVER (PARTITION BY artist_id
                               ORDER BY count(*) DESC, length(artist_name), artist_name) = 1
), located AS (
    SELECT artist_id, artist_location FROM staging_songs
    WHERE artist_id IS NOT NULL AND artist_location IS NOT NULL
    GROUP BY artist_id, artist_location
    QUALIFY row_number() OVER (PARTITION BY artist_id
                               ORDER BY count(*) DESC, length(artist_location), artist_location) = 1
), placed AS (
    SELECT artist_id, artist_latitude, artist_longitude FROM staging_songs
    WHERE artist_id IS NOT NULL AND artist_latitude IS NOT NULL AND artist_longitude IS NOT NULL
    GROUP BY artist_id, artist_latitude, artist_longitude
    QUALIFY row_number() OVER (PARTITION BY artist_id
                               ORDER BY count(*) DESC, artist_latitude, artist_longitude) = 1
)
SELECT n.artist_id, n.artist_name, l.artist_location, p.artist_latitude, p.artist_longitude
FROM named AS n
LEFT JOIN located AS l USING (artist_id)
LEFT JOIN placed AS p USING (artist_id);

-- One row per NextSong event: among songs sharing (title, artist name, duration) the lowest song_id.
INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, item_in_session,
                       location, user_agent)
WITH song_keys AS (
    SELECT title, artist_name, duration, song_id, artist_id FROM staging_songs
    QUALIFY row_number() OVER (PARTITION BY title, artist_name, duration ORDER BY song_id) = 1
)
SELECT e.ts, e.user_id, e.level, s.song_id, s.artist_id, e.session_id, e.item_in_session, e.location,
       e.user_agent
FROM staging_events AS e
LEFT JOIN song_keys AS s ON e.song = s.title AND e.artist = s.artist_name AND e.length = s.duration
WHERE e.page = 'NextSong';

-- week: ISO week, weekday: 0 = Sunday, as on PostgreSQL and Redshift.
INSERT INTO time
SELECT start_time, hour(start_time), day(start_time), week(start_time), month(start_time),
       year(start_time), dayofweek(start_time)
FROM (SELECT DISTINCT start_time FROM songplays);
"""

_COUNTS = """
SELECT (SELECT count(*) FROM staging_events) AS staging_events,
       (SELECT count(*) FROM staging_songs) AS staging_songs,
       (SELECT count(*) FROM songplays) AS songplays,
       (SELECT count(song_id) FROM songplays) AS songplays_with_song,
       (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM users WHERE level = 'paid') AS users_paid,
       (SELECT count(*) FROM songs) AS songs,
       (SELECT count(*) FROM artists) AS artists,
       (SELECT count(*) FROM time) AS time;
"""


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"


def _glob(folder: Path) -> str:
    return "'" + str(folder / "**" / "*.json").replace("'", "''") + "'"


def build(dataset: Path, connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Create, stage and transform; return the row counts."""
    connection.execute(_MACROS)
    connection.execute(_CREATE)
    songs = _STAGE_SONGS.format(files=_glob(dataset / "song_data"), columns=_struct(_SONG_COLUMNS))
    connection.execute(songs)
    events = _STAGE_EVENTS.format(files=_glob(dataset / "log_data"), columns=_struct(_LOG_COLUMNS))
    connection.execute(events)
    connection.execute(_STAR)
    cursor = connection.execute(_COUNTS)
    names = [column[0] for column in cursor.description]
    return dict(zip(names, (int(value) for value in cursor.fetchone())))


def run(dataset: Path, *, threads: int | None = None, database: str = ":memory:") -> dict[str, Any]:
    started = time.perf_counter()
    connection = duckdb.connect(database)
    try:
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        counts = build(dataset, connection)
        used_threads = int(connection.execute("SELECT current_setting('threads')").fetchone()[0])
    finally:
        connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "threads": used_threads,
        "duckdb_version": duckdb.__version__,
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duckdb_baseline.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="a generated data set (song_data/, log_data/)")
    parser.add_argument("--threads", type=int, help="DuckDB's thread count (default: DuckDB's own choice)")
    parser.add_argument("--database", default=":memory:", help="a database file (default: in memory)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.dataset, threads=args.threads, database=args.database)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
