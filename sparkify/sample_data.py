"""Deterministic generator of Sparkify sample data in the layout and format of the course data set.

``generate`` writes song files, daily event logs and the JSONPaths file exactly the way the public
course sample is laid out (``s3://udacity-dend/``), including the quirks a loader has to survive, and
returns the row counts that a correct load must produce. The counts are computed in Python while the
files are streamed out, so they do not depend on the SQL under test.

Layout written under ``out_dir``::

    song_data/<A>/<B>/<C>/TR<A><B><C>....json      one JSON object per file, no trailing newline
    log_data/YYYY/MM/YYYY-MM-DD-events.json         one JSON object per line, no final newline
    log_json_path.json                              the JSONPaths document for COPY
    expected_counts.json                            ExpectedCounts.to_dict()

Quirks of the real data in the generated sets (the default size has several of each; tiny sets may miss some):
``userId`` is a string, ``""`` on logged-out events (whose personal fields are null); ``registration``
is a float such as ``1540919166796.0``; user agents carry embedded quotes and ``/`` is written ``\\/``;
users change level (free -> paid, paid -> free -> paid, paid -> free), so only their latest event
tells their level; one artist id appears under several names; song years of 0, empty artist locations
and null coordinates; non-ASCII text, double-encoded UTF-8 mojibake, tabs, backslashes and double
quotes in titles, artist names and locations; a minority of plays match a song file on (title,
artist name, duration), with near misses and two song files sharing that key; repeated NextSong
``ts`` (events are logged on whole seconds) while (sessionId, itemInSession) stays unique.

Same arguments give byte-identical files: every random choice comes from ``random.Random`` streams
seeded from ``seed`` and nothing iterates a set or reads the clock. Memory stays small at any size:
events are streamed day by day, merging only the sessions that are open at the time.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import heapq
import itertools
import json
import random
import string
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TextIO

from sparkify.errors import OutputFolderError

__all__ = ["LOG_KEYS", "SONG_KEYS", "ExpectedCounts", "generate"]

#: Key order of one event object, as in the real log files.
LOG_KEYS: tuple[str, ...] = (
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
)
#: Key order of one song file, as in the real song files.
SONG_KEYS: tuple[str, ...] = (
    "num_songs",
    "artist_id",
    "artist_latitude",
    "artist_longitude",
    "artist_location",
    "artist_name",
    "song_id",
    "title",
    "duration",
    "year",
)

_DAY_S = 86_400
# Share of NextSong events that hit a song file exactly, and share that nearly do.
_P_MATCH = 0.06
_P_NEAR = 0.02
_P_START_LOGGED_OUT = 0.06
_MAX_SESSION = 150
# Nominal seconds per event when laying sessions out; a song is about four minutes long.
_NOMINAL_GAP_S = 260

# (page, method, status) as they appear in the real logs.
_PAGES: dict[str, tuple[str, int]] = {
    "NextSong": ("PUT", 200),
    "Home": ("GET", 200),
    "Login": ("PUT", 307),
    "Logout": ("PUT", 307),
    "Downgrade": ("GET", 200),
    "Upgrade": ("GET", 200),
    "Settings": ("GET", 200),
    "Help": ("GET", 200),
    "About": ("GET", 200),
    "Save Settings": ("PUT", 307),
    "Error": ("GET", 404),
    "Submit Upgrade": ("PUT", 307),
    "Submit Downgrade": ("PUT", 307),
}
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

_LINE = (
    '{"artist":%s,"auth":%s,"firstName":%s,"gender":%s,"itemInSession":%d,"lastName":%s,"length":%s,'
    '"level":%s,"location":%s,"method":%s,"page":%s,"registration":%s,"sessionId":%d,"song":%s,'
    '"status":%d,"ts":%d,"userAgent":%s,"userId":%s}'
)

_WORDS = (
    "Love",
    "Night",
    "Fire",
    "Heart",
    "Rain",
    "Dream",
    "City",
    "River",
    "Shadow",
    "Light",
    "Gold",
    "Blue",
    "Summer",
    "Road",
    "Ghost",
    "Dance",
    "Money",
    "Sugar",
    "Thunder",
    "Echo",
    "Silver",
    "Morning",
    "Wild",
    "Stone",
    "Radio",
    "Paper",
    "Ocean",
    "Window",
    "Angel",
    "Devil",
    "Highway",
    "Midnight",
    "Sweet",
    "Cold",
    "Broken",
    "Electric",
    "Golden",
    "Lonely",
    "Little",
    "Secret",
    "Velvet",
    "Burning",
    "Falling",
    "Home",
    "Train",
    "Mountain",
    "Garden",
    "Mirror",
    "Candle",
    "Storm",
    "Diamond",
    "Smoke",
    "Island",
    "Tiger",
)
_TITLE_SUFFIXES = (
    "",
    "",
    "",
    "",
    " (Album Version)",
    " (Live)",
    " (Remix)",
    " (Radio Edit)",
    " (Remastered)",
    " Part II",
)
_FIRST_NAMES_F = (
    "Kaylee",
    "Lily",
    "Chloe",
    "Jacqueline",
    "Tegan",
    "Mohammad",
    "Ava",
    "Layla",
    "Katherine",
    "Aleena",
    "Jayden",
    "Rylan",
    "Stefany",
    "Anabelle",
    "Sara",
    "Celeste",
    "Kate",
    "Morris",
    "Ruby",
    "Isabella",
)
_FIRST_NAMES_M = (
    "Walter",
    "Ryan",
    "Sean",
    "Lucas",
    "Aiden",
    "Austin",
    "Wyatt",
    "Carlos",
    "Brayden",
    "Jordan",
    "Cienna",
    "Emily",
    "Theodore",
    "Samuel",
    "Liam",
    "Jizelle",
    "Matthew",
    "Oliver",
    "Noah",
    "Elijah",
)
_LAST_NAMES = (
    "Frye",
    "Summers",
    "Koch",
    "Cuevas",
    "Levine",
    "Smith",
    "Roth",
    "Williams",
    "Hunt",
    "Jones",
    "Lopez",
    "Harrell",
    "Rodriguez",
    "Cook",
    "Perez",
    "Freeman",
    "Guerrero",
    "Thompson",
    "Johnson",
    "Beck",
    "Gonzalez",
    "Miller",
    "Garrison",
    "Daniels",
    "Wolfe",
    "Kirby",
    "Foster",
    "Morgan",
    "Powell",
    "Ortiz",
    "O'Brien",
)
_USER_LOCATIONS = (
    "San Francisco-Oakland-Hayward, CA",
    "Portland-South Portland, ME",
    "Lansing-East Lansing, MI",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "Atlanta-Sandy Springs-Roswell, GA",
    "Waterloo-Cedar Falls, IA",
    "Lake Havasu City-Kingman, AZ",
    "San Jose-Sunnyvale-Santa Clara, CA",
    "Phoenix-Mesa-Scottsdale, AZ",
    "Washington-Arlington-Alexandria, DC-VA-MD-WV",
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Houston-The Woodlands-Sugar Land, TX",
    "Tampa-St. Petersburg-Clearwater, FL",
    "Detroit-Warren-Dearborn, MI",
    "Birmingham-Hoover, AL",
    "Red Bluff, CA",
    "Janesville-Beloit, WI",
    "Columbia, SC",
    "Winston-Salem, NC",
    "Seattle-Tacoma-Bellevue, WA",
    "Tucson, AZ",
    "Marinette, WI-MI",
    "Dallas-Fort Worth-Arlington, TX",
)
# Most real agents carry literal double quotes around them; the Firefox ones do not.
_USER_AGENTS = (
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"',
    '"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 '
    'Safari/537.36"',
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.77.4 (KHTML, like Gecko) Version/7.0.5 '
    'Safari/537.77.4"',
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/36.0.1985.125 '
    'Chrome/36.0.1985.125 Safari/537.36"',
    '"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 '
    'Safari/537.36"',
    '"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) '
    'Version/7.0 Mobile/11D257 Safari/9537.53"',
    '"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)"',
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
)
_ARTIST_LOCATIONS = (
    "California - LA",
    "Memphis, TN",
    "London, England",
    "Ohio",
    "Burlington, Ontario, Canada",
    "Nashville, TN.",
    "New York, NY",
    "Chicago, IL",
    "Hamburg, Germany",
    "Kingston, Jamaica",
    "Detroit, MI",
    "Atlanta, GA",
    "Dublin, Ireland",
    "Seattle, WA",
    "Paris, France",
    "Austin, TX",
    "Toronto, Canada",
)
# Words within Latin-1, which is where all the real mojibake comes from (e.g. "BjÃ\x83Â¶rk").
_LATIN1_WORDS = (
    "Björk",
    "Café",
    "Niño",
    "Señor",
    "Zoë",
    "Mañana",
    "Søren",
    "Éclair",
    "Straße",
    "São",
    "Crème",
    "Beyoncé",
    "Röyksopp",
    "García",
    "Ça Va",
    "Tú",
)
_ACCENTED = (*_LATIN1_WORDS, "Ōsaka", "Łódź", "Dvořák", "Привет", "東京")
_UNICODE_PLACES = ("Reykjavík, Iceland", "São Paulo, Brasil", "Montréal, Québec", "Zürich, Schweiz")
_QUIRKS = ("unicode", "mojibake", "quote", "backslash", "tab", "slash")
_JSONPATHS_DOC = json.dumps({"jsonpaths": [f"$['{key}']" for key in LOG_KEYS]}, indent=4) + "\n"


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


# --------------------------------------------------------------------------------------------- strings


def _enc(value: object) -> str:
    """Encode one scalar the way the real logs do: ASCII JSON with ``/`` escaped as ``\\/``."""
    # Replacing "/" after encoding is safe: it can only occur inside string literals.
    return json.dumps(value).replace("/", "\\/")


def _mojibake(text: str) -> str:
    """UTF-8 read as Latin-1 twice, which is how the real logs mangle e.g. "Björk"."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def _title(rng: random.Random) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.15:
        words = f"{rng.choice(_WORDS)}'s {words}"
    return words + rng.choice(_TITLE_SUFFIXES)


def _artist_name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.4:
        first = rng.choice(_FIRST_NAMES_F + _FIRST_NAMES_M)
        return f"{first} {rng.choice(_LAST_NAMES)}"
    if shape < 0.7:
        return f"The {rng.choice(_WORDS)} {rng.choice(_WORDS)}s"
    if shape < 0.85:
        return f"{rng.choice(_WORDS)}{rng.choice(_WORDS).lower()}"
    return f"{rng.choice(_LAST_NAMES)} & {rng.choice(_LAST_NAMES)}"


def _quirky(rng: random.Random, kind: str, base: str) -> str:
    """Blend one awkward feature into ``base``: non-ASCII, mojibake, quotes, backslash, tab or slash."""
    word = rng.choice(_WORDS)
    if kind == "unicode":
        return f"{base} {rng.choice(_ACCENTED)}"
    if kind == "mojibake":
        return _mojibake(f"{rng.choice(_LATIN1_WORDS)} {base}")
    if kind == "quote":
        return rng.choice((f'{base} (From "{word}")', f'{word}" {base}', f'"{word}" {base}'))
    if kind == "backslash":
        return f"{base} \\ {word}"
    if kind == "tab":
        return f"{base}\t{word}"
    if kind == "slash":
        return f"{base}/{word}"
    raise ValueError(f"unknown quirk {kind!r}")


def _maybe_quirky(rng: random.Random, base: str, odds: Sequence[float]) -> str:
    """Apply the quirk ``_QUIRKS[i]`` with probability ``odds[i]`` (at most one)."""
    roll = rng.random()
    for kind, threshold in zip(_QUIRKS, itertools.accumulate(odds), strict=True):
        if roll < threshold:
            return _quirky(rng, kind, base)
    return base


# ----------------------------------------------------------------------------------------------- songs


@dataclass(slots=True)
class _Artist:
    artist_id: str
    names: list[str]
    location: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class _Song:
    track_id: str
    artist: _Artist
    artist_name: str
    song_id: str
    title: str
    duration: float
    year: int

    def key(self) -> tuple[str, str, float]:
        return (self.title, self.artist_name, self.duration)

    def to_json(self) -> str:
        # Default separators and ensure_ascii match the real files byte for byte.
        return json.dumps(
            {
                "num_songs": 1,
                "artist_id": self.artist.artist_id,
                "artist_latitude": self.artist.latitude,
                "artist_longitude": self.artist.longitude,
                "artist_location": self.artist.location,
                "artist_name": self.artist_name,
                "song_id": self.song_id,
                "title": self.title,
                "duration": self.duration,
                "year": self.year,
            }
        )


class _Ids:
    """Unique Million-Song-Dataset-looking identifiers (18 characters each)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _fresh(self, prefix: str) -> str:
        while True:
            candidate = prefix + self._tail()
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def _tail(self) -> str:
        return "".join(self._rng.choices("0123456789ABCDEF", k=6))

    def _upper(self, k: int, alphabet: str = string.ascii_uppercase) -> str:
        return "".join(self._rng.choices(alphabet, k=k))

    def track(self) -> str:
        # The real sample only has "A" as third character; a bigger set spreads a little wider.
        head = self._rng.choices("ABC", weights=(6, 3, 1))[0] + self._upper(4)
        return self._fresh("TR" + head + self._rng.choice(("128F4", "128F9", "12903")))

    def song(self) -> str:
        return self._fresh("SO" + self._upper(5) + self._rng.choice(("12A8C", "12AB0", "12A6D", "12AF7")))

    def artist(self) -> str:
        head = self._upper(5, string.ascii_uppercase + string.digits)
        return self._fresh("AR" + head + self._rng.choice(("1187B", "1187F")))


def _coordinates(rng: random.Random) -> tuple[float | None, float | None]:
    if rng.random() < 0.55:
        return None, None
    return round(rng.uniform(-45.0, 65.0), 5), round(rng.uniform(-125.0, 150.0), 5)


def _make_artists(rng: random.Random, ids: _Ids, count: int) -> list[_Artist]:
    """Artists 0-6 carry the forced quirks; the rest are ordinary, a few with several names."""
    forced_names = [_artist_name(rng)] + [_quirky(rng, kind, _artist_name(rng)) for kind in _QUIRKS]
    forced_places = [
        "",
        rng.choice(_UNICODE_PLACES),
        "",
        'Brooklyn, "NY"',
        "Cape Town\tSouth Africa",
        "C:\\Music\\Hometown",
        "Ohio/Kentucky",
    ]
    artists = []
    for index in range(count):
        if index < len(forced_names):
            name, place = forced_names[index], forced_places[index]
        else:
            name = _maybe_quirky(rng, _artist_name(rng), (0.02, 0.01, 0.01, 0.005, 0.005, 0.01))
            place = "" if rng.random() < 0.35 else rng.choice(_ARTIST_LOCATIONS)
        lat, lon = (None, None) if index == 0 else _coordinates(rng)
        names = [name]
        if index == 0 or rng.random() < 0.15:
            joiner = rng.choice((" ft. ", " featuring ", " Feat. ", " & "))
            names.append(f"{name}{joiner}{_artist_name(rng)}")
        artists.append(_Artist(ids.artist(), names, place, lat, lon))
    return artists


def _duration(rng: random.Random) -> float:
    if rng.random() < 0.03:
        return round(rng.uniform(600.0, 2600.0), 5)
    return round(max(15.0, rng.gauss(245.0, 75.0)), 5)


def _year(rng: random.Random) -> int:
    return 0 if rng.random() < 0.45 else rng.randint(1955, 2010)


def _special_song(
    rng: random.Random, ids: _Ids, index: int, artists: list[_Artist], songs: list[_Song]
) -> _Song:
    """Songs 0-8 each carry one quirk so that even small sets contain them."""
    if index == 2:
        # Same (title, artist_name, duration) as song 0 under another song_id, as in the real data.
        first = songs[0]
        return _Song(
            ids.track(),
            first.artist,
            first.artist_name,
            ids.song(),
            first.title,
            first.duration,
            rng.randint(1990, 2010),
        )
    if index < 2:
        artist, name, title = artists[0], artists[0].names[index], _title(rng)
    else:
        artist = artists[index - 2]
        name = artist.names[0]
        title_quirks = ("unicode", "mojibake", "quote", "tab", "backslash", "slash")
        title = _quirky(rng, title_quirks[index - 3], _title(rng))
    year = 0 if index == 0 else _year(rng)
    return _Song(ids.track(), artist, name, ids.song(), title, _duration(rng), year)


def _make_songs(rng: random.Random, count: int) -> list[_Song]:
    ids = _Ids(rng)
    artists = _make_artists(rng, ids, max(len(_QUIRKS) + 1, count))
    songs: list[_Song] = []
    fresh = len(_QUIRKS) + 1  # the artists the special songs use come first
    named: list[tuple[_Artist, str]] = []  # artists with several names, and the name they first had
    for index in range(count):
        if index < 9:
            songs.append(_special_song(rng, ids, index, artists, songs))
            continue
        # Mostly a new artist, as in the real sample; sometimes one already used, so ids repeat, and
        # then often one with several names under its other name: the "Lange" / "Lange ft. ..." case.
        if fresh < len(artists) and rng.random() < 0.8:
            artist, fresh = artists[fresh], fresh + 1
            name = rng.choice(artist.names)
            if len(artist.names) > 1:
                named.append((artist, name))
        elif named and rng.random() < 0.5:
            artist, first_name = rng.choice(named)
            name = next(other for other in artist.names if other != first_name)
        else:
            artist = artists[rng.randrange(fresh)]
            name = rng.choice(artist.names)
        title = _maybe_quirky(rng, _title(rng), (0.02, 0.015, 0.015, 0.005, 0.005, 0.01))
        songs.append(_Song(ids.track(), artist, name, ids.song(), title, _duration(rng), _year(rng)))
    return songs


def _write_song_files(out_dir: Path, songs: list[_Song]) -> None:
    made: set[Path] = set()
    for song in songs:
        tid = song.track_id
        folder = out_dir / "song_data" / tid[2] / tid[3] / tid[4]
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        (folder / f"{tid}.json").write_text(song.to_json(), encoding="ascii", newline="")


# ----------------------------------------------------------------------------------------------- plays


@dataclass(frozen=True, slots=True)
class _Play:
    """One (artist, song, length) as played, pre-encoded for the log line."""

    artist: str
    song: str
    length: str
    seconds: int
    matches: bool


def _play(artist: str, title: str, length: float, keys: set[tuple[str, str, float]]) -> _Play:
    # repr() is what json.dumps writes for a float, so the value round-trips exactly.
    return _Play(_enc(artist), _enc(title), repr(length), int(length), (title, artist, length) in keys)


def _near_miss(
    rng: random.Random, song: _Song, songs: Sequence[_Song], keys: set[tuple[str, str, float]], kind: int
) -> _Play:
    """A play that looks like ``song`` but differs in exactly one of the three join columns."""
    title, artist, length = song.title, song.artist_name, song.duration
    if kind == 0:
        length = round(length + rng.choice((0.00001, -0.00001, 0.001, 1.0, -2.5)), 5)
    elif kind == 1 and len(song.artist.names) > 1:
        artist = next(name for name in song.artist.names if name != artist)
    elif kind in (1, 2):
        other = songs[rng.randrange(len(songs))].artist_name
        artist = other if other != artist else f"{artist} & Friends"
    else:
        title = title.upper() if title.upper() != title else title.lower() + "!"
    return _play(artist, title, length, keys)


def _external_plays(
    rng: random.Random, size: int, songs: Sequence[_Song], keys: set[tuple[str, str, float]]
) -> list[_Play]:
    """Songs that are played but have no song file, the bulk of the real logs."""
    names = [
        songs[rng.randrange(len(songs))].artist_name
        if songs and rng.random() < 0.1
        else _maybe_quirky(rng, _artist_name(rng), (0.01, 0.03, 0.005, 0.002, 0.002, 0.005))
        for _ in range(size // 3 + 1)
    ]
    plays = []
    for _ in range(size):
        artist = names[int(len(names) * rng.random() ** 2)]
        title = _maybe_quirky(rng, _title(rng), (0.01, 0.02, 0.015, 0.003, 0.003, 0.005))
        plays.append(_play(artist, title, _duration(rng), keys))
    return plays


def _forced_plays(
    rng: random.Random, songs: Sequence[_Song], keys: set[tuple[str, str, float]]
) -> list[_Play]:
    """Plays spread over the first NextSong events so every quirk shows up in the logs."""
    plays = [_play(s.artist_name, s.title, s.duration, keys) for s in songs[:9]]
    if songs:
        plays.append(_play(songs[0].artist_name, songs[0].title, songs[0].duration, keys))
        plays.extend(_near_miss(rng, songs[0], songs, keys, kind) for kind in (0, 1, 2, 3))
        plays.extend(_near_miss(rng, songs[-1], songs, keys, kind) for kind in (0, 2))
    for kind in _QUIRKS:
        artist = _quirky(rng, kind, _artist_name(rng))
        plays.append(_play(artist, _quirky(rng, kind, _title(rng)), _duration(rng), keys))
    rng.shuffle(plays)
    return plays


# ----------------------------------------------------------------------------------------------- users


@dataclass(slots=True)
class _User:
    """A listener: JSON fragments pre-encoded once, plus the little state the counts need."""

    user_id: str
    first: str
    gender: str
    last: str
    location: str
    registration: str
    agent: str
    weight: float
    level: str
    switches: list[tuple[int, str]]  # (epoch second from which it may happen, new level), earliest first
    last_key: tuple[int, int] | None = None  # (ts, itemInSession) of the latest logged-in event
    last_level: str = ""


# (initial level, levels it switches to in turn): free -> paid, paid -> free -> paid, paid -> free.
_LEVEL_PLANS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("paid", ("free", "paid")),
    ("free", ("paid",)),
    ("paid", ("free",)),
)


def _user_count(events: int) -> int:
    # Sub-linear: about 100 listeners for the 8k-event course sample, a few thousand at a million events.
    return 0 if events <= 0 else max(1, min(events, round(0.2 * events**0.7)))


def _make_user(
    rng: random.Random, user_id: int, weight: float, paid_odds: float, start_s: int, ms_offset: int
) -> _User:
    female = rng.random() < 0.65
    first = rng.choice(_FIRST_NAMES_F if female else _FIRST_NAMES_M)
    registered = (start_s - rng.randrange(_DAY_S, 200 * _DAY_S)) * 1000 + ms_offset
    return _User(
        user_id=_enc(str(user_id)),
        first=_enc(first),
        gender=_enc("F" if female else "M"),
        last=_enc(rng.choice(_LAST_NAMES)),
        location=_enc(rng.choice(_USER_LOCATIONS)),
        registration=repr(float(registered)),
        agent=_enc(rng.choice(_USER_AGENTS)),
        weight=weight,
        level="paid" if rng.random() < paid_odds else "free",
        switches=[],
    )


def _make_users(rng: random.Random, events: int, start_s: int, days: int, ms_offset: int) -> list[_User]:
    count = _user_count(events)
    ids = rng.sample(range(2, 2 * count + 20), count)
    # Heavy-tailed activity: a handful of listeners produce most events, as in the real logs.
    weights = [rng.lognormvariate(0.0, 1.5) for _ in range(count)]
    by_weight = sorted(range(count), key=lambda i: (-weights[i], i))
    heavy = set(by_weight[: max(1, count // 4)])
    users = [
        _make_user(rng, ids[i], weights[i], 0.4 if i in heavy else 0.08, start_s, ms_offset)
        for i in range(count)
    ]
    _plan_level_changes(rng, users, by_weight, start_s, days)
    return users


def _plan_level_changes(
    rng: random.Random, users: list[_User], by_weight: list[int], start_s: int, days: int
) -> None:
    """About 8% of the listeners change level; picked among the active ones so the change shows."""
    if not users:
        return
    count = max(1, round(len(users) * 0.08))
    # Busiest first, so the two-step change goes to the user most likely to live through both steps.
    chosen = sorted(rng.sample(range(max(count, len(users) * 2 // 5)), count))
    period = days * _DAY_S
    for rank, position in enumerate(chosen):
        initial, targets = _LEVEL_PLANS[rank] if rank < len(_LEVEL_PLANS) else _LEVEL_PLANS[1]
        user = users[by_weight[position]]
        user.level = initial
        when = start_s + int(period * rng.uniform(0.1, 0.4))
        for target in targets:
            user.switches.append((when, target))
            when += int(period * rng.uniform(0.1, 0.25))


# -------------------------------------------------------------------------------------------- sessions


@dataclass(slots=True)
class _Context:
    """Catalogues and running totals shared by all sessions of one generation run."""

    rng: random.Random
    ms_offset: int
    songs: list[_Song]
    keys: set[tuple[str, str, float]]
    song_plays: list[_Play]
    external: list[_Play]
    forced: list[_Play]
    stride: int
    picks: int = 0
    songplays: int = 0
    matched: int = 0
    lines: int = 0
    distinct_song_ts: int = 0
    last_song_ts: int = -1
    last_ts: int = -1


def _make_context(rng: random.Random, songs: list[_Song], events: int) -> _Context:
    keys = {song.key() for song in songs}
    song_plays = [_play(s.artist_name, s.title, s.duration, keys) for s in songs]
    external = _external_plays(rng, max(20, min(events // 2, 50_000)), songs, keys)
    forced = _forced_plays(rng, songs, keys)
    stride = max(1, int(events * 0.85) // (2 * len(forced) + 1))
    # Every real ts ends in the same milliseconds (796): events are logged at whole seconds plus an offset.
    return _Context(rng, rng.randrange(1000), songs, keys, song_plays, external, forced, stride)


def _pick_play(ctx: _Context) -> _Play:
    rng = ctx.rng
    pick = ctx.picks
    ctx.picks += 1
    if ctx.forced and pick % ctx.stride == 0:
        return ctx.forced.pop()
    roll = rng.random()
    if ctx.song_plays and roll < _P_MATCH:
        return ctx.song_plays[int(len(ctx.song_plays) * rng.random() ** 2)]
    if ctx.songs and roll < _P_MATCH + _P_NEAR:
        song = ctx.songs[rng.randrange(len(ctx.songs))]
        return _near_miss(rng, song, ctx.songs, ctx.keys, rng.randrange(4))
    return ctx.external[int(len(ctx.external) * rng.random() ** 2)]


@dataclass(slots=True)
class _Plan:
    """One session: its user, its number of events and the time slot its events must fit in."""

    start: int  # epoch second of the first event
    end: int  # exclusive bound on the epoch second of every event
    user: _User
    size: int
    session_id: int = 0


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

    def next_page(self, rng: random.Random, user: _User, second: int) -> str:
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

    def after(self, page: str, user: _User) -> None:
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


def _gap(rng: random.Random, page: str, play: _Play | None) -> int:
    """Seconds until the next event of the session: a song plays to its end, other pages are quick."""
    if play is not None:
        return play.seconds
    if page in ("Upgrade", "Downgrade"):
        return rng.randint(1, 60)
    if page.startswith("Submit"):
        return rng.randint(20, 150)
    return 0 if rng.random() < 0.3 else rng.randint(1, 90)


_ENC: dict[str, str] = {name: _enc(name) for name in [*_PAGES, "GET", "PUT", "free", "paid"]}
_ANONYMOUS = ("null",) * 6 + ('""',)


def _event_line(plan: _Plan, logged_in: bool, page: str, play: _Play | None, item: int, ts: int) -> str:
    user = plan.user
    method, status = _PAGES[page]
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
    return _LINE % (
        artist,
        '"Logged In"' if logged_in else '"Logged Out"',
        first,
        gender,
        item,
        last,
        length,
        _ENC[user.level],
        location,
        _ENC[method],
        _ENC[page],
        registration,
        plan.session_id,
        song,
        status,
        ts,
        agent,
        user_id,
    )


def _session_events(ctx: _Context, plan: _Plan) -> Iterator[tuple[int, str, bool]]:
    """Yield (ts, line, is NextSong) for one session, in time order, updating the per-user state."""
    rng, user = ctx.rng, plan.user
    state = _SessionState(logged_in=rng.random() >= _P_START_LOGGED_OUT)
    second = plan.start
    for item in range(plan.size):
        page = state.next_page(rng, user, second)
        ts = second * 1000 + ctx.ms_offset
        play = _pick_play(ctx) if page == "NextSong" else None
        line = _event_line(plan, state.logged_in, page, play, item, ts)
        if state.logged_in and (user.last_key is None or (ts, item) > user.last_key):
            user.last_key, user.last_level = (ts, item), user.level
        if play is not None:
            ctx.songplays += 1
            ctx.matched += play.matches
        state.after(page, user)
        yield ts, line, play is not None
        left = plan.size - item - 1
        if left:
            # Squeeze the gaps when needed so that the session ends inside its slot, hence its day.
            second += min(_gap(rng, page, play), (plan.end - 1 - second) // left)


# ---------------------------------------------------------------------------------------------- layout


def _day_quotas(rng: random.Random, total: int, days: int) -> list[int]:
    """Split ``total`` events over ``days`` unevenly (the real daily counts range from 14 to 532)."""
    bounds = [round(total * share) for share in _cumulative_shares(rng, days)]
    bounds[-1] = total
    return [hi - lo for lo, hi in zip([0, *bounds[:-1]], bounds, strict=True)]


def _cumulative_shares(rng: random.Random, parts: int) -> list[float]:
    weights = list(itertools.accumulate(rng.uniform(0.2, 1.8) for _ in range(parts)))
    return [w / weights[-1] for w in weights]


def _session_size(rng: random.Random) -> int:
    return min(_MAX_SESSION, 1 + int(rng.lognormvariate(1.2, 1.3)))


def _plan_day(
    rng: random.Random, day_s: int, quota: int, users: list[_User], cum_weights: list[float]
) -> list[_Plan]:
    """Cut the day's quota into sessions, give each to a weighted-random user, lay them out in time."""
    sizes_by_user: dict[int, list[int]] = {}
    left = quota
    while left > 0:
        size = min(left, _session_size(rng))
        index = min(bisect.bisect_right(cum_weights, rng.random() * cum_weights[-1]), len(users) - 1)
        sizes_by_user.setdefault(index, []).append(size)
        left -= size
    plans: list[_Plan] = []
    for index, sizes in sizes_by_user.items():
        plans.extend(_layout_sessions(rng, day_s, users[index], sizes))
    plans.sort(key=lambda plan: plan.start)  # stable, so equal starts keep a deterministic order
    return plans


def _layout_sessions(rng: random.Random, day_s: int, user: _User, sizes: list[int]) -> list[_Plan]:
    """Give one user's sessions disjoint slots inside the day, so a user never has two at once."""
    usable = _DAY_S - 1
    spans = [size * _NOMINAL_GAP_S + 60 for size in sizes]
    budget = usable * 9 // 10
    total = sum(spans)
    if total > budget:
        spans = [max(1, span * budget // total) for span in spans]
    if sum(spans) > usable:
        raise ValueError("too many events per user and day; use more days")
    free = usable - sum(spans)
    cuts = sorted(rng.randrange(free + 1) for _ in sizes)
    plans, used = [], 0
    for cut, span, size in zip(cuts, spans, sizes, strict=True):
        start = day_s + cut + used
        plans.append(_Plan(start, start + span, user, size))
        used += span
    return plans


def _write_day(fh: TextIO, ctx: _Context, plans: list[_Plan]) -> None:
    """Merge the day's sessions by ts and stream the lines out; only open sessions are held."""
    heap: list[tuple[int, int, str, bool, Iterator[tuple[int, str, bool]]]] = []
    opened = 0
    separator = ""
    while heap or opened < len(plans):
        # A session opens only once every earlier event is written: a user's sessions never interleave.
        while opened < len(plans) and (not heap or plans[opened].start * 1000 + ctx.ms_offset <= heap[0][0]):
            _advance(heap, opened, _session_events(ctx, plans[opened]))
            opened += 1
        ts, order, line, is_song, session = heapq.heappop(heap)
        fh.write(separator)
        fh.write(line)
        separator = "\n"
        _tally(ctx, ts, is_song)
        _advance(heap, order, session)


def _advance(
    heap: list[tuple[int, int, str, bool, Iterator[tuple[int, str, bool]]]],
    order: int,
    session: Iterator[tuple[int, str, bool]],
) -> None:
    event = next(session, None)
    if event is not None:
        heapq.heappush(heap, (event[0], order, event[1], event[2], session))


def _tally(ctx: _Context, ts: int, is_song: bool) -> None:
    # Lines come out in ts order, so distinct NextSong ts can be counted without remembering them.
    if ts < ctx.last_ts:
        raise RuntimeError("internal error: events written out of ts order")
    ctx.last_ts = ts
    ctx.lines += 1
    if is_song and ts != ctx.last_song_ts:
        ctx.distinct_song_ts += 1
        ctx.last_song_ts = ts


def _write_logs(
    out_dir: Path, ctx: _Context, users: list[_User], start_s: int, events: int, days: int
) -> None:
    cum_weights = list(itertools.accumulate(user.weight for user in users))
    session_id = 0
    for day, quota in enumerate(_day_quotas(ctx.rng, events, days)):
        day_s = start_s + day * _DAY_S
        plans = _plan_day(ctx.rng, day_s, quota, users, cum_weights) if quota else []
        for plan in plans:
            session_id += 1 + (ctx.rng.random() < 0.15)  # the real ids have gaps
            plan.session_id = session_id
        stamp = datetime.datetime.fromtimestamp(day_s, tz=datetime.timezone.utc)
        path = out_dir / "log_data" / f"{stamp:%Y}" / f"{stamp:%m}" / f"{stamp:%Y-%m-%d}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="ascii", newline="") as fh:
            _write_day(fh, ctx, plans)


# ----------------------------------------------------------------------------------------------- entry


def _check_arguments(out_dir: Path, events: int, song_files: int, days: int) -> None:
    if events < 0 or song_files < 0 or days < 1:
        raise ValueError(f"need events >= 0, song_files >= 0, days >= 1; got {events}, {song_files}, {days}")
    # Stale files from an earlier run would silently break the expected counts.
    for name in ("song_data", "log_data"):
        folder = out_dir / name
        if folder.exists() and any(folder.iterdir()):
            raise OutputFolderError(f"{folder} is not empty; generate into a fresh directory")


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


def _write_data_set(
    out_dir: Path, events: int, song_files: int, seed: int, start: datetime.date, days: int
) -> ExpectedCounts:
    # Separate streams: the song files depend only on (seed, song_files).
    songs = _make_songs(random.Random(f"sparkify-songs:{seed}"), song_files)
    _write_song_files(out_dir, songs)
    ctx = _make_context(random.Random(f"sparkify-events:{seed}"), songs, events)
    start_s = calendar.timegm((start.year, start.month, start.day, 0, 0, 0))
    users = _make_users(ctx.rng, events, start_s, days, ctx.ms_offset)
    _write_logs(out_dir, ctx, users, start_s, events, days)
    counts = ExpectedCounts(
        staging_events=ctx.lines,
        staging_songs=len(songs),
        songplays=ctx.songplays,
        songplays_with_song=ctx.matched,
        users=sum(1 for user in users if user.last_key is not None),
        users_paid=sum(1 for user in users if user.last_level == "paid"),
        songs=len({song.song_id for song in songs}),
        artists=len({song.artist.artist_id for song in songs}),
        time=ctx.distinct_song_ts,
    )
    (out_dir / "log_json_path.json").write_text(_JSONPATHS_DOC, encoding="ascii", newline="")
    counts_text = json.dumps(counts.to_dict(), indent=2) + "\n"
    (out_dir / "expected_counts.json").write_text(counts_text, encoding="ascii", newline="")
    return counts
