"""The COPY statement as Redshift reads it: every form of table and column name, literals with Redshift's
backslashes, the text formats' options and the combinations the guide refuses."""

from __future__ import annotations

import pytest

from sparkify.engine.copy.statement import parse_copy
from sparkify.errors import CopyStatementError


@pytest.mark.parametrize(
    ("name", "schema", "table", "relation"),
    [
        ("t", None, "t", "t"),
        ("T", None, "t", "t"),
        ('"T"', None, "t", "t"),
        ("public.t", "public", "t", "public.t"),
        ('"public"."t"', "public", "t", "public.t"),
        ('public."t"', "public", "t", "public.t"),
        ('"public".t', "public", "t", "public.t"),
        ('"Sales"."My Table"', "sales", "my table", 'sales."my table"'),
        ("dev.public.venue", "public", "venue", "public.venue"),
        ("time", None, "time", "time"),
        ('"user"', None, "user", '"user"'),
        ('"we""ird"', None, 'we"ird', '"we""ird"'),
    ],
)
def test_every_form_of_table_name_is_folded_as_redshift_folds_it(
    name: str, schema: str | None, table: str, relation: str
) -> None:
    command = parse_copy(f"COPY {name} FROM 's3://b/p' IAM_ROLE default")
    assert (command.schema, command.table, command.relation) == (schema, table, relation)


def test_aws_sdk_for_pandas_statement_is_read() -> None:
    command = parse_copy(
        """COPY "public"."my_table" FROM 's3://bucket/prefix/' IAM_ROLE 'arn:aws:iam::1:role/r' """
        "FORMAT AS PARQUET"
    )
    assert (command.relation, command.data_format, command.authorization) == (
        "public.my_table",
        "parquet",
        ["IAM_ROLE"],
    )


def test_column_list_names_are_folded_too() -> None:
    command = parse_copy("""COPY venue ("VenueID", venueName, "venue city") FROM '/x'""")
    assert command.columns == ("venueid", "venuename", "venue city")


@pytest.mark.parametrize(
    ("option", "attribute", "value"),
    [
        (r"DELIMITER '\t'", "delimiter", "\t"),
        ("DELIMITER AS ','", "delimiter", ","),
        (r"DELIMITER '\001'", "delimiter", "\x01"),
        (r"NULL AS '\N'", "null_as", "\\N"),
        (r"NULL AS '\0'", "null_as", "\x00"),
        (r"NULL AS '\000'", "null_as", "\x00"),
        ("NULL 'nil'", "null_as", "nil"),
        ("IGNOREHEADER 2", "ignore_header", 2),
        ("IGNOREHEADER AS 1", "ignore_header", 1),
        ("ENCODING UTF16LE", "encoding", "utf16le"),
        ("ENCODING AS UTF16", "encoding", "utf16"),
        ("FIXEDWIDTH 'venueid:3,venuename:25'", "fixed_widths", (3, 25)),
        ("CSV QUOTE AS '%'", "quote", "%"),
        ("FORMAT AS CSV QUOTE '%'", "quote", "%"),
        ("CSV", "data_format", "csv"),
        ("ESCAPE", "escape", True),
        ("REMOVEQUOTES", "remove_quotes", True),
        ("TRIMBLANKS", "trim_blanks", True),
        ("FILLRECORD", "fill_record", True),
        ("IGNOREBLANKLINES", "ignore_blank_lines", True),
        ("ACCEPTANYDATE", "accept_any_date", True),
        ("ROUNDEC", "round_decimals", True),
        ("EXPLICIT_IDS", "explicit_ids", True),
        ("ACCEPTINVCHARS", "accept_inv_chars", "?"),
        ("ACCEPTINVCHARS AS '^'", "accept_inv_chars", "^"),
        ("DATEFORMAT 'auto'", "dateformat", "auto"),
        ("TIMEFORMAT AS 'YYYY-MM-DD HH:MI:SS'", "timeformat", "YYYY-MM-DD HH:MI:SS"),
        ("MAXERROR '5'", "maxerror", 5),
    ],
)
def test_each_text_option_is_read(option: str, attribute: str, value: object) -> None:
    assert getattr(parse_copy(f"copy t from '/x' iam_role default {option};"), attribute) == value


def test_text_is_the_default_format_with_a_pipe() -> None:
    command = parse_copy("copy venue from 's3://b/venue_pipe.txt' iam_role 'arn:aws:iam::1:role/r'")
    assert (command.data_format, command.field_delimiter) == ("text", "|")
    assert parse_copy("copy t from '/x' csv").field_delimiter == ","


def test_aws_side_options_are_accepted_with_no_local_effect() -> None:
    command = parse_copy(
        "copy t from 's3://b/p' with credentials as 'aws_access_key_id=A;aws_secret_access_key=S' "
        "encrypted master_symmetric_key 'a2V5' compupdate preset statupdate on comprows 1000 "
        "region 'eu-west-1'"
    )
    assert command.authorization == ["CREDENTIALS"]
    assert command.region == "eu-west-1"


def test_a_literal_with_an_escaped_quote_is_one_literal() -> None:
    assert parse_copy(r"copy t from '/data/o\'brien/x' delimiter ','").source == "/data/o'brien/x"
    assert parse_copy("copy t from '/data/o''brien/x'").source == "/data/o'brien/x"


@pytest.mark.parametrize(
    "tail",
    ["SHAPEFILE", "LZOP", "FORMAT AS TEXTFILE", "READRATIO 50", "SSH"],
)
def test_what_the_local_engine_cannot_load_is_refused_by_name(tail: str) -> None:
    with pytest.raises(CopyStatementError, match="not supported by the local engine"):
        parse_copy(f"copy t from '/x' {tail}")


@pytest.mark.parametrize(
    "sql",
    [
        "copy from '/x'",
        "copy t (a, from '/x'",
        "copy t from '/x'; select 1",
        "copy t from '/x' delimiter",
        "copy t from '/x' ignoreheader 'x'",
        "copy t from '/x' encoding latin1",
        "copy t from '/x' csv delimiter '\"'",
        "copy t from '/x' fixedwidth 'a:0'",
        "copy t (a, b) from '/x' fixedwidth 'a:1'",
        "copy t from '/x' null as 'a\nb'",
        "copy t from '/x' acceptinvchars 'ab'",
        "copy t from '/x' csv fixedwidth 'a:1'",
    ],
)
def test_malformed_statements_are_one_copy_statement_error(sql: str) -> None:
    with pytest.raises(CopyStatementError):
        parse_copy(sql)
