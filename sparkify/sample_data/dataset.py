"""One data set from end to end: check the arguments, then draw the catalogue, the listeners and their
sessions, and hand everything to the writer, which also counts what it writes."""

from __future__ import annotations

import calendar
import datetime
import random
from pathlib import Path

from sparkify.errors import OutputFolderError
from sparkify.sample_data.catalogue import make_songs
from sparkify.sample_data.listeners import make_listeners
from sparkify.sample_data.plays import PlayPicker
from sparkify.sample_data.schedule import plan_days
from sparkify.sample_data.sessions import Sessions
from sparkify.sample_data.writer import DataSetWriter, ExpectedCounts


def generate(
    out_dir: Path,
    *,
    events: int = 8000,
    song_files: int = 80,
    seed: int = 42,
    start: datetime.date = datetime.date(2018, 11, 1),
    days: int = 30,
) -> ExpectedCounts:
    """Write a sample data set under ``out_dir`` and return the counts a correct load must give.

    ``events`` log lines are spread over ``days`` daily files starting at ``start`` (UTC), and
    ``song_files`` song files are written. The same arguments always give byte-identical files.
    Raises :class:`OutputFolderError` if ``out_dir`` already holds a non-empty ``song_data`` or ``log_data``,
    since leftovers of another run would make the returned counts wrong.
    """
    out_dir = Path(out_dir)
    _check_arguments(out_dir, events, song_files, days)
    try:
        return _write_data_set(out_dir, events, song_files, seed, start, days)
    except OSError as exc:
        raise OutputFolderError(f"cannot write the data set into {out_dir}: {exc.strerror or exc}") from None


def _check_arguments(out_dir: Path, events: int, song_files: int, days: int) -> None:
    if events < 0 or song_files < 0 or days < 1:
        raise ValueError(f"need events >= 0, song_files >= 0, days >= 1; got {events}, {song_files}, {days}")
    # Stale files from an earlier run would silently break the expected counts.
    for name in ("song_data", "log_data"):
        folder = out_dir / name
        if folder.exists() and any(folder.iterdir()):
            raise OutputFolderError(f"{folder} is not empty; generate into a fresh directory")


def _write_data_set(
    out_dir: Path, events: int, song_files: int, seed: int, start: datetime.date, days: int
) -> ExpectedCounts:
    writer = DataSetWriter(out_dir)
    # Separate streams: the song files depend only on (seed, song_files).
    songs = make_songs(random.Random(f"sparkify-songs:{seed}"), song_files)
    writer.write_songs(songs)
    # Everything else draws from one stream in one order (plays, offset, listeners, then day by day),
    # so the order of these calls is part of the output: reordering them changes every log file.
    rng = random.Random(f"sparkify-events:{seed}")
    picker = PlayPicker(rng, songs, events)
    # Every real ts ends in the same milliseconds (796): events are logged at whole seconds plus an offset.
    ms_offset = rng.randrange(1000)
    start_s = calendar.timegm((start.year, start.month, start.day, 0, 0, 0))
    listeners = make_listeners(rng, events, start_s, days, ms_offset)
    sessions = Sessions(rng, picker, ms_offset)
    for day_s, plans in plan_days(rng, listeners, start_s, events, days):
        writer.write_day(day_s, sessions.day_events(plans))
    return writer.finish()
