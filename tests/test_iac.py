"""iac/cluster.py: create, status and delete of the AWS side, against moto (and a stub for Serverless).

No test reaches the network: the caller's public address is patched, every wait polls without sleeping,
and AWS is moto in-process, a moto server on localhost, or botocore's Stubber.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from moto.server import ThreadedMotoServer

from iac import cluster
from sparkify import cli
from sparkify.errors import ConfigError, UnsafeIngress, WaitTimeout
from sparkify.iac import cfgfile, commands, cost, network, waiting
from sparkify.iac.aws import Aws, new_session
from sparkify.iac.settings import load_settings

REGION = "us-west-2"
ADDRESS = "203.0.113.7"
ROLE_NAME = "sparkify-dwh-s3-read"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
S3_READ_ONLY_ARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
MANAGED_POLICIES = {"iam": {"load_aws_managed_policies": True}}

CONFIG = """\
# Sparkify test configuration: these comments must survive every edit.
[CLUSTER]
HOST =
DB_NAME = sparkify
DB_USER = dwhuser
; a semicolon comment inside the section
DB_PASSWORD = Passw0rd123
DB_PORT = 5439

[IAM_ROLE]
# The role the warehouse assumes.
ARN =

[S3]
LOG_DATA = data/sample/log_data
LOG_JSONPATH = data/sample/log_json_path.json
SONG_DATA = data/sample/song_data
REGION = us-west-2

[INFRA]
# provisioned (default) or serverless
KIND = {kind}
CLUSTER_IDENTIFIER = sparkify-dwh
NODE_TYPE = ra3.large
NUMBER_OF_NODES = 2
NAMESPACE = sparkify
WORKGROUP = sparkify
BASE_CAPACITY = 8
IAM_ROLE_NAME = sparkify-dwh-s3-read
# blank: the caller's public address as /32
INGRESS_CIDR =
"""


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, no real endpoint, instant polling, and a fixed public address."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "DWH_DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # moto loads thousands of AMIs into every fresh EC2 backend otherwise; nothing here uses them.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    monkeypatch.setattr(waiting, "POLL_SECONDS", 0.0)
    monkeypatch.setattr(network, "fetch_public_ip", lambda timeout=5.0: ADDRESS)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "dwh.cfg"
    path.write_text(CONFIG.format(kind="provisioned"))
    return path


@pytest.fixture
def moto(aws_env: None) -> Iterator[None]:
    """moto with the AWS managed policies, which every create needs (and which take a second to load)."""
    with mock_aws(config=MANAGED_POLICIES):
        yield


@pytest.fixture
def moto_plain(aws_env: None) -> Iterator[None]:
    """moto without the managed policies, for tests that stop before attaching one."""
    with mock_aws():
        yield


def run(config: Path, *argv: str) -> int:
    return cluster.main([*argv, "--config", str(config)])


def clusters() -> list[dict[str, Any]]:
    return list(boto3.client("redshift", region_name=REGION).describe_clusters()["Clusters"])


def inbound(group_id: str) -> list[tuple[str, int]]:
    ec2 = boto3.client("ec2", region_name=REGION)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return [
        (rule.get("CidrIpv4") or rule.get("CidrIpv6"), rule["FromPort"])
        for rule in rules["SecurityGroupRules"]
        if not rule["IsEgress"]
    ]


def access_groups() -> list[str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["sparkify-dwh-access"]}])
    return [group["GroupId"] for group in found["SecurityGroups"]]


def role_names() -> list[str]:
    return [role["RoleName"] for role in boto3.client("iam").list_roles()["Roles"]]


# --- provisioned, through the script's main() against moto -------------------------------------------


def test_create_status_create_delete_delete(moto: None, config: Path, capsys: pytest.CaptureFixture) -> None:
    original = config.read_text()
    # Not a terminal (pytest's stdin) and no --yes: nothing billed is started, nothing at all is made.
    assert run(config, "create") == 2
    err = capsys.readouterr().err
    assert "stdin is not a terminal; pass --yes to confirm" in err and "Traceback" not in err
    assert clusters() == [] and ROLE_NAME not in role_names() and access_groups() == []

    assert run(config, "create", "--yes") == 0
    out, err = capsys.readouterr()
    host, group = check_created()
    assert f"endpoint  {host}:5439" in out and "Cost estimate" in err and "/hour" in err
    # dwh.cfg: the endpoint and role, every other byte as it was.
    expected = original.replace("HOST =\n", f"HOST = {host}\n").replace("ARN =\n", f"ARN = {ROLE_ARN}\n")
    assert config.read_text() == expected

    assert run(config, "status") == 0
    out = capsys.readouterr().out
    for text in ("cluster sparkify-dwh: available, 2 x ra3.large", f"{host}:5439", ROLE_ARN, "running"):
        assert text in out
    assert f"from {ADDRESS}/32 (added by this tool)" in out and "AmazonS3ReadOnlyAccess" in out

    # Again, without --yes and without a terminal: nothing billed is created, so nothing is asked.
    assert run(config, "create") == 0
    assert "nothing: everything already existed" in capsys.readouterr().out
    assert check_created() == (host, group) and access_groups() == [group]
    assert role_names().count(ROLE_NAME) == 1 and config.read_text() == expected

    assert run(config, "delete") == 2
    assert "pass --yes to confirm" in capsys.readouterr().err
    assert [cluster["ClusterStatus"] for cluster in clusters()] == ["available"]
    assert run(config, "delete", "--yes") == 0
    assert "deleted cluster sparkify-dwh" in capsys.readouterr().out
    assert clusters() == [] and ROLE_NAME not in role_names() and access_groups() == []
    assert config.read_text() == expected.replace(f"HOST = {host}\n", "HOST =\n")

    assert run(config, "delete", "--yes") == 0
    assert "nothing to delete" in capsys.readouterr().out


def check_created() -> tuple[str, str]:
    """The one cluster has the S3-reading Redshift role and admits only the caller's /32; its host, group."""
    [found] = clusters()
    iam = boto3.client("iam")
    trust = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    assert "redshift.amazonaws.com" in trust["Statement"][0]["Principal"]["Service"]
    attached = iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [S3_READ_ONLY_ARN]
    assert [role["IamRoleArn"] for role in found["IamRoles"]] == [ROLE_ARN]
    assert found["PubliclyAccessible"] is True and found["NumberOfNodes"] == 2
    # Ingress on the group the cluster really has.
    [group] = [attached_group["VpcSecurityGroupId"] for attached_group in found["VpcSecurityGroups"]]
    assert inbound(group) == [(f"{ADDRESS}/32", 5439)]
    return found["Endpoint"]["Address"], group


def test_ingress_is_callers_address_unless_configured_or_anywhere(moto: None, config: Path, capsys) -> None:
    assert run(config, "create", "--yes", "--allow-anywhere") == 0
    [group] = access_groups()
    assert inbound(group) == [("0.0.0.0/0", 5439)]
    # Without the flag, this tool's earlier rule is replaced by the caller's /32...
    assert run(config, "create") == 0
    assert inbound(group) == [(f"{ADDRESS}/32", 5439)]
    # ... or by the configured block; the whole internet only with the flag.
    config.write_text(config.read_text().replace("INGRESS_CIDR =", "INGRESS_CIDR = 198.51.100.0/24"))
    assert run(config, "create") == 0
    assert inbound(group) == [("198.51.100.0/24", 5439)]
    config.write_text(config.read_text().replace("198.51.100.0/24", "0.0.0.0/0"))
    assert run(config, "create", "--yes") == 2
    assert "would open the warehouse to the whole internet; pass --allow-anywhere" in capsys.readouterr().err
    assert inbound(group) == [("198.51.100.0/24", 5439)]


def test_ingress_goes_on_the_group_attached_to_an_existing_cluster(moto: None, config: Path) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    decoy = ec2.create_security_group(GroupName="aaa-first", Description="listed first", VpcId=vpc)
    attached = ec2.create_security_group(GroupName="made-by-hand", Description="the cluster's", VpcId=vpc)
    boto3.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_trust("redshift"))
    boto3.client("redshift", region_name=REGION).create_cluster(
        ClusterIdentifier="sparkify-dwh",
        NodeType="ra3.large",
        NumberOfNodes=2,
        ClusterType="multi-node",
        MasterUsername="dwhuser",
        MasterUserPassword="Passw0rd123",
        IamRoles=[ROLE_ARN],
        VpcSecurityGroupIds=[attached["GroupId"]],
    )
    assert run(config, "create") == 0
    assert inbound(attached["GroupId"]) == [(f"{ADDRESS}/32", 5439)]
    assert inbound(decoy["GroupId"]) == []
    policies = boto3.client("iam").list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in policies] == ["AmazonS3ReadOnlyAccess"]
    # delete withdraws the rule it added from the group it does not own, and leaves the group.
    assert run(config, "delete", "--yes") == 0
    assert inbound(attached["GroupId"]) == []


# --- errors: one line, the right exit code -----------------------------------------------------------


def test_missing_credentials_is_one_line_exit_2(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert run(config, "status") == 2
    assert capsys.readouterr().err == (
        "cluster.py: error: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or run 'aws configure' (an instance or container role also works)\n"
    )


def test_role_name_taken_by_a_non_redshift_role(moto_plain: None, config: Path, capsys) -> None:
    boto3.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_trust("ec2"))
    assert run(config, "create", "--yes") == 2
    assert capsys.readouterr().err == (
        "cluster.py: error: IAM role 'sparkify-dwh-s3-read' already exists and is not a Redshift role "
        "(its trust policy does not allow redshift.amazonaws.com); choose another [INFRA] IAM_ROLE_NAME "
        "in the configuration\n"
    )
    assert clusters() == []
    # delete never removes a role it did not make.
    assert run(config, "delete", "--yes") == 0
    assert ROLE_NAME in role_names()


def test_unavailable_node_type_and_quota_are_one_line(moto: None, config: Path, capsys) -> None:
    settings = load_settings(config, need_password=True)
    redshift = boto3.client("redshift", region_name=REGION)
    stub = Stubber(redshift)
    stub.add_client_error("describe_clusters", "ClusterNotFound", "Cluster sparkify-dwh not found.", 404)
    stub.add_client_error("create_cluster", "InvalidParameterValue", "Invalid node type: ra3.large")
    options = [{"NodeType": "ra3.xlplus"}, {"NodeType": "ra3.4xlarge"}, {"NodeType": "ra3.xlplus"}]
    stub.add_response("describe_orderable_cluster_options", {"OrderableClusterOptions": options})
    stub.add_client_error("describe_clusters", "ClusterNotFound", "Cluster sparkify-dwh not found.", 404)
    stub.add_client_error("create_cluster", "ClusterQuotaExceeded", "The request would exceed the quota.")
    context = _context(settings, {"redshift": redshift})
    with stub:
        assert cli.run("cluster.py", lambda: commands.create(context, commands.Options(yes=True))) == 2
        assert cli.run("cluster.py", lambda: commands.create(context, commands.Options(yes=True))) == 1
    err = capsys.readouterr().err
    first, second = [line for line in err.splitlines() if line.startswith("cluster.py: error:")]
    assert first == (
        "cluster.py: error: [INFRA] NODE_TYPE ra3.large cannot be created in us-west-2 "
        "(InvalidParameterValue: Invalid node type: ra3.large); this region offers: ra3.4xlarge, ra3.xlplus"
    )
    assert second.startswith("cluster.py: error: cannot create cluster sparkify-dwh: an account quota is ")
    assert "ClusterQuotaExceeded" in second


def test_config_problems_are_reported_together(tmp_path: Path, aws_env: None, capsys) -> None:
    text = CONFIG.format(kind="dedicated").replace("NODE_TYPE = ra3.large", "NODE_TYPE = big")
    text = text.replace("BASE_CAPACITY = 8", "BASE_CAPACITY = 12").replace("DB_PORT = 5439", "DB_PORT = 5000")
    text = text.replace("INGRESS_CIDR =", "INGRESS_CIDR = 10.0.0.1/24").replace("Passw0rd123", "short")
    path = tmp_path / "dwh.cfg"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, need_password=True)
    assert [problem.split(":")[0] for problem in caught.value.problems] == [
        "[INFRA] KIND",
        "[INFRA] NODE_TYPE",
        "[INFRA] BASE_CAPACITY",
        "[INFRA] INGRESS_CIDR",
        "[CLUSTER] DB_PASSWORD (or the environment variable DWH_DB_PASSWORD)",
    ]
    assert "short" not in str(caught.value)
    assert run(path, "status") == 2 and "problem(s) in the configuration" in capsys.readouterr().err
    path.write_text(CONFIG.format(kind="provisioned").replace("DB_PORT = 5439", "DB_PORT = 5000"))
    with pytest.raises(ConfigError, match=r"DB_PORT: 5000 is not accepted by ra3.large"):
        load_settings(path)


def test_course_aws_keys_are_used_with_a_warning(moto_plain: None, config: Path, capsys) -> None:
    config.write_text(config.read_text() + "\n[AWS]\nKEY = AKIAEXAMPLEKEY\nSECRET = very-secret-value\n")
    assert run(config, "status") == 0
    err = capsys.readouterr().err
    assert "using the [AWS] KEY/SECRET of dwh.cfg" in err and "very-secret-value" not in err


# --- Serverless, which moto lacks: botocore's Stubber with the real API shapes -------------------------


def test_serverless_create_status_create_delete_delete(moto: None, config: Path, capsys, caplog) -> None:
    caplog.set_level("INFO")
    config.write_text(CONFIG.format(kind="serverless"))
    settings = load_settings(config, need_password=True)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    # Made beforehand so that the stubbed workgroup can name it; create finds and reuses it.
    group = ec2.create_security_group(
        GroupName="sparkify-access",
        Description="test",
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "project", "Value": "sparkify-dwh"}]}
        ],
    )["GroupId"]
    client = boto3.client("redshift-serverless", region_name=REGION)
    stub = Stubber(client)
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    ServerlessScript(stub, group, sorted(subnet["SubnetId"] for subnet in found)).everything()
    context = _context(settings, {"redshift-serverless": client})
    with stub:
        assert commands.create(context, commands.Options(yes=True)) == 0
        host = "sparkify.123456789012.us-west-2.redshift-serverless.amazonaws.com"
        assert cfgfile.read_value(config, "CLUSTER", "HOST") == host
        assert cfgfile.read_value(config, "IAM_ROLE", "ARN") == ROLE_ARN
        assert inbound(group) == [(f"{ADDRESS}/32", 5439)]
        assert commands.status(context) == 0
        assert commands.create(context, commands.Options()) == 0
        assert commands.delete(context, commands.Options(yes=True)) == 0
        assert commands.delete(context, commands.Options(yes=True)) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr().out
    assert "workgroup sparkify: available, 8 RPU base, namespace sparkify" in out
    assert "nothing: everything already existed" in out and "deleted namespace sparkify" in out
    assert out.rstrip().endswith(
        "nothing to delete: workgroup sparkify and its role and security group do not exist"
    )
    assert cfgfile.read_value(config, "CLUSTER", "HOST") == "" and ROLE_NAME not in role_names()
    assert "waiting for workgroup sparkify: creating (0s elapsed)" in caplog.text


class ServerlessScript:
    """Queues, in order, every Serverless call that create, status, create, delete, delete make."""

    def __init__(self, stub: Stubber, group: str, subnets: list[str]) -> None:
        self.stub, self.group, self.subnets = stub, group, subnets

    def get(self, kind: str, status: str | None) -> None:
        operation, key = f"get_{kind}", f"{kind}Name"
        if status is None:
            self.stub.add_client_error(
                operation, "ResourceNotFoundException", "not found", 404, None, {key: "sparkify"}
            )
        else:
            body = _workgroup(status, self.group) if kind == "workgroup" else _namespace(status)
            self.stub.add_response(operation, {kind: body}, {key: "sparkify"})

    def found(self, times: int = 1) -> None:
        for _ in range(times):
            self.get("workgroup", "AVAILABLE")
            self.get("namespace", "AVAILABLE")

    def create(self) -> None:
        """Nothing there: the namespace, a wait for it, the workgroup, a wait for it, then both read."""
        self.get("workgroup", None)
        self.get("namespace", None)
        namespace_params = {"namespaceName": "sparkify", "adminUsername": "dwhuser"}
        namespace_params |= {"adminUserPassword": "Passw0rd123", "dbName": "sparkify", "tags": ANY}
        namespace_params |= {"defaultIamRoleArn": ROLE_ARN, "iamRoles": [ROLE_ARN]}
        self.stub.add_response("create_namespace", {"namespace": _namespace("AVAILABLE")}, namespace_params)
        self.get("namespace", "AVAILABLE")
        workgroup_params = {"workgroupName": "sparkify", "namespaceName": "sparkify", "baseCapacity": 8}
        workgroup_params |= {"port": 5439, "publiclyAccessible": True, "tags": ANY}
        workgroup_params |= {"securityGroupIds": [self.group], "subnetIds": self.subnets}
        self.stub.add_response(
            "create_workgroup", {"workgroup": _workgroup("CREATING", self.group)}, workgroup_params
        )
        self.get("workgroup", "CREATING")
        self.get("workgroup", "AVAILABLE")
        self.found()

    def delete(self) -> None:
        """Look, list, then the workgroup and the namespace, each waited for until gone."""
        self.found(times=2)
        self.get("workgroup", "AVAILABLE")
        deleting = {"workgroup": _workgroup("DELETING", self.group)}
        self.stub.add_response("delete_workgroup", deleting, {"workgroupName": "sparkify"})
        self.get("workgroup", "DELETING")
        self.get("workgroup", None)
        self.get("namespace", "AVAILABLE")
        deleting = {"namespace": _namespace("DELETING")}
        self.stub.add_response("delete_namespace", deleting, {"namespaceName": "sparkify"})
        self.get("namespace", None)

    def everything(self) -> None:
        self.create()
        self.found()  # status
        self.found()  # create again: look...
        self.get("workgroup", "AVAILABLE")  # ... wait (already available) ...
        self.found()  # ... and read
        self.delete()
        for kind in ("workgroup", "workgroup", "namespace"):  # delete again: look, list
            self.get(kind, None)


def _workgroup(status: str, group: str) -> dict[str, Any]:
    return {
        "workgroupName": "sparkify",
        "namespaceName": "sparkify",
        "status": status,
        "baseCapacity": 8,
        "port": 5439,
        "publiclyAccessible": True,
        "securityGroupIds": [group],
        "creationDate": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
        "endpoint": {
            "address": "sparkify.123456789012.us-west-2.redshift-serverless.amazonaws.com",
            "port": 5439,
        },
    }


def _namespace(status: str) -> dict[str, Any]:
    return {
        "namespaceName": "sparkify",
        "status": status,
        "dbName": "sparkify",
        "adminUsername": "dwhuser",
        "defaultIamRoleArn": ROLE_ARN,
        "iamRoles": [f"IamRole(applyStatus=in-sync, iamRoleArn={ROLE_ARN})"],
    }


# --- end to end through AWS_ENDPOINT_URL and a local moto server --------------------------------------


@pytest.fixture
def moto_server(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    try:
        yield url
    finally:
        server.stop()


def test_end_to_end_against_a_moto_server(moto_server: str, config: Path, capsys) -> None:
    assert run(config, "create", "--yes") == 0
    host = cfgfile.read_value(config, "CLUSTER", "HOST")
    assert host.startswith("sparkify-dwh.") and cfgfile.read_value(config, "IAM_ROLE", "ARN") == ROLE_ARN
    assert run(config, "status") == 0
    assert f"{host}:5439" in capsys.readouterr().out
    assert run(config, "delete", "--yes") == 0
    assert cfgfile.read_value(config, "CLUSTER", "HOST") == ""
    assert run(config, "status") == 0
    assert "cluster sparkify-dwh: not found" in capsys.readouterr().out


# --- the parts on their own ---------------------------------------------------------------------------


def test_line_edit_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "dwh.cfg"
    text = (
        "; course file\r\n[CLUSTER]\r\nHOST='old.example'\r\n  continued\r\nDB_PORT=5439\r\n"
        "# trailing comment\r\n\r\n[S3]\r\nREGION = us-west-2"
    )
    path.write_bytes(text.encode())
    assert cfgfile.set_values(
        path, {"CLUSTER": {"HOST": "new.example", "DB_NAME": "dwh"}, "IAM_ROLE": {"ARN": "x"}}
    )
    assert path.read_bytes().decode() == (
        "; course file\r\n[CLUSTER]\r\nHOST='new.example'\r\nDB_PORT=5439\r\nDB_NAME = dwh\r\n"
        "# trailing comment\r\n\r\n[S3]\r\nREGION = us-west-2\r\n\r\n[IAM_ROLE]\r\nARN = x\r\n"
    )
    assert not cfgfile.set_values(path, {"CLUSTER": {"host": "new.example"}})
    assert cfgfile.set_values(path, {"CLUSTER": {"HOST": ""}})
    assert b"HOST=''\r\n" in path.read_bytes()


def test_waiter_shows_progress_and_gives_up(caplog: pytest.LogCaptureFixture) -> None:
    clock = iter(range(0, 10_000, 30))
    states = iter(["creating", "creating", "available"])
    waiter = waiting.Waiter(interval=30, timeout=600, sleep=lambda _: None, clock=lambda: next(clock))
    caplog.set_level("INFO")
    assert waiter.until("cluster x", lambda: (next(states) == "available", "state")) == "state"
    assert "waiting for cluster x: state (30s elapsed)" in caplog.text
    assert "cluster x: state after 1m 30s" in caplog.text
    with pytest.raises(WaitTimeout, match=r"gave up waiting for cluster y after 10m 00s \(still creating\)"):
        waiter.until("cluster y", lambda: (False, "creating"))


def test_ingress_block_resolution() -> None:
    assert network.resolve_cidr("", False, lambda: "198.51.100.9") == "198.51.100.9/32"
    assert network.resolve_cidr("", False, lambda: "2001:db8::1") == "2001:db8::1/128"
    assert network.resolve_cidr("10.1.0.0/16", False, lambda: "unused") == "10.1.0.0/16"
    assert network.resolve_cidr("10.1.0.0/16", True, lambda: "unused") == "0.0.0.0/0"
    with pytest.raises(UnsafeIngress):
        network.resolve_cidr("0.0.0.0/0", False, lambda: "unused")


def test_public_address_lookup_has_a_timeout_and_checks_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []

    def fake_urlopen(url: str, timeout: float) -> io.BytesIO:
        calls.append(timeout)
        return io.BytesIO(b"198.51.100.9\n")

    monkeypatch.setattr(network.urllib.request, "urlopen", fake_urlopen)
    assert network.fetch_public_ip() == "198.51.100.9" and calls == [5.0]

    def failing_urlopen(url: str, timeout: float) -> io.BytesIO:
        raise TimeoutError("timed out")

    monkeypatch.setattr(network.urllib.request, "urlopen", failing_urlopen)
    with pytest.raises(Exception, match="set \\[INFRA\\] INGRESS_CIDR"):
        network.fetch_public_ip()


def test_cost_estimate_says_it_is_an_estimate(config: Path) -> None:
    text = cost.estimate(load_settings(config))
    assert "not a quote" in text and "2 x ra3.large" in text and "~$1.09/hour" in text


def _trust(service: str) -> str:
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"Service": "{service}.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}}'
    )


def _context(settings: Any, overrides: dict[str, Any]) -> commands.Context:
    aws = Aws(session=new_session(), region=REGION, overrides=overrides)
    return commands.Context(
        settings=settings,
        aws=aws,
        waiter=waiting.Waiter(interval=0, sleep=lambda _: None),
        public_ip=lambda: ADDRESS,
    )


def test_runs_as_a_script_from_the_project_root(tmp_path: Path) -> None:
    project = Path(__file__).resolve().parent.parent
    missing = tmp_path / "absent.cfg"
    done = subprocess.run(
        [sys.executable, "iac/cluster.py", "status", "--config", str(missing)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"cluster.py: error: {missing}: 1 problem(s)")
    assert "no such file" in done.stderr
