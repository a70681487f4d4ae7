"""COPY's text formats on the real embedded PostgreSQL: the guide's COPY examples (TICKIT's pipe files,
CATEGORY in CSV, VENUE fixed-width, the ESCAPE examples) with their documented results or failures, every
option, and bad lines with Redshift's error codes.  The data files are written after the guide's."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zstandard

from sparkify.engine.copy import run_copy, text_lines
from sparkify.errors import CopyStatementError, LoadError

VENUE_DDL = """CREATE TABLE venue (venueid SMALLINT NOT NULL, venuename VARCHAR(100), venuecity VARCHAR(30),
               venuestate CHAR(2), venueseats INTEGER)"""
VENUE_PIPE = """1|Toyota Park|Bridgeview|IL|0
2|Columbus Crew Stadium|Columbus|OH|0
3|RFK Stadium|Washington|DC|0
4|CommunityAmerica Ballpark|Kansas City|KS|0
5|Gillette Stadium|Foxborough|MA|68756
"""
VENUE_ROWS = [
    (1, "Toyota Park", "Bridgeview", "IL", 0),
    (2, "Columbus Crew Stadium", "Columbus", "OH", 0),
    (3, "RFK Stadium", "Washington", "DC", 0),
    (4, "CommunityAmerica Ballpark", "Kansas City", "KS", 0),
    (5, "Gillette Stadium", "Foxborough", "MA", 68756),
]
CATEGORY_DDL = (
    "CREATE TABLE category (catid SMALLINT, catgroup VARCHAR(10), catname VARCHAR(10), catdesc VARCHAR(50))"
)
CATEGORY_ROWS = [
    (12, "Shows", "Musicals", "Musical theatre"),
    (13, "Shows", "Plays", 'All "non-musical" theatre'),
    (14, "Shows", "Opera", 'All opera, light, and "rock" opera'),
    (15, "Concerts", "Classical", "All symphony, concerto, and choir concerts"),
]


def execute(db: Any, sql: str) -> None:
    with db.cursor() as cursor:
        cursor.execute(sql)
    db.commit()  # a failed COPY's test rolls back; the tables stay


def rows(db: Any, sql: str) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def copy(db: Any, target: str, source: Path | str, options: str = "") -> Any:
    return run_copy(
        db,
        f"copy {target} from '{source}' iam_role 'arn:aws:iam::0123456789012:role/MyRedshiftRole' {options};",
    )


def failed_copy(db: Any, target: str, source: Path, options: str = "") -> LoadError:
    with pytest.raises(LoadError) as raised:
        copy(db, target, source, options)
    db.rollback()
    return raised.value


@pytest.fixture
def venue(db: Any) -> Any:
    execute(db, VENUE_DDL)
    return db


@pytest.fixture
def category(db: Any) -> Any:
    execute(db, CATEGORY_DDL)
    return db


def test_pipe_delimited_is_the_default(venue: Any, tmp_path: Path) -> None:
    result = copy(venue, "venue", write(tmp_path / "venue_pipe.txt", VENUE_PIPE))
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS
    assert (result.lines_read, result.rows_loaded, result.rejected) == (5, 5, [])


def test_explicit_pipe_gzip_and_a_prefix_of_several_files(venue: Any, tmp_path: Path) -> None:
    lines = VENUE_PIPE.splitlines(keepends=True)
    write(tmp_path / "data" / "venue_pipe.txt.1.gz", gzip.compress("".join(lines[:2]).encode()))
    write(tmp_path / "data" / "venue_pipe.txt.2.gz", gzip.compress("".join(lines[2:]).encode()))
    result = copy(venue, "venue", tmp_path / "data" / "venue_pipe", "gzip delimiter '|'")
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS
    assert [stats.loaded for stats in result.files] == [2, 3]


@pytest.mark.parametrize(
    ("option", "compress"),
    [("bzip2", bz2.compress), ("zstd", lambda data: zstandard.ZstdCompressor().compress(data))],
)
def test_bzip2_and_zstd(venue: Any, tmp_path: Path, option: str, compress: Any) -> None:
    copy(venue, "venue", write(tmp_path / "venue.txt", compress(VENUE_PIPE.encode())), option)
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS


def test_tab_delimited_with_null_as_and_a_header(venue: Any, tmp_path: Path) -> None:
    text = "venueid\tvenuename\tvenuecity\tvenuestate\tvenueseats\n1\tToyota Park\tnil\tIL\tnil\n"
    copy(venue, "venue", write(tmp_path / "v.tsv", text), r"delimiter '\t' null as 'nil' ignoreheader 1")
    assert rows(venue, "SELECT * FROM venue") == [(1, "Toyota Park", None, "IL", None)]


def test_default_null_string_is_backslash_n(venue: Any, tmp_path: Path) -> None:
    copy(venue, "venue", write(tmp_path / "v.txt", "1|\\N||IL|\\N\n"))
    assert rows(venue, "SELECT * FROM venue") == [(1, None, "", "IL", None)]


def test_a_column_list_loads_the_defaults_of_omitted_columns(db: Any, tmp_path: Path) -> None:
    execute(
        db,
        """create table venue_new(venueid smallint not null, venuename varchar(100) not null,
           venuecity varchar(30), venuestate char(2), venueseats integer not null default '1000')""",
    )
    noseats = write(
        tmp_path / "venue_noseats.txt", "1|Toyota Park|Bridgeview|IL|\n2|Columbus Crew Stadium|Columbus|OH|\n"
    )
    copy(db, "venue_new(venueid, venuename, venuecity, venuestate)", noseats, "delimiter '|'")
    assert rows(db, "select * from venue_new order by venueid") == [
        (1, "Toyota Park", "Bridgeview", "IL", 1000),
        (2, "Columbus Crew Stadium", "Columbus", "OH", 1000),
    ]


def test_fields_beyond_the_column_list_fail_the_copy(db: Any, tmp_path: Path) -> None:
    execute(db, "create table venue_new(venueid smallint, venuecity varchar(30), venuestate char(2))")
    error = failed_copy(
        db, "venue_new(venueid, venuecity, venuestate)", write(tmp_path / "v.txt", "1||Bridgeview|IL|\n")
    )
    assert (error.rejected[0].code, error.rejected[0].reason) == (1202, "Extra column(s) found")


@pytest.mark.parametrize(
    ("data", "options"),
    [
        (  # the guide's file with doubled quotes
            '12,Shows,Musicals,Musical theatre\n13,Shows,Plays,"All ""non-musical"" theatre"\n'
            '14,Shows,Opera,"All opera, light, and ""rock"" opera"\n'
            '15,Concerts,Classical,"All symphony, concerto, and choir concerts"\n',
            "csv",
        ),
        (  # the same with '%' as the quotation mark
            '12,Shows,Musicals,Musical theatre\n13,Shows,Plays,%All "non-musical" theatre%\n'
            '14,Shows,Opera,%All opera, light, and "rock" opera%\n'
            "15,Concerts,Classical,%All symphony, concerto, and choir concerts%\n",
            "csv quote as '%'",
        ),
    ],
)
def test_category_from_csv(category: Any, tmp_path: Path, data: str, options: str) -> None:
    copy(category, "category", write(tmp_path / "category_csv.txt", data), options)
    assert rows(category, "SELECT * FROM category ORDER BY 1") == CATEGORY_ROWS


def test_plain_comma_delimiter_meets_a_comma_inside_a_field(category: Any, tmp_path: Path) -> None:
    data = write(
        tmp_path / "category.txt",
        '12,Shows,Musicals,Musical theatre\n14,Shows,Opera,All opera, light, and "rock" opera\n',
    )
    error = failed_copy(category, "category", data, "delimiter ','")
    first = error.rejected[0]
    assert (first.line, first.code, first.reason) == (2, 1202, "Extra column(s) found")
    assert rows(category, "SELECT count(*) FROM category") == [(0,)]


def test_csv_quoted_newlines_delimiters_and_white_space_around_quotes(category: Any, tmp_path: Path) -> None:
    data = write(
        tmp_path / "c.csv",
        '1,"a|b", "two\nlines" ,"say ""hi"""\r\n2,,"",  spaced  \n',
    )
    result = copy(category, "category", data, "format as csv")
    assert rows(category, "SELECT * FROM category ORDER BY 1") == [
        (1, "a|b", "two\nlines", 'say "hi"'),
        (2, "", "", "  spaced  "),
    ]
    assert result.lines_read == 2


def test_csv_with_another_delimiter_and_a_header(category: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "c.csv", 'catid|catgroup|catname|catdesc\n1|"x|y"|n|d\n')
    copy(category, "category", data, "csv delimiter '|' ignoreheader 1")
    assert rows(category, "SELECT * FROM category") == [(1, "x|y", "n", "d")]


def test_venue_from_a_fixed_width_file(venue: Any, tmp_path: Path) -> None:
    data = write(
        tmp_path / "venue_fw.txt",
        "1  Toyota Park              Bridgeview  IL0\n"
        "2  Columbus Crew Stadium    Columbus    OH0\n"
        "3  RFK Stadium              Washington  DC0\n"
        "4  CommunityAmerica BallparkKansas City KS0\n"
        "5  Gillette Stadium         Foxborough  MA68756\n",
    )
    copy(
        venue,
        "venue",
        data,
        "fixedwidth 'venueid:3,venuename:25,venuecity:12,venuestate:2,venueseats:6' trimblanks",
    )
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS


def test_escape_loads_the_delimiter_inside_a_value(db: Any, tmp_path: Path) -> None:
    execute(db, "create table redshiftinfo(infoid int,tableinfo varchar(50))")
    data = write(tmp_path / "redshiftinfo.txt", "1|public\\|event\\|dwuser\n2|public\\|sales\\|dwuser\n")
    copy(db, "redshiftinfo", data, "delimiter '|' escape")
    assert rows(db, "select * from redshiftinfo order by 1") == [
        (1, "public|event|dwuser"),
        (2, "public|sales|dwuser"),
    ]


def test_without_escape_the_escaped_delimiters_are_extra_columns(db: Any, tmp_path: Path) -> None:
    execute(db, "create table redshiftinfo(infoid int,tableinfo varchar(50))")
    data = write(tmp_path / "redshiftinfo.txt", "1|public\\|event\\|dwuser\n")
    assert (
        failed_copy(db, "redshiftinfo", data, "delimiter '|'").rejected[0].reason == "Extra column(s) found"
    )


def test_escape_loads_newlines_and_the_guides_escape_table(db: Any, tmp_path: Path) -> None:
    execute(db, "create table t2(c1 varchar(200), c2 int)")
    data = write(
        tmp_path / "nlTest2.txt",
        "<xml start>\\\n<newline characters provide>\\\n<line breaks at the end of each>\\\n"
        "<line in content>\\\n</xml>|1000\n<xml>\\\n</xml>|2000\n",
    )
    result = copy(db, "t2", data, "escape delimiter as '|'")
    assert rows(db, "select * from t2 order by 2") == [
        (
            "<xml start>\n<newline characters provide>\n<line breaks at the end of each>\n"
            "<line in content>\n</xml>",
            1000,
        ),
        ("<xml>\n</xml>", 2000),
    ]
    assert result.lines_read == 2
    execute(db, "create table escaped(id int, c varchar(100))")
    table = write(
        tmp_path / "escape.txt",
        "1|The quick brown fox\\\njumped over the lazy dog.\n2|A\\\\B\\\\C\n3|A \\| B \\| C\n"
        "4|'A Midsummer Night\\'s Dream'\n5|\\N\n6|\\\\N\n7|\\012\n",
    )
    copy(db, "escaped", table, "escape removequotes")
    assert rows(db, "select c from escaped order by id") == [
        ("The quick brown fox\njumped over the lazy dog.",),
        ("A\\B\\C",),
        ("A | B | C",),
        ("A Midsummer Night's Dream",),
        (None,),
        (None,),
        ("012",),
    ]


def test_event_with_options(db: Any, tmp_path: Path) -> None:
    execute(db, "create table event(eventid int, eventname varchar(200), starttime timestamp)")
    data = write(
        tmp_path / "allevents_pipe.txt",
        '1|"Gotterdammerung"|2008-01-25 14:30:00\n2||2008-09-26 05:43:12\n3|   |2008-02-01 19:00:00\n'
        "4|'Quoted | pipe'|2008-02-01 19:00:00\n5|bad|26/09/2008\n",
    )
    result = copy(
        db,
        "event",
        data,
        "removequotes emptyasnull blanksasnull maxerror 5 delimiter '|' timeformat 'YYYY-MM-DD HH:MI:SS'",
    )
    assert rows(db, "select * from event order by 1") == [
        (1, "Gotterdammerung", dt.datetime(2008, 1, 25, 14, 30)),
        (2, None, dt.datetime(2008, 9, 26, 5, 43, 12)),
        (3, None, dt.datetime(2008, 2, 1, 19)),
        (4, "Quoted | pipe", dt.datetime(2008, 2, 1, 19)),
    ]
    assert [(item.line, item.code, item.column, item.raw_value) for item in result.rejected] == [
        (5, 1206, "starttime", "26/09/2008")
    ]


def test_timestamp_with_microseconds_and_dateformat_patterns(db: Any, tmp_path: Path) -> None:
    execute(db, "create table timestamp1(c1 timestamp, d date)")
    data = write(tmp_path / "time.txt", "2009-01-12 14:15:57.119568|01-12-2009\n")
    copy(db, "timestamp1", data, "timeformat 'YYYY-MM-DD HH:MI:SS' dateformat 'MM-DD-YYYY'")
    assert rows(db, "select * from timestamp1") == [
        (dt.datetime(2009, 1, 12, 14, 15, 57, 119568), dt.date(2009, 1, 12))
    ]


def test_auto_date_and_time_formats(db: Any, tmp_path: Path) -> None:
    execute(db, "create table times(t timestamp, d date)")
    data = write(tmp_path / "t.txt", "2009-01-12T14:15:57|2009/01/12\n")
    copy(db, "times", data, "timeformat 'auto' dateformat 'auto'")
    assert rows(db, "select * from times") == [(dt.datetime(2009, 1, 12, 14, 15, 57), dt.date(2009, 1, 12))]


def test_acceptanydate_loads_null_for_a_bad_date(db: Any, tmp_path: Path) -> None:
    execute(db, "create table dates(id int, d date)")
    data = write(tmp_path / "d.txt", "1|00/00/00 00:00:00\n2|2020-02-03\n")
    copy(db, "dates", data, "acceptanydate dateformat 'YYYY-MM-DD'")
    assert rows(db, "select * from dates order by 1") == [(1, None), (2, dt.date(2020, 2, 3))]


def test_decimals_are_truncated_to_scale_unless_roundec(db: Any, tmp_path: Path) -> None:
    execute(db, "create table prices(p decimal(8,2))")
    data = write(tmp_path / "p.txt", "20.259\n-1.005\n")
    copy(db, "prices", data)
    copy(db, "prices", data, "roundec")
    assert rows(db, "select p from prices") == [
        (Decimal("20.25"),),
        (Decimal("-1.00"),),
        (Decimal("20.26"),),
        (Decimal("-1.01"),),
    ]


def test_fillrecord_pads_missing_last_columns(venue: Any, tmp_path: Path) -> None:
    copy(venue, "venue", write(tmp_path / "v.txt", "1|Toyota Park\n2|RFK Stadium|Washington\n"), "fillrecord")
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == [
        (1, "Toyota Park", "", "  ", None),  # CHAR(2) pads the empty string, as Redshift's CHAR does
        (2, "RFK Stadium", "Washington", "  ", None),
    ]
    execute(venue, "TRUNCATE venue")
    copy(venue, "venue", write(tmp_path / "w.txt", "3|x\n"), "fillrecord emptyasnull")
    assert rows(venue, "SELECT * FROM venue") == [(3, "x", None, None, None)]


def test_blank_lines_fail_unless_ignoreblanklines(venue: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "v.txt", "1|Toyota Park|Bridgeview|IL|0\n\n2|RFK Stadium|Washington|DC|0\n")
    error = failed_copy(venue, "venue", data)
    assert (error.rejected[0].line, error.rejected[0].code) == (2, 1214)
    copy(venue, "venue", data, "ignoreblanklines")
    assert rows(venue, "SELECT count(*) FROM venue") == [(2,)]


def test_truncatecolumns_and_trimblanks(venue: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "v.txt", "1|Toyota Park   |Bridgeview and far beyond the thirty bytes|IL|0\n")
    copy(venue, "venue", data, "truncatecolumns trimblanks")
    assert rows(venue, "SELECT venuename, venuecity FROM venue") == [
        ("Toyota Park", "Bridgeview and far beyond the "),
    ]


def test_acceptinvchars_replaces_each_invalid_byte(venue: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "v.txt", b"1|Caf\xe9 \xff\xfe|x|IL|0\n")
    error = failed_copy(venue, "venue", data)
    assert error.rejected[0].code == 1220
    copy(venue, "venue", data, "acceptinvchars as '^'")
    assert rows(venue, "SELECT venuename FROM venue") == [("Caf^ ^^",)]


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf16", "\ufeff1|Zürich|ZH|CH|5\n".encode("utf-16-le")),
        ("utf16", "\ufeff1|Zürich|ZH|CH|5\n".encode("utf-16-be")),
        ("utf16le", "1|Zürich|ZH|CH|5\n".encode("utf-16-le")),
        ("utf16be", "1|Zürich|ZH|CH|5\n".encode("utf-16-be")),
        ("utf8", "1|Zürich|ZH|CH|5\n".encode()),
    ],
)
def test_encodings(venue: Any, tmp_path: Path, encoding: str, data: bytes) -> None:
    copy(venue, "venue", write(tmp_path / "v.txt", data), f"encoding {encoding}")
    assert rows(venue, "SELECT * FROM venue") == [(1, "Zürich", "ZH", "CH", 5)]


def test_utf16_without_a_byte_order_mark_needs_its_byte_order(venue: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "v.txt", "1|a|b|CH|5\n".encode("utf-16-le"))
    error = failed_copy(venue, "venue", data, "encoding utf16")
    assert "byte order mark" in str(error)
    assert "UTF-16" in str(failed_copy(venue, "venue", data))


def test_explicit_ids_loads_identity_values(db: Any, tmp_path: Path) -> None:
    execute(
        db,
        "create table venue_identity(venueid int generated by default as identity, "
        "venuename varchar(100) not null)",
    )
    data = write(tmp_path / "v.txt", "7|Toyota Park\n9|RFK Stadium\n")
    copy(db, "venue_identity", data, "explicit_ids")
    assert rows(db, "select * from venue_identity order by 1") == [(7, "Toyota Park"), (9, "RFK Stadium")]
    error = failed_copy(db, "venue_identity", data)
    assert error.rejected[0].code == 1202


def test_schema_qualified_and_quoted_names(db: Any, tmp_path: Path) -> None:
    execute(db, "create schema sales; create table sales.venue (venueid int, venuename varchar(20))")
    data = write(tmp_path / "v.txt", "1|Toyota Park\n")
    copy(db, '"SALES"."Venue" ("VENUEID", venuename)', data)
    copy(db, 'sales."venue"', data)
    assert rows(db, "select * from sales.venue") == [(1, "Toyota Park"), (1, "Toyota Park")]


@pytest.mark.parametrize(
    ("line", "code", "column", "value"),
    [
        ("1|a|b|IL|0|extra", 1202, "", ""),
        ("1|a|b", 1214, "", ""),
        ("1|" + "x" * 101 + "|b|IL|0", 1204, "venuename", "x" * 101),
        ("1|a|b|ILL|0", 1204, "venuestate", "ILL"),
        ("x1|a|b|IL|0", 1207, "venueid", "x1"),
        ("\\N|a|b|IL|0", 1213, "venueid", "\\N"),
        ("1|a|b|IL|99999999999", 1222, "venueseats", "99999999999"),
    ],
)
def test_bad_lines_carry_redshifts_codes(
    venue: Any, tmp_path: Path, line: str, code: int, column: str, value: str
) -> None:
    data = write(tmp_path / "v.txt", f"2|fine|b|IL|0\n{line}\n")
    error = failed_copy(venue, "venue", data)
    first = error.rejected[0]
    assert (first.filename, first.line, first.code, first.column, first.raw_value) == (
        str(data),
        2,
        code,
        column,
        value,
    )
    assert first.raw_line == line
    assert rows(venue, "SELECT count(*) FROM venue") == [(0,)]


def test_bad_dates_and_a_bad_csv_quote(db: Any, tmp_path: Path) -> None:
    execute(db, "create table d(id int, day date, at timestamp)")
    data = write(
        tmp_path / "d.csv", '1,2020-13-01,2020-01-01 00:00:00\n2,2020-01-01,yesterday\n3,"a"b,\n4,"open\n'
    )
    result = copy(db, "d", data, "csv maxerror 10")
    assert [(item.line, item.code) for item in result.rejected] == [
        (1, 1205),
        (2, 1206),
        (3, 1216),
        (4, 1216),
    ]
    assert result.rows_loaded == 0


def test_maxerror_keeps_the_good_lines_and_records_the_bad(venue: Any, tmp_path: Path) -> None:
    data = write(tmp_path / "v.txt", "1|a|b|IL|0\nx|a|b|IL|0\n3|a|b|IL|0\n4|a\n")
    result = copy(venue, "venue", data, "maxerror 2")
    assert rows(venue, "SELECT venueid FROM venue ORDER BY 1") == [(1,), (3,)]
    assert [(item.line, item.code) for item in result.rejected] == [(2, 1207), (4, 1214)]
    assert [(stats.read, stats.loaded, stats.rejected) for stats in result.files] == [(4, 2, 2)]
    error = failed_copy(venue, "venue", data, "maxerror 1")
    assert "2 record(s) rejected, MAXERROR is 1" in str(error)


def test_manifest_of_text_files(venue: Any, tmp_path: Path) -> None:
    first = write(tmp_path / "a.txt", VENUE_PIPE.splitlines()[0] + "\n")
    second = write(tmp_path / "b.txt", VENUE_PIPE.splitlines()[1] + "\n")
    manifest = write(
        tmp_path / "m.manifest",
        json.dumps(
            {"entries": [{"url": str(first), "mandatory": True}, {"url": str(second), "mandatory": True}]}
        ),
    )
    copy(venue, "venue", manifest, "manifest")
    assert rows(venue, "SELECT count(*) FROM venue") == [(2,)]


def test_s3_sources_with_a_prefix(venue: Any, s3: Any) -> None:
    s3.put_object(Bucket="sparkify-in", Key="tickit/venue_pipe.txt", Body=VENUE_PIPE.encode())
    s3.put_object(
        Bucket="sparkify-in", Key="tickit/venue_more.txt.gz", Body=gzip.compress(b"6|New|NY|NY|1\n")
    )
    copy(venue, "venue", "s3://sparkify-in/tickit/venue_pipe", "region 'us-west-2'")
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS
    error = failed_copy(venue, "venue", "s3://sparkify-in/tickit/venue_more")  # type: ignore[arg-type]
    assert "gzip-compressed" in str(error)


def test_noload_checks_without_loading(venue: Any, tmp_path: Path) -> None:
    result = copy(venue, "venue", write(tmp_path / "v.txt", VENUE_PIPE), "noload")
    assert (result.rows_loaded, rows(venue, "SELECT count(*) FROM venue")) == (5, [(0,)])


def test_text_options_with_json_are_refused(venue: Any, tmp_path: Path) -> None:
    with pytest.raises(CopyStatementError, match="NULL AS is not supported with JSON"):
        copy(venue, "venue", write(tmp_path / "v.json", "{}"), "json 'auto' null as 'x'")


@pytest.fixture
def scores(db: Any) -> Any:
    execute(db, "create table scores(id bigint, name varchar(12), score float8, note text)")
    return db


def test_plain_files_go_straight_into_postgres_copy(scores: Any, tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.csv", 'id,name,score,note\n1,Ann,2.5,"a,""b"""\n2,,\\N,\n')
    write(tmp_path / "in" / "b.csv", b'id,name,score,note\n3,"Bo\nb",-1e3,x')
    result = copy(scores, "scores", tmp_path / "in", "csv ignoreheader 1")
    assert result.fast_path
    assert [(stats.read, stats.loaded) for stats in result.files] == [(2, 2), (1, 1)]
    assert rows(scores, "select * from scores order by id") == [
        (1, "Ann", 2.5, 'a,"b"'),
        (2, "", None, ""),
        (3, "Bo\nb", -1000.0, "x"),
    ]


@pytest.mark.parametrize(
    ("data", "options", "expected"),
    [
        ('1, "Ann" ,1,x\n', "csv", [(1, "Ann", 1.0, "x")]),  # white space round a quote
        ("1|Ann\r|1|x\r\n", "", [(1, "Ann\r", 1.0, "x\r")]),  # a CR is data in text
        ("1|Zoë Zoë Zoë|1|x\n", "truncatecolumns", [(1, "Zoë Zoë Zo", 1.0, "x")]),  # bytes, not characters
        ("1||1|x|\n", "", [(1, "", 1.0, "x")]),  # a trailing delimiter
        ("1|Ann||x\n", "", [(1, "Ann", None, "x")]),  # an empty number is NULL
    ],
)
def test_what_postgres_would_read_otherwise_goes_the_careful_way(
    scores: Any, tmp_path: Path, data: str, options: str, expected: list[tuple[Any, ...]]
) -> None:
    result = copy(scores, "scores", write(tmp_path / "in.txt", data), options)
    assert not result.fast_path
    assert rows(scores, "select * from scores") == expected


def test_a_bad_line_on_the_fast_path_is_found_and_recorded_on_the_careful_one(
    scores: Any, tmp_path: Path
) -> None:
    data = write(tmp_path / "in.csv", "1,a,1,x\n2,b,two,x\n3,c,3,x\n")
    result = copy(scores, "scores", data, "csv maxerror 1")
    assert not result.fast_path
    assert [(item.line, item.code, item.column, item.raw_value) for item in result.rejected] == [
        (2, 1208, "score", "two")
    ]
    assert rows(scores, "select id from scores order by 1") == [(1,), (3,)]


def test_large_s3_objects_are_streamed_not_fetched_whole(
    venue: Any, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_lines, "STREAM_ABOVE_BYTES", 16)  # every object here counts as large
    s3.put_object(Bucket="sparkify-in", Key="big/venue_pipe.txt.gz", Body=gzip.compress(VENUE_PIPE.encode()))
    copy(venue, "venue", "s3://sparkify-in/big/venue_pipe", "gzip")
    assert rows(venue, "SELECT * FROM venue ORDER BY 1") == VENUE_ROWS
    execute(venue, "create table scores(id bigint, name varchar(12), score float8, note text)")
    s3.put_object(Bucket="sparkify-in", Key="big/scores.csv", Body=b'1,Ann,2.5,"a, b"\n')
    assert copy(venue, "scores", "s3://sparkify-in/big/scores.csv", "csv").fast_path
    assert rows(venue, "SELECT * FROM scores") == [(1, "Ann", 2.5, "a, b")]


def test_an_identity_column_in_the_column_list_needs_explicit_ids(db: Any, tmp_path: Path) -> None:
    # The guide's column mapping: "If an IDENTITY column is included in the column list, then EXPLICIT_IDS
    # must also be specified; if an IDENTITY column is omitted, then EXPLICIT_IDS can't be specified."
    execute(db, "create table venue_always(venueid int generated always as identity, venuename varchar(100))")
    data = write(tmp_path / "v.txt", "7|Toyota Park\n")
    with pytest.raises(CopyStatementError, match="EXPLICIT_IDS must be specified"):
        copy(db, "venue_always (venueid, venuename)", data)
    db.rollback()
    with pytest.raises(CopyStatementError, match="EXPLICIT_IDS needs the IDENTITY column venueid"):
        copy(db, "venue_always (venuename)", write(tmp_path / "n.txt", "Toyota Park\n"), "explicit_ids")
    db.rollback()
    copy(db, "venue_always (venueid, venuename)", data, "explicit_ids")
    copy(db, "venue_always (venuename)", write(tmp_path / "n.txt", "RFK Stadium\n"))
    assert rows(db, "select venuename from venue_always order by 1") == [("RFK Stadium",), ("Toyota Park",)]
