"""Print the row count of every table and a few analytics answers; exit 1 if a star table is empty."""

from __future__ import annotations

import sys

import sql_queries as q
from sparkify import cli, pipeline
from sparkify.config import load_config
from sparkify.errors import CheckFailed
from sparkify.report import format_table
from sparkify.warehouse import connect


def main(argv: list[str] | None = None) -> int:
    args = cli.parser("result_check.py", __doc__ or "").parse_args(argv)

    def action() -> int:
        config = load_config(args.config)
        with connect(config) as warehouse:
            counts = pipeline.table_counts(warehouse)
            answers = {title: warehouse.query(sql) for title, sql in q.analytics_queries.items()}
        print(format_table(["table", "rows"], list(counts.items()), title="Row counts"))
        for title, (headers, rows) in answers.items():
            print()
            print(format_table(headers, rows, title=title))
        empty = [table for table in q.STAR_TABLES if counts[table] == 0]
        if empty:
            raise CheckFailed(f"empty star table(s): {', '.join(empty)}; run etl.py, then check its report")
        return 0

    return cli.run("result_check.py", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
