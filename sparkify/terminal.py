"""Colour for the terminal, only where it helps: a real terminal, and never when NO_COLOR is set."""

from __future__ import annotations

import os
from typing import TextIO

GREEN = "32"
RED = "31"


def colour_enabled(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal and the user has not opted out (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, code: str, *, enabled: bool) -> str:
    """``text`` wrapped in the ANSI SGR ``code`` when ``enabled``, else unchanged."""
    return f"\033[{code}m{text}\033[0m" if enabled else text
