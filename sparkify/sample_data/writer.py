"""The writer: every file of a data set, and the counts a correct load of them must give.

The counts are tallied from what is written, as it is written, so they are the ground truth of the files
on disk and do not depend on the SQL under test; the generating code keeps no totals of its own.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from sparkify.sample_data.catalogue import Song
from sparkify.sample_data.log_format import JSONPATHS_DOC
from sparkify.sample_data.sessions import Event


@dataclass(frozen=True)
class ExpectedCounts:
    """Row counts that a correct load of one generated data set must give."""

    staging_events: int  # total event lines written
    staging_songs: int  # total song files written
    songplays: int  # events with page == "NextSong"
    songplays_with_song: int  # NextSong events whose (song, artist, length) equals a song file's
    users: int  # distinct non-empty userId over all events
    users_paid: int  # users whose level on their latest event (max by (ts, itemInSession)) is "paid"
    songs: int  # distinct song_id
    artists: int  # distinct artist_id
    time: int  # distinct ts among NextSong events

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_file(cls, path: Path) -> ExpectedCounts:
        """Read an ``expected_counts.json`` written by :func:`generate`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**{f.name: int(data[f.name]) for f in fields(cls)})


class EventTally:
    """Running counts of the event lines written so far; memory grows with the users, not the events."""

    def __init__(self) -> None:
        self.lines = 0
        self.songplays = 0
        self.songplays_with_song = 0
        self.distinct_song_ts = 0
        self._last_ts = -1
        self._last_song_ts = -1
        self._latest: dict[str, tuple[tuple[int, int], str]] = {}  # userId -> ((ts, item), level) of latest

    def add(self, event: Event) -> None:
        # Lines come out in ts order, so distinct NextSong ts can be counted without remembering them.
        if event.ts < self._last_ts:
            raise RuntimeError("internal error: events written out of ts order")
        self._last_ts = event.ts
        self.lines += 1
        if event.is_song:
            self.songplays += 1
            self.songplays_with_song += event.matches_song_file
            if event.ts != self._last_song_ts:
                self.distinct_song_ts += 1
                self._last_song_ts = event.ts
        if event.user_id is not None:
            key = (event.ts, event.item)
            latest = self._latest.get(event.user_id)
            if latest is None or key > latest[0]:
                self._latest[event.user_id] = (key, event.level)

    @property
    def users(self) -> int:
        return len(self._latest)

    @property
    def users_paid(self) -> int:
        return sum(1 for _, level in self._latest.values() if level == "paid")


class DataSetWriter:
    """Writes one data set under ``out_dir`` in the course's layout and counts what it writes."""

    def __init__(self, out_dir: Path) -> None:
        self._out_dir = out_dir
        self._song_files = 0
        self._song_ids: set[str] = set()
        self._artist_ids: set[str] = set()
        self._events = EventTally()

    def write_songs(self, songs: Sequence[Song]) -> None:
        """One file per song: ``song_data/<A>/<B>/<C>/TR<A><B><C>....json``, no trailing newline."""
        made: set[Path] = set()
        for song in songs:
            tid = song.track_id
            folder = self._out_dir / "song_data" / tid[2] / tid[3] / tid[4]
            if folder not in made:
                folder.mkdir(parents=True, exist_ok=True)
                made.add(folder)
            (folder / f"{tid}.json").write_text(song.to_json(), encoding="ascii", newline="")
            self._song_files += 1
            self._song_ids.add(song.song_id)
            self._artist_ids.add(song.artist.artist_id)

    def write_day(self, day_s: int, events: Iterable[Event]) -> None:
        """One day's log ``log_data/YYYY/MM/YYYY-MM-DD-events.json``: a line per event, no final newline."""
        stamp = datetime.datetime.fromtimestamp(day_s, tz=datetime.timezone.utc)
        path = self._out_dir / "log_data" / f"{stamp:%Y}" / f"{stamp:%m}" / f"{stamp:%Y-%m-%d}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="ascii", newline="") as fh:
            separator = ""
            for event in events:
                fh.write(separator)
                fh.write(event.line)
                separator = "\n"
                self._events.add(event)

    def finish(self) -> ExpectedCounts:
        """Write the JSONPaths document and ``expected_counts.json``; return the counts."""
        events = self._events
        counts = ExpectedCounts(
            staging_events=events.lines,
            staging_songs=self._song_files,
            songplays=events.songplays,
            songplays_with_song=events.songplays_with_song,
            users=events.users,
            users_paid=events.users_paid,
            songs=len(self._song_ids),
            artists=len(self._artist_ids),
            time=events.distinct_song_ts,
        )
        (self._out_dir / "log_json_path.json").write_text(JSONPATHS_DOC, encoding="ascii", newline="")
        counts_text = json.dumps(counts.to_dict(), indent=2) + "\n"
        (self._out_dir / "expected_counts.json").write_text(counts_text, encoding="ascii", newline="")
        return counts
