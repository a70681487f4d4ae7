"""A Redshift Serverless namespace (the database and its role) and workgroup (the compute and endpoint)."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from sparkify.errors import AwsOperationError, QuotaReached
from sparkify.iac.aws import TAG_KEY, TAG_VALUE, error_code, error_message
from sparkify.iac.settings import InfraSettings
from sparkify.iac.state import Warehouse
from sparkify.iac.waiting import Waiter

# GetNamespace reports its roles as "IamRole(applyStatus=in-sync, iamRoleArn=arn:...)" strings.
ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)
QUOTA_CODES = {"ServiceQuotaExceededException", "TooManyResourcesException"}


class ServerlessWorkgroup:
    """The workgroup ``[INFRA] WORKGROUP`` in the namespace ``[INFRA] NAMESPACE``."""

    def __init__(self, client: Any, settings: InfraSettings, waiter: Waiter) -> None:
        self.client = client
        self.settings = settings
        self.waiter = waiter

    @property
    def label(self) -> str:
        return f"workgroup {self.settings.workgroup}"

    @property
    def namespace_label(self) -> str:
        return f"namespace {self.settings.namespace}"

    def find(self) -> Warehouse | None:
        workgroup = self._get("workgroup", self.settings.workgroup)
        if workgroup is None:
            return None
        namespace = self._get("namespace", workgroup["namespaceName"]) or {}
        return _warehouse(workgroup, namespace)

    def parts(self) -> list[str]:
        found = []
        workgroup = self._get("workgroup", self.settings.workgroup)
        if workgroup:
            found.append(f"{self.label} ({workgroup['status'].lower()}, {workgroup.get('baseCapacity')} RPU)")
        namespace = self._get("namespace", self.settings.namespace)
        if namespace:
            found.append(f"{self.namespace_label} ({namespace['status'].lower()})")
        return found

    def create(self, role_arn: str, group_id: str, subnet_ids: list[str]) -> list[str]:
        settings, changes = self.settings, []
        if self._get("namespace", settings.namespace) is None:
            self.client.create_namespace(
                namespaceName=settings.namespace,
                adminUsername=settings.db_user,
                adminUserPassword=settings.db_password,
                dbName=settings.db_name,
                defaultIamRoleArn=role_arn,
                iamRoles=[role_arn],
                tags=[{"key": TAG_KEY, "value": TAG_VALUE}],
            )
            changes.append(f"created {self.namespace_label}")
        self.waiter.until(self.namespace_label, lambda: self._status("namespace", settings.namespace))
        try:
            self.client.create_workgroup(
                workgroupName=settings.workgroup,
                namespaceName=settings.namespace,
                baseCapacity=settings.base_capacity,
                port=settings.db_port,
                publiclyAccessible=True,
                securityGroupIds=[group_id],
                subnetIds=subnet_ids,
                tags=[{"key": TAG_KEY, "value": TAG_VALUE}],
            )
        except ClientError as exc:
            code = error_code(exc)
            if code in QUOTA_CODES or "quota" in error_message(exc).lower():
                raise QuotaReached(
                    f"cannot create {self.label}: an account quota is reached in {settings.region} "
                    f"({code}: {error_message(exc)})"
                ) from None
            raise
        return [*changes, f"started creating {self.label} ({settings.base_capacity} RPU base capacity)"]

    def attach_role(self, warehouse: Warehouse, role_arn: str) -> list[str]:
        if role_arn in warehouse.role_arns:
            return []
        self.client.update_namespace(
            namespaceName=self.settings.namespace,
            iamRoles=[*warehouse.role_arns, role_arn],
            defaultIamRoleArn=role_arn,
        )
        return [f"attached {role_arn} to {self.namespace_label}"]

    def wait_available(self) -> Warehouse:
        self.waiter.until(self.label, lambda: self._status("workgroup", self.settings.workgroup))
        warehouse = self.find()
        if warehouse is None:
            raise AwsOperationError(f"{self.label} disappeared while waiting for it to become available")
        return warehouse

    def delete(self, final_snapshot: str | None) -> list[str]:
        changes: list[str] = []
        for kind, name in (("workgroup", self.settings.workgroup), ("namespace", self.settings.namespace)):
            found = self._get(kind, name)
            if found is None:
                continue
            if found["status"] != "DELETING":
                self._delete(kind, name, final_snapshot)
            # The namespace cannot go while its workgroup exists, so each waits until gone.
            self.waiter.until(f"{kind} {name} to be deleted", lambda k=kind, n=name: self._gone(k, n))
            changes.append(f"deleted {kind} {name}")
        if final_snapshot and changes:
            changes.append(f"kept final snapshot {final_snapshot}")
        return changes

    def _delete(self, kind: str, name: str, final_snapshot: str | None) -> None:
        if kind == "workgroup":
            self.client.delete_workgroup(workgroupName=name)
        elif final_snapshot:
            self.client.delete_namespace(namespaceName=name, finalSnapshotName=final_snapshot)
        else:
            self.client.delete_namespace(namespaceName=name)

    def _get(self, kind: str, name: str) -> dict[str, Any] | None:
        try:
            if kind == "workgroup":
                return dict(self.client.get_workgroup(workgroupName=name)["workgroup"])
            return dict(self.client.get_namespace(namespaceName=name)["namespace"])
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise

    def _status(self, kind: str, name: str) -> tuple[bool, str]:
        found = self._get(kind, name)
        if found is None:
            raise AwsOperationError(f"{kind} {name} disappeared while waiting for it to become available")
        return found["status"] == "AVAILABLE", found["status"].lower()

    def _gone(self, kind: str, name: str) -> tuple[bool, str]:
        found = self._get(kind, name)
        return found is None, found["status"].lower() if found else "deleted"


def _warehouse(workgroup: dict[str, Any], namespace: dict[str, Any]) -> Warehouse:
    endpoint = workgroup.get("endpoint") or {}
    roles = [match.group(0) for entry in namespace.get("iamRoles", []) for match in ROLE_ARN.finditer(entry)]
    return Warehouse(
        label=f"workgroup {workgroup['workgroupName']}",
        status=str(workgroup.get("status", "")).lower(),
        host=str(endpoint.get("address", "")),
        port=int(endpoint.get("port") or workgroup.get("port") or 0),
        role_arns=tuple(dict.fromkeys(roles)),
        security_groups=tuple(workgroup.get("securityGroupIds", [])),
        created=workgroup.get("creationDate"),
        shape=f"{workgroup.get('baseCapacity', '?')} RPU base, namespace {workgroup['namespaceName']}",
    )
