"""Drop and create the Sparkify warehouse tables: two staging tables and the star schema.

A star that holds data is not dropped unless --force is given."""

from __future__ import annotations

import sys

from sparkify import cli, pipeline
from sparkify.config import load_config
from sparkify.warehouse import connect


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("create_tables.py", __doc__ or "")
    parser.add_argument("--force", action="store_true", help="drop the tables even when the star holds data")
    parser.add_argument("--dry-run", action="store_true", help="print the SQL instead of running it")
    args = parser.parse_args(argv)

    def action() -> int:
        config = load_config(args.config)
        if args.dry_run:
            cli.print_statements(pipeline.planned_create())
            return 0
        with connect(config) as warehouse:
            pipeline.create_tables(warehouse, force=args.force)
            print(f"created 7 tables in {warehouse.description}", file=sys.stderr)
        return 0

    return cli.run("create_tables.py", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
