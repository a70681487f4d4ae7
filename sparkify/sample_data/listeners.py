"""The listeners: who they are, how busy, and when they switch between free and paid.

A listener's identity is encoded for the log line once, here, because it is repeated on every event
they log while logged in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sparkify.sample_data.log_format import encode
from sparkify.sample_data.vocabulary import (
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    USER_AGENTS,
    USER_LOCATIONS,
)

DAY_S = 86_400

# (initial level, levels it switches to in turn): free -> paid, paid -> free -> paid, paid -> free.
_LEVEL_PLANS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("paid", ("free", "paid")),
    ("free", ("paid",)),
    ("paid", ("free",)),
)


@dataclass(slots=True)
class Listener:
    """A user: JSON fragments pre-encoded once, their activity weight and their level as it changes."""

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


def _listener_count(events: int) -> int:
    # Sub-linear: about 100 listeners for the 8k-event course sample, a few thousand at a million events.
    return 0 if events <= 0 else max(1, min(events, round(0.2 * events**0.7)))


def _make_listener(
    rng: random.Random, user_id: int, weight: float, paid_odds: float, start_s: int, ms_offset: int
) -> Listener:
    female = rng.random() < 0.65
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    registered = (start_s - rng.randrange(DAY_S, 200 * DAY_S)) * 1000 + ms_offset
    return Listener(
        user_id=encode(str(user_id)),
        first=encode(first),
        gender=encode("F" if female else "M"),
        last=encode(rng.choice(LAST_NAMES)),
        location=encode(rng.choice(USER_LOCATIONS)),
        registration=repr(float(registered)),
        agent=encode(rng.choice(USER_AGENTS)),
        weight=weight,
        level="paid" if rng.random() < paid_odds else "free",
        switches=[],
    )


def make_listeners(
    rng: random.Random, events: int, start_s: int, days: int, ms_offset: int
) -> list[Listener]:
    """The listeners of a data set of ``events`` events; ``ms_offset`` is what every ts ends in."""
    count = _listener_count(events)
    ids = rng.sample(range(2, 2 * count + 20), count)
    # Heavy-tailed activity: a handful of listeners produce most events, as in the real logs.
    weights = [rng.lognormvariate(0.0, 1.5) for _ in range(count)]
    by_weight = sorted(range(count), key=lambda i: (-weights[i], i))
    heavy = set(by_weight[: max(1, count // 4)])
    listeners = [
        _make_listener(rng, ids[i], weights[i], 0.4 if i in heavy else 0.08, start_s, ms_offset)
        for i in range(count)
    ]
    _plan_level_changes(rng, listeners, by_weight, start_s, days)
    return listeners


def _plan_level_changes(
    rng: random.Random, listeners: list[Listener], by_weight: list[int], start_s: int, days: int
) -> None:
    """About 8% of the listeners change level; picked among the active ones so the change shows."""
    if not listeners:
        return
    count = max(1, round(len(listeners) * 0.08))
    # Busiest first, so the two-step change goes to the user most likely to live through both steps.
    chosen = sorted(rng.sample(range(max(count, len(listeners) * 2 // 5)), count))
    period = days * DAY_S
    for rank, position in enumerate(chosen):
        initial, targets = _LEVEL_PLANS[rank] if rank < len(_LEVEL_PLANS) else _LEVEL_PLANS[1]
        listener = listeners[by_weight[position]]
        listener.level = initial
        when = start_s + int(period * rng.uniform(0.1, 0.4))
        for target in targets:
            listener.switches.append((when, target))
            when += int(period * rng.uniform(0.1, 0.25))
