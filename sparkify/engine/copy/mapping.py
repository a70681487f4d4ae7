"""Map the fields of a JSON object to the target columns, as Redshift's COPY does.

- ``'auto'``: a column takes the value of the key equal to its (lowercase) name, case-sensitively.
- ``'auto ignorecase'``: the same, ignoring the case of keys.
- a JSONPaths file: the n-th path gives the n-th column; there must be exactly one path per column.
- ``'noshred'``: the whole object into the table's one column (a SUPER column: ingest-super, "Copying a
  JSON document into a single SUPER data column").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sparkify.engine.errors import LoadError

Extractor = Callable[[dict[str, Any]], list[Any]]

_STEP = re.compile(
    r"""\.(?P<dot>[^.\[\]]+)|\[\s*(?:'(?P<single>(?:[^'\\]|\\.)*)'|"(?P<double>(?:[^"\\]|\\.)*)"|(?P<index>\d+))\s*\]""",
    re.ASCII,
)
_MISSING = object()


class KeyExtractor:
    """Each column takes one top-level key: the common case, which the row compiler can inline."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def __call__(self, record: dict[str, Any]) -> list[Any]:
        return [record.get(key) for key in self.keys]


def auto_extractor(columns: list[str], *, ignore_case: bool) -> Extractor:
    """Extractor for JSON 'auto' / 'auto ignorecase'."""
    names = [name.lower() for name in columns] if ignore_case else list(columns)

    if not ignore_case:
        return KeyExtractor(names)

    def extract(record: dict[str, Any]) -> list[Any]:
        lowered: dict[str, Any] = {}
        for key, value in record.items():
            lowered.setdefault(key.lower(), value)
        return [lowered.get(name) for name in names]

    return extract


def noshred_extractor(columns: list[str], *, table: str) -> Extractor:
    """Extractor for JSON 'noshred': the record itself, into the one column of the target."""
    if len(columns) != 1:
        raise LoadError(
            table,
            f"JSON 'noshred' loads each document into one SUPER column; the target has {len(columns)}",
            hint="Create the table with one SUPER column, or name that column in the COPY's column list.",
        )

    def extract(record: dict[str, Any]) -> list[Any]:
        return [record]

    return extract


def jsonpaths_extractor(document: bytes, columns: list[str], *, table: str, source: str) -> Extractor:
    """Extractor for a JSONPaths file; :class:`LoadError` when it is malformed or has the wrong count."""
    paths = parse_jsonpaths_document(document, table=table, source=source)
    if len(paths) != len(columns):
        raise LoadError(
            table,
            f"the JSONPaths file has {len(paths)} paths but the target has {len(columns)} columns",
            filename=source,
            hint="A JSONPaths file needs exactly one path per column, in column order.",
        )
    steps = [_compile_path(path, table, source) for path in paths]
    if all(len(path) == 1 and isinstance(path[0], str) for path in steps):
        return KeyExtractor([str(path[0]) for path in steps])
    return lambda record: [_follow(record, path) for path in steps]


def parse_jsonpaths_document(document: bytes, *, table: str, source: str) -> list[str]:
    try:
        parsed = json.loads(document)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(table, f"the JSONPaths file is not valid JSON ({exc})", filename=source) from None
    paths = parsed.get("jsonpaths") if isinstance(parsed, dict) else None
    if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
        raise LoadError(
            table, 'the JSONPaths file must be an object {"jsonpaths": ["$.a", ...]}', filename=source
        )
    return paths


def _compile_path(path: str, table: str, source: str) -> list[str | int]:
    text = path.strip()
    if not text.startswith("$"):
        raise LoadError(table, f"JSONPath {path!r} must start with '$'", filename=source)
    steps: list[str | int] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if not match:
            raise LoadError(table, f"JSONPath {path!r} is not valid at {text[position:]!r}", filename=source)
        if match.group("index") is not None:
            steps.append(int(match.group("index")))
        else:
            key = match.group("dot") or match.group("single") or match.group("double") or ""
            steps.append(re.sub(r"\\(.)", r"\1", key) if match.group("dot") is None else key)
        position = match.end()
    if not steps:
        raise LoadError(table, f"JSONPath {path!r} names no field", filename=source)
    return steps


def _follow(record: Any, path: list[str | int]) -> Any:
    value = record
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and step < len(value) else _MISSING
        else:
            value = value.get(step, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            return None
    return value
