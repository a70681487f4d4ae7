"""Whatever text a COPY statement holds, parsing it gives a command or one CopyStatementError — never a crash.

Statements are built from COPY's own words, quoted strings, numbers and punctuation in any order, so most
are nonsense in interesting ways: options without their values, values without options, repeats.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.engine.copy.statement import parse_copy
from sparkify.errors import CopyStatementError

WORDS = [
    "COPY",
    "FROM",
    "FORMAT",
    "AS",
    "JSON",
    "IAM_ROLE",
    "DEFAULT",
    "REGION",
    "TIMEFORMAT",
    "DATEFORMAT",
    "MAXERROR",
    "GZIP",
    "BZIP2",
    "ZSTD",
    "BLANKSASNULL",
    "EMPTYASNULL",
    "TRUNCATECOLUMNS",
    "ACCEPTINVCHARS",
    "NOLOAD",
    "MANIFEST",
    "COMPUPDATE",
    "STATUPDATE",
    "ON",
    "OFF",
    "CSV",
    "PARQUET",
    "ACCESS_KEY_ID",
    "SECRET_ACCESS_KEY",
    "SESSION_TOKEN",
    "CREDENTIALS",
    "staging_events",
    "t",
    "",
]
tokens = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["'auto'", "'auto ignorecase'", "'noshred'", "'s3://b/p'", "'/x'", "''", "'it''s'", "'"]),
    st.sampled_from(['"Quoted"', '""', "(", ")", ",", ";", "-1", "0", "7", "1.5", "1e3", "$", "--", "/*"]),
    st.text(max_size=6),
)
statements = st.lists(tokens, max_size=14).map(" ".join)
prefixed = st.tuples(statements).map(lambda parts: "COPY t FROM 's3://b/p' " + parts[0])


@settings(max_examples=1500, deadline=None)
@given(sql=statements | prefixed)
def test_any_text_gives_a_command_or_a_copy_statement_error(sql: str) -> None:
    try:
        command = parse_copy(sql)
    except CopyStatementError as exc:
        assert str(exc).strip()
    else:
        # Any exception other than CopyStatementError escapes and fails the test: that is the property.
        assert command.table and command.source and command.maxerror >= 0
