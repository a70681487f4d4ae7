"""Whatever dwh.cfg holds, reading it gives a configuration or a ConfigError listing problems — never a crash.

The files are built from the sections and keys the toolkit reads, with any values (empty, quoted, paths,
URIs, NUL and other odd characters), plus stray lines and bytes that are not UTF-8.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.config import load_config
from sparkify.errors import ConfigError
from tests.ini_files import ini_files

KEYS = {
    "CLUSTER": ["HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_PORT"],
    "IAM_ROLE": ["ARN"],
    "S3": ["LOG_DATA", "LOG_JSONPATH", "SONG_DATA", "REGION"],
    "EMBEDDED": ["DATA_DIR"],
    "ETL": ["MAXERROR"],
}
values = st.sampled_from(
    [
        "",
        "''",
        '"x"',
        "5439",
        "-1",
        "99999999999999999999",
        "s3://bucket/log_data",
        "s3://",
        "http://example.com/x",
        "file:///tmp",
        "/",
        "/no/such/dir",
        "~/x",
        "redshift-cluster.abc123.us-west-2.redshift.amazonaws.com",
        "arn:aws:iam::123456789012:role/dwhRole",
        "us-west-2",
        "%(x)s",
        "²",
        "٣",
    ]
) | st.text(max_size=20)
lines = st.one_of(
    st.sampled_from(
        [f"[{section}]" for section in KEYS] + ["[", "no equals sign", "  indented = x", "; comment"]
    ),
    st.tuples(st.sampled_from([key for keys in KEYS.values() for key in keys]), values).map(
        lambda pair: f"{pair[0]} = {pair[1]}"
    ),
)
# Well-formed files (each section once, each key once) reach the value checks; loose lines reach the parser.
structured = ini_files(KEYS, values)
documents = (structured | st.lists(lines, max_size=25).map("\n".join)).map(
    lambda text: text.encode("utf-8", "surrogatepass")
)


@settings(max_examples=400, deadline=None)
@given(content=documents | st.binary(max_size=200))
def test_any_file_gives_a_config_or_a_config_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dwh.cfg"
        path.write_bytes(content)
        try:
            config = load_config(path)
        except ConfigError as exc:
            assert exc.problems and all(problem.strip() for problem in exc.problems)
        else:
            # What a configuration promises its users: checked numbers and an absolute data folder.
            # (Any exception other than ConfigError escapes and fails the test: that is the property.)
            assert 0 < config.db_port < 65536 and config.maxerror >= 0
            assert config.embedded_data_dir.is_absolute()
