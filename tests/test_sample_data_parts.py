"""Tests of parts of the sample-data package that the whole-data-set tests reach only together: the
writer's tally of the expected counts, and the event line's template against its key order."""

from __future__ import annotations

import json
import re

import pytest

from sparkify.sample_data import LOG_KEYS
from sparkify.sample_data.log_format import LINE
from sparkify.sample_data.sessions import Event
from sparkify.sample_data.writer import EventTally


def _event(
    ts: int, item: int = 0, user_id: str | None = '"7"', level: str = "free", song: bool = False
) -> Event:
    return Event(ts, item, "{}", user_id, level, is_song=song, matches_song_file=False)


def test_tally_counts_lines_songplays_matches_and_distinct_song_ts() -> None:
    tally = EventTally()
    tally.add(_event(1000, 0, song=True))
    tally.add(Event(1000, 1, "{}", '"7"', "free", is_song=True, matches_song_file=True))
    tally.add(_event(2000, 2))
    tally.add(_event(3000, 0, user_id=None, song=True))
    assert (tally.lines, tally.songplays, tally.songplays_with_song, tally.distinct_song_ts) == (4, 3, 1, 2)


def test_tally_takes_each_users_level_from_their_latest_event_by_ts_then_item() -> None:
    tally = EventTally()
    tally.add(_event(1000, 5, '"7"', "paid"))
    tally.add(_event(1000, 6, '"7"', "free"))  # same ts, later item: this one decides
    tally.add(_event(1000, 3, '"9"', "paid"))
    tally.add(_event(1000, 1, '"9"', "free"))  # written later but earlier in the session: not the latest
    tally.add(_event(2000, 0, None, "paid"))  # logged out: nobody's level
    assert (tally.users, tally.users_paid) == (2, 1)


def test_tally_refuses_events_out_of_ts_order() -> None:
    tally = EventTally()
    tally.add(_event(2000))
    with pytest.raises(RuntimeError, match=r"^internal error: events written out of ts order$"):
        tally.add(_event(1000))


def test_line_template_writes_the_keys_in_log_keys_order() -> None:
    values = tuple(0 if spec == "d" else '""' for spec in re.findall(r"%([sd])", LINE))
    assert list(json.loads(LINE % values)) == list(LOG_KEYS)
