"""What the listeners play: the (artist, song, length) of each NextSong event.

Most plays are of songs without a song file, as in the real logs; a minority match a song file exactly on
(title, artist name, duration), a few nearly do (one of the three differs), and a handful of forced plays
make sure every quirk shows up in the logs even of a small set.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sparkify.sample_data.catalogue import SPECIAL_SONGS, Song, duration
from sparkify.sample_data.log_format import encode
from sparkify.sample_data.text import QUIRKS, artist_name, maybe_quirky, quirky, title

# Share of NextSong events that hit a song file exactly, and share that nearly do.
_P_MATCH = 0.06
_P_NEAR = 0.02

SongKeys = set[tuple[str, str, float]]


@dataclass(frozen=True, slots=True)
class Play:
    """One (artist, song, length) as played, pre-encoded for the log line."""

    artist: str
    song: str
    length: str
    seconds: int
    matches: bool  # equal to a song file's (title, artist name, duration)


def _play(artist: str, song_title: str, length: float, keys: SongKeys) -> Play:
    # repr() is what json.dumps writes for a float, so the value round-trips exactly.
    return Play(
        encode(artist), encode(song_title), repr(length), int(length), (song_title, artist, length) in keys
    )


def _near_miss(rng: random.Random, song: Song, songs: Sequence[Song], keys: SongKeys, kind: int) -> Play:
    """A play that looks like ``song`` but differs in exactly one of the three join columns."""
    song_title, artist, length = song.title, song.artist_name, song.duration
    if kind == 0:
        length = round(length + rng.choice((0.00001, -0.00001, 0.001, 1.0, -2.5)), 5)
    elif kind == 1 and len(song.artist.names) > 1:
        artist = next(name for name in song.artist.names if name != artist)
    elif kind in (1, 2):
        other = songs[rng.randrange(len(songs))].artist_name
        artist = other if other != artist else f"{artist} & Friends"
    else:
        song_title = song_title.upper() if song_title.upper() != song_title else song_title.lower() + "!"
    return _play(artist, song_title, length, keys)


def _external_plays(rng: random.Random, size: int, songs: Sequence[Song], keys: SongKeys) -> list[Play]:
    """Songs that are played but have no song file, the bulk of the real logs."""
    names = [
        songs[rng.randrange(len(songs))].artist_name
        if songs and rng.random() < 0.1
        else maybe_quirky(rng, artist_name(rng), (0.01, 0.03, 0.005, 0.002, 0.002, 0.005))
        for _ in range(size // 3 + 1)
    ]
    plays = []
    for _ in range(size):
        artist = names[int(len(names) * rng.random() ** 2)]
        song_title = maybe_quirky(rng, title(rng), (0.01, 0.02, 0.015, 0.003, 0.003, 0.005))
        plays.append(_play(artist, song_title, duration(rng), keys))
    return plays


def _forced_plays(rng: random.Random, songs: Sequence[Song], keys: SongKeys) -> list[Play]:
    """Plays spread over the first NextSong events so every quirk shows up in the logs."""
    plays = [_play(s.artist_name, s.title, s.duration, keys) for s in songs[:SPECIAL_SONGS]]
    if songs:
        plays.append(_play(songs[0].artist_name, songs[0].title, songs[0].duration, keys))
        plays.extend(_near_miss(rng, songs[0], songs, keys, kind) for kind in (0, 1, 2, 3))
        plays.extend(_near_miss(rng, songs[-1], songs, keys, kind) for kind in (0, 2))
    for kind in QUIRKS:
        artist = quirky(rng, kind, artist_name(rng))
        plays.append(_play(artist, quirky(rng, kind, title(rng)), duration(rng), keys))
    rng.shuffle(plays)
    return plays


class PlayPicker:
    """Picks the play of each NextSong event in turn: the forced ones at a stride, the rest at random.

    It draws from the events' random stream, the one the sessions draw from too: a data set is one
    interleaved sequence of draws, which is what makes it the same for the same seed.
    """

    def __init__(self, rng: random.Random, songs: list[Song], events: int) -> None:
        self._rng = rng
        self._songs = songs
        self._keys: SongKeys = {song.key() for song in songs}
        self._song_plays = [_play(s.artist_name, s.title, s.duration, self._keys) for s in songs]
        # Built once, at most 50,000: big sets replay them, heavy-tailed, as real listeners do.
        self._external = _external_plays(rng, max(20, min(events // 2, 50_000)), songs, self._keys)
        self._forced = _forced_plays(rng, songs, self._keys)
        self._stride = max(1, int(events * 0.85) // (2 * len(self._forced) + 1))
        self._picks = 0

    def next_play(self) -> Play:
        rng = self._rng
        pick = self._picks
        self._picks += 1
        if self._forced and pick % self._stride == 0:
            return self._forced.pop()
        roll = rng.random()
        if self._song_plays and roll < _P_MATCH:
            return self._song_plays[int(len(self._song_plays) * rng.random() ** 2)]
        if self._songs and roll < _P_MATCH + _P_NEAR:
            song = self._songs[rng.randrange(len(self._songs))]
            return _near_miss(rng, song, self._songs, self._keys, rng.randrange(4))
        return self._external[int(len(self._external) * rng.random() ** 2)]
