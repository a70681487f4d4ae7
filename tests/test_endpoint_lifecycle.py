"""Starting and stopping the endpoint: foreground with signals, background with start|status|stop, and a
kill -9 that the next start recovers from."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.endpoint_process import query, raw_session, read_message, running_endpoint, write_endpoint_config


def endpoint_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sparkify.endpoint", *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DWH_DB_PASSWORD": ""},
    )


def test_sigterm_stops_the_foreground_endpoint_cleanly(pg_data_dir: Path, tmp_path: Path) -> None:
    with running_endpoint(pg_data_dir, tmp_path / "first") as endpoint:
        sock = raw_session(endpoint)
        query(sock, "BEGIN; CREATE TABLE left_open (n INTEGER); INSERT INTO left_open VALUES (1)")
        endpoint.process.send_signal(signal.SIGTERM)
        assert endpoint.process.wait(timeout=30) == 0
        kind, payload = read_message(sock)  # PostgreSQL's last words to a session it ends
        assert kind == b"E" and b"C57P01\0Mterminating connection due to administrator command\0" in payload
        sock.close()
    assert "sparkify.endpoint: stopped" in endpoint.log.read_text()
    with running_endpoint(pg_data_dir, tmp_path / "second") as endpoint:
        again = endpoint.connect()
        with again, again.cursor() as cursor:
            cursor.execute("SELECT to_regclass('left_open')")
            assert cursor.fetchone() == (None,)  # the open transaction was rolled back
        again.close()


def test_start_status_stop_in_the_background_and_recovery_after_kill_9(
    pg_data_dir: Path, tmp_path: Path
) -> None:
    config = write_endpoint_config(tmp_path, pg_data_dir, "lifecycle")
    started = endpoint_cli("start", "--config", str(config), "--port", "0")  # a free port, reported
    assert started.returncode == 0, started.stderr
    port = started.stderr.split("running on 127.0.0.1:")[1].split()[0]
    assert f"in dwh.cfg: HOST = 127.0.0.1, DB_PORT = {port};" in started.stderr
    status = endpoint_cli("status", "--config", str(config))
    assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stderr
    pid = int(status.stderr.split("(pid ")[1].split(")")[0])
    try:
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)
        assert endpoint_cli("status", "--config", str(config)).returncode == 1  # the stale pid file is seen
        restarted = endpoint_cli("start", "--config", str(config), "--port", port)
        assert restarted.returncode == 0, restarted.stderr
    finally:
        stopped = endpoint_cli("stop", "--config", str(config))
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    assert "not running" in endpoint_cli("status", "--config", str(config)).stderr


def test_no_password_is_one_configuration_error(pg_data_dir: Path, tmp_path: Path) -> None:
    config = write_endpoint_config(tmp_path, pg_data_dir, "nopw", password="")
    done = endpoint_cli("--config", str(config), "--port", "0")
    assert done.returncode == 2
    assert (
        "[CLUSTER] DB_PASSWORD: the endpoint needs the master user's password (or DWH_DB_PASSWORD)"
        in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_one_error_line(pg_data_dir: Path, tmp_path: Path) -> None:
    config = write_endpoint_config(tmp_path, pg_data_dir, "busy")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = endpoint_cli("--config", str(config), "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2
    assert "cannot listen on 127.0.0.1:" in done.stderr and "Traceback" not in done.stderr


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():
        pytest.fail(f"process {pid} survived SIGKILL")


def test_status_and_stop_need_no_password(pg_data_dir: Path, tmp_path: Path) -> None:
    config = write_endpoint_config(tmp_path, pg_data_dir, "nopw-status", password="")
    status = endpoint_cli("status", "--config", str(config))
    assert (status.returncode, status.stderr) == (1, "sparkify.endpoint: not running\n")
    stopped = endpoint_cli("stop", "--config", str(config))
    assert (stopped.returncode, stopped.stderr) == (0, "sparkify.endpoint: not running\n")
