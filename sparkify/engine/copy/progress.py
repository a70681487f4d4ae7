"""Progress of long steps on stderr: files and rows done, rate and time left — only on a terminal."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any, Protocol


class FileProgress(Protocol):
    def file_done(self, rows: int, size: int, retries: int = 0) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def file_done(self, rows: int, size: int, retries: int = 0) -> None:
        return None

    def close(self) -> None:
        return None


class _Bar:
    """A tqdm bar counting bytes (for a true time left and the byte rate) with files and rows beside it;
    for S3 sources, objects fetched, their rate and the retries S3 needed."""

    def __init__(self, table: str, files: int, total_bytes: int, *, objects: bool = False) -> None:
        from tqdm import tqdm

        self.files_total = files
        self.files = 0
        self.rows = 0
        self.retries = 0
        self.objects = objects
        self.started = time.monotonic()
        self.bar: Any = tqdm(
            total=total_bytes, unit="B", unit_scale=True, desc=f"COPY {table}", file=sys.stderr, leave=False
        )

    def file_done(self, rows: int, size: int, retries: int = 0) -> None:
        self.files += 1
        self.rows += rows
        self.retries += retries
        self.bar.set_postfix_str(self._counts(), refresh=False)
        self.bar.update(size)

    def _counts(self) -> str:
        if not self.objects:
            return f"{self.files}/{self.files_total} files, {self.rows:,} rows"
        rate = self.files / max(time.monotonic() - self.started, 1e-3)
        retried = f", {self.retries:,} retries" if self.retries else ""
        return f"{self.files}/{self.files_total} objects fetched ({rate:,.0f}/s), {self.rows:,} rows{retried}"

    def close(self) -> None:
        self.bar.close()


@contextlib.contextmanager
def progress_closed(progress: FileProgress) -> Iterator[FileProgress]:
    """Close the display however the step ends, so the terminal line is cleared."""
    try:
        yield progress
    finally:
        progress.close()


def copy_progress(table: str, files: int, total_bytes: int, *, objects: bool = False) -> FileProgress:
    """A progress display for one COPY: a bar when stderr is a terminal, else nothing.  ``objects``: the
    files are S3 objects, counted as fetched, with their rate and retries."""
    if not sys.stderr.isatty():
        return _Silent()
    return _Bar(table, files, total_bytes, objects=objects)
