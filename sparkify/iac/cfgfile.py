"""Edit values in ``dwh.cfg`` in place, line by line.

``configparser.write`` would drop every comment and the layout; the file is the user's, so only the value
of each changed line is rewritten and every other byte stays as it was.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
from pathlib import Path

from sparkify.config import read_ini, strip_quotes

HEADER = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
OPTION = re.compile(r"^(?P<key>[^=:]*?)(?P<sep>\s*[=:])(?P<space>[ \t]*)(?P<value>.*)$")
COMMENT_PREFIXES = ("#", ";")


def read_value(path: Path, section: str, key: str) -> str:
    """The value as the toolkit reads it (quotes stripped), or '' when absent."""
    return read_section(path, section).get(key.lower(), "")


def read_section(path: Path, section: str) -> dict[str, str]:
    """The section's values by lower-case key, quotes stripped; empty when the section is absent."""
    parser = read_ini(path)
    if not parser.has_section(section):
        return {}
    return {key: strip_quotes(value) for key, value in parser.items(section)}


def set_values(path: Path, updates: dict[str, dict[str, str]]) -> bool:
    """Set ``updates[section][key] = value``; add missing keys and sections; True if the file changed."""
    target = path.resolve()
    raw = target.read_bytes()
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""  # kept as the file had it
    original = raw[len(bom) :].decode("utf-8")
    lines = original.splitlines(keepends=True)
    eol = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for section, values in updates.items():
        for key, value in values.items():
            lines = _set(lines, section, key, value, eol)
    text = "".join(lines)
    if text == original:
        return False
    # Write beside the file and rename over it, so that an interruption cannot leave half a file.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(bom + text.encode("utf-8"))
    shutil.copymode(target, temporary)
    os.replace(temporary, target)
    return True


def _set(lines: list[str], section: str, key: str, value: str, eol: str) -> list[str]:
    bounds = _section_bounds(lines, section)
    if bounds is None:
        lines = _terminated(lines, eol)
        spacer = [eol] if lines and lines[-1].strip() else []
        return [*lines, *spacer, f"[{section}]{eol}", _new_line(key, value, eol)]
    start, end = bounds
    index = _find_option(lines, start + 1, end, key)
    if index is None:
        at = _after_last_option(lines, start, end)
        lines = _terminated(lines, eol) if at == len(lines) else lines
        return [*lines[:at], _new_line(key, value, eol), *lines[at:]]
    stop = index + 1
    # An indented line right after an option continues its value: it goes with the old value.
    while stop < end and _is_continuation(lines[stop]):
        stop += 1
    return [*lines[:index], _replace_value(lines[index], value), *lines[stop:]]


def _section_bounds(lines: list[str], section: str) -> tuple[int, int] | None:
    start: int | None = None
    for number, line in enumerate(lines):
        header = HEADER.match(line.rstrip("\r\n")) if not line[:1].isspace() else None
        if header is None:
            continue
        if start is not None:
            return start, number
        if header["name"].strip() == section:
            start = number
    return None if start is None else (start, len(lines))


def _find_option(lines: list[str], start: int, end: int, key: str) -> int | None:
    for number in range(start, end):
        line = lines[number]
        if line[:1].isspace() or line.lstrip().startswith(COMMENT_PREFIXES):
            continue
        match = OPTION.match(line.rstrip("\r\n"))
        # configparser folds option names to lower case, so HOST and host are the same option.
        if match and match["key"].strip().lower() == key.lower():
            return number
    return None


def _after_last_option(lines: list[str], start: int, end: int) -> int:
    last = start
    for number in range(start + 1, end):
        line = lines[number]
        if line.strip() and not line.lstrip().startswith(COMMENT_PREFIXES):
            last = number
    return last + 1


def _is_continuation(line: str) -> bool:
    return line[:1].isspace() and bool(line.strip()) and not line.lstrip().startswith(COMMENT_PREFIXES)


def _replace_value(line: str, value: str) -> str:
    body = line.rstrip("\r\n")
    eol = line[len(body) :]
    match = OPTION.match(body)
    assert match is not None
    old = match["value"]
    quote = old[0] if len(old) >= 2 and old[0] == old[-1] and old[0] in "'\"" else ""
    if not value and not quote:
        return f"{match['key']}{match['sep']}{eol}"
    space = match["space"] if old else " "
    return f"{match['key']}{match['sep']}{space}{quote}{value}{quote}{eol}"


def _new_line(key: str, value: str, eol: str) -> str:
    return f"{key} = {value}".rstrip() + eol


def _terminated(lines: list[str], eol: str) -> list[str]:
    if lines and not lines[-1].endswith(("\n", "\r")):
        return [*lines[:-1], lines[-1] + eol]
    return lines
