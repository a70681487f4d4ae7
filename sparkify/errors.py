"""Typed exceptions of the toolkit.

The library raises these; each script's ``main()`` turns them into one line on stderr and an exit code
(see :mod:`sparkify.cli`).  Nothing in the message may carry a secret.
"""

from __future__ import annotations

from typing import Any

from sparkify.load_errors import quoted_as_written

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class SparkifyError(Exception):
    """Base class: a problem the user can act on, reported without a traceback."""

    exit_code = EXIT_FAILED


class ConfigError(SparkifyError):
    """The configuration is unusable; ``problems`` lists every problem found, not only the first."""

    exit_code = EXIT_USAGE

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in the configuration:\n{listed}")


class WarehouseConnectionError(SparkifyError):
    """The warehouse named by the configuration cannot be reached."""

    exit_code = EXIT_USAGE


class CopyStatementError(SparkifyError):
    """A COPY statement that the emulator cannot run as written (syntax, unsupported option, bad source)."""


class UnsupportedStatementError(SparkifyError):
    """A statement PostgreSQL would run but Redshift would reject."""


class LoadError(SparkifyError):
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


def _rebuild_load_error(cls: type[LoadError], state: dict[str, Any]) -> LoadError:
    fields = ("filename", "line", "column", "value", "hint", "rejected")
    error = cls(state["table"], state["reason"], **{name: state.get(name) for name in fields})
    error.__dict__.update(state)
    return error


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a service manager stopping the job): unwinds the run as Ctrl-C does."""


class CheckFailed(SparkifyError):
    """A data-quality check on the loaded warehouse failed."""


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
