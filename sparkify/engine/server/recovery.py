"""What a killed embedded server leaves behind, found and cleared before the next start.

``kill -9`` of the postmaster (or the OOM killer) leaves a ``postmaster.pid`` naming a process that is
gone, possibly some of its server processes still running (holding its shared memory), and a cluster
that needs crash recovery; PostgreSQL does the recovery itself once nothing of the old server is left.
A server whose ``postmaster.pid`` was deleted still runs and must be found by its processes.
Every server process runs in its data folder, and the postmaster's command line names it (``-D``).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

STOP_SECONDS = 60


@dataclass(frozen=True)
class PidFile:
    """The first lines of ``postmaster.pid``: the server's PID and, once written, its status."""

    pid: int
    status: str
    socket_dir: str = ""
    port: int = 5432

    @classmethod
    def read(cls, data_dir: Path) -> PidFile | None:
        try:
            lines = (data_dir / "postmaster.pid").read_text().splitlines()
            line = lines + [""] * 8
            # A standalone backend (initdb, single-user mode) writes its PID negated.
            return cls(abs(int(lines[0])), line[7].strip(), line[4].strip(), int(line[3] or 5432))
        except (OSError, ValueError, IndexError):
            return None


def server_processes(data_dir: Path) -> list[psutil.Process]:
    """Every process of a PostgreSQL server running in ``data_dir``, postmaster or not."""
    found = []
    for process in psutil.process_iter(["name", "cwd", "cmdline"]):
        name, cwd, cmdline = process.info["name"], process.info["cwd"], process.info["cmdline"] or []
        if name != "postgres" and not (cmdline and os.path.basename(cmdline[0]) == "postgres"):
            continue
        if _same(cwd, data_dir) or _names_data_dir(cmdline, data_dir):
            found.append(process)
    return found


def running_postmaster(data_dir: Path) -> psutil.Process | None:
    """The live postmaster of ``data_dir``, whether or not its postmaster.pid is still there."""
    for process in server_processes(data_dir):
        if _names_data_dir(process.info["cmdline"] or [], data_dir):
            return process
    return None


def _names_data_dir(cmdline: list[str], data_dir: Path) -> bool:
    return any(
        _same(value, data_dir)
        for flag, value in itertools.pairwise(cmdline)
        if flag == "-D"  # pg_ctl starts the postmaster as `postgres -D DATA_DIR …`
    )


def _same(path: str | None, data_dir: Path) -> bool:
    if not path:
        return False
    try:
        return Path(path).resolve() == data_dir.resolve()
    except OSError:
        return False


def clear_leftovers(data_dir: Path) -> list[str]:
    """Make ``data_dir`` startable after a killed server; what was done, one sentence each."""
    pid_file = PidFile.read(data_dir)
    if pid_file is not None and is_server(pid_file.pid):
        return []  # a live server owns the folder: nothing of it is touched
    done: list[str] = []
    postmaster = running_postmaster(data_dir)
    if postmaster is not None:
        # postmaster.pid was deleted (or replaced) under a running server: PostgreSQL would shut it down
        # within a minute anyway; stop it now, cleanly, so the new start finds the folder its own.
        _stop(postmaster)
        done.append(f"stopped the server (PID {postmaster.pid}) that ran without its postmaster.pid")
    elif pid_file is not None:
        done.append(f"the server (PID {pid_file.pid}) was killed; PostgreSQL recovers its data on start")
        # PostgreSQL refuses to start while that PID exists — even as a zombie nobody has reaped yet, or
        # as another program that was given the number since.
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
        for lock in _socket_locks(data_dir, pid_file):
            lock.unlink(missing_ok=True)
    orphans = server_processes(data_dir)
    if orphans:
        for process in orphans:
            _kill(process)
        psutil.wait_procs(orphans, timeout=10)
        done.append(f"ended {len(orphans)} process(es) left running by the killed server")
    return done


def _socket_locks(data_dir: Path, pid_file: PidFile) -> list[Path]:
    """The socket lock files the killed server left, which name its PID as postmaster.pid does."""
    folders = {data_dir, Path(pid_file.socket_dir)} if pid_file.socket_dir else {data_dir}
    locks = []
    for folder in folders:
        for lock in folder.glob(".s.PGSQL.*.lock"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(lock.read_text().splitlines()[0]) == pid_file.pid:
                    locks.append(lock)
    return locks


def is_server(pid: int) -> bool:
    """False when ``pid`` is gone, a zombie, or some other program than PostgreSQL."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres"
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True  # not ours to look at: leave the decision to PostgreSQL


def _stop(postmaster: psutil.Process) -> None:
    try:
        postmaster.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        postmaster.wait(STOP_SECONDS)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        _kill(postmaster)


def _kill(process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()


def stop_orphaned_server(data_dir: Path) -> int | None:
    """Stop a server that runs in ``data_dir`` without a postmaster.pid; its PID, or None if none runs."""
    postmaster = running_postmaster(data_dir)
    if postmaster is None:
        return None
    _stop(postmaster)
    return postmaster.pid


def wait_until_ready(data_dir: Path, seconds: float) -> bool:
    """Wait while a server of ``data_dir`` is still starting (crash recovery takes a while); True if ready."""
    deadline = time.monotonic() + seconds
    announced = False
    while time.monotonic() < deadline:
        pid_file = PidFile.read(data_dir)
        if pid_file is None or not is_server(pid_file.pid):
            return False
        if pid_file.status == "ready":
            return True
        if not announced:
            log.info("the embedded PostgreSQL in %s is still starting (crash recovery?); waiting", data_dir)
            announced = True
        time.sleep(0.2)
    return False


def worth_retrying(reason: str) -> bool:
    """A start that failed on what a killed server left may succeed at the next try; a bad setting not.
    So may a start that met a file vanishing while the package looked (seen once, under a loaded test run,
    at a new folder's first start: the package reads other processes' and its own files as they come and
    go)."""
    signs = ("File exists", "already exists", "shared memory", "FileNotFoundError")
    return any(sign in reason for sign in signs)


def retry_note(reason: str) -> str:
    """What to say before starting again after a failed start that gave ``reason``."""
    if "File exists" in reason:
        # PostgreSQL 18 empties unlogged tables after a crash in two passes; a table emptied (TRUNCATE)
        # in the transaction the crash cut short has no init fork on disk for the first pass, which then
        # leaves its data file, and the second pass stops on it.  The first start makes the init fork,
        # so the second start's first pass removes the file and recovery completes.
        return f"crash recovery stopped on a file the killed server left ({reason}); starting again"
    return f"did not start ({reason}); trying again"


def start_failure(log_file: Path, offset: int, *, patience: float = 3.0, sleep=time.sleep) -> str:
    """The reason PostgreSQL gave, from what it logged since ``offset``: its last FATAL or PANIC line.

    The server's log collector writes on its own schedule: pg_ctl may report the failure before the line
    is in the file (seen on a busy machine), so an empty answer is asked again for a few seconds."""
    for _ in range(max(1, int(patience / 0.1))):
        reason = _last_fatal_line(log_file, offset)
        if reason:
            return reason
        sleep(0.1)
    return ""


def _last_fatal_line(log_file: Path, offset: int) -> str:
    try:
        with log_file.open("rb") as stream:
            stream.seek(offset)
            lines = stream.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        for level in ("PANIC:", "FATAL:"):
            if level in line:
                return line.split(level, 1)[1].strip()
    return ""
