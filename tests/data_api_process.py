"""A real Data API process for the Data API tests: ``python -m sparkify.engine.data_api`` on a free loopback
port in front of a running endpoint, and boto3's redshift-data client pointed at it the way users point
it (``AWS_ENDPOINT_URL_REDSHIFT_DATA``)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.endpoint_process import PASSWORD, RunningEndpoint, stop_process

REGION = "us-west-2"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
FINAL = ("FINISHED", "FAILED", "ABORTED")


@dataclass
class RunningDataApi:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self) -> Any:
        """boto3's client, reaching the service through AWS_ENDPOINT_URL_REDSHIFT_DATA."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", self.url)
            patch.delenv("AWS_ENDPOINT_URL", raising=False)
            session = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
            )
            return session.client("redshift-data")


@contextlib.contextmanager
def running_data_api(
    endpoint: RunningEndpoint, folder: Path, *extra: str, secrets_url: str = ""
) -> Iterator[RunningDataApi]:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "data_api.log"
    command = [sys.executable, "-m", "sparkify.engine.data_api", "--endpoint-host", endpoint.host]
    command += ["--endpoint-port", str(endpoint.port), "--port", "0", *extra]
    environment = {
        **os.environ,
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "DWH_DB_PASSWORD": PASSWORD,
    }
    environment.pop("AWS_ENDPOINT_URL", None)
    if secrets_url:
        environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = secrets_url
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, env=environment
        )
    try:
        yield RunningDataApi(process, _wait_until_serving(process, log), log)
    finally:
        stop_process(process)


def _wait_until_serving(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"serving the Redshift Data API on (http://\S+) ", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"the Data API did not start: {log.read_text(errors='replace')}")
        time.sleep(0.1)
    raise AssertionError("the Data API did not start within 60 s")


def wait(client: Any, statement_id: str, timeout: float = 60) -> dict[str, Any]:
    """DescribeStatement until the statement ends."""
    deadline = time.monotonic() + timeout
    while True:
        described = client.describe_statement(Id=statement_id)
        if described["Status"] in FINAL or time.monotonic() > deadline:
            return described
        time.sleep(0.05)
