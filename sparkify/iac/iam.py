"""The IAM role the warehouse assumes to read S3: Redshift may assume it, and it may only read S3."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from sparkify.errors import RoleNameTaken
from sparkify.iac.aws import error_code, tags

log = logging.getLogger(__name__)

REDSHIFT_SERVICE = "redshift.amazonaws.com"
# Serverless namespaces assume the role through their own service principal as well.
TRUSTED_SERVICES = [REDSHIFT_SERVICE, "redshift-serverless.amazonaws.com"]
S3_READ_ONLY = "AmazonS3ReadOnlyAccess"

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": TRUSTED_SERVICES}, "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    for_redshift: bool
    policy_arns: tuple[str, ...]

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(arn.rsplit("/", 1)[-1] for arn in self.policy_arns)

    @property
    def reads_s3(self) -> bool:
        # By ARN: a customer policy that merely has the same name is not the AWS managed one.
        return any(arn.endswith(f":iam::aws:policy/{S3_READ_ONLY}") for arn in self.policy_arns)


def policy_arn(partition: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{S3_READ_ONLY}"


def find_role(iam: Any, name: str) -> Role | None:
    """The role called ``name`` with its attached managed policies, or None."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return None
        raise
    pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
    policy_arns = tuple(policy["PolicyArn"] for page in pages for policy in page["AttachedPolicies"])
    return Role(
        name=name,
        arn=role["Arn"],
        for_redshift=trusts_redshift(role.get("AssumeRolePolicyDocument", {})),
        policy_arns=policy_arns,
    )


def ensure_role(iam: Any, name: str, partition: str) -> tuple[Role, list[str]]:
    """Create the role if missing and attach the S3 read policy; return the role and what changed."""
    role = find_role(iam, name)
    changes: list[str] = []
    if role is None:
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
            Description="Lets the Sparkify Redshift warehouse read its COPY sources from S3",
            Tags=tags(),
        )
        changes.append(f"created IAM role {name}")
    elif not role.for_redshift:
        raise RoleNameTaken(name)
    if role is None or not role.reads_s3:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn(partition))
        changes.append(f"attached {S3_READ_ONLY} to {name}")
    final = find_role(iam, name) if changes else role
    assert final is not None
    return final, changes


def delete_role(iam: Any, name: str) -> str | None:
    """Delete the role after detaching what blocks it; None when there was nothing to delete."""
    role = find_role(iam, name)
    if role is None:
        return None
    if not role.for_redshift:
        # Not ours: a role of that name that Redshift cannot assume was made by someone else.
        log.warning("kept IAM role %s: it is not a Redshift role, so this tool did not create it", name)
        return None
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for policy in page["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for page in iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name):
        for profile in page["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], RoleName=name
            )
    iam.delete_role(RoleName=name)
    return f"deleted IAM role {name}"


def trusts_redshift(document: dict[str, Any] | str) -> bool:
    """True when the trust policy lets redshift.amazonaws.com assume the role."""
    policy = json.loads(unquote(document)) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if REDSHIFT_SERVICE in services and {"sts:AssumeRole", "sts:*", "*"} & set(actions):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
