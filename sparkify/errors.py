"""Typed exceptions of the toolkit, and the engine's (:mod:`sparkify.engine.errors`) named again here.

The library raises these; each script's ``main()`` turns them into one line on stderr and an exit code
(see :mod:`sparkify.cli`).  Nothing in the message may carry a secret.
"""

from __future__ import annotations

from sparkify.engine.errors import EXIT_FAILED as EXIT_FAILED
from sparkify.engine.errors import EXIT_OK as EXIT_OK
from sparkify.engine.errors import EXIT_USAGE as EXIT_USAGE
from sparkify.engine.errors import CopySourceMissing as CopySourceMissing
from sparkify.engine.errors import CopyStatementError as CopyStatementError
from sparkify.engine.errors import CopyTargetMissing as CopyTargetMissing
from sparkify.engine.errors import DataApiStartError as DataApiStartError
from sparkify.engine.errors import DataFolderUnusable as DataFolderUnusable
from sparkify.engine.errors import EmbeddedPostgresMissing as EmbeddedPostgresMissing
from sparkify.engine.errors import EngineError
from sparkify.engine.errors import LoadError as LoadError
from sparkify.engine.errors import LocalFilesRefused as LocalFilesRefused
from sparkify.engine.errors import MissingOptionalDependency as MissingOptionalDependency
from sparkify.engine.errors import ServerDidNotStart as ServerDidNotStart
from sparkify.engine.errors import Terminated as Terminated
from sparkify.engine.errors import UnloadError as UnloadError
from sparkify.engine.errors import UnsupportedStatementError as UnsupportedStatementError
from sparkify.engine.errors import WarehouseConnectionError as WarehouseConnectionError

EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM: `kill PID`, a service manager stopping the job
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout left early (| head)

# SQLSTATEs the toolkit decides on: the same codes on PostgreSQL and Redshift.
UNDEFINED_TABLE = "42P01"
QUERY_CANCELED = "57014"  # also what a statement_timeout running out gives


#: The toolkit's failures and the engine's share one base, so that one ``except`` reports either.
SparkifyError = EngineError


class ConfigError(SparkifyError):
    """The configuration is unusable; ``problems`` lists every problem found, not only the first."""

    exit_code = EXIT_USAGE

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in the configuration:\n{listed}")


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
