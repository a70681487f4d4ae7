"""Which log files an incremental load reads: ``etl.py --since YYYY-MM-DD``.

The logs are named by day (``log_data/2018/11/2018-11-15-events.json``).  The files on or after the day
become COPY sources: a whole folder as one prefix when every file in it is selected, else one prefix per
day, so each COPY stays a plain Redshift COPY of a key prefix.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict

from sparkify.config import Config
from sparkify.copy_emulator.sources import SourceFile, list_sources, local_path

_DAY_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def log_sources_since(config: Config, since: dt.date) -> list[str]:
    """COPY source prefixes covering exactly the log files of ``since`` and later days."""
    files = list_sources(config.log_data, table="staging_events", region=config.region)
    by_folder: dict[str, list[tuple[SourceFile, dt.date | None]]] = defaultdict(list)
    for source in files:
        by_folder[posixpath.dirname(source.name)].append((source, _day_of(source.name)))
    log_data = local_path(config.log_data)
    prefixes: list[str] = []
    for folder, entries in sorted(by_folder.items()):
        selected = [source.name for source, day in entries if day is not None and day >= since]
        nested = any(other.startswith(folder + "/") for other in by_folder)
        # The folder as a prefix only when LOG_DATA takes all of it, not when LOG_DATA is a partial key
        # prefix (``…/2018-11-0``) that leaves other files in the folder out.
        inside = (folder + "/").startswith(log_data)
        if selected and len(selected) == len(entries) and not nested and inside:
            prefixes.append(folder + "/")
        else:
            prefixes.extend(sorted({_day_prefix(name) for name in selected}))
    return prefixes


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
