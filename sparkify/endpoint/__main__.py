"""``python -m sparkify.endpoint [run|start|stop|status] [--config PATH] [--host 127.0.0.1] [--port 5439]
[--data-api-port PORT]``

``run`` (the default) serves in the foreground until Ctrl-C or SIGTERM; ``start`` runs the same in the
background and returns once it accepts connections; ``stop`` ends it; ``status`` says whether it runs.
``--data-api-port`` also serves the Redshift Data API beside the endpoint, in the same process.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sparkify import cli
from sparkify.endpoint import lifecycle
from sparkify.endpoint.settings import EndpointLocation, load_location, load_settings
from sparkify.engine.endpoint.settings import EndpointSettings

if TYPE_CHECKING:
    from sparkify.engine.data_api.server import DataApiServer


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("sparkify.endpoint", "A Redshift on localhost: a PostgreSQL-wire endpoint.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "start", "stop", "status"])
    parser.add_argument("--host", default=None, help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="the port (default: [CLUSTER] DB_PORT, 5439)")
    parser.add_argument(
        "--data-api-port",
        type=int,
        default=None,
        metavar="PORT",
        help="also serve the Redshift Data API on this port (0: a free one, printed)",
    )
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
        beside = [] if args.data_api_port is None else ["--data-api-port", str(args.data_api_port)]
        if args.command == "start":
            return lifecycle.start(location, beside)
        return serve(settings, location if args.pid_file else None, args.data_api_port)

    return cli.run("sparkify.endpoint", action, verbose=args.verbose)


def serve(
    settings: EndpointSettings, pid_file_of: EndpointLocation | None = None, data_api_port: int | None = None
) -> int:
    """Serve until SIGTERM or Ctrl-C; with ``pid_file_of``, its pid file says where, once it listens; with
    ``data_api_port``, the Data API too, until the endpoint stops."""
    from sparkify.engine.endpoint.server import Endpoint

    endpoint = Endpoint(settings)
    data_api = None if data_api_port is None else _data_api_beside(settings, endpoint.port, data_api_port)

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
    if data_api is not None:
        data_api.shutdown()
        data_api.close()
    print("sparkify.endpoint: stopped", file=sys.stderr)
    return 0


def _data_api_beside(settings: EndpointSettings, endpoint_port: int, port: int) -> DataApiServer:
    """The Data API on ``port`` of the endpoint's address, serving on a thread of this process; a client of
    the endpoint over the wire like any other, logging DbUser (and a serverless caller without one: the
    master user) in with the master password."""
    from sparkify.engine.data_api.database import Endpoint as EndpointAddress
    from sparkify.engine.data_api.server import data_api_server

    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    address = EndpointAddress(wildcard.get(settings.host, settings.host), endpoint_port)
    server = data_api_server(address, settings.db_password, settings.host, port, master_user=settings.db_user)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="data-api", daemon=True
    ).start()
    url = f"http://{settings.host}:{server.port}"
    print(
        f"sparkify.endpoint: serving the Redshift Data API on {url} (AWS_ENDPOINT_URL_REDSHIFT_DATA={url})",
        file=sys.stderr,
        flush=True,
    )
    return server


if __name__ == "__main__":
    sys.exit(main())
