"""Which log files an incremental load reads: ``etl.py --since YYYY-MM-DD``.

The logs are named by day (``log_data/2018/11/2018-11-15-events.json``).  The files on or after the day
become COPY sources: a whole folder as one prefix when every file in it is selected, else one prefix per
day, so each COPY stays a plain Redshift COPY of a key prefix.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import logging
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

from sparkify.config import Config
from sparkify.engine.copy.sources import list_sources, local_path

log = logging.getLogger(__name__)

_DAY_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def log_sources_since(config: Config, since: dt.date) -> list[str]:
    """COPY source prefixes covering exactly the log files of ``since`` and later days."""
    files = list_sources(config.log_data, table="staging_events", region=config.region)
    by_folder: dict[str, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for source in files:
        by_folder[posixpath.dirname(source.name)].append((source.name, _day_of(source.name)))
    log_data = local_path(config.log_data)
    _say_undated(name for entries in by_folder.values() for name, day in entries if day is None)
    prefixes: list[str] = []
    for folder, entries in sorted(by_folder.items()):
        selected = [name for name, day in entries if day is not None and day >= since]
        nested = any(other.startswith(folder + "/") for other in by_folder)
        # The folder as a prefix only when LOG_DATA takes all of it, not when LOG_DATA is a partial key
        # prefix (``…/2018-11-0``) that leaves other files in the folder out.
        inside = (folder + "/").startswith(log_data)
        if selected and len(selected) == len(entries) and not nested and inside:
            prefixes.append(folder + "/")
        else:
            prefixes.extend(sorted({_day_prefix(name) for name in selected}))
    return prefixes


def parse_day(text: str) -> dt.date:
    """``--since``'s argument: a day as YYYY-MM-DD; an ``argparse.ArgumentTypeError`` in plain words."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip(), re.ASCII)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written YYYY-MM-DD, such as 2018-11-15")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(f"{text} is not a date: there is no month {month}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        raise argparse.ArgumentTypeError(
            f"{text} is not a date: {calendar.month_name[month]} {year} has {last} days"
        ) from None


def _say_undated(names: Iterable[str], shown: int = 5) -> None:
    undated = sorted(names)
    if undated:
        listed = ", ".join(undated[:shown]) + (
            f" and {len(undated) - shown} more" if len(undated) > shown else ""
        )
        log.warning("--since skips %d log file(s) with no valid date in their name: %s", len(undated), listed)


def _day_of(name: str) -> dt.date | None:
    match = _DAY_IN_NAME.search(posixpath.basename(name))
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _day_prefix(name: str) -> str:
    """The file's name cut right after its date: a prefix that matches that day's files only."""
    base = posixpath.basename(name)
    match = _DAY_IN_NAME.search(base)
    assert match is not None
    return posixpath.join(posixpath.dirname(name), base[: match.end()])
