"""``python -m sparkify.endpoint [run|start|stop|status] [--config PATH] [--host 127.0.0.1] [--port 5439]``

``run`` (the default) serves in the foreground until Ctrl-C or SIGTERM; ``start`` runs the same in the
background and returns once it accepts connections; ``stop`` ends it; ``status`` says whether it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path

from sparkify import cli
from sparkify.endpoint import lifecycle
from sparkify.endpoint.settings import EndpointLocation, load_location, load_settings
from sparkify.engine.endpoint.settings import EndpointSettings


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("sparkify.endpoint", "A Redshift on localhost: a PostgreSQL-wire endpoint.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "start", "stop", "status"])
    parser.add_argument("--host", default=None, help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="the port (default: [CLUSTER] DB_PORT, 5439)")
    parser.add_argument("--pid-file", action="store_true", help=argparse.SUPPRESS)  # set by `start`
    args = parser.parse_args(argv)

    def action() -> int:
        if args.command in ("stop", "status"):  # only where it runs: no password needed
            location = load_location(args.config, host=args.host, port=args.port)
            return lifecycle.stop(location) if args.command == "stop" else lifecycle.status(location)
        settings = load_settings(args.config, host=args.host, port=args.port)
        location = EndpointLocation(
            Path(args.config).resolve(), settings.data_dir, settings.host, settings.port
        )
        if args.command == "start":
            return lifecycle.start(location)
        return serve(settings, location if args.pid_file else None)

    return cli.run("sparkify.endpoint", action, verbose=args.verbose)


def serve(settings: EndpointSettings, pid_file_of: EndpointLocation | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C; with ``pid_file_of``, its pid file says where, once it listens."""
    from sparkify.engine.endpoint.server import Endpoint

    endpoint = Endpoint(settings)

    def stop(signum: int, _frame: object) -> None:
        endpoint.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with lifecycle.pid_file(pid_file_of, endpoint.port) if pid_file_of else contextlib.nullcontext():
        print(
            f"sparkify.endpoint: serving Redshift SQL on {settings.host}:{endpoint.port} "
            f"(database {settings.db_name}, user {settings.db_user}); Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        endpoint.serve()
    print("sparkify.endpoint: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
