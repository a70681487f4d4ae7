"""A provisioned Redshift cluster: created with the role and security group, waited for, deleted."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sparkify.errors import AwsOperationError, NodeTypeUnavailable, QuotaReached
from sparkify.iac.aws import error_code, error_message, tags
from sparkify.iac.settings import InfraSettings
from sparkify.iac.state import Warehouse
from sparkify.iac.waiting import Waiter

QUOTA_CODES = {"ClusterQuotaExceeded", "NumberOfNodesQuotaExceeded", "NumberOfNodesPerClusterLimitExceeded"}
# A cluster in one of these states will not become available by waiting.
FAILED_STATES = {
    "hardware-failure",
    "incompatible-hsm",
    "incompatible-network",
    "incompatible-parameters",
    "incompatible-restore",
}


class ProvisionedCluster:
    """The cluster named by ``[INFRA] CLUSTER_IDENTIFIER``."""

    def __init__(self, redshift: Any, settings: InfraSettings, waiter: Waiter) -> None:
        self.redshift = redshift
        self.settings = settings
        self.waiter = waiter

    @property
    def label(self) -> str:
        return f"cluster {self.settings.cluster_identifier}"

    def find(self) -> Warehouse | None:
        try:
            found = self.redshift.describe_clusters(ClusterIdentifier=self.settings.cluster_identifier)
        except ClientError as exc:
            if error_code(exc) == "ClusterNotFound":
                return None
            raise
        return _warehouse(found["Clusters"][0])

    def parts(self) -> list[str]:
        warehouse = self.find()
        return [f"{self.label} ({warehouse.status}, {warehouse.shape})"] if warehouse else []

    def create(self, role_arn: str, group_id: str, subnet_ids: list[str]) -> list[str]:
        settings = self.settings
        size: dict[str, Any] = {"ClusterType": "single-node"}
        if settings.number_of_nodes > 1:
            size = {"ClusterType": "multi-node", "NumberOfNodes": settings.number_of_nodes}
        try:
            self.redshift.create_cluster(
                ClusterIdentifier=settings.cluster_identifier,
                NodeType=settings.node_type,
                **size,
                DBName=settings.db_name,
                MasterUsername=settings.db_user,
                MasterUserPassword=settings.db_password,
                Port=settings.db_port,
                IamRoles=[role_arn],
                DefaultIamRoleArn=role_arn,
                VpcSecurityGroupIds=[group_id],
                # Without it the endpoint resolves to a private address the caller cannot reach.
                PubliclyAccessible=True,
                Tags=tags(),
            )
        except ClientError as exc:
            raise self._create_error(exc) from None
        return [f"started creating {self.label} ({settings.number_of_nodes} x {settings.node_type})"]

    def attach_role(self, warehouse: Warehouse, role_arn: str) -> list[str]:
        if role_arn in warehouse.role_arns:
            return []
        self.redshift.modify_cluster_iam_roles(
            ClusterIdentifier=self.settings.cluster_identifier, AddIamRoles=[role_arn]
        )
        return [f"attached {role_arn} to {self.label}"]

    def wait_available(self) -> Warehouse:
        latest: list[Warehouse] = []

        def probe() -> tuple[bool, str]:
            warehouse = self.find()
            if warehouse is None:
                raise AwsOperationError(f"{self.label} disappeared while waiting for it to become available")
            if warehouse.status in FAILED_STATES:
                raise AwsOperationError(f"{self.label} is {warehouse.status}; see its events in the console")
            latest.append(warehouse)
            return warehouse.available, warehouse.status

        self.waiter.until(self.label, probe)
        return latest[-1]

    def delete(self, final_snapshot: str | None) -> list[str]:
        warehouse = self.find()
        if warehouse is None:
            return []
        if warehouse.status != "deleting":
            if final_snapshot:
                snapshot: dict[str, Any] = {"FinalClusterSnapshotIdentifier": final_snapshot}
            else:
                snapshot = {"SkipFinalClusterSnapshot": True}
            self.redshift.delete_cluster(ClusterIdentifier=self.settings.cluster_identifier, **snapshot)

        def probe() -> tuple[bool, str]:
            current = self.find()
            return current is None, current.status if current else "deleted"

        self.waiter.until(f"{self.label} to be deleted", probe)
        kept = f" (final snapshot {final_snapshot})" if final_snapshot else ""
        return [f"deleted {self.label}{kept}"]

    def _create_error(self, exc: ClientError) -> Exception:
        code, message = error_code(exc), error_message(exc)
        if "node type" in message.lower():
            offered = self._offered_node_types()
            hint = f"; this region offers: {', '.join(offered)}" if offered else ""
            return NodeTypeUnavailable(
                f"[INFRA] NODE_TYPE {self.settings.node_type} cannot be created in {self.settings.region} "
                f"({code}: {message}){hint}"
            )
        if code in QUOTA_CODES:
            return QuotaReached(
                f"cannot create {self.label}: an account quota is reached in {self.settings.region} "
                f"({code}: {message}); delete an unused cluster or request more in Service Quotas"
            )
        return AwsOperationError(f"AWS refused CreateCluster ({code}): {message}")

    def _offered_node_types(self) -> list[str]:
        """Best effort, for the error message only: a failure here must not hide the real error."""
        try:
            pages = self.redshift.get_paginator("describe_orderable_cluster_options").paginate()
            options = [option for page in pages for option in page["OrderableClusterOptions"]]
            return sorted({option["NodeType"] for option in options})
        except (ClientError, BotoCoreError):
            return []


def _warehouse(cluster: dict[str, Any]) -> Warehouse:
    endpoint = cluster.get("Endpoint") or {}
    return Warehouse(
        label=f"cluster {cluster['ClusterIdentifier']}",
        status=str(cluster.get("ClusterStatus", "")).lower(),
        host=str(endpoint.get("Address", "")),
        port=int(endpoint.get("Port") or 0),
        role_arns=tuple(
            role["IamRoleArn"]
            for role in cluster.get("IamRoles", [])
            if role.get("ApplyStatus") != "removing"
        ),
        security_groups=tuple(
            group["VpcSecurityGroupId"]
            for group in cluster.get("VpcSecurityGroups", [])
            if group.get("Status", "active") in ("active", "adding")
        ),
        created=cluster.get("ClusterCreateTime"),
        shape=f"{cluster.get('NumberOfNodes', 1)} x {cluster.get('NodeType', '?')}",
    )
