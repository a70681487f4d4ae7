"""The load lock: ``LOCK staging_events`` inside the run's transaction, so two loads never interleave.

The lock lives as long as the session that took it.  A run that dies ends its session with it (its COPY
workers let go of the connection, see :mod:`sparkify.engine.copy.workers`), but a session can still
outlive its client — a worker of an older version, a client stopped on another platform.  Each session
names its client in ``application_name`` (``sparkify-dwh pid=1234 host=laptop``); a run that finds the
lock held by a client of this machine that no longer runs ends that session, says so, and goes on.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sql_queries as q
from sparkify.errors import QUERY_CANCELED, WarehouseBusy, WarehouseStatementError

log = logging.getLogger(__name__)

APPLICATION = "sparkify-dwh"
NO_WAIT_MILLISECONDS = 1000
FIRST_TRY_MILLISECONDS = 200
RECHECK_MILLISECONDS = 2000
_CLIENT = re.compile(r"^sparkify-dwh pid=(?P<pid>\d+) host=(?P<host>\S*)$")
_NAME_BYTES = 63  # PostgreSQL keeps the first NAMEDATALEN - 1 bytes of application_name

HOLDER_QUERY = """
SELECT activity.pid, activity.application_name, activity.backend_start
FROM pg_locks AS locks JOIN pg_stat_activity AS activity ON activity.pid = locks.pid
WHERE locks.locktype = 'relation' AND locks.relation = to_regclass('staging_events')
  AND locks.granted AND locks.pid <> pg_backend_pid()
ORDER BY activity.backend_start
LIMIT 1
"""


def application_name() -> str:
    """What this process's sessions call themselves: the client's PID and host, for :func:`take`."""
    return f"{APPLICATION} pid={os.getpid()} host={_short_host()}"[:_NAME_BYTES]


def _short_host() -> str:
    return socket.gethostname().split(".")[0][:32]


@dataclass(frozen=True)
class Holder:
    """The session holding the load lock."""

    backend_pid: int
    application: str
    backend_start: datetime | None

    @property
    def client_pid(self) -> int | None:
        match = _CLIENT.match(self.application or "")
        return int(match.group("pid")) if match and match.group("host") == _short_host() else None

    def describe(self) -> str:
        if self.client_pid is not None:
            return f"another etl.py run (PID {self.client_pid}) is loading this warehouse"
        if (self.application or "").startswith(APPLICATION):
            return "another etl.py run is loading this warehouse"
        named = f"application {self.application!r}, " if self.application else ""
        return f"another session ({named}server PID {self.backend_pid}) holds the load lock"

    def client_is_gone(self) -> bool:
        """True when the client ran on this machine and its process no longer exists (or is another one)."""
        pid = self.client_pid
        if pid is None:
            return False
        try:
            import psutil
        except ImportError:
            return not _pid_exists(pid)
        try:
            started = psutil.Process(pid).create_time()
        except psutil.NoSuchProcess:
            return True
        # A PID the system gave to a process born after the session began is not the session's client.
        return self.backend_start is not None and started > self.backend_start.timestamp() + 1


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def take(warehouse: Any, *, wait: bool) -> None:
    """Take the load lock in the open transaction (which must hold nothing yet worth keeping).

    Waits while a live run holds it — naming it once — frees it from a dead one, and raises
    :class:`WarehouseBusy` instead of waiting when ``wait`` is False.
    """
    limit = FIRST_TRY_MILLISECONDS if wait else NO_WAIT_MILLISECONDS
    announced = False
    while not _try_lock(warehouse, limit):
        holder = None if warehouse.is_redshift else find_holder(warehouse)
        if holder is not None and holder.client_is_gone():
            release_from_dead_client(warehouse, holder)
            continue
        said = holder.describe() if holder else "another etl.py run is loading this warehouse"
        if not wait:
            raise WarehouseBusy(f"{said}; try again when it ends, or drop --no-wait")
        if not announced:
            log.info("%s; waiting for it to finish", said)
            announced = True
        limit = RECHECK_MILLISECONDS if holder is not None else 0  # 0: no limit, nothing to recheck
    warehouse.execute(q.lock_wait_unlimited)


def statements(*, wait: bool) -> list[str]:
    """What :func:`take` sends when the lock is free at once: the ``--dry-run`` shows these."""
    first_try = FIRST_TRY_MILLISECONDS if wait else NO_WAIT_MILLISECONDS
    return [q.lock_wait_limit.format(milliseconds=first_try), q.lock_warehouse, q.lock_wait_unlimited]


def _try_lock(warehouse: Any, milliseconds: int) -> bool:
    warehouse.execute(q.lock_wait_limit.format(milliseconds=milliseconds))
    try:
        warehouse.execute(q.lock_warehouse)
    except WarehouseStatementError as exc:
        if exc.sqlstate != QUERY_CANCELED:  # not the limit of this try running out
            raise
        warehouse.rollback()
        return False
    return True


def find_holder(warehouse: Any) -> Holder | None:
    """The session that holds the load lock now, if any (PostgreSQL)."""
    _, rows = warehouse.query(HOLDER_QUERY)
    warehouse.rollback()  # nothing to keep, and a fresh snapshot of pg_stat_activity next time
    return Holder(*rows[0]) if rows else None


def release_from_dead_client(warehouse: Any, holder: Holder) -> None:
    """End the session whose client process is gone; its transaction rolls back and the lock frees."""
    log.warning(
        "the load lock was held by etl.py PID %s, which no longer runs: ending its session (server PID %d)",
        holder.client_pid,
        holder.backend_pid,
    )
    warehouse.query("SELECT pg_terminate_backend(%s, 10000)", (holder.backend_pid,))
    warehouse.rollback()
