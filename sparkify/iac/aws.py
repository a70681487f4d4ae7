"""One boto3 session for a command, and the translation of botocore's exceptions into one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.loaders
import botocore.session
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)

from sparkify.errors import AwsOperationError, CredentialsError
from sparkify.iac.settings import InfraSettings

log = logging.getLogger(__name__)

NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or run 'aws configure' (an instance or container role also works)"
)
# Codes with which AWS rejects the credentials themselves rather than the request.
BAD_CREDENTIAL_CODES = {
    "AuthFailure",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
}
TAG_KEY = "project"
TAG_VALUE = "sparkify-dwh"


@dataclass(frozen=True)
class Identity:
    """Who the credentials belong to; the partition decides the ARN of the AWS managed policy."""

    account: str
    arn: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1] if self.arn.count(":") >= 5 else "aws"


@dataclass
class Aws:
    """Clients for one region, created once each; ``overrides`` lets tests put in a stubbed client."""

    session: botocore.session.Session
    region: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.overrides:
            retries = BotoConfig(retries={"mode": "standard", "max_attempts": 5})
            self.overrides[service] = self.session.create_client(
                service, region_name=self.region, config=retries
            )
        return self.overrides[service]

    def identity(self) -> Identity:
        """The caller, asked first so that missing or bad credentials stop the command before any change."""
        with translated_errors():
            answer = self.client("sts").get_caller_identity()
        return Identity(account=answer["Account"], arn=answer["Arn"])


@cache
def _shared_loader() -> botocore.loaders.Loader:
    """Service models never change: parse each once per process, however many sessions are made."""
    return botocore.loaders.create_loader()


def new_session() -> botocore.session.Session:
    """A botocore session on the standard chain: environment (AWS_ENDPOINT_URL too), profile, role."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return session


def open_aws(settings: InfraSettings) -> Aws:
    """A session from the standard credential chain, or from the course's ``[AWS]`` keys if present."""
    session = new_session()
    if settings.access_key and settings.secret_key:
        log.warning(
            "using the [AWS] KEY/SECRET of %s; prefer the standard AWS credential chain "
            "(environment, profile, instance role) and remove the keys from the file",
            settings.path.name,
        )
        session.set_credentials(settings.access_key, settings.secret_key)
    return Aws(session=session, region=settings.region)


def tags() -> list[dict[str, str]]:
    """The tag on everything this tool creates, so that it can be found in the console and the bill."""
    return [{"Key": TAG_KEY, "Value": TAG_VALUE}]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    message = str(exc.response.get("Error", {}).get("Message", "")).strip()
    return (message.splitlines() or [""])[0]


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn botocore's exceptions into the toolkit's typed errors with one-line messages."""
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise CredentialsError(NO_CREDENTIALS) from None
    except ProfileNotFound as exc:
        raise CredentialsError(f"AWS profile not found: {exc}") from None
    except ClientError as exc:
        code, message = error_code(exc), error_message(exc)
        if code in BAD_CREDENTIAL_CODES:
            raise CredentialsError(f"AWS rejected the credentials ({code}): {message}") from None
        raise AwsOperationError(f"AWS refused {exc.operation_name} ({code}): {message}") from None
    except EndpointConnectionError as exc:
        raise AwsOperationError(f"cannot reach AWS: {exc}") from None
    except BotoCoreError as exc:
        raise AwsOperationError(f"AWS call failed: {exc}") from None
