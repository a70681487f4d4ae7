"""Shared fixtures: one real embedded PostgreSQL for the whole run, a database per test where needed."""

from __future__ import annotations

import itertools
import shutil
import signal
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg2
import pytest
from moto import mock_aws

from sparkify.engine.copy import s3io
from sparkify.engine.server import embedded
from tests.redshift_session import RedshiftSession, database_names, session_on

_database_numbers = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    """A run ended by SIGTERM (``timeout``, a CI's cancel) stops as after Ctrl-C, tearing its fixtures
    down: the embedded server it started stops with it instead of running on, orphaned."""
    signal.signal(signal.SIGTERM, _interrupted)


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@pytest.fixture(scope="session")
def pg_data_dir() -> Iterator[Path]:
    """The data folder of the embedded server the tests share; the server stops when the run ends.

    Not under pytest's own temporary folder: as root the server runs as another user, and each pytest
    session makes that folder private again, which would lock a running server out of its files.
    """
    work = Path(tempfile.mkdtemp(prefix="sparkify-tests-"))
    data_dir = work / "pgdata"
    embedded.ensure_server(data_dir)
    yield data_dir
    embedded.stop_server(data_dir)
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def db(pg_data_dir: Path) -> Iterator[Any]:
    """A connection to a fresh, empty database of the embedded server (C collation, UTF-8)."""
    name = f"test_{next(_database_numbers)}"
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    admin = psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres")
    admin.autocommit = True
    embedded.ensure_database(admin, name, "dwhuser")
    connection = psycopg2.connect(host=socket_dir, port=port, dbname=name, user="dwhuser")
    yield connection
    connection.close()
    admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


@pytest.fixture
def write_config(tmp_path: Path, pg_data_dir: Path) -> Any:
    """Write a dwh.cfg for the embedded server into ``tmp_path``; keyword arguments replace its lines."""

    def write(sources: Path | None = None, *, name: str = "dwh.cfg", **lines: str) -> Path:
        base = sources or tmp_path / "data"
        values = {
            "HOST": "",
            "DB_NAME": f"cfg_{next(_database_numbers)}",
            "DB_USER": "dwhuser",
            "DB_PASSWORD": "",
            "DB_PORT": "5439",
            "ARN": "",
            "LOG_DATA": f"{base}/log_data",
            "LOG_JSONPATH": f"{base}/log_json_path.json",
            "SONG_DATA": f"{base}/song_data",
            "REGION": "us-west-2",
            "DATA_DIR": str(pg_data_dir),
            "MAXERROR": "0",
        }
        values.update(lines)
        path = tmp_path / name
        path.write_text(
            textwrap.dedent(f"""\
            [CLUSTER]
            HOST = {values["HOST"]}
            DB_NAME = {values["DB_NAME"]}
            DB_USER = {values["DB_USER"]}
            DB_PASSWORD = {values["DB_PASSWORD"]}
            DB_PORT = {values["DB_PORT"]}
            [IAM_ROLE]
            ARN = {values["ARN"]}
            [S3]
            LOG_DATA = {values["LOG_DATA"]}
            LOG_JSONPATH = {values["LOG_JSONPATH"]}
            SONG_DATA = {values["SONG_DATA"]}
            REGION = {values["REGION"]}
            [EMBEDDED]
            DATA_DIR = {values["DATA_DIR"]}
            [ETL]
            MAXERROR = {values["MAXERROR"]}
            """)
        )
        return path

    return write


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's in-process S3 with fake credentials and two buckets: sparkify-in and sparkify-packed."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3io.forget_clients()  # a client made for another test's endpoint or credentials must not be reused
    with mock_aws():
        client = boto3.client("s3", region_name="us-west-2")
        for bucket in ("sparkify-in", "sparkify-packed"):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield client


@pytest.fixture(scope="module")
def redshift_db(pg_data_dir: Path) -> Iterator[str]:
    """A database with the Redshift shims installed, for the tests of the SQL surface."""
    yield from database_names(pg_data_dir)


@pytest.fixture
def rs(pg_data_dir: Path, redshift_db: str) -> Iterator[RedshiftSession]:
    """A fresh Redshift-speaking session per case, as the endpoint gives each client."""
    yield from session_on(pg_data_dir, redshift_db)
