"""The exact SQL text that Redshift would receive, and the adapter's PostgreSQL spelling of the DDL."""

from __future__ import annotations

import dataclasses

import pytest

import sql_queries as q
from sparkify.engine.copy import parse_copy
from sparkify.engine.sql.adapter import postgres_ddl
from sparkify.engine.sql.text import collapse_whitespace, mask_secrets, quote_ident, quote_literal
from sparkify.errors import CopyStatementError
from tests.redshift_config import REDSHIFT


def test_copy_statements_sent_to_redshift() -> None:
    songs, events = (collapse_whitespace(sql) for sql in q.copy_table_queries(REDSHIFT))
    assert events == (
        "COPY staging_events FROM 's3://udacity-dend/log_data' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole' REGION 'us-west-2' "
        "FORMAT AS JSON 's3://udacity-dend/log_json_path.json' TIMEFORMAT 'epochmillisecs' "
        "BLANKSASNULL EMPTYASNULL COMPUPDATE OFF STATUPDATE OFF MAXERROR 0;"
    )
    assert songs == (
        "COPY staging_songs FROM 's3://udacity-dend/song_data' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole' REGION 'us-west-2' "
        "FORMAT AS JSON 'auto' BLANKSASNULL EMPTYASNULL COMPUPDATE OFF STATUPDATE OFF MAXERROR 0;"
    )


def test_copy_without_role_uses_the_cluster_default_and_quotes_paths() -> None:
    local = dataclasses.replace(REDSHIFT, iam_role_arn="", song_data="/data/o'brien/song_data", maxerror=7)
    songs = collapse_whitespace(q.copy_table_queries(local)[0])
    assert songs.startswith("COPY staging_songs FROM '/data/o''brien/song_data' IAM_ROLE default REGION")
    assert songs.endswith("MAXERROR 7;")
    assert parse_copy(songs).source == "/data/o'brien/song_data"


def test_values_that_cannot_be_quoted_safely_are_refused() -> None:
    with pytest.raises(ValueError, match="backslash"):
        quote_literal("C:\\data")
    assert quote_ident("time") == "time"
    assert quote_ident("user") == '"user"'
    assert quote_ident('we"ird') == '"we""ird"'


def test_adapter_drops_only_redshift_layout_clauses() -> None:
    assert collapse_whitespace(postgres_ddl(q.songplay_table_create)) == collapse_whitespace("""
        CREATE TABLE IF NOT EXISTS songplays (
        songplay_id BIGINT
            GENERATED ALWAYS AS IDENTITY (START WITH 0 INCREMENT BY 1 MINVALUE 0 CACHE 1000) NOT NULL,
        start_time TIMESTAMP NOT NULL, user_id INTEGER NOT NULL, level VARCHAR(16), song_id VARCHAR(32),
        artist_id VARCHAR(32), session_id INTEGER NOT NULL, item_in_session INTEGER NOT NULL,
        location VARCHAR(512), user_agent VARCHAR(1024) );""")
    assert "DISTSTYLE" not in postgres_ddl(q.user_table_create)
    assert postgres_ddl(q.songplay_table_insert) == q.songplay_table_insert


def test_every_table_has_a_drop_and_a_create() -> None:
    assert len(q.drop_table_queries) == len(q.create_table_queries) == 10
    for table, create in zip(q.WAREHOUSE_TABLES, q.create_table_queries, strict=True):
        assert f"CREATE TABLE IF NOT EXISTS {table} (" in create


def test_parser_takes_options_in_any_order_and_case() -> None:
    command = parse_copy(
        "copy Staging_Events (a, b) from 's3://b/p' maxerror as 3 gzip json as 's3://b/paths.json' "
        "emptyasnull region as 'eu-west-1' credentials 'aws_access_key_id=AK;aws_secret_access_key=SK' "
        "timeformat as 'epochsecs' acceptinvchars as '^' truncatecolumns;"
    )
    assert (command.table, command.columns, command.source) == ("staging_events", ("a", "b"), "s3://b/p")
    assert (command.maxerror, command.compression, command.json_option) == (3, "gzip", "s3://b/paths.json")
    assert (command.empty_as_null, command.blanks_as_null, command.region) == (True, False, "eu-west-1")
    assert (command.timeformat, command.accept_inv_chars, command.truncate_columns) == (
        "epochsecs",
        "^",
        True,
    )
    assert command.authorization == ["CREDENTIALS"]


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("FORMAT AS SHAPEFILE", "COPY format SHAPEFILE is not supported by the local engine"),
        ("JSON 'auto' IGNOREHEADER 1", "COPY option IGNOREHEADER is not supported with JSON"),
        ("JSON 'maybe'", "neither 'auto', 'auto ignorecase' nor a JSONPaths file"),
        ("JSON 'auto' DELIMITER ','", "COPY option DELIMITER is not supported with JSON"),
        ("CSV ESCAPE", "CSV can't be used with ESCAPE"),
        ("FIXEDWIDTH 'a:1' DELIMITER ','", "FIXEDWIDTH can't be used with DELIMITER"),
        ("QUOTE AS '%'", "QUOTE can be used only with CSV"),
        ("DELIMITER 'ab'", "DELIMITER needs a single character"),
        ("FIXEDWIDTH 'a'", "is not 'label:width'"),
        ("CSV JSON 'auto'", "JSON can't be used with CSV"),
        ("MAXERROR -1", "MAXERROR needs a whole number"),
        ("READRATIO 50", "COPY option READRATIO is not supported by the local engine"),
    ],
)
def test_parser_refuses_what_it_cannot_honour(tail: str, message: str) -> None:
    with pytest.raises(CopyStatementError, match=message):
        parse_copy(f"COPY t FROM 's3://b/p' IAM_ROLE default {tail};")


def test_credentials_are_masked_in_copy_text() -> None:
    sql = (
        "COPY t FROM 's3://b/p' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'wJalr/K7MDENG' "
        "SESSION_TOKEN 'tok' CREDENTIALS 'aws_access_key_id=AK;aws_secret_access_key=SK' JSON 'auto';"
    )
    masked = mask_secrets(sql)
    for secret in ("AKIAEXAMPLE", "wJalr/K7MDENG", "tok'", "=AK", "=SK"):
        assert secret not in masked
    assert "ACCESS_KEY_ID '***'" in masked and "SECRET_ACCESS_KEY '***'" in masked


def test_the_copy_builder_adds_each_option_once_and_validates_first() -> None:
    plain = q.copy_table_queries(REDSHIFT)
    packed = [
        q.packed_copy_query(REDSHIFT, table, f"s3://packs/run/{table}.manifest", json_option)
        for table, json_option in (("staging_songs", "auto"), ("staging_events", REDSHIFT.log_jsonpath))
    ]
    for statement in plain + packed:
        words = collapse_whitespace(statement).split()
        for option in ("IAM_ROLE", "REGION", "FORMAT", "BLANKSASNULL", "EMPTYASNULL", "MAXERROR"):
            assert words.count(option) == 1, (option, statement)
        assert parse_copy(statement).maxerror == 0
    assert all("MANIFEST" in statement and "GZIP" in statement for statement in packed)
    assert not any("MANIFEST" in statement for statement in plain)
    with pytest.raises(ValueError, match="not a staging table"):
        q.copy_statement(REDSHIFT, "users", "s3://b/p", "auto")
