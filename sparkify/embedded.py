"""``python -m sparkify.embedded stop [--config PATH]``: stop the embedded PostgreSQL that dwh.cfg names."""

from __future__ import annotations

import sys

from sparkify import cli
from sparkify.config import load_embedded_data_dir
from sparkify.engine.server.embedded import stop_server


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("sparkify.embedded", "Stop the embedded PostgreSQL that dwh.cfg names.")
    parser.add_argument("command", choices=["stop"])
    args = parser.parse_args(argv)

    def action() -> int:
        data_dir = load_embedded_data_dir(args.config)
        stopped = stop_server(data_dir)
        print(f"{'stopped' if stopped else 'no server running in'} {data_dir}", file=sys.stderr)
        return 0

    return cli.run("sparkify.embedded", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
