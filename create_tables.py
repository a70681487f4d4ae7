"""Drop and create the Sparkify warehouse tables: two staging tables and the star schema."""

from __future__ import annotations

import sys

from sparkify import cli, pipeline
from sparkify.config import load_config
from sparkify.warehouse import connect


def main(argv: list[str] | None = None) -> int:
    args = cli.parser("create_tables.py", __doc__ or "").parse_args(argv)

    def action() -> int:
        config = load_config(args.config)
        with connect(config) as warehouse:
            pipeline.create_tables(warehouse)
            print(f"created 7 tables in {warehouse.description}", file=sys.stderr)
        return 0

    return cli.run("create_tables.py", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
