"""Poll until something is ready, telling the user on stderr what it is doing and for how long."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sparkify.errors import WaitTimeout

log = logging.getLogger(__name__)

# Module attributes rather than constants in the signature, so that tests can make every wait instant.
POLL_SECONDS = 15.0
TIMEOUT_SECONDS = 60 * 60.0

# A probe answers (done, state): whether the wait is over, and the state to show the user.
Probe = Callable[[], tuple[bool, str]]


@dataclass
class Waiter:
    """Polls a probe every ``interval`` seconds until it is done or ``timeout`` has passed."""

    interval: float = field(default_factory=lambda: POLL_SECONDS)
    timeout: float = field(default_factory=lambda: TIMEOUT_SECONDS)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def until(self, what: str, probe: Probe) -> str:
        """Wait for ``what``; return the final state; raise :class:`WaitTimeout` when it takes too long."""
        start = self.clock()
        while True:
            done, state = probe()
            elapsed = self.clock() - start
            if done:
                if elapsed >= 1:
                    log.info("%s: %s after %s", what, state, format_duration(elapsed))
                return state
            if elapsed >= self.timeout:
                raise WaitTimeout(
                    f"gave up waiting for {what} after {format_duration(elapsed)} (still {state}); "
                    "run the same command again to keep waiting"
                )
            log.info("waiting for %s: %s (%s elapsed)", what, state, format_duration(elapsed))
            self.sleep(self.interval)


def format_duration(seconds: float) -> str:
    """``42s``, ``3m 05s``, ``2h 07m``, ``3d 4h``: precise enough to watch, short enough to read."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
