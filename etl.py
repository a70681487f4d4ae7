"""Load the song and log JSON files into the staging tables with COPY, then build the star schema."""

from __future__ import annotations

import sys

from sparkify import cli, pipeline
from sparkify.config import load_config
from sparkify.report import format_table
from sparkify.warehouse import connect


def main(argv: list[str] | None = None) -> int:
    args = cli.parser("etl.py", __doc__ or "").parse_args(argv)

    def action() -> int:
        config = load_config(args.config)
        with connect(config) as warehouse:
            pipeline.load_staging(warehouse, config)
            pipeline.build_star(warehouse)
            counts = pipeline.table_counts(warehouse)
        print(format_table(["table", "rows"], list(counts.items())))
        return 0

    return cli.run("etl.py", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
