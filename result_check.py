"""Check the loaded star and report on it: row counts, data-quality checks and analytics answers.

Exit 0 when every check passes, 1 naming each failed check (name, expected, actual) on stderr.  --json
prints everything as one JSON document; --report PATH writes a self-contained HTML report with charts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from sparkify import cli
from sparkify.checks import CheckSettings, describe_failures, inspect_warehouse
from sparkify.config import load_config
from sparkify.errors import CheckFailed, SparkifyError
from sparkify.report import format_findings
from sparkify.terminal import colour_enabled
from sparkify.warehouse import connect

log = logging.getLogger("result_check")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.parser("result_check.py", __doc__ or "")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the counts, the checks and the analytics answers as one JSON document on stdout",
    )
    parser.add_argument(
        "--report",
        metavar="PATH",
        help="also write a self-contained HTML report with charts to PATH",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def action() -> int:
        config = load_config(args.config)
        settings = CheckSettings(config.min_song_match_share)
        with connect(config) as warehouse:
            findings = inspect_warehouse(warehouse, settings)
        if args.json:
            print(json.dumps(findings.to_json(), indent=2, ensure_ascii=False))
        else:
            print(format_findings(findings, colour=colour_enabled(sys.stdout)))
        if args.report:
            # Imported here: matplotlib takes a moment to load and only the report needs it.
            from sparkify.html_report import write_report

            try:
                log.info("report written to %s", write_report(findings, args.report))
            except OSError as exc:
                raise SparkifyError(f"cannot write the report to {args.report}: {exc.strerror}") from None
        if findings.failures:
            raise CheckFailed(describe_failures(findings))
        return 0

    return cli.run("result_check.py", action, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
