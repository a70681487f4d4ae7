"""The exact bytes of one event line, and the JSONPaths document that maps its keys for COPY.

The real log files are written by a JSON encoder that escapes ``/`` and keeps a fixed key order; the
generator formats lines from one template rather than calling ``json.dumps`` per event, because it writes
millions of them. The template and the key order live side by side so they cannot drift apart.
"""

from __future__ import annotations

import json

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

# One event line, its fields in LOG_KEYS order; every %s is an already-encoded JSON value.
LINE = (
    '{"artist":%s,"auth":%s,"firstName":%s,"gender":%s,"itemInSession":%d,"lastName":%s,"length":%s,'
    '"level":%s,"location":%s,"method":%s,"page":%s,"registration":%s,"sessionId":%d,"song":%s,'
    '"status":%d,"ts":%d,"userAgent":%s,"userId":%s}'
)

#: (method, status) of each page, as they appear in the real logs.
PAGES: dict[str, tuple[str, int]] = {
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

JSONPATHS_DOC = json.dumps({"jsonpaths": [f"$['{key}']" for key in LOG_KEYS]}, indent=4) + "\n"


def encode(value: object) -> str:
    """Encode one scalar the way the real logs do: ASCII JSON with ``/`` escaped as ``\\/``."""
    # Replacing "/" after encoding is safe: it can only occur inside string literals.
    return json.dumps(value).replace("/", "\\/")


# The few words every line repeats (page, method, level), encoded once rather than per event.
ENCODED: dict[str, str] = {name: encode(name) for name in [*PAGES, "GET", "PUT", "free", "paid"]}
