"""Split a JSON source file into records, each with the line Redshift would report for it.

Redshift accepts a file holding one object, one object per line, or objects simply concatenated (also
spread over several lines).  The fast path parses line by line; a line that is not a whole object on its
own falls back to an incremental scan from that point.  A line that cannot be parsed at all is reported
and costs exactly that line.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
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
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")

MAX_OBJECT_BYTES = 4 * 1024 * 1024  # Redshift's limit for one JSON object
ERR_MALFORMED = 1216
ERR_UTF8 = 1220


@dataclass(frozen=True)
class BadRecord:
    """A line that is not a JSON object: ``code`` is Redshift's load error code."""

    line: int
    code: int
    reason: str


class OversizedRecord(Exception):
    """A JSON object larger than Redshift accepts; it fails the whole COPY."""

    def __init__(self, line: int, size: int) -> None:
        super().__init__(f"a JSON object of {size:,} bytes exceeds Redshift's 4 MB limit")
        self.line = line


class JsonRecords:
    """The records of one file: iterate for ``(line, value_or_BadRecord)``; ``line_text`` gives raw lines."""

    def __init__(self, data: bytes, *, replace_invalid_utf8: str | None = None) -> None:
        self.data = data
        self.replacement = replace_invalid_utf8
        # Where each line starts, filled while iterating: a list of the lines themselves would double
        # the memory a large file takes.
        self.line_starts = array("q")
        self._scanner: _SlowScanner | None = None

    def line_text(self, line: int) -> str:
        if not 0 < line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.data.find(b"\n", start)
        return self.data[start : len(self.data) if end == -1 else end].decode("utf-8", "replace")

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        data, starts = self.data, self.line_starts
        position, index = 0, 0
        while position <= len(data):
            end = data.find(b"\n", position)
            end = len(data) if end == -1 else end
            if len(starts) == index:
                starts.append(position)
            raw = data[position:end]
            position, index = end + 1, index + 1
            if len(raw) > MAX_OBJECT_BYTES:
                if not raw.strip():
                    continue
                raise OversizedRecord(index, len(raw))
            try:
                yield index, _fast_loads(raw)
                continue
            except _FastError:
                if not raw.strip():  # a blank line: no record (it fails to parse, so it is looked at here)
                    continue
            if b"\x00" in raw:
                yield index, BadRecord(index, ERR_UTF8, _nul_reason(raw))
                continue
            if _utf8_problem(raw) is not None:
                yield index, self._invalid_utf8(raw, index)
                continue
            if self._scanner is None:
                self._scanner = _SlowScanner(data)
            yield from self._scanner.scan_from_line(index - 1)
            position, index = self._skip_to(self._scanner.next_line, starts[index - 1], index - 1)

    def _skip_to(self, target: int, position: int, index: int) -> tuple[int, int]:
        """The byte position and index of line ``target``, walking on from line ``index`` at ``position``."""
        while index < target and position <= len(self.data):
            if len(self.line_starts) == index:
                self.line_starts.append(position)
            newline = self.data.find(b"\n", position)
            position = len(self.data) + 1 if newline == -1 else newline + 1
            index += 1
        return position, index

    def _invalid_utf8(self, raw: bytes, line: int) -> Any:
        if self.replacement is None:
            return BadRecord(line, ERR_UTF8, _utf8_problem(raw) or "Invalid UTF-8")
        # ACCEPTINVCHARS: each invalid byte becomes the replacement character.
        text = _ESCAPED_BYTES.sub(self.replacement, raw.decode("utf-8", "surrogateescape"))
        try:
            return json.loads(text)
        except ValueError as exc:
            return BadRecord(line, ERR_MALFORMED, f"Invalid JSON: {exc}")


def _utf8_problem(raw: bytes) -> str | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"Invalid UTF-8 byte 0x{raw[exc.start]:02x} at position {exc.start + 1}"
    return None


def raw_field(line: str, key: str) -> str | None:
    """The value of the top-level ``key`` exactly as ``line`` (one JSON object) writes it, else None.

    Rejected values are reported as written (``1E20``, ``"A\\u0000"``), not as parsed and printed again.
    """
    found = None
    try:
        position = _skip_space(line, 0)
        if not line.startswith("{", position):
            return None
        position = _skip_space(line, position + 1)
        while position < len(line) and line[position] != "}":
            name, position = _DECODER.raw_decode(line, position)
            position = _skip_space(line, position)
            if not line.startswith(":", position):
                return None
            start = _skip_space(line, position + 1)
            _, position = _DECODER.raw_decode(line, start)
            if name == key:
                found = line[start:position]  # the last of duplicate keys wins, as when parsing
            position = _skip_space(line, position)
            if line.startswith(",", position):
                position = _skip_space(line, position + 1)
    except (ValueError, IndexError):
        return None
    return found


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _nul_reason(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL, and Redshift rejects it as an invalid character (error 1220).
    position = raw.index(b"\x00") + 1
    return f"String contains a NUL character (byte 0x00) at position {position}"


def _json_reason(exc: json.JSONDecodeError) -> str:
    # Some of json's messages end in "at" already ("Invalid control character at").
    message = exc.msg[: -len(" at")] if exc.msg.endswith(" at") else exc.msg
    return f"Invalid JSON: {message} at column {exc.colno}"


class _SlowScanner:
    """Incremental scan over the whole decoded file, for concatenated and multi-line objects."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8", "replace")
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
        first = True
        while True:
            while position < len(text) and text[position] in _WHITESPACE:
                position += 1
            if position >= len(text):
                self.next_line = len(self.line_starts)
                return
            line = self.line_of(position)
            if not first and position == self.line_starts[line]:
                self.next_line = line  # back on a line of its own: the fast path takes over
                return
            try:
                value, end = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                yield line + 1, BadRecord(line + 1, ERR_MALFORMED, _json_reason(exc))
                self.next_line = line + 1
                return
            if end - position > MAX_OBJECT_BYTES:
                raise OversizedRecord(line + 1, end - position)
            # Redshift reports a multi-line object by its last line.
            yield self.line_of(end - 1) + 1, value
            position = end
            first = False
