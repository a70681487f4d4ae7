"""Load the song and log JSON files into the staging tables with COPY, then merge staging into the star
schema. One transaction per run: reruns change nothing, a crash leaves the star as it was, and a second
run waits for the first."""

from __future__ import annotations

import argparse
import sys

import sql_queries as q
from sparkify import cli, packing, pipeline
from sparkify.config import load_config
from sparkify.engine.copy import s3io
from sparkify.log_days import log_sources_since, parse_day
from sparkify.report import format_table
from sparkify.warehouse import connect


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("etl.py", __doc__ or "")
    parser.add_argument(
        "--since",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="load only the log files of this day and later, merging them into the star",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="exit at once if another etl.py run is loading"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the SQL instead of running it (secrets masked)"
    )
    parser.add_argument(
        "--pack-to",
        metavar="URI",
        type=_pack_destination,
        help="first pack the many small source files into a few gzip parts with a manifest under URI "
        "(s3://bucket/prefix, or a folder for the local engine), then COPY those with MANIFEST GZIP",
    )
    parser.add_argument(
        "--skip-unchanged-songs",
        action="store_true",
        help="COPY only the SONG_DATA folders holding a song file that is new or changed since the last "
        "load (by size and ETag or modification time, kept in the warehouse); the star is the same",
    )
    args = parser.parse_args(argv)
    if args.skip_unchanged_songs and args.pack_to:
        parser.error("--skip-unchanged-songs and --pack-to cannot be combined: packing reads every song file")

    def action() -> int:
        config = load_config(args.config)
        s3io.configure(max_concurrency=config.s3_max_concurrency)
        sources = None if args.since is None else log_sources_since(config, args.since)
        if sources == []:
            print(f"etl.py: no log file of {args.since} or later under {config.log_data}", file=sys.stderr)
        if args.dry_run:
            copies = args.pack_to and packing.planned_packed_copies(config, args.pack_to, sources)
            if args.skip_unchanged_songs:
                print(
                    "-- --skip-unchanged-songs: once connected, the song COPY covers only the SONG_DATA "
                    "folders whose files changed since the last load (perhaps none)\n"
                )
            print(
                "-- once connected, a first load also empties again (LOCK, DELETE) each of "
                f"{', '.join(q.PLAY_TABLES)} that holds no row yet, before the merge\n"
            )
            cli.print_statements(
                pipeline.planned_load(config, sources, copies or None, wait=not args.no_wait)
            )
            return 0
        copies = None
        if args.pack_to:  # before connecting: packing can take minutes and must not hold the load lock
            parts = packing.slices_of(config.infra)
            copies = packing.packed_copy_queries(
                config, destination_uri=args.pack_to, parts=parts, log_sources=sources
            )
        with connect(config) as warehouse:
            copied = pipeline.load(
                warehouse,
                config,
                log_sources=sources,
                wait=not args.no_wait,
                copy_statements=copies,
                skip_unchanged_songs=args.skip_unchanged_songs,
            )
            counts = pipeline.table_counts(warehouse, pipeline.staged_row_counts(warehouse, copied))
        print(format_table(["table", "rows"], list(counts.items())))
        return 0

    return cli.run("etl.py", action, verbose=args.verbose)


def _pack_destination(text: str) -> str:
    try:
        return packing.checked_destination(text)
    except packing.PackError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
