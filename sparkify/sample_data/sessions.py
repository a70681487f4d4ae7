"""Sessions: the pages a listener goes through, the time between them, and the day's events in ts order.

A session is a generator, so a day holds only the sessions open at the time: they are merged by ts as
they go, and a session opens once every earlier event is out, so one user's sessions never interleave.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sparkify.sample_data.listeners import Listener
from sparkify.sample_data.log_format import ENCODED, LINE, PAGES
from sparkify.sample_data.plays import Play, PlayPicker
from sparkify.sample_data.schedule import SessionPlan

_P_START_LOGGED_OUT = 0.06
# Non-song pages of a logged-in user, with their probability per step; the rest is NextSong.
# "LEVEL" stands for Upgrade (free user) or Downgrade (paid user) browsed without submitting.
_LOGGED_IN_ODDS: tuple[tuple[float, str], ...] = tuple(
    zip(
        itertools.accumulate((0.060, 0.011, 0.008, 0.005, 0.003, 0.0012, 0.006)),
        ("Home", "Logout", "Settings", "Help", "About", "Error", "LEVEL"),
        strict=True,
    )
)
_LOGGED_OUT_ODDS: tuple[tuple[float, str], ...] = (
    (0.5, "Login"),
    (0.88, "Home"),
    (0.95, "About"),
    (1.0, "Help"),
)
# The user fields of a logged-out event: all null but an empty userId, as in the real logs.
_ANONYMOUS = ("null",) * 6 + ('""',)


# Not frozen: a frozen dataclass is markedly slower to build, and there is one of these per event.
@dataclass(slots=True)
class Event:
    """One event line and what the expected counts need to know of it."""

    ts: int
    item: int  # itemInSession
    line: str
    user_id: str | None  # the encoded userId when logged in, else None
    level: str  # the level the line carries
    is_song: bool  # page == "NextSong"
    matches_song_file: bool  # a NextSong whose (song, artist, length) is a song file's key


def _pick(odds: Sequence[tuple[float, str]], roll: float, default: str) -> str:
    for threshold, page in odds:
        if roll < threshold:
            return page
    return default


class _SessionState:
    """Page flow of one session: logged in or not, and pages already bound to follow."""

    __slots__ = ("logged_in", "queue")

    def __init__(self, logged_in: bool) -> None:
        self.logged_in = logged_in
        self.queue: deque[str] = deque()

    def next_page(self, rng: random.Random, user: Listener, second: int) -> str:
        if self.queue:
            return self.queue.popleft()
        if not self.logged_in:
            return _pick(_LOGGED_OUT_ODDS, rng.random(), "Help")
        if user.switches and user.switches[0][0] <= second:
            upgrade = user.switches[0][1] == "paid"
            self.queue.append("Submit Upgrade" if upgrade else "Submit Downgrade")
            return "Upgrade" if upgrade else "Downgrade"
        page = _pick(_LOGGED_IN_ODDS, rng.random(), "NextSong")
        if page == "LEVEL":
            return "Upgrade" if user.level == "free" else "Downgrade"
        if page == "Settings" and rng.random() < 0.2:
            self.queue.append("Save Settings")
        return page

    def after(self, page: str, user: Listener) -> None:
        """Apply what a page does, once its own event has been written with the old state."""
        if page == "Login":
            self.logged_in = True
            self.queue.append("Home")
        elif page == "Logout":
            self.logged_in = False
            self.queue.append("Home")
        elif page.startswith("Submit"):
            user.level = user.switches.pop(0)[1]
            self.queue.append("Home")


def _gap(rng: random.Random, page: str, play: Play | None) -> int:
    """Seconds until the next event of the session: a song plays to its end, other pages are quick."""
    if play is not None:
        return play.seconds
    if page in ("Upgrade", "Downgrade"):
        return rng.randint(1, 60)
    if page.startswith("Submit"):
        return rng.randint(20, 150)
    return 0 if rng.random() < 0.3 else rng.randint(1, 90)


def _event_line(plan: SessionPlan, logged_in: bool, page: str, play: Play | None, item: int, ts: int) -> str:
    user = plan.user
    method, status = PAGES[page]
    if logged_in:
        first, gender, last, location, registration, agent, user_id = (
            user.first,
            user.gender,
            user.last,
            user.location,
            user.registration,
            user.agent,
            user.user_id,
        )
    else:
        first, gender, last, location, registration, agent, user_id = _ANONYMOUS
    artist, song, length = (play.artist, play.song, play.length) if play else ("null", "null", "null")
    return LINE % (
        artist,
        '"Logged In"' if logged_in else '"Logged Out"',
        first,
        gender,
        item,
        last,
        length,
        ENCODED[user.level],
        location,
        ENCODED[method],
        ENCODED[page],
        registration,
        plan.session_id,
        song,
        status,
        ts,
        agent,
        user_id,
    )


_HeapEntry = tuple[int, int, Event, Iterator[Event]]  # (ts, order the session opened in, event, session)


class Sessions:
    """Plays out the planned sessions of each day into events.

    ``rng`` is the events' random stream, shared with ``picker``; ``ms_offset`` is what every ts ends in
    (the real ones all end in the same milliseconds: events are logged at whole seconds plus an offset).
    """

    def __init__(self, rng: random.Random, picker: PlayPicker, ms_offset: int) -> None:
        self._rng = rng
        self._picker = picker
        self._ms_offset = ms_offset

    def day_events(self, plans: list[SessionPlan]) -> Iterator[Event]:
        """The events of the day's sessions (sorted by start), merged by ts; only open sessions are held."""
        heap: list[_HeapEntry] = []
        opened = 0
        while heap or opened < len(plans):
            # A session opens only once every earlier event is out: a user's sessions never interleave.
            while opened < len(plans) and (
                not heap or plans[opened].start * 1000 + self._ms_offset <= heap[0][0]
            ):
                _advance(heap, opened, self._session_events(plans[opened]))
                opened += 1
            _, order, event, session = heapq.heappop(heap)
            yield event
            # Advance the session only once its event is out: its next draws take their place among the
            # other sessions' draws here, and moving them would change the data set.
            _advance(heap, order, session)

    def _session_events(self, plan: SessionPlan) -> Iterator[Event]:
        """The events of one session in time order; a page's effect (login, level) applies after its event."""
        rng, user = self._rng, plan.user
        state = _SessionState(logged_in=rng.random() >= _P_START_LOGGED_OUT)
        second = plan.start
        for item in range(plan.size):
            page = state.next_page(rng, user, second)
            ts = second * 1000 + self._ms_offset
            play = self._picker.next_play() if page == "NextSong" else None
            line = _event_line(plan, state.logged_in, page, play, item, ts)
            user_id = user.user_id if state.logged_in else None
            matches = play is not None and play.matches
            event = Event(ts, item, line, user_id, user.level, play is not None, matches)
            state.after(page, user)
            yield event
            left = plan.size - item - 1
            if left:
                # Squeeze the gaps when needed so that the session ends inside its slot, hence its day.
                second += min(_gap(rng, page, play), (plan.end - 1 - second) // left)


def _advance(heap: list[_HeapEntry], order: int, session: Iterator[Event]) -> None:
    event = next(session, None)
    if event is not None:
        heapq.heappush(heap, (event.ts, order, event, session))
