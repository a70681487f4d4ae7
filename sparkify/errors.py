"""Typed exceptions of the toolkit.

The library raises these; each script's ``main()`` turns them into one line on stderr and an exit code
(see :mod:`sparkify.cli`).  Nothing in the message may carry a secret.
"""

from __future__ import annotations

from typing import Any

from sparkify.engine.sql.load_errors import quoted_as_written

EXIT_OK = 0
EXIT_FAILED = 1  # a load, a check or an AWS operation failed
EXIT_USAGE = 2  # the command line or the configuration must change
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM: `kill PID`, a service manager stopping the job
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout left early (| head)

# SQLSTATEs the toolkit decides on: the same codes on PostgreSQL and Redshift.
UNDEFINED_TABLE = "42P01"
QUERY_CANCELED = "57014"  # also what a statement_timeout running out gives


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


class UnloadError(SparkifyError):
    """An UNLOAD that the emulator cannot run as written, or whose destination refuses it."""


class MissingOptionalDependency(SparkifyError):
    """A statement needs a package that is an optional extra (pyarrow for FORMAT PARQUET), not installed."""

    exit_code = EXIT_USAGE


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


class WarehouseBusy(SparkifyError):
    """Another load holds the warehouse and the caller asked not to wait."""


class StarHoldsData(SparkifyError):
    """create_tables.py would drop a star that holds data."""

    exit_code = EXIT_USAGE


class WarehouseStatementError(SparkifyError):
    """The warehouse refused a statement; ``sqlstate`` is its SQLSTATE (the same codes on Redshift and
    PostgreSQL), so callers decide by code, never by the message's words."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        self.sqlstate = sqlstate
        super().__init__(message)


class TablesMissing(WarehouseStatementError):
    """A statement named a table that does not exist (SQLSTATE 42P01): create_tables.py has not run."""

    exit_code = EXIT_USAGE


class OutputFolderError(SparkifyError):
    """generate_sample_data.py cannot use the folder it was asked to write into."""

    exit_code = EXIT_USAGE


class PackError(SparkifyError):
    """The packed files cannot be written where they were asked to go."""

    exit_code = EXIT_USAGE


# --- the infrastructure commands (iac/cluster.py) -----------------------------------------------------


class AwsOperationError(SparkifyError):
    """An AWS call failed or did not finish; the message names the operation and AWS's reason."""

    exit_code = EXIT_FAILED


class WaitTimeout(AwsOperationError):
    """A resource did not reach the wanted state in time; running the command again resumes the wait."""


class QuotaReached(AwsOperationError):
    """The account may not create another cluster, node or workgroup in this region."""


class CredentialsError(SparkifyError):
    """No usable AWS credentials: the user must configure them before anything can run."""

    exit_code = EXIT_USAGE


class RoleNameTaken(SparkifyError):
    """``[INFRA] IAM_ROLE_NAME`` names a role that exists but is not one Redshift may assume."""

    exit_code = EXIT_USAGE

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"IAM role '{name}' already exists and is not a Redshift role (its trust policy does not "
            "allow redshift.amazonaws.com); choose another [INFRA] IAM_ROLE_NAME in the configuration"
        )


class NodeTypeUnavailable(SparkifyError):
    """``[INFRA] NODE_TYPE`` is not offered to this account in the configured region."""

    exit_code = EXIT_USAGE


class ConfirmationRequired(SparkifyError):
    """The command would spend or destroy something and nobody could be asked."""

    exit_code = EXIT_USAGE


class Interrupted(SparkifyError):
    """Ctrl-C during a command; AWS carries on with what was already started."""

    exit_code = EXIT_INTERRUPTED


class UnsafeIngress(SparkifyError):
    """The ingress would open the warehouse port to the whole internet without ``--allow-anywhere``."""

    exit_code = EXIT_USAGE


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
