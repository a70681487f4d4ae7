"""The endpoint in the background: ``start`` runs it with a pid file beside the data folder, written by
the serving process itself once it listens; ``stop`` and ``status`` read it.  A stale file left by a
kill -9 is recognised (its process is gone, or is not an endpoint) and replaced by the next start.
A foreground endpoint (Ctrl-C stops it) leaves the file alone, so it never hides a background one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sparkify.endpoint.settings import EndpointLocation
from sparkify.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

_START_TIMEOUT = 120.0
_STOP_TIMEOUT = 30.0


def pid_path(location: EndpointLocation) -> Path:
    return location.data_dir.parent / "endpoint.pid"


def log_path(location: EndpointLocation) -> Path:
    return location.data_dir.parent / "endpoint.log"


@contextlib.contextmanager
def pid_file(location: EndpointLocation, port: int) -> Iterator[None]:
    path = pid_path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(f"{os.getpid()} {location.host} {port}\n")
    partial.replace(path)
    try:
        yield
    finally:
        if running(location) == (os.getpid(), location.host, port):
            path.unlink(missing_ok=True)


def running(location: EndpointLocation) -> tuple[int, str, int] | None:
    """(pid, host, port) of the endpoint of this data folder, or None (a stale pid file is ignored)."""
    try:
        pid_text, host, port_text = pid_path(location).read_text().split()
        pid, port = int(pid_text), int(port_text)
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return (pid, host, port) if b"sparkify.endpoint" in command_line else None


def start(location: EndpointLocation, beside: Sequence[str] = ()) -> int:
    """Run the endpoint in the background (``beside``: more of ``run``'s options, such as the Data API's
    port); return once it accepts clients."""
    found = running(location)
    if found:
        print(
            f"sparkify.endpoint: already running on {found[1]}:{found[2]} (pid {found[0]})", file=sys.stderr
        )
        return EXIT_OK if found[2] == location.port else EXIT_USAGE
    log_file = log_path(location)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "sparkify.endpoint", "run", "--config", str(location.config_path),
        "--host", location.host, "--port", str(location.port), "--pid-file", *beside,
    ]  # fmt: skip
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            print(f"sparkify.endpoint: did not start: {tail[0]}", file=sys.stderr)
            return EXIT_FAILED
        found = running(location)
        if found and found[0] == process.pid and _accepts(found[1], found[2]):
            print(
                f"sparkify.endpoint: running on {found[1]}:{found[2]} (pid {process.pid}); "
                f"in dwh.cfg: HOST = {found[1]}, DB_PORT = {found[2]}; log: {log_file}",
                file=sys.stderr,
            )
            return EXIT_OK
        time.sleep(0.2)
    process.terminate()
    print(f"sparkify.endpoint: did not start within {_START_TIMEOUT:.0f} s; see {log_file}", file=sys.stderr)
    return EXIT_FAILED


def stop(location: EndpointLocation) -> int:
    found = running(location)
    if not found:
        pid_path(location).unlink(missing_ok=True)
        print("sparkify.endpoint: not running", file=sys.stderr)
        return EXIT_OK
    pid = found[0]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_TIMEOUT
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        os.kill(pid, signal.SIGKILL)
    pid_path(location).unlink(missing_ok=True)
    print(f"sparkify.endpoint: stopped (pid {pid})", file=sys.stderr)
    return EXIT_OK


def status(location: EndpointLocation) -> int:
    found = running(location)
    if not found:
        print("sparkify.endpoint: not running", file=sys.stderr)
        return EXIT_FAILED
    print(f"sparkify.endpoint: running on {found[1]}:{found[2]} (pid {found[0]})", file=sys.stderr)
    return EXIT_OK


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True
