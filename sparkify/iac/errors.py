"""Typed exceptions of the infrastructure commands; :func:`sparkify.cli.run` turns each into one line."""

from __future__ import annotations

from sparkify.errors import EXIT_FAILED, EXIT_USAGE, SparkifyError


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

    exit_code = 130


class UnsafeIngress(SparkifyError):
    """The ingress would open the warehouse port to the whole internet without ``--allow-anywhere``."""

    exit_code = EXIT_USAGE
