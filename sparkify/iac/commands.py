"""The three commands: create, status and delete, for either kind of warehouse.

Each looks first and changes only what is missing (create) or present (delete), so that running one again,
after a failure or an interruption, finishes the job instead of failing on what already exists.
Results go to stdout; progress, estimates and questions to stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TextIO

from sparkify.config import REDSHIFT_HOST
from sparkify.errors import AwsOperationError, ConfirmationRequired, RoleNameTaken
from sparkify.iac import cfgfile, cost, iam, network
from sparkify.iac.aws import Aws
from sparkify.iac.provisioned import ProvisionedCluster
from sparkify.iac.serverless import ServerlessWorkgroup
from sparkify.iac.settings import InfraSettings
from sparkify.iac.state import BLOCKED_STATES, Backend, Warehouse
from sparkify.iac.waiting import Waiter, format_duration

log = logging.getLogger(__name__)

SOURCE_KEYS = ("log_data", "log_jsonpath", "song_data")


def ask_on_terminal(question: str) -> bool:
    """Ask y/N on the terminal; refuse outright when there is no terminal to ask on."""
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        raise ConfirmationRequired(f'cannot ask "{question}": stdin is not a terminal; pass --yes to confirm')
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return stdin.readline().strip().lower() in ("y", "yes")


@dataclass
class Options:
    yes: bool = False
    allow_anywhere: bool = False
    final_snapshot: str | None = None


@dataclass
class Context:
    """What a command works with; tests replace the clients, the address lookup, the question and clock."""

    settings: InfraSettings
    aws: Aws
    waiter: Waiter = field(default_factory=Waiter)
    # Looked up when the context is made, so that a test's monkeypatch of the module takes effect.
    public_ip: Callable[[], str] = field(default_factory=lambda: network.fetch_public_ip)
    ask: Callable[[str], bool] = ask_on_terminal
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    out: TextIO | None = None

    def print(self, text: str) -> None:
        print(text, file=self.out or sys.stdout)

    def backend(self) -> Backend:
        if self.settings.serverless:
            return ServerlessWorkgroup(self.aws.client("redshift-serverless"), self.settings, self.waiter)
        return ProvisionedCluster(self.aws.client("redshift"), self.settings, self.waiter)


def create(ctx: Context, options: Options) -> int:
    """Create what is missing, wait until the warehouse is available, record its endpoint in dwh.cfg."""
    settings, ec2, iam_client = ctx.settings, ctx.aws.client("ec2"), ctx.aws.client("iam")
    identity = ctx.aws.identity()
    cidr = network.resolve_cidr(settings.ingress_cidr, options.allow_anywhere, ctx.public_ip)
    backend = ctx.backend()
    existing = backend.find()
    if existing is not None and existing.status in BLOCKED_STATES:
        raise AwsOperationError(f"{existing.label} exists but {BLOCKED_STATES[existing.status]}")
    # Checked before asking to spend money, so that a taken name fails before anything is created.
    current_role = iam.find_role(iam_client, settings.iam_role_name)
    if current_role is not None and not current_role.for_redshift:
        raise RoleNameTaken(settings.iam_role_name)
    if existing is None:
        print(cost.estimate(settings), file=sys.stderr)
        question = f"Create {backend.label} in {settings.region}, billed until you delete it?"
        if not (options.yes or ctx.ask(question)):
            log.info("nothing created")
            return 1
    role, changes = iam.ensure_role(iam_client, settings.iam_role_name, identity.partition)
    own_group = network.find_access_group(ec2, settings.access_group_name)
    if existing is None:
        own_group, started = _start(ctx, backend, role.arn)
        changes += started
    else:
        changes += backend.attach_role(existing, role.arn)
    warehouse = backend.wait_available()
    target = network.ingress_group(list(warehouse.security_groups), own_group, warehouse.label)
    port = warehouse.port or settings.db_port
    changes += network.ensure_ingress(ec2, target, port, cidr)
    endpoint = {"CLUSTER": {"HOST": warehouse.host, "DB_PORT": str(port)}, "IAM_ROLE": {"ARN": role.arn}}
    if cfgfile.set_values(settings.path, endpoint):
        changes.append(f"wrote [CLUSTER] HOST, DB_PORT and [IAM_ROLE] ARN to {settings.path}")
    _report_created(ctx, warehouse, role.arn, cidr, changes)
    return 0


def _start(ctx: Context, backend: Backend, role_arn: str) -> tuple[str, list[str]]:
    """Create the security group, then start creating the warehouse in the default VPC."""
    ec2 = ctx.aws.client("ec2")
    vpc_id = network.default_vpc(ec2)
    group_id, changes = network.ensure_access_group(ec2, ctx.settings.access_group_name, vpc_id)
    subnets = network.subnet_ids(ec2, vpc_id) if ctx.settings.serverless else []
    changes += backend.create(role_arn, group_id, subnets)
    log.info("%s; this usually takes several minutes", changes[-1])
    return group_id, changes


def _report_created(ctx: Context, warehouse: Warehouse, role_arn: str, cidr: str, changes: list[str]) -> None:
    port = warehouse.port or ctx.settings.db_port
    ctx.print(f"{warehouse.label} is available")
    ctx.print(f"  endpoint  {warehouse.host}:{port}")
    ctx.print(f"  role      {role_arn}")
    ctx.print(f"  ingress   tcp {port} from {cidr}")
    _print_changes(ctx, changes or ["nothing: everything already existed"])
    sources = cfgfile.read_section(ctx.settings.path, "S3")
    local = [key.upper() for key in SOURCE_KEYS if not sources.get(key, "").startswith("s3://")]
    if local:
        log.info(
            "note: [S3] %s still name local paths; Redshift reads only s3:// sources "
            "(the course's are under s3://udacity-dend/), so set them before running etl.py",
            ", ".join(local),
        )
    if ctx.settings.serverless:
        log.info("compute is billed while queries run, storage until you run: python iac/cluster.py delete")
    else:
        log.info("it is billed by the hour until you run: python iac/cluster.py delete")


def _print_changes(ctx: Context, changes: list[str]) -> None:
    for number, change in enumerate(changes):
        ctx.print(f"  {'changed' if number == 0 else '':<8}  {change}")


def status(ctx: Context) -> int:
    """Print what exists, its state, endpoint, role, ingress and how long it has been running."""
    settings, ec2 = ctx.settings, ctx.aws.client("ec2")
    identity = ctx.aws.identity()
    backend = ctx.backend()
    warehouse = backend.find()
    role = iam.find_role(ctx.aws.client("iam"), settings.iam_role_name)
    own_group = network.find_access_group(ec2, settings.access_group_name)
    rows = [("account", f"{identity.account} in {settings.region} ({settings.kind})")]
    rows += _warehouse_rows(ctx, backend, warehouse)
    rows.append(("iam role", _describe_role(settings.iam_role_name, role)))
    groups = _groups(warehouse, own_group)
    port = (warehouse.port if warehouse else 0) or settings.db_port
    rules = [str(rule) for rule in network.ingress_rules(ec2, groups) if rule.admits(port)]
    rows += [("ingress" if number == 0 else "", rule) for number, rule in enumerate(rules or ["none"])]
    if warehouse:
        rows.append(("estimate", _hourly(settings)))
    for label, value in rows:
        ctx.print(f"{label:<9} {value}")
    return 0


def _warehouse_rows(ctx: Context, backend: Backend, warehouse: Warehouse | None) -> list[tuple[str, str]]:
    if warehouse is None:
        others = backend.parts()
        rows = [("warehouse", f"{backend.label}: not found (python iac/cluster.py create makes it)")]
        return rows + [("", f"also: {part}") for part in others]
    rows = [
        ("warehouse", f"{warehouse.label}: {warehouse.status}, {warehouse.shape}"),
        ("endpoint", f"{warehouse.host}:{warehouse.port}" if warehouse.host else "(none yet)"),
        ("roles", ", ".join(warehouse.role_arns) or "(none attached)"),
    ]
    if warehouse.created:
        since = warehouse.created.astimezone(timezone.utc)
        running = format_duration((ctx.now() - since).total_seconds())
        rows.append(("running", f"{running} (created {since:%Y-%m-%d %H:%M} UTC)"))
    return rows


def _describe_role(name: str, role: iam.Role | None) -> str:
    if role is None:
        return f"{name}: not found"
    if not role.for_redshift:
        return f"{name}: exists but is not a Redshift role (not this tool's)"
    policies = ", ".join(role.policies) or "no policy attached"
    return f"{name}: {role.arn} ({policies})"


def _hourly(settings: InfraSettings) -> str:
    hourly = cost.hourly_usd(settings)
    if hourly is None:
        return f"no price on record for {settings.node_type}"
    when = "while queries run" if settings.serverless else "while it exists"
    return f"~${hourly:.2f}/hour {when} (on-demand estimate for the configured size)"


def delete(ctx: Context, options: Options) -> int:
    """Delete the warehouse, the rules and group this tool added, and the role; blank HOST in dwh.cfg."""
    settings, ec2, iam_client = ctx.settings, ctx.aws.client("ec2"), ctx.aws.client("iam")
    ctx.aws.identity()
    backend = ctx.backend()
    warehouse = backend.find()
    role = iam.find_role(iam_client, settings.iam_role_name)
    own_group = network.find_access_group(ec2, settings.access_group_name)
    groups = _groups(warehouse, own_group)
    doomed = _doomed(backend, role, own_group, network.ingress_rules(ec2, groups))
    if not doomed:
        changes = _blank_host(settings, warehouse)
        ctx.print(f"nothing to delete: {backend.label} and its role and security group do not exist")
        _print_changes(ctx, changes)
        return 0
    print("This deletes:\n" + "\n".join(f"  - {item}" for item in doomed), file=sys.stderr)
    snapshot = options.final_snapshot
    kept = f"only the final snapshot {snapshot} keeps" if snapshot else "nothing keeps"
    question = f"Delete these from {settings.region}? ({kept} the warehouse's data)"
    if not (options.yes or ctx.ask(question)):
        log.info("nothing deleted")
        return 1
    changes = network.revoke_own_rules(ec2, groups)
    changes += backend.delete(options.final_snapshot)
    if own_group:
        changes.append(network.delete_access_group(ec2, own_group, ctx.waiter))
    removed = iam.delete_role(iam_client, settings.iam_role_name)
    changes += [removed] if removed else []
    changes += _blank_host(settings, warehouse)
    ctx.print(f"deleted {backend.label}")
    _print_changes(ctx, changes)
    return 0


def _groups(warehouse: Warehouse | None, own_group: str | None) -> list[str]:
    """The groups attached to the warehouse, and this tool's own group even when it is not attached."""
    attached = list(warehouse.security_groups) if warehouse else []
    return list(dict.fromkeys([*attached, *([own_group] if own_group else [])]))


def _doomed(
    backend: Backend, role: iam.Role | None, own_group: str | None, rules: list[network.Rule]
) -> list[str]:
    doomed = backend.parts()
    doomed += [f"inbound rule {rule}" for rule in rules if rule.ours and rule.group_id != own_group]
    if own_group:
        doomed.append(f"security group {own_group}")
    if role is not None and role.for_redshift:
        doomed.append(f"IAM role {role.name} ({role.arn})")
    return doomed


def _blank_host(settings: InfraSettings, warehouse: Warehouse | None) -> list[str]:
    """Blank HOST when it names this warehouse; a HOST pointing anywhere else is not this tool's to clear."""
    host = cfgfile.read_value(settings.path, "CLUSTER", "HOST")
    ours = (warehouse is not None and host == warehouse.host) or (
        host.lower().startswith(f"{settings.warehouse_name}.") and bool(REDSHIFT_HOST.search(host))
    )
    if host and ours and cfgfile.set_values(settings.path, {"CLUSTER": {"HOST": ""}}):
        return [f"blanked [CLUSTER] HOST in {settings.path}"]
    return []
