"""Split a JSON source file into records, each with the line it starts on.

Redshift accepts a file holding one object, one object per line, or objects simply concatenated (also
spread over several lines).  The fast path parses line by line; a line that is not a whole object on its
own falls back to an incremental scan from that point.  A line that cannot be parsed at all is reported
and costs exactly that line.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

try:
    import orjson

    _fast_loads: Any = orjson.loads
    _FastError: Any = orjson.JSONDecodeError
except ImportError:  # orjson is optional; the standard library gives the same results, slower
    _fast_loads = json.loads
    _FastError = ValueError

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"

ERR_MALFORMED = 1216
ERR_UTF8 = 1220


@dataclass(frozen=True)
class BadRecord:
    """A line that is not a JSON object: ``code`` is Redshift's load error code."""

    line: int
    code: int
    reason: str
    raw: str


def iter_records(data: bytes, *, replace_invalid_utf8: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, object)`` for each JSON value in ``data``, or ``(line, BadRecord)``."""
    lines = data.split(b"\n")
    scanner: _SlowScanner | None = None
    index = 0
    while index < len(lines):
        raw = lines[index]
        if not raw.strip():
            index += 1
            continue
        try:
            yield index + 1, _fast_loads(raw)
            index += 1
            continue
        except _FastError:
            pass
        bad_utf8 = _utf8_problem(raw)
        if bad_utf8 and replace_invalid_utf8 is None:
            yield index + 1, BadRecord(index + 1, ERR_UTF8, bad_utf8, raw.decode("utf-8", "replace"))
            index += 1
            continue
        if scanner is None:
            scanner = _SlowScanner(data, replace_invalid_utf8)
        yield from scanner.scan_from_line(index)
        index = scanner.next_line


def _utf8_problem(raw: bytes) -> str | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"Invalid UTF-8 byte 0x{raw[exc.start]:02x} at position {exc.start + 1}"
    return None


class _SlowScanner:
    """Incremental scan over the whole decoded file, for concatenated and multi-line objects."""

    def __init__(self, data: bytes, replacement: str | None) -> None:
        if replacement is None:
            self.text = data.decode("utf-8", "replace")
        else:
            self.text = data.decode("utf-8", "replace").replace("\ufffd", replacement)
        self.line_starts = [0]
        position = self.text.find("\n")
        while position != -1:
            self.line_starts.append(position + 1)
            position = self.text.find("\n", position + 1)
        self.next_line = 0

    def line_of(self, position: int) -> int:
        return bisect.bisect_right(self.line_starts, position) - 1

    def scan_from_line(self, line_index: int) -> Iterator[tuple[int, Any]]:
        """Scan values from the start of ``line_index`` until the scan ends at a line boundary."""
        position = self.line_starts[line_index]
        text = self.text
        while True:
            while position < len(text) and text[position] in _WHITESPACE:
                position += 1
            if position >= len(text):
                self.next_line = len(self.line_starts)
                return
            line = self.line_of(position)
            if position == self.line_starts[line] and line != line_index and line_index >= 0:
                self.next_line = line  # back on a line of its own: the fast path takes over
                return
            try:
                value, position = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                yield (
                    line + 1,
                    BadRecord(line + 1, ERR_MALFORMED, _malformed_reason(exc), self._line_text(line)),
                )
                self.next_line = line + 1
                return
            yield line + 1, value
            line_index = -1

    def _line_text(self, line: int) -> str:
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[self.line_starts[line] : end]


def _malformed_reason(exc: json.JSONDecodeError) -> str:
    return f"Invalid JSON: {exc.msg} at column {exc.colno}"
