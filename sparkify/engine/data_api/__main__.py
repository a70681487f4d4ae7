"""``python -m sparkify.engine.data_api --endpoint-port 5439 [--port 0]``: the Redshift Data API on
localhost, in front of a running endpoint; Ctrl-C or SIGTERM stops it."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from sparkify.engine.data_api.database import Endpoint
from sparkify.engine.data_api.statements import Limits
from sparkify.engine.errors import EngineError

PROG = "sparkify.engine.data_api"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description="The Redshift Data API on localhost.")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=0, help="the port (default 0: a free one, printed)"
    )
    parser.add_argument("--endpoint-host", default="127.0.0.1", help="the endpoint's address")
    parser.add_argument(
        "--endpoint-port", type=port_number, default=5439, help="the endpoint's port (default 5439)"
    )
    parser.add_argument(
        "--password-env",
        default="DWH_DB_PASSWORD",
        metavar="NAME",
        help="the variable holding the master password that DbUser logins use (default DWH_DB_PASSWORD)",
    )
    parser.add_argument(
        "--master-user",
        default="",
        metavar="NAME",
        help="who a serverless (WorkgroupName) caller without DbUser or SecretArn runs as; none: refused",
    )
    defaults = Limits()
    limits = "(default: the Data API's documented %(default)s)"
    parser.add_argument("--max-active-statements", type=int, default=defaults.active_statements, help=limits)
    parser.add_argument("--max-statement-bytes", type=int, default=defaults.statement_bytes, help=limits)
    parser.add_argument("--max-result-bytes", type=int, default=defaults.result_bytes, help=limits)
    parser.add_argument(
        "--result-retention-seconds", type=float, default=defaults.retention_seconds, help=limits
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    return parser.parse_args(argv)


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number from 0 to 65535")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C; a start that cannot be is one line on stderr and its exit code."""
    args = arguments(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format=f"{PROG}: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return serve(args)
    except EngineError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code


def serve(args: argparse.Namespace) -> int:
    from sparkify.engine.data_api.server import data_api_server

    limits = Limits(
        statement_bytes=args.max_statement_bytes,
        result_bytes=args.max_result_bytes,
        retention_seconds=args.result_retention_seconds,
        active_statements=args.max_active_statements,
    )
    endpoint = Endpoint(args.endpoint_host, args.endpoint_port)
    server = data_api_server(
        endpoint, os.environ.get(args.password_env, ""), args.host, args.port, limits, args.master_user
    )

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"{PROG}: serving the Redshift Data API on http://{args.host}:{server.port} "
        f"(endpoint {args.endpoint_host}:{args.endpoint_port}); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.close()
    print(f"{PROG}: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
