"""What SQLAlchemy's inspector (sqlalchemy-redshift on redshift_connector and on psycopg2) reflects through a
real endpoint process, as it reflects a cluster's tables: informational foreign keys (named or not, column
and table form) with the catalog views that show them, an IDENTITY column with its seed and step, a
SUPER column as SUPER, and a view's definition as a cluster prints it (issue #21)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateTable
from sqlalchemy_redshift.dialect import SUPER

from tests.endpoint_process import PASSWORD, USER, RunningEndpoint, running_endpoint

DDL = [
    "CREATE TABLE artists (artist_id VARCHAR(18) PRIMARY KEY, name VARCHAR(64), code INTEGER UNIQUE)",
    "CREATE TABLE songs (song_id VARCHAR(18) NOT NULL, artist_id VARCHAR(18) REFERENCES artists,"
    " artist_code INTEGER REFERENCES artists (code), PRIMARY KEY (song_id))",
    "CREATE TABLE plays (play_id INTEGER IDENTITY(1,3), song_id VARCHAR(18), artist_id VARCHAR(18),"
    " details SUPER, CONSTRAINT plays_song_fk FOREIGN KEY (song_id) REFERENCES public.songs (song_id),"
    " FOREIGN KEY (artist_id) REFERENCES artists(artist_id))",
    "CREATE TABLE counted (counted_id BIGINT IDENTITY(0, 1) NOT NULL, label VARCHAR(8))",
    "CREATE VIEW song_names AS SELECT song_id, artist_id AS artist FROM songs s WHERE artist_code > 1",
    "CREATE VIEW late_songs AS SELECT songs.song_id FROM public.songs WITH NO SCHEMA BINDING",
    "CREATE VIEW every_song AS SELECT * FROM songs",
]


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        connection = running.redshift_connector()
        try:
            cursor = connection.cursor()
            for statement in DDL:
                cursor.execute(statement)
            connection.commit()
        finally:
            connection.close()
        yield running


@pytest.fixture(params=["redshift_connector", "psycopg2"])
def engine(request: pytest.FixtureRequest, endpoint: RunningEndpoint) -> Iterator[sa.Engine]:
    address = f"{USER}:{PASSWORD}@{endpoint.host}:{endpoint.port}/{endpoint.database}"
    if request.param == "redshift_connector":
        engine = sa.create_engine(f"redshift+redshift_connector://{address}", connect_args={"ssl": False})
    else:
        engine = sa.create_engine(f"redshift+psycopg2://{address}", connect_args={"sslmode": "disable"})
    try:
        yield engine
    finally:
        engine.dispose()


def test_foreign_keys_are_reflected_with_their_names_columns_and_tables(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert sorted(inspector.get_foreign_keys("plays"), key=lambda key: key["name"]) == [
        {
            "name": "plays_artist_id_fkey",
            "constrained_columns": ["artist_id"],
            "referred_schema": None,
            "referred_table": "artists",
            "referred_columns": ["artist_id"],
        },
        {
            "name": "plays_song_fk",
            "constrained_columns": ["song_id"],
            "referred_schema": None,
            "referred_table": "songs",
            "referred_columns": ["song_id"],
        },
    ]
    # The column form; with no columns named, the referenced table's primary key.
    songs = {key["constrained_columns"][0]: key for key in inspector.get_foreign_keys("songs")}
    assert songs["artist_id"]["referred_columns"] == ["artist_id"]
    assert songs["artist_code"]["referred_columns"] == ["code"]
    assert inspector.get_pk_constraint("songs")["constrained_columns"] == ["song_id"]


def test_a_reflected_table_has_its_identity_super_and_foreign_keys(engine: sa.Engine) -> None:
    plays = sa.Table("plays", sa.MetaData(), autoload_with=engine)
    assert isinstance(plays.c.details.type, SUPER)
    ddl = " ".join(str(CreateTable(plays).compile(engine)).split())
    assert "play_id INTEGER IDENTITY(1,3)," in ddl
    assert "FOREIGN KEY(song_id) REFERENCES songs (song_id)" in ddl
    counted = sa.Table("counted", sa.MetaData(), autoload_with=engine)
    assert "counted_id BIGINT IDENTITY(0,1) NOT NULL" in " ".join(
        str(CreateTable(counted).compile(engine)).split()
    )


def _rows(connection: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    cursor.execute(sql)
    return [tuple(row) for row in cursor.fetchall()]


def test_the_catalog_shows_foreign_keys_where_tools_look(endpoint: RunningEndpoint) -> None:
    connection = endpoint.redshift_connector()
    try:
        assert _rows(
            connection,
            "SELECT conname, contype, confrelid::regclass::text, conkey, confkey,"
            " pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint"
            " WHERE conrelid = 'plays'::regclass ORDER BY conname",
        ) == [
            (
                "plays_artist_id_fkey",
                "f",
                "artists",
                [3],
                [1],
                "FOREIGN KEY (artist_id) REFERENCES artists(artist_id)",
            ),
            ("plays_song_fk", "f", "songs", [2], [1], "FOREIGN KEY (song_id) REFERENCES songs(song_id)"),
        ]
        assert _rows(
            connection,
            "SELECT r.constraint_name, r.unique_constraint_name, t.constraint_type, u.table_name,"
            " u.column_name FROM information_schema.referential_constraints r"
            " JOIN information_schema.table_constraints t ON t.constraint_name = r.constraint_name"
            " JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.constraint_name"
            " WHERE t.table_name = 'plays' ORDER BY 1",
        ) == [
            ("plays_artist_id_fkey", "artists_pkey", "FOREIGN KEY", "artists", "artist_id"),
            ("plays_song_fk", "songs_pkey", "FOREIGN KEY", "songs", "song_id"),
        ]
        assert _rows(
            connection,
            "SELECT column_name, ordinal_position, position_in_unique_constraint"
            " FROM information_schema.key_column_usage WHERE constraint_name = 'plays_song_fk'",
        ) == [("song_id", 1, 1)]
        [(plays_oid,)] = _rows(connection, "SELECT 'plays'::regclass::oid")
        assert _rows(
            connection,
            "SELECT adsrc FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid"
            " WHERE c.relname = 'plays'",
        ) == [(f""""identity"({plays_oid}, 0, '1,3'::text)""",)]
        # Never enforced, as on a cluster.
        cursor = connection.cursor()
        cursor.execute("INSERT INTO plays (song_id, artist_id) VALUES ('no such song', 'nobody')")
        connection.rollback()
    finally:
        connection.close()


def test_a_view_is_printed_as_a_cluster_prints_it(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    # PostgreSQL 8.0's deparser, the leader node's: the columns of a view on one table are qualified.
    assert inspector.get_view_definition("song_names") == (
        "SELECT s.song_id, s.artist_id AS artist FROM songs AS s WHERE s.artist_code > 1"
    )
    # A late-binding view: the statement that made it.
    assert inspector.get_view_definition("late_songs") == (
        "CREATE VIEW late_songs AS SELECT songs.song_id FROM public.songs WITH NO SCHEMA BINDING"
    )
    # Not printed here (a star): PostgreSQL's text, its columns spelt out as a cluster spells them.
    assert " ".join(inspector.get_view_definition("every_song").split()) == (
        "SELECT song_id, artist_id, artist_code FROM songs"
    )
    assert [column["name"] for column in inspector.get_columns("late_songs")] == ["song_id"]


def test_a_create_view_is_answered_with_its_own_tag(endpoint: RunningEndpoint) -> None:
    connection = endpoint.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE VIEW artist_names AS SELECT name FROM artists")
            assert cursor.statusmessage == "CREATE VIEW"
            cursor.execute(
                "SELECT pg_catalog.pg_get_viewdef(oid, true) FROM pg_class WHERE relname = 'artist_names'"
            )
            assert cursor.fetchone() == ("SELECT artists.name FROM artists;",)
        connection.rollback()
    finally:
        connection.close()
