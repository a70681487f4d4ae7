"""What a forked COPY worker does first, so that it never outlives the run that made it.

A worker is a fork of the run: it inherits the run's open connection to the warehouse.  Were the run
killed (``kill -9``, the OOM killer) while a worker still held that socket, PostgreSQL would never see the
client go, and the COPY's session — with the load lock — would stay forever.  So each worker

- asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``), and elsewhere watches
  its parent from a thread;
- lets go of every inherited socket (pointed at ``/dev/null``), so the warehouse session belongs to the
  main process alone and ends when that process ends;
- leaves Ctrl-C and SIGTERM to the main process, which stops the workers itself: no worker traceback.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import stat
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_SECONDS = 0.5


def become_worker(parent_pid: int) -> None:
    """Call first thing in a forked worker whose parent is ``parent_pid``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not _kernel_kills_orphans():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the watch began
        os._exit(1)
    release_inherited_sockets()


def _kernel_kills_orphans() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def release_inherited_sockets() -> None:
    """Point every socket this process inherited at /dev/null; the parent's copies stay as they were.

    The descriptor numbers stay valid (nothing that still holds one can hit a reused number), but the
    connections they were are no longer kept open by this process.
    """
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        descriptors = [int(name) for name in os.listdir(folder)]
    except OSError:
        return
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for descriptor in descriptors:
            with contextlib.suppress(OSError):
                if descriptor != devnull and stat.S_ISSOCK(os.fstat(descriptor).st_mode):
                    os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)
