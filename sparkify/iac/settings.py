"""Validate what the infrastructure commands need from ``dwh.cfg``, read through the one
:class:`sparkify.config.ConfigReader` with its defaults.

``[INFRA]`` says what to build, ``[CLUSTER]`` the database and its master user, ``[S3] REGION`` where.
:func:`sparkify.config.load_config` is not used: it also checks the ``[S3]`` sources, which may be local
sample paths that mean nothing to AWS, and HOST, which these commands write rather than read.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sparkify.config import (
    DB_NAME,
    DB_NAME_RULE,
    PASSWORD_ENV,
    REGION,
    ConfigReader,
    infra_layout,
)
from sparkify.config import DEFAULTS as CONFIG_DEFAULTS

DEFAULTS = CONFIG_DEFAULTS["INFRA"]

CLUSTER_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
SERVERLESS_NAME = re.compile(r"^[a-z0-9-]{3,64}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
MASTER_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
# Redshift refuses these in a master password, and anything outside printable ASCII.
PASSWORD_FORBIDDEN = set("'\"\\/@ ")
# RA3 clusters and Serverless workgroups listen only on these ports; older node types on 1150-65535.
RA3_PORTS = (range(5431, 5456), range(8191, 8216))


@dataclass(frozen=True)
class InfraSettings:
    """Everything the infrastructure commands read from the configuration, validated."""

    path: Path
    kind: str
    cluster_identifier: str
    node_type: str
    number_of_nodes: int
    namespace: str
    workgroup: str
    base_capacity: int
    iam_role_name: str
    ingress_cidr: str
    db_name: str
    db_user: str
    db_port: int
    region: str
    db_password: str = field(default="", repr=False)
    # The course's [AWS] KEY/SECRET, when the file still has them; the standard chain is preferred.
    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)

    @property
    def serverless(self) -> bool:
        return self.kind == "serverless"

    @property
    def warehouse_name(self) -> str:
        """The name of what is billed: the cluster, or the Serverless workgroup."""
        return self.workgroup if self.serverless else self.cluster_identifier

    @property
    def access_group_name(self) -> str:
        """The security group this tool creates for the warehouse port."""
        return f"{self.warehouse_name}-access"


def load_settings(path: str | Path, *, need_password: bool = False) -> InfraSettings:
    """Read ``path``; raise :class:`ConfigError` listing every problem found, not only the first."""
    reader = ConfigReader(path)
    settings = _Settings(reader).build(Path(path), need_password)
    reader.raise_problems()
    return settings


class _Settings:
    """The infrastructure's values and the rules AWS applies to them; problems go to the one reader."""

    def __init__(self, reader: ConfigReader) -> None:
        self.reader = reader
        self.problems = reader.problems
        self.matching = reader.matching
        self.number = reader.number

    def build(self, path: Path, need_password: bool) -> InfraSettings:
        layout = infra_layout(self.reader)
        settings = InfraSettings(
            path=path,
            kind=layout.kind,
            cluster_identifier=self.matching(
                "INFRA",
                "CLUSTER_IDENTIFIER",
                CLUSTER_ID,
                "1-63 lowercase letters, digits and single hyphens, starting with a letter",
            ),
            node_type=layout.node_type,
            number_of_nodes=layout.number_of_nodes,
            namespace=self.matching("INFRA", "NAMESPACE", SERVERLESS_NAME, _SERVERLESS_RULE),
            workgroup=self.matching("INFRA", "WORKGROUP", SERVERLESS_NAME, _SERVERLESS_RULE),
            base_capacity=self._base_capacity(),
            iam_role_name=self.matching("INFRA", "IAM_ROLE_NAME", ROLE_NAME, "1-64 of A-Z a-z 0-9 +=,.@_-"),
            ingress_cidr=self._ingress_cidr(),
            db_name=self.matching("CLUSTER", "DB_NAME", DB_NAME, DB_NAME_RULE),
            db_user=self.matching("CLUSTER", "DB_USER", MASTER_USER, "a letter, then letters, digits or _"),
            db_port=self.number("CLUSTER", "DB_PORT", range(1, 65536), "a port number"),
            region=self._region(),
            db_password=self._password(need_password),
            access_key=self.reader.value("AWS", "KEY"),
            secret_key=self.reader.value("AWS", "SECRET"),
        )
        self._check_port(settings)
        return settings

    def _base_capacity(self) -> int:
        allowed = [4, *range(8, 513, 8), *range(544, 1025, 32)]
        value = self.number("INFRA", "BASE_CAPACITY", range(4, 1025), "an RPU count")
        if value and value not in allowed:
            self.problems.append(
                f"[INFRA] BASE_CAPACITY: {value} is not 4, a multiple of 8 up to 512, or of 32 up to 1024"
            )
        return value

    def _ingress_cidr(self) -> str:
        value = self.reader.value("INFRA", "INGRESS_CIDR")
        if not value:
            return ""
        try:
            return str(ipaddress.ip_network(value, strict=True))
        except ValueError as exc:
            self.problems.append(f"[INFRA] INGRESS_CIDR: {value!r} is not a CIDR block ({exc})")
            return ""

    def _region(self) -> str:
        region = self.reader.value("S3", "REGION")
        if not REGION.match(region):
            self.problems.append(f"[S3] REGION: {region!r} is not an AWS region name such as us-west-2")
        return region

    def _password(self, required: bool) -> str:
        password = os.environ.get(PASSWORD_ENV) or self.reader.value("CLUSTER", "DB_PASSWORD")
        if not required:
            return password
        where = f"[CLUSTER] DB_PASSWORD (or the environment variable {PASSWORD_ENV})"
        if not password:
            self.problems.append(f"{where}: required to create the warehouse's master user")
        elif not _password_ok(password):
            # Never echo the password: the message may end up in a CI log.
            self.problems.append(
                f"{where}: Redshift wants 8-64 printable ASCII characters with an uppercase letter, "
                "a lowercase letter and a digit, and none of ' \" \\ / @ or space"
            )
        return password

    def _check_port(self, settings: InfraSettings) -> None:
        ra3_rules = settings.serverless or settings.node_type.startswith("ra3.")
        if not settings.db_port or not ra3_rules or any(settings.db_port in ports for ports in RA3_PORTS):
            return
        self.problems.append(
            f"[CLUSTER] DB_PORT: {settings.db_port} is not accepted by "
            f"{'Redshift Serverless' if settings.serverless else settings.node_type} "
            "(use 5431-5455 or 8191-8215; 5439 is the usual one)"
        )


_SERVERLESS_RULE = "3-64 lowercase letters, digits and hyphens"


def _password_ok(password: str) -> bool:
    return (
        8 <= len(password) <= 64
        and all(33 <= ord(char) <= 126 and char not in PASSWORD_FORBIDDEN for char in password)
        and any(char.isupper() for char in password)
        and any(char.islower() for char in password)
        and any(char.isdigit() for char in password)
    )
