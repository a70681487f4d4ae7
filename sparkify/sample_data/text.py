"""Made-up titles and artist names, and the awkward text the real data carries in them.

Every quirk a loader must survive in a string (non-ASCII, double-encoded UTF-8, quotes, backslashes, tabs,
slashes) is made here, so the catalogue and the plays draw them from one place.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from sparkify.sample_data.vocabulary import (
    ACCENTED,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    LATIN1_WORDS,
    TITLE_SUFFIXES,
    WORDS,
)

#: The kinds of awkward text, in the order ``maybe_quirky`` takes their odds.
QUIRKS = ("unicode", "mojibake", "quote", "backslash", "tab", "slash")


def mojibake(text: str) -> str:
    """UTF-8 read as Latin-1 twice, which is how the real logs mangle e.g. "Björk"."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def title(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.15:
        words = f"{rng.choice(WORDS)}'s {words}"
    return words + rng.choice(TITLE_SUFFIXES)


def artist_name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.4:
        first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
        return f"{first} {rng.choice(LAST_NAMES)}"
    if shape < 0.7:
        return f"The {rng.choice(WORDS)} {rng.choice(WORDS)}s"
    if shape < 0.85:
        return f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()}"
    return f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)}"


def quirky(rng: random.Random, kind: str, base: str) -> str:
    """Blend one awkward feature into ``base``: non-ASCII, mojibake, quotes, backslash, tab or slash."""
    word = rng.choice(WORDS)
    if kind == "unicode":
        return f"{base} {rng.choice(ACCENTED)}"
    if kind == "mojibake":
        return mojibake(f"{rng.choice(LATIN1_WORDS)} {base}")
    if kind == "quote":
        return rng.choice((f'{base} (From "{word}")', f'{word}" {base}', f'"{word}" {base}'))
    if kind == "backslash":
        return f"{base} \\ {word}"
    if kind == "tab":
        return f"{base}\t{word}"
    if kind == "slash":
        return f"{base}/{word}"
    raise ValueError(f"unknown quirk {kind!r}")


def maybe_quirky(rng: random.Random, base: str, odds: Sequence[float]) -> str:
    """Apply the quirk ``QUIRKS[i]`` with probability ``odds[i]`` (at most one)."""
    roll = rng.random()
    for kind, threshold in zip(QUIRKS, itertools.accumulate(odds), strict=True):
        if roll < threshold:
            return quirky(rng, kind, base)
    return base
