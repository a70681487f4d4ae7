"""Who a request logs in as: a secret's ``username``/``password`` read from AWS Secrets Manager
(SecretArn), or a DbUser with the temporary credentials Redshift would issue for it — here the
endpoint's master password, which the service is given.  The endpoint then checks the login as it checks
any client's, so a wrong secret or another user fails as it fails there."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions

from sparkify.engine.data_api.faults import ValidationException


@dataclass(frozen=True)
class Login:
    user: str
    password: str

    def __repr__(self) -> str:  # a Login may reach a log line; its password never does
        return f"Login(user={self.user!r})"


class Logins:
    """``master_user`` is who a serverless caller without DbUser or SecretArn runs as: on AWS its IAM
    identity becomes a database user (``IAM:name``); here no IAM identity is verified, so it is the
    master user, as the README's fidelity table says."""

    def __init__(self, master_password: str, master_user: str = "") -> None:
        self._master_password = master_password
        self._master_user = master_user
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def for_request(self, request: dict[str, Any], region: str) -> Login:
        if request.get("SecretArn"):
            return self._from_secret(request["SecretArn"], request.get("ClusterIdentifier"), region)
        if request.get("DbUser"):
            if not self._master_password:
                raise ValidationException("Temporary credentials are not available: use SecretArn.")
            return Login(request["DbUser"], self._master_password)
        if request.get("WorkgroupName") and self._master_user and self._master_password:
            return Login(self._master_user, self._master_password)
        raise ValidationException(
            "Either DbUser or SecretArn is required: this Data API has no IAM identities to log in as."
        )

    def _from_secret(self, secret_arn: str, cluster: str | None, region: str) -> Login:
        try:
            answer = self._secrets(region).get_secret_value(SecretId=secret_arn)
        except botocore.exceptions.ClientError as exc:
            raise ValidationException(exc.response.get("Error", {}).get("Message", str(exc))) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise ValidationException(f"Secrets Manager could not be reached: {exc}") from None
        try:
            secret = json.loads(answer.get("SecretString") or "")
            login = Login(str(secret["username"]), str(secret["password"]))
        except (ValueError, KeyError, TypeError):
            raise ValidationException("The secret must be JSON with a username and a password.") from None
        if cluster and secret.get("dbClusterIdentifier") not in (None, cluster):
            raise ValidationException(
                "The cluster identifier does not match the secret's dbClusterIdentifier."
            )
        return login

    def _secrets(self, region: str) -> Any:
        with self._lock:  # boto3's default session is not safe to make clients from on many threads
            if region not in self._clients:
                self._clients[region] = boto3.session.Session().client("secretsmanager", region_name=region)
            return self._clients[region]
