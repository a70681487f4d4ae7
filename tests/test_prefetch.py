"""The fetch-ahead window: results in order, never more than its bound held, and early leavers cancel."""

from __future__ import annotations

import threading
import time

import pytest

from sparkify.engine.copy import prefetch


class Ledger:
    """Counts items fetched but not yet taken by the reader: what the window holds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = self.most_held = self.held_bytes = self.most_bytes = 0

    def fetch(self, item: int, stop: threading.Event) -> int:
        with self.lock:
            self.held += 1
            self.held_bytes += item
            self.most_held = max(self.most_held, self.held)
            self.most_bytes = max(self.most_bytes, self.held_bytes)
        time.sleep(0.001 * (item % 3))  # finish out of order
        return item * 10

    def taken(self, item: int) -> None:
        with self.lock:
            self.held -= 1
            self.held_bytes -= item


def test_results_come_in_order_and_the_window_stays_bounded() -> None:
    ledger = Ledger()
    items = [1 + number % 7 for number in range(2000)]
    results = []
    for item, result in prefetch.in_order(
        items, ledger.fetch, size=lambda item: item, threads=4, window_bytes=40
    ):
        results.append(result)
        ledger.taken(item)
    assert results == [item * 10 for item in items]
    assert ledger.most_held <= 4 * prefetch.OBJECTS_PER_THREAD
    assert ledger.most_bytes <= 40


def test_an_item_larger_than_the_window_is_still_fetched_alone() -> None:
    ledger = Ledger()
    items = [5, 500, 5]
    taken = []
    for item, _ in prefetch.in_order(items, ledger.fetch, size=lambda item: item, threads=2, window_bytes=50):
        taken.append(item)
        ledger.taken(item)
    assert taken == items and ledger.most_bytes <= 505


def test_a_failure_surfaces_at_its_turn_and_leaving_early_stops_the_rest() -> None:
    started: list[int] = []
    stops: list[threading.Event] = []

    def fetch(item: int, stop: threading.Event) -> int:
        started.append(item)
        stops.append(stop)
        if item == 3:
            raise ValueError("item 3 cannot be read")
        return item

    taken = []
    with pytest.raises(ValueError, match="item 3"):
        for item, _ in prefetch.in_order(list(range(1000)), fetch, size=lambda item: 1, threads=2):
            taken.append(item)
    assert taken == [0, 1, 2]
    assert len(started) <= 3 + 2 * prefetch.OBJECTS_PER_THREAD + 2
    assert stops[0].is_set()  # a fetch waiting out a backoff gives up
