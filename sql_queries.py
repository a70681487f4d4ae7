"""All SQL of the Sparkify warehouse, once, in Amazon Redshift's dialect.

On Redshift every statement runs as written.  On PostgreSQL (the embedded default or any PostgreSQL that
HOST names) ``sparkify.engine.sql.adapter`` drops the Redshift-only DDL clauses and
``sparkify.engine.copy`` runs the COPY statements; nothing here has a second, PostgreSQL-flavoured copy.

Distribution and sort keys, chosen for the star's joins:
- songplays and time share DISTKEY(start_time): they are the two tables that grow with every play and
  they are joined on start_time, so that join stays on each slice.  song_id would be the textbook key,
  but most log events match no song and a NULL key would pile most rows onto one slice.
- users, songs and artists are small and joined by every report: DISTSTYLE ALL puts a copy on every node,
  so no join to them ever moves data.
- start_time is the sort key of songplays and time (reports filter by period); the dimensions sort on
  their primary key.
- staging_events is DISTSTYLE EVEN (the COPY spreads evenly; the transforms read it whole) and
  staging_songs DISTSTYLE ALL, so the songplays transform matches events to songs without redistribution.
  Both are BACKUP NO: they are refilled by every load, so snapshots need not carry them.
"""

from __future__ import annotations

from sparkify.config import Config
from sparkify.engine.sql.text import quote_literal

STAR_TABLES = ("songplays", "users", "songs", "artists", "time")
STAGING_TABLES = ("staging_events", "staging_songs")
ALL_TABLES = STAGING_TABLES + STAR_TABLES
# What the merge keeps between loads besides the star (see MERGE below).
BOOKKEEPING_TABLES = ("song_catalog", "unmatched_plays", "loaded_song_files")
WAREHOUSE_TABLES = ALL_TABLES + BOOKKEEPING_TABLES

# --- DROP -----------------------------------------------------------------------------------------------

drop_table_queries = [f"DROP TABLE IF EXISTS {table};" for table in WAREHOUSE_TABLES]

# --- CREATE ---------------------------------------------------------------------------------------------

staging_events_table_create = """
CREATE TABLE IF NOT EXISTS staging_events (
    artist          VARCHAR(1024),
    auth            VARCHAR(32),
    first_name      VARCHAR(256),
    gender          VARCHAR(16),
    item_in_session INTEGER,
    last_name       VARCHAR(256),
    length          DOUBLE PRECISION,
    level           VARCHAR(16),
    location        VARCHAR(512),
    method          VARCHAR(16),
    page            VARCHAR(64),
    registration    DOUBLE PRECISION,
    session_id      INTEGER,
    song            VARCHAR(1024),
    status          INTEGER,
    ts              TIMESTAMP,
    user_agent      VARCHAR(1024),
    user_id         INTEGER
)
BACKUP NO
DISTSTYLE EVEN;
"""

staging_songs_table_create = """
CREATE TABLE IF NOT EXISTS staging_songs (
    num_songs        INTEGER,
    artist_id        VARCHAR(32),
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  VARCHAR(1024),
    artist_name      VARCHAR(1024),
    song_id          VARCHAR(32),
    title            VARCHAR(1024),
    duration         DOUBLE PRECISION,
    year             INTEGER
)
BACKUP NO
DISTSTYLE ALL;
"""

songplay_table_create = """
CREATE TABLE IF NOT EXISTS songplays (
    songplay_id     BIGINT IDENTITY(0, 1) PRIMARY KEY,
    start_time      TIMESTAMP DISTKEY SORTKEY NOT NULL,
    user_id         INTEGER NOT NULL,
    level           VARCHAR(16),
    song_id         VARCHAR(32),
    artist_id       VARCHAR(32),
    session_id      INTEGER NOT NULL,
    item_in_session INTEGER NOT NULL,
    location        VARCHAR(512),
    user_agent      VARCHAR(1024)
);
"""

user_table_create = """
CREATE TABLE IF NOT EXISTS users (
    user_id    INTEGER SORTKEY PRIMARY KEY,
    first_name VARCHAR(256),
    last_name  VARCHAR(256),
    gender     VARCHAR(16),
    level      VARCHAR(16),
    -- the event the attributes come from: a later load replaces them only with a later event
    last_event_at TIMESTAMP
)
DISTSTYLE ALL;
"""

song_table_create = """
CREATE TABLE IF NOT EXISTS songs (
    song_id   VARCHAR(32) SORTKEY PRIMARY KEY,
    title     VARCHAR(1024),
    artist_id VARCHAR(32),
    year      INTEGER,
    duration  DOUBLE PRECISION
)
DISTSTYLE ALL;
"""

artist_table_create = """
CREATE TABLE IF NOT EXISTS artists (
    artist_id VARCHAR(32) SORTKEY PRIMARY KEY,
    name      VARCHAR(1024),
    location  VARCHAR(1024),
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION
)
DISTSTYLE ALL;
"""

time_table_create = """
CREATE TABLE IF NOT EXISTS time (
    start_time TIMESTAMP DISTKEY SORTKEY PRIMARY KEY,
    hour       SMALLINT NOT NULL,
    day        SMALLINT NOT NULL,
    week       SMALLINT NOT NULL,
    month      SMALLINT NOT NULL,
    year       SMALLINT NOT NULL,
    weekday    SMALLINT NOT NULL
);
"""

# Each song file's row as last loaded, one per song_id: the song side of the merge works from it, so a load
# that stages only some song files still matches, names artists and rematches as a clean load would.
song_catalog_table_create = """
CREATE TABLE IF NOT EXISTS song_catalog (
    song_id          VARCHAR(32) SORTKEY NOT NULL,
    title            VARCHAR(1024),
    artist_id        VARCHAR(32),
    artist_name      VARCHAR(1024),
    artist_location  VARCHAR(1024),
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    duration         DOUBLE PRECISION,
    year             INTEGER
)
DISTSTYLE ALL;
"""

# The plays no song matched yet, with the event's title, artist and length, so that a song arriving in a
# later load still finds its plays.  Distributed like songplays; sorted by title, which the lookup joins on.
unmatched_plays_table_create = """
CREATE TABLE IF NOT EXISTS unmatched_plays (
    start_time      TIMESTAMP DISTKEY NOT NULL,
    session_id      INTEGER NOT NULL,
    item_in_session INTEGER NOT NULL,
    song            VARCHAR(1024),
    artist          VARCHAR(1024),
    length          DOUBLE PRECISION
)
SORTKEY (song);
"""

# The song files loaded so far, for etl.py --skip-unchanged-songs (sparkify.song_files): name, size and a
# fingerprint (the S3 ETag, or a local file's modification time).
loaded_song_files_table_create = """
CREATE TABLE IF NOT EXISTS loaded_song_files (
    name        VARCHAR(1024) SORTKEY NOT NULL,
    size        BIGINT,
    fingerprint VARCHAR(64)
)
DISTSTYLE ALL;
"""

bookkeeping_table_create_queries = [
    song_catalog_table_create,
    unmatched_plays_table_create,
    loaded_song_files_table_create,
]

create_table_queries = [
    staging_events_table_create,
    staging_songs_table_create,
    songplay_table_create,
    user_table_create,
    song_table_create,
    artist_table_create,
    time_table_create,
    *bookkeeping_table_create_queries,
]

# --- COPY -----------------------------------------------------------------------------------------------

# Both staging COPYs, plain and packed, are built by copy_statement: each option once, in one order,
# every value validated and quoted before any SQL exists.  The options, and why:
# - FORMAT AS JSON: the events through the JSONPaths file (their keys are camelCase), songs by 'auto';
# - TIMEFORMAT 'epochmillisecs' for the events only: their ts is milliseconds since the epoch;
# - BLANKSASNULL / EMPTYASNULL: an empty string in the logs means "no value";
# - COMPUPDATE OFF / STATUPDATE OFF: staging is emptied on every load, analysing it costs more than it helps;
# - MAXERROR: how many bad records a COPY may skip ([ETL] MAXERROR, 0 by default).


def authorization_clause(role_arn: str) -> str:
    """``IAM_ROLE '<arn>'``; without an ARN, the cluster's default role (the local engine needs none)."""
    return f"IAM_ROLE {quote_literal(role_arn)}" if role_arn else "IAM_ROLE default"


def copy_statement(
    config: Config, table: str, source: str, json_option: str, *, manifest: bool = False
) -> str:
    """One staging COPY: ``source`` is a key prefix (or, with ``manifest``, a manifest of gzip parts) and
    ``json_option`` is ``'auto'`` or a JSONPaths file.  Raises ValueError before building anything when a
    value cannot be used."""
    if table not in STAGING_TABLES:
        raise ValueError(f"{table!r} is not a staging table ({', '.join(STAGING_TABLES)})")
    options = [
        authorization_clause(config.iam_role_arn),
        f"REGION {quote_literal(config.region)}",
        *(["MANIFEST", "GZIP"] if manifest else []),
        f"FORMAT AS JSON {quote_literal(json_option)}",
        *(["TIMEFORMAT 'epochmillisecs'"] if table == "staging_events" else []),
        "BLANKSASNULL",
        "EMPTYASNULL",
        "COMPUPDATE OFF",
        "STATUPDATE OFF",
        f"MAXERROR {int(config.maxerror)}",
    ]
    lines = [f"COPY {table}", f"FROM {quote_literal(source)}", *options]
    return "\n" + "\n".join(lines) + ";\n"


def copy_table_queries(
    config: Config, log_sources: list[str] | None = None, song_sources: list[str] | None = None
) -> list[str]:
    """The COPY statements: one for each song source, then one for each log source (by default SONG_DATA
    and LOG_DATA themselves; ``etl.py --since`` passes narrower log prefixes, ``--skip-unchanged-songs``
    the song folders that changed, maybe none)."""
    events = [
        copy_statement(config, "staging_events", source, config.log_jsonpath)
        for source in ((config.log_data,) if log_sources is None else log_sources)
    ]
    songs = [
        copy_statement(config, "staging_songs", source, "auto")
        for source in ((config.song_data,) if song_sources is None else song_sources)
    ]
    return [*songs, *events]


# --- LOAD: one transaction per run --------------------------------------------------------------------
# A run locks staging_events first, so two runs never interleave (the second waits), empties staging,
# COPYs and merges staging into the star, and commits once: a crash at any point leaves the star as the
# last complete run left it.  LOCK and statement_timeout mean the same on Redshift and PostgreSQL.

lock_warehouse = "LOCK staging_events;"
lock_wait_limit = "SET statement_timeout TO {milliseconds};"
lock_wait_unlimited = "SET statement_timeout TO 0;"
staging_clear_queries = [f"DELETE FROM {table};" for table in STAGING_TABLES]

# --- A FIRST LOAD: the tables that grow with the plays, still empty, are emptied in the load ---------------
# Nothing changes on either engine, but on the local engine a whole-table DELETE runs as TRUNCATE, which
# gives the table a new file in the load's transaction, and the embedded server (wal_level minimal) writes
# the rows of such a file once and flushes it at commit instead of copying every row into the WAL too:
# about a fifth of the server's work in a first load of a million events.  Each table is locked before it
# is checked again, so a row that another session adds meanwhile is never lost.

PLAY_TABLES = ("songplays", "unmatched_plays", "time")


def holds_rows_query(table: str) -> str:
    """1 when ``table`` holds a row, else 0, without counting them."""
    return f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT 1) AS one_row;"


def empty_table_queries(table: str) -> list[str]:
    """Lock an empty ``table`` and empty it (after checking again, under the lock, that it is empty)."""
    return [f"LOCK {table};", f"DELETE FROM {table};"]


# --- MERGE: staging -> star -----------------------------------------------------------------------------
# Each statement adds what staging brings and keeps what earlier runs loaded, so loading the same
# sources again changes nothing, a later day's logs merge in (etl.py --since), and the files may arrive in
# any order: the star equals one clean load of all of them.  Delete-then-insert or UPDATE inside the run's
# transaction, the same SQL on both engines.
#
# Every statement reads staging and only the part of the star that staging touches, so a day's load costs
# what the day costs however long the history (README, "What the merge keeps, and what a load costs"):
# plays are looked up only in the staged events' start_time range (the sort key: Redshift skips the other
# blocks by their zone maps), users only for the users staged, songs and artists only for the song files
# that are new or changed.
#
# Two bookkeeping tables keep what the star's rules need later.  song_catalog holds each song file's row
# as last loaded (one per song_id, with the artist's name as that file spells it, which the match needs),
# so a load may stage only some song files and still match, name artists and rematch as a clean load would.
# unmatched_plays holds the title, artist and length of the plays no song matched yet: when a later load
# brings their song, they get its song_id and artist_id.  Plays that do match need no such copy: their
# song's catalog row spells their key.

song_catalog_columns = ", ".join(
    (
        "song_id",
        "title",
        "artist_id",
        "artist_name",
        "artist_location",
        "artist_latitude",
        "artist_longitude",
        "duration",
        "year",
    )
)

# The staged song files, one row per song_id (a file delivered twice counts once), and among them the
# ones the catalog lacks or holds otherwise (EXCEPT compares NULLs as equal).  The match keys and artists
# those touch, before and after, are what the rest of the song side works on.
song_changes_queries = [
    "DROP TABLE IF EXISTS staged_songs;",
    f"""
    CREATE TEMP TABLE staged_songs AS
    SELECT {song_catalog_columns}
    FROM (
        SELECT {song_catalog_columns},
               ROW_NUMBER() OVER (PARTITION BY song_id
                                  ORDER BY title, artist_id, duration, artist_name, year, artist_location,
                                           artist_latitude, artist_longitude) AS pick
        FROM staging_songs
        WHERE song_id IS NOT NULL
    ) AS ranked
    WHERE pick = 1;
    """,
    "DROP TABLE IF EXISTS changed_songs;",
    f"""
    CREATE TEMP TABLE changed_songs AS
    SELECT {song_catalog_columns} FROM staged_songs
    EXCEPT
    SELECT c.song_id, c.title, c.artist_id, c.artist_name, c.artist_location, c.artist_latitude,
           c.artist_longitude, c.duration, c.year
    FROM song_catalog AS c
    JOIN staged_songs AS s ON s.song_id = c.song_id;
    """,
    "DROP TABLE IF EXISTS changed_keys;",
    """
    CREATE TEMP TABLE changed_keys AS
    SELECT title, artist_name, duration FROM changed_songs
    WHERE title IS NOT NULL AND artist_name IS NOT NULL AND duration IS NOT NULL
    UNION
    SELECT c.title, c.artist_name, c.duration
    FROM song_catalog AS c
    JOIN changed_songs AS s ON s.song_id = c.song_id
    WHERE c.title IS NOT NULL AND c.artist_name IS NOT NULL AND c.duration IS NOT NULL;
    """,
    "DROP TABLE IF EXISTS changed_artists;",
    """
    CREATE TEMP TABLE changed_artists AS
    SELECT artist_id FROM changed_songs WHERE artist_id IS NOT NULL
    UNION
    SELECT c.artist_id
    FROM song_catalog AS c
    JOIN changed_songs AS s ON s.song_id = c.song_id
    WHERE c.artist_id IS NOT NULL;
    """,
    # The plays already in the star whose song the changes may change: the unmatched ones with a changed
    # key, and those matched to a song whose key changed or gained a song (read before the catalog moves).
    # Empty — and free — on a load that brings no new or changed song.
    "DROP TABLE IF EXISTS rematch_plays;",
    """
    CREATE TEMP TABLE rematch_plays AS
    SELECT u.start_time, u.session_id, u.item_in_session, u.song, u.artist, u.length
    FROM unmatched_plays AS u
    JOIN changed_keys AS k ON u.song = k.title AND u.artist = k.artist_name AND u.length = k.duration
    UNION ALL
    SELECT sp.start_time, sp.session_id, sp.item_in_session, c.title, c.artist_name, c.duration
    FROM songplays AS sp
    JOIN song_catalog AS c ON c.song_id = sp.song_id
    JOIN changed_keys AS k ON c.title = k.title AND c.artist_name = k.artist_name AND c.duration = k.duration;
    """,
]

# A song file staged again replaces its song; songs and artists change only where a song did.
songs_merge_queries = [
    "DELETE FROM song_catalog WHERE song_id IN (SELECT song_id FROM changed_songs);",
    f"INSERT INTO song_catalog ({song_catalog_columns}) SELECT {song_catalog_columns} FROM changed_songs;",
    "DELETE FROM songs WHERE song_id IN (SELECT song_id FROM changed_songs);",
    """
    INSERT INTO songs (song_id, title, artist_id, year, duration)
    SELECT song_id, title, artist_id, year, duration FROM changed_songs;
    """,
]

# An artist id can carry several names: the most frequent among its songs wins, ties go to the shortest,
# then the first alphabetically.  Location and coordinates take the most frequent non-empty value the same
# way.  An artist a changed song touches is recomputed from all its songs in the catalog; others are kept.
artists_merge_queries = [
    "DROP TABLE IF EXISTS artist_songs;",
    """
    CREATE TEMP TABLE artist_songs AS
    SELECT c.artist_id, c.artist_name, c.artist_location, c.artist_latitude, c.artist_longitude
    FROM song_catalog AS c
    JOIN changed_artists AS a ON a.artist_id = c.artist_id;
    """,
    "DELETE FROM artists WHERE artist_id IN (SELECT artist_id FROM changed_artists);",
    """
    INSERT INTO artists (artist_id, name, location, latitude, longitude)
    SELECT n.artist_id, n.artist_name, l.artist_location, c.artist_latitude, c.artist_longitude
    FROM (
        SELECT artist_id, artist_name,
               ROW_NUMBER() OVER (PARTITION BY artist_id
                                  ORDER BY uses DESC, LENGTH(artist_name), artist_name) AS pick
        FROM (SELECT artist_id, artist_name, COUNT(*) AS uses
              FROM artist_songs
              GROUP BY artist_id, artist_name) AS named
    ) AS n
    LEFT JOIN (
        SELECT artist_id, artist_location,
               ROW_NUMBER() OVER (PARTITION BY artist_id
                                  ORDER BY uses DESC, LENGTH(artist_location), artist_location) AS pick
        FROM (SELECT artist_id, artist_location, COUNT(*) AS uses
              FROM artist_songs WHERE artist_location IS NOT NULL
              GROUP BY artist_id, artist_location) AS located
    ) AS l
        ON l.artist_id = n.artist_id AND l.pick = 1
    LEFT JOIN (
        SELECT artist_id, artist_latitude, artist_longitude,
               ROW_NUMBER() OVER (PARTITION BY artist_id
                                  ORDER BY uses DESC, artist_latitude, artist_longitude) AS pick
        FROM (SELECT artist_id, artist_latitude, artist_longitude, COUNT(*) AS uses
              FROM artist_songs
              WHERE artist_latitude IS NOT NULL AND artist_longitude IS NOT NULL
              GROUP BY artist_id, artist_latitude, artist_longitude) AS placed
    ) AS c
        ON c.artist_id = n.artist_id AND c.pick = 1
    WHERE n.pick = 1;
    """,
]

# An event matches the song whose title, artist name and duration equal its song, artist and length;
# when several songs share them, the lowest song_id is taken, so a matching event still gives exactly one
# row.  Built from the whole catalog, which grows with the songs, not with the days of logs.
song_match_queries = [
    "DROP TABLE IF EXISTS song_match;",
    """
    CREATE TEMP TABLE song_match AS
    SELECT title, artist_name, duration, song_id, artist_id
    FROM (
        SELECT title, artist_name, duration, song_id, artist_id,
               ROW_NUMBER() OVER (PARTITION BY title, artist_name, duration ORDER BY song_id) AS pick
        FROM song_catalog
        WHERE title IS NOT NULL AND artist_name IS NOT NULL AND duration IS NOT NULL
    ) AS ranked
    WHERE pick = 1;
    """,
]

# One row per NextSong event, keyed by (session_id, item_in_session), appended in start_time order so
# that the table stays ordered by its sort key day after day (PostgreSQL's block-range index then prunes).
# A log file delivered twice (under another name, or through a symlinked folder) stages the same events
# twice: one row per key is kept, so a load never doubles a play (the pipeline reports how many it
# dropped).  Earlier plays are looked up only within the staged events' start_time range: an event's key
# and time come together.
#
# new_plays is declared, then filled, rather than made by CREATE TABLE AS: the local engine analyzes a
# table made that way (as Redshift does), and at a million plays that costs more than any plan over it
# gains — each statement reading it scans it whole.
new_plays_table_create = """
    CREATE TEMP TABLE new_plays (
        start_time      TIMESTAMP,
        user_id         INTEGER,
        level           VARCHAR(16),
        song_id         VARCHAR(32),
        artist_id       VARCHAR(32),
        session_id      INTEGER,
        item_in_session INTEGER,
        location        VARCHAR(512),
        user_agent      VARCHAR(1024),
        song            VARCHAR(1024),
        artist          VARCHAR(1024),
        length          DOUBLE PRECISION
    );
    """
_new_plays_create = """
    INSERT INTO new_plays (start_time, user_id, level, song_id, artist_id, session_id, item_in_session,
                           location, user_agent, song, artist, length)
    SELECT e.ts AS start_time, e.user_id, e.level, s.song_id, s.artist_id, e.session_id, e.item_in_session,
           e.location, e.user_agent, e.song, e.artist, e.length
    FROM {staged_plays} AS e
    LEFT JOIN song_match AS s
        ON e.song = s.title AND e.artist = s.artist_name AND e.length = s.duration
    LEFT JOIN (
        SELECT session_id, item_in_session
        FROM songplays
        WHERE start_time >= (SELECT MIN(ts) FROM staging_events WHERE page = 'NextSong')
          AND start_time <= (SELECT MAX(ts) FROM staging_events WHERE page = 'NextSong')
    ) AS known
        ON known.session_id = e.session_id AND known.item_in_session = e.item_in_session
    WHERE {first_copy}known.session_id IS NULL;
    """
new_plays_create = _new_plays_create.format(
    staged_plays="""(
        SELECT ts, user_id, level, song, artist, length, session_id, item_in_session, location, user_agent,
               ROW_NUMBER() OVER (PARTITION BY session_id, item_in_session
                                  ORDER BY ts, user_id, level, location, user_agent, song, artist,
                                           length) AS copy
        FROM staging_events
        WHERE page = 'NextSong'
    )""",
    first_copy="e.copy = 1 AND ",
)
# The same without the ranking, whose sort of every staged play is a third of a full load's merge: the
# pipeline runs it instead when it has counted no duplicated key in staging (staged_duplicates_queries).
new_plays_create_without_duplicates = _new_plays_create.format(
    staged_plays="""(
        SELECT ts, user_id, level, song, artist, length, session_id, item_in_session, location, user_agent
        FROM staging_events
        WHERE page = 'NextSong'
    )""",
    first_copy="",
)
songplays_merge_queries = [
    "DROP TABLE IF EXISTS new_plays;",
    new_plays_table_create,
    new_plays_create,
    """
    INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, item_in_session,
                           location, user_agent)
    SELECT start_time, user_id, level, song_id, artist_id, session_id, item_in_session, location, user_agent
    FROM new_plays
    ORDER BY start_time;
    """,
    """
    INSERT INTO unmatched_plays (start_time, session_id, item_in_session, song, artist, length)
    SELECT start_time, session_id, item_in_session, song, artist, length
    FROM new_plays
    WHERE song_id IS NULL AND song IS NOT NULL AND artist IS NOT NULL AND length IS NOT NULL;
    """,
]
songplay_table_insert = songplays_merge_queries[3]  # the course's name for the songplays transform

# Late songs: the plays rematch_plays found take their match from the new catalog (NULL when none is
# left), and unmatched_plays follows.  Redshift's UPDATE takes no outer join, hence the table first.  The
# EXISTS is evaluated once: on a load that rematches nothing, neither table is read at all.
rematch_queries = [
    "DROP TABLE IF EXISTS rematched;",
    """
    CREATE TEMP TABLE rematched AS
    SELECT r.start_time, r.session_id, r.item_in_session, r.song, r.artist, r.length, m.song_id, m.artist_id
    FROM rematch_plays AS r
    LEFT JOIN song_match AS m ON m.title = r.song AND m.artist_name = r.artist AND m.duration = r.length;
    """,
    """
    UPDATE songplays
    SET song_id = r.song_id, artist_id = r.artist_id
    FROM rematched AS r
    WHERE songplays.session_id = r.session_id AND songplays.item_in_session = r.item_in_session
      AND songplays.start_time = r.start_time
      AND songplays.start_time >= (SELECT MIN(start_time) FROM rematched)
      AND songplays.start_time <= (SELECT MAX(start_time) FROM rematched)
      AND EXISTS (SELECT 1 FROM rematched);
    """,
    """
    DELETE FROM unmatched_plays
    USING rematched
    WHERE unmatched_plays.session_id = rematched.session_id
      AND unmatched_plays.item_in_session = rematched.item_in_session
      AND unmatched_plays.start_time = rematched.start_time
      AND EXISTS (SELECT 1 FROM rematched);
    """,
    """
    INSERT INTO unmatched_plays (start_time, session_id, item_in_session, song, artist, length)
    SELECT start_time, session_id, item_in_session, song, artist, length FROM rematched WHERE song_id IS NULL;
    """,
]

# A user's attributes come from their latest event (by ts, then itemInSession), whichever load saw it:
# each staged user's latest staged event replaces the user's row when it is as late as the one the row
# came from (users.last_event_at).  Only the candidates at each user's latest time are ranked: sorting
# every event costs twice as much.
users_merge_queries = [
    "DROP TABLE IF EXISTS users_next;",
    """
    CREATE TEMP TABLE users_next AS
    SELECT s.user_id, s.first_name, s.last_name, s.gender, s.level, s.ts AS last_event_at
    FROM (
        SELECT e.user_id, e.first_name, e.last_name, e.gender, e.level, e.ts,
               ROW_NUMBER() OVER (PARTITION BY e.user_id ORDER BY e.item_in_session DESC NULLS LAST) AS pick
        FROM staging_events AS e
        JOIN (
            SELECT user_id, MAX(ts) AS latest
            FROM staging_events
            WHERE user_id IS NOT NULL
            GROUP BY user_id
        ) AS l
            ON l.user_id = e.user_id AND (e.ts = l.latest OR l.latest IS NULL)
    ) AS s
    LEFT JOIN users AS known ON known.user_id = s.user_id
    WHERE s.pick = 1
      AND (known.user_id IS NULL OR known.last_event_at IS NULL OR s.ts >= known.last_event_at);
    """,
    "DELETE FROM users WHERE user_id IN (SELECT user_id FROM users_next);",
    """
    INSERT INTO users (user_id, first_name, last_name, gender, level, last_event_at)
    SELECT user_id, first_name, last_name, gender, level, last_event_at FROM users_next;
    """,
]

# One row per distinct songplays.start_time: the new plays' times the table lacks, looked up only within
# their range.  weekday: 0 = Sunday (DOW on both engines); week: ISO week.  DATE_PART, not EXTRACT:
# PostgreSQL's EXTRACT returns NUMERIC, a third slower over a million timestamps; both return numbers the
# SMALLINT columns take.
time_table_insert = """
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       DATE_PART('hour', start_time),
       DATE_PART('day', start_time),
       DATE_PART('week', start_time),
       DATE_PART('month', start_time),
       DATE_PART('year', start_time),
       DATE_PART('dow', start_time)
FROM (
    SELECT DISTINCT p.start_time
    FROM new_plays AS p
    LEFT JOIN (
        SELECT start_time
        FROM time
        WHERE start_time >= (SELECT MIN(start_time) FROM new_plays)
          AND start_time <= (SELECT MAX(start_time) FROM new_plays)
    ) AS known
        ON known.start_time = p.start_time
    WHERE known.start_time IS NULL
) AS new_times
ORDER BY start_time;
"""

MERGE_TEMP_TABLES = (
    "users_next",
    "staged_songs",
    "changed_songs",
    "changed_keys",
    "changed_artists",
    "rematch_plays",
    "artist_songs",
    "song_match",
    "new_plays",
    "rematched",
)

# Named steps, so the pipeline can time each (etl.py --verbose, make bench).
merge_steps = {
    "users": users_merge_queries,
    "song changes": song_changes_queries,
    "songs": songs_merge_queries,
    "artists": artists_merge_queries,
    "song match": song_match_queries,
    "songplays": songplays_merge_queries,
    "late songs": rematch_queries,
    "time": [time_table_insert],
    "cleanup": [f"DROP TABLE {table};" for table in MERGE_TEMP_TABLES],
}
star_merge_queries = [statement for statements in merge_steps.values() for statement in statements]
insert_table_queries = star_merge_queries  # the course's name for the transform statements

# How many staged rows repeat another's key and are dropped by the merge: NextSong events by
# (session_id, item_in_session), song rows by song_id.  Read after the COPYs, before the merge.
# The plays are all rows less their distinct keys.  Each key is counted as one BIGINT (session_id times
# 2^32 plus item_in_session shifted to 0 .. 2^32 - 1: one number per key, none out of range), which
# PostgreSQL counts by a sort of numbers, a third cheaper than grouping 860,000 pairs in a hash table; the
# keys holding a NULL (that number is NULL, and COUNT skips it) are grouped apart, as GROUP BY groups them.
staged_duplicates_queries = {
    "staging_events": """
        SELECT (SELECT COUNT(*) - COUNT(DISTINCT CAST(session_id AS BIGINT) * 4294967296
                                                 + (CAST(item_in_session AS BIGINT) + 2147483648))
                FROM staging_events WHERE page = 'NextSong')
             - (SELECT COUNT(*) FROM (
                    SELECT 1 AS one FROM staging_events
                    WHERE page = 'NextSong' AND (session_id IS NULL OR item_in_session IS NULL)
                    GROUP BY session_id, item_in_session
                ) AS keys_with_null);
    """,
    "staging_songs": """
        SELECT COALESCE(SUM(copies - 1), 0) FROM (
            SELECT COUNT(*) AS copies FROM staging_songs WHERE song_id IS NOT NULL
            GROUP BY song_id HAVING COUNT(*) > 1
        ) AS repeated;
    """,
}

# --- THE MANIFEST OF LOADED SONG FILES (etl.py --skip-unchanged-songs) -----------------------------------
# Values are bound by the driver (psycopg2 expands %s), so any file name goes through as it is.

loaded_song_files_query = "SELECT name, size, fingerprint FROM loaded_song_files;"
loaded_song_files_delete = "DELETE FROM loaded_song_files WHERE name IN %s;"
loaded_song_files_insert = "INSERT INTO loaded_song_files (name, size, fingerprint) VALUES %s;"

# --- SAFE SCHEMA CHANGES --------------------------------------------------------------------------------

# Which of the warehouse's tables exist (create_tables.py checks the star before dropping it).
existing_tables_query = "SELECT table_name FROM information_schema.tables WHERE table_name IN %s;"

# --- CHECKS AND ANALYTICS -------------------------------------------------------------------------------

count_queries = {table: f"SELECT COUNT(*) FROM {table};" for table in ALL_TABLES}

# The most played songs and artists, and plays by hour: in the terminal report and in the HTML charts.
top_songs_query = """
    SELECT s.title AS song, a.name AS artist, COUNT(*) AS plays
    FROM songplays AS sp
    JOIN songs AS s ON s.song_id = sp.song_id
    JOIN artists AS a ON a.artist_id = sp.artist_id
    GROUP BY s.title, a.name
    ORDER BY plays DESC, song, artist
    LIMIT 10;
"""

top_artists_query = """
    SELECT a.name AS artist, COUNT(*) AS plays
    FROM songplays AS sp
    JOIN artists AS a ON a.artist_id = sp.artist_id
    GROUP BY a.name
    ORDER BY plays DESC, artist
    LIMIT 10;
"""

plays_by_hour_query = """
    SELECT t.hour, COUNT(*) AS plays
    FROM songplays AS sp
    JOIN time AS t ON t.start_time = sp.start_time
    GROUP BY t.hour
    ORDER BY t.hour;
"""

analytics_queries = {
    "Most played songs": top_songs_query,
    "Most played artists": top_artists_query,
    "Plays by hour of day (UTC)": plays_by_hour_query,
    "Free vs paid plays": """
        SELECT level, COUNT(*) AS plays
        FROM songplays
        GROUP BY level
        ORDER BY level;
    """,
    "Busiest weekday": """
        SELECT CASE t.weekday WHEN 0 THEN 'Sunday' WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday'
                              WHEN 3 THEN 'Wednesday' WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday'
                              ELSE 'Saturday' END AS weekday,
               COUNT(*) AS plays
        FROM songplays AS sp
        JOIN time AS t ON t.start_time = sp.start_time
        GROUP BY t.weekday
        ORDER BY plays DESC, t.weekday
        LIMIT 1;
    """,
}

# --- LOAD ERRORS ON REDSHIFT ----------------------------------------------------------------------------
# Read right after a failed COPY, in the same session: pg_last_copy_id() names that COPY.  The columns
# come in the order of sparkify.engine.sql.load_errors.RejectedRecord.

provisioned_load_errors_query = """
SELECT TRIM(filename), line_number, TRIM(colname), err_code, TRIM(err_reason), TRIM(raw_line),
       TRIM(raw_field_value), TRIM(type), TRIM(col_length)
FROM stl_load_errors
WHERE query = pg_last_copy_id()
ORDER BY line_number
LIMIT 100;
"""

serverless_load_errors_query = """
SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message), '',
       '', TRIM(column_type), TRIM(column_length)
FROM sys_load_error_detail
WHERE query_id = pg_last_copy_id()
ORDER BY line_number
LIMIT 100;
"""


# --- DATA-QUALITY CHECKS --------------------------------------------------------------------------------
# Each query returns one number; sparkify.checks says what it must be.  A violation query skips NULLs
# where a NOT NULL check already names them, so that one planted fault fails exactly one check.
# "Not empty" uses count_queries above.

unique_key_columns = {
    "users": ("user_id",),
    "songs": ("song_id",),
    "artists": ("artist_id",),
    "time": ("start_time",),
    "songplays": ("session_id", "item_in_session"),
}

# The columns the star declares NOT NULL (keys included).
not_null_columns = {
    "songplays": ("start_time", "user_id", "session_id", "item_in_session"),
    "users": ("user_id",),
    "songs": ("song_id",),
    "artists": ("artist_id",),
    "time": ("start_time", "hour", "day", "week", "month", "year", "weekday"),
}

# songplays column -> the dimension (and its key) every non-NULL value must be found in.
songplays_references = {
    "user_id": ("users", "user_id"),
    "song_id": ("songs", "song_id"),
    "artist_id": ("artists", "artist_id"),
    "start_time": ("time", "start_time"),
}


def _duplicated_keys_query(table: str, columns: tuple[str, ...]) -> str:
    keys = ", ".join(columns)
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    return (
        f"SELECT COUNT(*) FROM (SELECT {keys} FROM {table} WHERE {present} "
        f"GROUP BY {keys} HAVING COUNT(*) > 1) AS duplicated;"
    )


# How many key values occur more than once.
duplicated_keys_queries = {
    table: _duplicated_keys_query(table, columns) for table, columns in unique_key_columns.items()
}

# How many NULLs, by "table.column".
null_count_queries = {
    f"{table}.{column}": f"SELECT COUNT(*) FROM {table} WHERE {column} IS NULL;"
    for table, columns in not_null_columns.items()
    for column in columns
}

# How many songplays carry a value that their dimension lacks, by songplays column.
orphan_songplays_queries = {
    column: (
        f"SELECT COUNT(*) FROM songplays AS sp LEFT JOIN {dimension} AS d ON d.{key} = sp.{column} "
        f"WHERE sp.{column} IS NOT NULL AND d.{key} IS NULL;"
    )
    for column, (dimension, key) in songplays_references.items()
}

# The share (0..1) of songplays matched to a song file; 0 when there are no songplays.
song_match_share_query = """
SELECT CASE WHEN COUNT(*) = 0 THEN CAST(0 AS DOUBLE PRECISION)
            ELSE CAST(COUNT(song_id) AS DOUBLE PRECISION) / COUNT(*) END AS share
FROM songplays;
"""

# --- REPORT CHARTS --------------------------------------------------------------------------------------
# The data behind result_check.py --report's charts.  Days are UTC calendar days of start_time.

chart_queries = {
    "plays_by_hour": plays_by_hour_query,
    "plays_by_weekday": """
        SELECT t.weekday, COUNT(*) AS plays
        FROM songplays AS sp
        JOIN time AS t ON t.start_time = sp.start_time
        GROUP BY t.weekday
        ORDER BY t.weekday;
    """,
    "top_songs": top_songs_query,
    "top_artists": top_artists_query,
    "plays_by_level_per_day": """
        SELECT CAST(start_time AS DATE) AS day,
               SUM(CASE WHEN level = 'free' THEN 1 ELSE 0 END) AS free,
               SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) AS paid
        FROM songplays
        GROUP BY CAST(start_time AS DATE)
        ORDER BY day;
    """,
    # A user is new on the first day they appear in songplays.
    "new_users_per_day": """
        SELECT first_day AS day, COUNT(*) AS new_users
        FROM (
            SELECT user_id, MIN(CAST(start_time AS DATE)) AS first_day
            FROM songplays
            WHERE user_id IS NOT NULL
            GROUP BY user_id
        ) AS firsts
        GROUP BY first_day
        ORDER BY first_day;
    """,
}

# --- PACKED COPY (etl.py --pack-to) ---------------------------------------------------------------------
# sparkify.packing packs the many small source files into a few gzip parts, a multiple of the cluster's
# slice count, and a manifest naming each part; one COPY per staging table then loads the parts in
# parallel.


def packed_copy_query(config: Config, table: str, manifest_uri: str, json_option: str) -> str:
    """The COPY of one staging table from a packing's manifest: the plain COPY's options plus MANIFEST
    and GZIP.  Events keep their epoch-millisecond ``ts``, as in the plain COPY."""
    return copy_statement(config, table, manifest_uri, json_option, manifest=True)
