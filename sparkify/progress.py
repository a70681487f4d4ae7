"""Progress of long steps on stderr: files and rows done, rate and time left — only on a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, Protocol


class FileProgress(Protocol):
    def file_done(self, rows: int, size: int) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def file_done(self, rows: int, size: int) -> None:
        return None

    def close(self) -> None:
        return None


class _Bar:
    """A tqdm bar counting bytes (for a true time left) with files and rows beside it."""

    def __init__(self, table: str, files: int, total_bytes: int) -> None:
        from tqdm import tqdm

        self.files_total = files
        self.files = 0
        self.rows = 0
        self.bar: Any = tqdm(
            total=total_bytes, unit="B", unit_scale=True, desc=f"COPY {table}", file=sys.stderr, leave=False
        )

    def file_done(self, rows: int, size: int) -> None:
        self.files += 1
        self.rows += rows
        self.bar.set_postfix_str(f"{self.files}/{self.files_total} files, {self.rows:,} rows", refresh=False)
        self.bar.update(size)

    def close(self) -> None:
        self.bar.close()


@contextlib.contextmanager
def progress_closed(progress: FileProgress) -> Iterator[FileProgress]:
    """Close the display however the step ends, so the terminal line is cleared."""
    try:
        yield progress
    finally:
        progress.close()


def copy_progress(table: str, files: int, total_bytes: int) -> FileProgress:
    """A progress display for one COPY: a bar when stderr is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return _Silent()
    return _Bar(table, files, total_bytes)
