"""dwh.cfg: the course's file as it is, and every problem reported at once with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

import etl
from sparkify.config import load_config
from sparkify.errors import ConfigError

COURSE_FILE = """\
[CLUSTER]
HOST='dwhcluster.abc123xyz.us-west-2.redshift.amazonaws.com'
DB_NAME='dwh'
DB_USER='dwhuser'
DB_PASSWORD='Passw0rd'
DB_PORT='5439'

[IAM_ROLE]
ARN='arn:aws:iam::123456789012:role/dwhRole'

[S3]
LOG_DATA='s3://udacity-dend/log_data'
LOG_JSONPATH='s3://udacity-dend/log_json_path.json'
SONG_DATA='s3://udacity-dend/song_data'
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dwh.cfg"
    path.write_text(text)
    return path


def test_course_file_is_accepted_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DWH_DB_PASSWORD", raising=False)
    config = load_config(write(tmp_path, COURSE_FILE))
    assert config.host == "dwhcluster.abc123xyz.us-west-2.redshift.amazonaws.com"
    assert (config.db_name, config.db_user, config.db_password, config.db_port) == (
        "dwh",
        "dwhuser",
        "Passw0rd",
        5439,
    )
    assert config.iam_role_arn == "arn:aws:iam::123456789012:role/dwhRole"
    assert config.log_data == "s3://udacity-dend/log_data"
    assert (config.region, config.maxerror, config.names_redshift) == ("us-west-2", 0, True)


def test_password_from_environment_and_blank_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, COURSE_FILE.replace("DB_PASSWORD='Passw0rd'", "DB_PASSWORD ="))
    monkeypatch.delenv("DWH_DB_PASSWORD", raising=False)
    assert load_config(path).db_password == ""
    monkeypatch.setenv("DWH_DB_PASSWORD", "from-env")
    assert load_config(path).db_password == "from-env"


def test_local_paths_are_read_from_the_config_folder(tmp_path: Path, write_config) -> None:
    (tmp_path / "data/log_data").mkdir(parents=True)
    (tmp_path / "data/song_data").mkdir()
    (tmp_path / "data/log_json_path.json").write_text("{}")
    path = write_config(
        LOG_DATA="data/log_data", SONG_DATA="'data/song_data'", LOG_JSONPATH="data/log_json_path.json"
    )
    config = load_config(path)
    assert config.log_data == str(tmp_path / "data/log_data")
    assert config.song_data == str(tmp_path / "data/song_data")
    assert config.is_embedded


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = COURSE_FILE.replace("DB_NAME='dwh'\n", "").replace(
        "arn:aws:iam::123456789012:role/dwhRole", "dwhRole"
    )
    text = text.replace("s3://udacity-dend/song_data", "/somewhere/song_data").replace(
        "DB_PORT='5439'", "DB_PORT=x"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.problems == [
        "[CLUSTER] DB_NAME: missing",
        "[CLUSTER] DB_PORT: 'x' is not a whole number from 1 to 65535",
        "[IAM_ROLE] ARN: 'dwhRole' is not an IAM role ARN "
        "(expected arn:aws:iam::<12-digit account>:role/<name>)",
        "[S3] SONG_DATA: '/somewhere/song_data' is a local path, but HOST is a Redshift cluster, "
        "which reads only s3:// sources",
    ]


def test_missing_local_source_and_missing_section(tmp_path: Path) -> None:
    text = "[CLUSTER]\nHOST=\nDB_NAME=a\nDB_USER=b\nDB_PORT=5432\n[S3]\nLOG_DATA=nope/log_data\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.problems == [
        "[S3] LOG_JSONPATH: missing",
        "[S3] SONG_DATA: missing",
        f"[S3] LOG_DATA: 'nope/log_data' does not exist (looked for {tmp_path / 'nope/log_data'})",
    ]


def test_script_reports_config_errors_in_one_message_with_exit_2(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, COURSE_FILE.replace("s3://udacity-dend/log_data", "ftp://host/log_data"))
    assert etl.main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"etl.py: error: {path}: 1 problem(s) in the configuration:\n")
    assert "[S3] LOG_DATA: 'ftp://host/log_data' must be an s3:// URI or a local path" in err
    assert "Traceback" not in err and "Passw0rd" not in err


def test_missing_config_file_exit_2(tmp_path: Path, capsys) -> None:
    assert etl.main(["--config", str(tmp_path / "absent.cfg")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_file_that_is_not_utf8_and_a_home_folder_of_no_user(tmp_path: Path) -> None:
    path = tmp_path / "dwh.cfg"
    path.write_bytes(b"[CLUSTER]\nHOST=caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == ["not UTF-8 text (byte 0xe9 at offset 18); save it as UTF-8"]
    text = "[CLUSTER]\nHOST=\nDB_NAME=a\nDB_USER=b\nDB_PORT=٣\n[S3]\nLOG_DATA=~no_such_user_sparkify/l\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.problems[:2] == [
        "[CLUSTER] DB_PORT: '٣' is not a whole number from 1 to 65535",
        "[S3] LOG_JSONPATH: missing",
    ]
    assert "[S3] LOG_DATA: '~no_such_user_sparkify/l' starts with ~ but names no user's home folder" in (
        caught.value.problems
    )


def test_one_reader_lists_the_problems_of_every_section_at_once(tmp_path: Path) -> None:
    path = tmp_path / "dwh.cfg"
    path.write_text(
        "[CLUSTER]\nHOST =\nDB_NAME =\nDB_USER = dwhuser\nDB_PORT = 5439\n"
        "[S3]\nLOG_DATA = s3://bucket/l\nLOG_JSONPATH = s3://bucket/j.json\nSONG_DATA = s3://bucket/s\n"
        "[ETL]\nMAXERROR = -1\n[CHECKS]\nMIN_SONG_MATCH_SHARE = 2\n[INFRA]\nKIND = dedicated\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "[CLUSTER] DB_NAME: must not be blank",
        "[ETL] MAXERROR: '-1' is not a whole number from 0 to 100000",
        "[CHECKS] MIN_SONG_MATCH_SHARE: '2' is not a fraction from 0 to 1 (0.05 means 5%)",
        "[INFRA] KIND: 'dedicated' is not one of provisioned, serverless",
    ]


def test_only_the_config_module_parses_the_file() -> None:
    root = Path(__file__).resolve().parent.parent
    readers = [
        str(path.relative_to(root))
        for folder in ("sparkify", "iac", "bench")
        for path in (root / folder).rglob("*.py")
        if "ConfigParser(" in path.read_text(encoding="utf-8")
    ]
    top = [path.name for path in root.glob("*.py") if "ConfigParser(" in path.read_text(encoding="utf-8")]
    assert readers + top == ["sparkify/config.py"]
