"""Network access to the warehouse: a security group of its own, and one inbound rule for its port.

Every rule this tool adds carries :data:`RULE_MARKER` as its description: that is how ``delete`` (and a
later ``create`` from a new address) finds its own rules without touching anybody else's.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sparkify.errors import AwsOperationError, SparkifyError, UnsafeIngress
from sparkify.iac.aws import TAG_KEY, TAG_VALUE, error_code, tags
from sparkify.iac.waiting import Waiter

CHECKIP_URL = "https://checkip.amazonaws.com"
RULE_MARKER = "sparkify-dwh: added by iac/cluster.py"
GROUP_DESCRIPTION = "Sparkify warehouse: inbound access to the warehouse port (iac/cluster.py)"
ANYWHERE_V4 = "0.0.0.0/0"


@dataclass(frozen=True)
class Rule:
    """One inbound rule of a security group, as describe_security_group_rules reports it."""

    group_id: str
    rule_id: str
    protocol: str
    from_port: int
    to_port: int
    cidr: str
    description: str

    @property
    def ours(self) -> bool:
        return self.description == RULE_MARKER

    def admits(self, port: int) -> bool:
        return self.protocol == "-1" or (self.protocol == "tcp" and self.from_port <= port <= self.to_port)

    def __str__(self) -> str:
        ports = "all" if self.protocol == "-1" else f"{self.protocol} {_port_range(self)}"
        mark = " (added by this tool)" if self.ours else ""
        return f"{self.group_id}: {ports} from {self.cidr or 'another group'}{mark}"


def fetch_public_ip(timeout: float = 5.0) -> str:
    """The caller's public address as AWS sees it: one small HTTPS call."""
    try:
        with urllib.request.urlopen(CHECKIP_URL, timeout=timeout) as response:
            text = response.read(64).decode("ascii", "replace").strip()
    except (OSError, ValueError) as exc:
        raise SparkifyError(
            f"could not find your public address at {CHECKIP_URL} ({exc}); set [INFRA] INGRESS_CIDR"
        ) from None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise SparkifyError(f"{CHECKIP_URL} answered {text[:40]!r}, not an address") from None


def resolve_cidr(configured: str, allow_anywhere: bool, lookup: Callable[[], str]) -> str:
    """The block that may reach the warehouse port; the whole internet only when asked for by flag."""
    if allow_anywhere:
        return ANYWHERE_V4
    if configured:
        if ipaddress.ip_network(configured).prefixlen == 0:
            raise UnsafeIngress(
                f"[INFRA] INGRESS_CIDR {configured} would open the warehouse to the whole internet; "
                "pass --allow-anywhere if that is really meant"
            )
        return configured
    address = ipaddress.ip_address(lookup())
    return f"{address}/{address.max_prefixlen}"


def default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise AwsOperationError(
            "the region has no default VPC, which the warehouse is created in; "
            "create one with 'aws ec2 create-default-vpc'"
        )
    return str(vpcs[0]["VpcId"])


def subnet_ids(ec2: Any, vpc_id: str) -> list[str]:
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    pages = ec2.get_paginator("describe_subnets").paginate(Filters=filters)
    return sorted(subnet["SubnetId"] for page in pages for subnet in page["Subnets"])


def find_access_group(ec2: Any, name: str) -> str | None:
    """The id of the security group this tool made for the warehouse, found by its name and tag."""
    filters = [
        {"Name": "group-name", "Values": [name]},
        {"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]},
    ]
    groups = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    return str(groups[0]["GroupId"]) if groups else None


def ensure_access_group(ec2: Any, name: str, vpc_id: str) -> tuple[str, list[str]]:
    found = find_access_group(ec2, name)
    if found:
        return found, []
    created = ec2.create_security_group(
        GroupName=name,
        Description=GROUP_DESCRIPTION,
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags()}],
    )
    return str(created["GroupId"]), [f"created security group {name} ({created['GroupId']})"]


def ingress_group(attached: list[str], own: str | None, label: str) -> str:
    """The group to put the rule on: one really attached to the warehouse, ours when it is attached."""
    if own and own in attached:
        return own
    if len(attached) == 1:
        return attached[0]
    if not attached:
        raise AwsOperationError(f"{label} has no VPC security group to add the inbound rule to")
    raise AwsOperationError(
        f"{label} has {len(attached)} security groups ({', '.join(attached)}) and none is this tool's; "
        "add the inbound rule for the warehouse port to the right one yourself"
    )


def ingress_rules(ec2: Any, group_ids: list[str]) -> list[Rule]:
    if not group_ids:
        return []
    filters = [{"Name": "group-id", "Values": list(group_ids)}]
    pages = ec2.get_paginator("describe_security_group_rules").paginate(Filters=filters)
    return [
        Rule(
            group_id=rule["GroupId"],
            rule_id=rule["SecurityGroupRuleId"],
            protocol=str(rule.get("IpProtocol", "")),
            from_port=int(rule.get("FromPort", -1)),
            to_port=int(rule.get("ToPort", -1)),
            cidr=rule.get("CidrIpv4") or rule.get("CidrIpv6") or "",
            description=rule.get("Description", ""),
        )
        for page in pages
        for rule in page["SecurityGroupRules"]
        if not rule.get("IsEgress")
    ]


def ensure_ingress(ec2: Any, group_id: str, port: int, cidr: str) -> list[str]:
    """Admit ``cidr`` to ``port``; withdraw the rules this tool added earlier for anything else."""
    rules = ingress_rules(ec2, [group_id])
    changes: list[str] = []
    if not any(rule.cidr == cidr and rule.admits(port) for rule in rules):
        ranges_key, cidr_key = ("Ipv6Ranges", "CidrIpv6") if ":" in cidr else ("IpRanges", "CidrIp")
        permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        permission[ranges_key] = [{cidr_key: cidr, "Description": RULE_MARKER}]
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
        changes.append(f"allowed {cidr} to port {port} in {group_id}")
    stale = [rule for rule in rules if rule.ours and not (rule.cidr == cidr and rule.from_port == port)]
    if stale:
        ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=[r.rule_id for r in stale])
        changes += [f"removed the earlier rule for {rule.cidr} from {group_id}" for rule in stale]
    return changes


def revoke_own_rules(ec2: Any, group_ids: list[str]) -> list[str]:
    """Withdraw every rule this tool added to these groups."""
    changes: list[str] = []
    for group_id in dict.fromkeys(group_ids):
        ours = [rule for rule in ingress_rules(ec2, [group_id]) if rule.ours]
        if ours:
            ec2.revoke_security_group_ingress(
                GroupId=group_id, SecurityGroupRuleIds=[r.rule_id for r in ours]
            )
            changes += [f"removed the rule for {rule.cidr} from {group_id}" for rule in ours]
    return changes


def delete_access_group(ec2: Any, group_id: str, waiter: Waiter) -> str:
    """Delete the group; the warehouse's network interfaces can hold on to it for a while after it goes."""

    def attempt() -> tuple[bool, str]:
        try:
            ec2.delete_security_group(GroupId=group_id)
        except ClientError as exc:
            if error_code(exc) == "DependencyViolation":
                return False, "still in use by a network interface"
            if error_code(exc) != "InvalidGroup.NotFound":
                raise
        return True, "deleted"

    waiter.until(f"security group {group_id}", attempt)
    return f"deleted security group {group_id}"


def _port_range(rule: Rule) -> str:
    return str(rule.from_port) if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
