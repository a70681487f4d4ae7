"""The catalogue: artists and their songs, one song file each, with the quirks of the real song files.

Songs 0-8 and artists 0-6 carry one forced quirk each (a year of 0, null coordinates, an artist under two
names, two song files sharing one (title, artist name, duration), awkward text), so even a small set has
every quirk; the rest are drawn at the rates of the course sample.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass

from sparkify.sample_data.text import QUIRKS, artist_name, maybe_quirky, quirky, title
from sparkify.sample_data.vocabulary import ARTIST_LOCATIONS, UNICODE_PLACES

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
# The songs that carry one forced quirk each (see make_special_song).
SPECIAL_SONGS = 9


@dataclass(slots=True)
class Artist:
    artist_id: str
    names: list[str]
    location: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class Song:
    track_id: str
    artist: Artist
    artist_name: str
    song_id: str
    title: str
    duration: float
    year: int

    def key(self) -> tuple[str, str, float]:
        """What a play is joined on: (title, artist name, duration)."""
        return (self.title, self.artist_name, self.duration)

    def to_json(self) -> str:
        """The song file's text; default separators and ensure_ascii match the real files byte for byte."""
        artist = self.artist
        values = (
            1,  # num_songs: every real song file holds one song
            artist.artist_id,
            artist.latitude,
            artist.longitude,
            artist.location,
            self.artist_name,
            self.song_id,
            self.title,
            self.duration,
            self.year,
        )
        return json.dumps(dict(zip(SONG_KEYS, values, strict=True)))


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


def _make_artists(rng: random.Random, ids: _Ids, count: int) -> list[Artist]:
    """Artists 0-6 carry the forced quirks; the rest are ordinary, a few with several names."""
    forced_names = [artist_name(rng)] + [quirky(rng, kind, artist_name(rng)) for kind in QUIRKS]
    forced_places = [
        "",
        rng.choice(UNICODE_PLACES),
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
            name = maybe_quirky(rng, artist_name(rng), (0.02, 0.01, 0.01, 0.005, 0.005, 0.01))
            place = "" if rng.random() < 0.35 else rng.choice(ARTIST_LOCATIONS)
        lat, lon = (None, None) if index == 0 else _coordinates(rng)
        names = [name]
        if index == 0 or rng.random() < 0.15:
            joiner = rng.choice((" ft. ", " featuring ", " Feat. ", " & "))
            names.append(f"{name}{joiner}{artist_name(rng)}")
        artists.append(Artist(ids.artist(), names, place, lat, lon))
    return artists


def duration(rng: random.Random) -> float:
    """A song's length in seconds: mostly about four minutes, a few long live or mix recordings."""
    if rng.random() < 0.03:
        return round(rng.uniform(600.0, 2600.0), 5)
    return round(max(15.0, rng.gauss(245.0, 75.0)), 5)


def _year(rng: random.Random) -> int:
    return 0 if rng.random() < 0.45 else rng.randint(1955, 2010)


def _make_special_song(
    rng: random.Random, ids: _Ids, index: int, artists: list[Artist], songs: list[Song]
) -> Song:
    """Songs 0-8 each carry one quirk so that even small sets contain them."""
    if index == 2:
        # Same (title, artist_name, duration) as song 0 under another song_id, as in the real data.
        first = songs[0]
        return Song(
            ids.track(),
            first.artist,
            first.artist_name,
            ids.song(),
            first.title,
            first.duration,
            rng.randint(1990, 2010),
        )
    if index < 2:
        artist, name, song_title = artists[0], artists[0].names[index], title(rng)
    else:
        artist = artists[index - 2]
        name = artist.names[0]
        title_quirks = ("unicode", "mojibake", "quote", "tab", "backslash", "slash")
        song_title = quirky(rng, title_quirks[index - 3], title(rng))
    year = 0 if index == 0 else _year(rng)
    return Song(ids.track(), artist, name, ids.song(), song_title, duration(rng), year)


def make_songs(rng: random.Random, count: int) -> list[Song]:
    """``count`` songs, the special ones first, their artists drawn along with them."""
    ids = _Ids(rng)
    artists = _make_artists(rng, ids, max(len(QUIRKS) + 1, count))
    songs: list[Song] = []
    fresh = len(QUIRKS) + 1  # the artists the special songs use come first
    named: list[tuple[Artist, str]] = []  # artists with several names, and the name they first had
    for index in range(count):
        if index < SPECIAL_SONGS:
            songs.append(_make_special_song(rng, ids, index, artists, songs))
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
        song_title = maybe_quirky(rng, title(rng), (0.02, 0.015, 0.015, 0.005, 0.005, 0.01))
        songs.append(Song(ids.track(), artist, name, ids.song(), song_title, duration(rng), _year(rng)))
    return songs
