"""Write a Sparkify data set in the course's exact layout and format, with its quirks, deterministic by seed,
and the row counts a correct load must give (expected_counts.json)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sparkify import cli
from sparkify.sample_data import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="generate_sample_data.py", description=__doc__)
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to write (created if missing)"
    )
    parser.add_argument("--events", type=int, default=8000, help="number of log events (default 8000)")
    parser.add_argument("--song-files", type=int, default=80, help="number of song files (default 80)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--days", type=int, default=30, help="number of daily log files (default 30)")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2018, 11, 1),
        help="first day (default 2018-11-01)",
    )
    args = parser.parse_args(argv)
    if args.events < 0 or args.song_files < 1 or args.days < 1:
        parser.error("--events must be 0 or more, --song-files and --days 1 or more")

    def action() -> int:
        counts = generate(
            Path(args.out),
            events=args.events,
            song_files=args.song_files,
            seed=args.seed,
            start=args.start,
            days=args.days,
        )
        print(json.dumps(counts.to_dict(), indent=2))
        return 0

    return cli.run("generate_sample_data.py", action)


if __name__ == "__main__":
    sys.exit(main())
