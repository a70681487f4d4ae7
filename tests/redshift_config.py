"""The configuration of a Redshift cluster reading the course's bucket, for tests of SQL text."""

from __future__ import annotations

from pathlib import Path

from sparkify.config import Config

REDSHIFT = Config(
    path=Path("dwh.cfg"),
    host="c.abc.us-west-2.redshift.amazonaws.com",
    db_name="dwh",
    db_user="u",
    db_password="secret",
    db_port=5439,
    iam_role_arn="arn:aws:iam::123456789012:role/dwhRole",
    log_data="s3://udacity-dend/log_data",
    log_jsonpath="s3://udacity-dend/log_json_path.json",
    song_data="s3://udacity-dend/song_data",
    region="us-west-2",
    embedded_data_dir=Path("/tmp/x"),
    maxerror=0,
)
