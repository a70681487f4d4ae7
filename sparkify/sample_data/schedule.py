"""When the listening happens: events per day, sessions per day, each session's user and time slot.

The days are planned one at a time, just before they are written, so memory holds one day's plans and
never the whole data set.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from sparkify.sample_data.listeners import DAY_S, Listener

_MAX_SESSION = 150
# Nominal seconds per event when laying sessions out; a song is about four minutes long.
_NOMINAL_GAP_S = 260


@dataclass(slots=True)
class SessionPlan:
    """One session: its user, its number of events and the time slot its events must fit in."""

    start: int  # epoch second of the first event
    end: int  # exclusive bound on the epoch second of every event
    user: Listener
    size: int
    session_id: int = 0


def plan_days(
    rng: random.Random, users: list[Listener], start_s: int, events: int, days: int
) -> Iterator[tuple[int, list[SessionPlan]]]:
    """Yield (epoch second of the day, its sessions by start) for each day, session ids counting on.

    Lazy on purpose: a day is planned only once the one before has been written, since both draw from
    the same random stream and the data set is that stream's one order of draws.
    """
    cum_weights = list(itertools.accumulate(user.weight for user in users))
    session_id = 0
    for day, quota in enumerate(_day_quotas(rng, events, days)):
        day_s = start_s + day * DAY_S
        plans = _plan_day(rng, day_s, quota, users, cum_weights) if quota else []
        for plan in plans:
            session_id += 1 + (rng.random() < 0.15)  # the real ids have gaps
            plan.session_id = session_id
        yield day_s, plans


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
    rng: random.Random, day_s: int, quota: int, users: list[Listener], cum_weights: list[float]
) -> list[SessionPlan]:
    """Cut the day's quota into sessions, give each to a weighted-random user, lay them out in time."""
    sizes_by_user: dict[int, list[int]] = {}
    left = quota
    while left > 0:
        size = min(left, _session_size(rng))
        index = min(bisect.bisect_right(cum_weights, rng.random() * cum_weights[-1]), len(users) - 1)
        sizes_by_user.setdefault(index, []).append(size)
        left -= size
    plans: list[SessionPlan] = []
    for index, sizes in sizes_by_user.items():
        plans.extend(_layout_sessions(rng, day_s, users[index], sizes))
    plans.sort(key=lambda plan: plan.start)  # stable, so equal starts keep a deterministic order
    return plans


def _layout_sessions(rng: random.Random, day_s: int, user: Listener, sizes: list[int]) -> list[SessionPlan]:
    """Give one user's sessions disjoint slots inside the day, so a user never has two at once."""
    usable = DAY_S - 1
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
        plans.append(SessionPlan(start, start + span, user, size))
        used += span
    return plans
