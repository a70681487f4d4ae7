"""The one reader of ``dwh.cfg``: every script, iac/, the checks and packing read it through
:class:`ConfigReader`, with the one table of defaults below.

The course's file is accepted as it is; every problem is collected and reported at once, before anything
runs, so that one edit fixes them all.
"""

from __future__ import annotations

import configparser
import dataclasses
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sparkify.engine.copy.s3io import DEFAULT_S3_MAX_CONCURRENCY
from sparkify.errors import ConfigError

T = TypeVar("T")

PASSWORD_ENV = "DWH_DB_PASSWORD"
DEFAULT_REGION = "us-west-2"
DEFAULT_EMBEDDED_DIR = ".warehouse/pgdata"
MAX_S3_MAX_CONCURRENCY = 256

#: Every optional key and the value it takes when absent or blank; a key not listed here is required.
DEFAULTS: dict[str, dict[str, str]] = {
    "CLUSTER": {"DB_PASSWORD": ""},
    "IAM_ROLE": {"ARN": ""},
    "S3": {"REGION": DEFAULT_REGION, "MAX_CONCURRENCY": str(DEFAULT_S3_MAX_CONCURRENCY)},
    "EMBEDDED": {"DATA_DIR": DEFAULT_EMBEDDED_DIR, "QUERY_HISTORY_SIZE": "10000", "QUERY_HISTORY_DAYS": "7"},
    "ETL": {"MAXERROR": "0"},
    "CHECKS": {"MIN_SONG_MATCH_SHARE": "0"},
    "AWS": {"KEY": "", "SECRET": ""},
    "INFRA": {
        "KIND": "provisioned",
        "CLUSTER_IDENTIFIER": "sparkify-dwh",
        "NODE_TYPE": "ra3.large",
        "NUMBER_OF_NODES": "2",
        "NAMESPACE": "sparkify",
        "WORKGROUP": "sparkify",
        "BASE_CAPACITY": "8",
        "IAM_ROLE_NAME": "sparkify-dwh-s3-read",
        "INGRESS_CIDR": "",
    },
}
INFRA_KINDS = ("provisioned", "serverless")
# Redshift's rule for a database name (CreateCluster's DBName), the one rule every reader applies.
DB_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,63}$")
DB_NAME_RULE = "1-64 lowercase letters, digits, _ or $, not starting with a digit"
NODE_TYPE = re.compile(r"^[a-z0-9]+\.[a-z0-9]+$")

ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", re.ASCII)
S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(?P<key>.*))?$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$", re.ASCII)
REDSHIFT_HOST = re.compile(r"\.redshift(-serverless)?\.amazonaws\.com(\.cn)?$", re.IGNORECASE)


@dataclass(frozen=True)
class InfraLayout:
    """What ``[INFRA]`` says of the warehouse's shape: enough to count its slices (packing)."""

    kind: str
    node_type: str
    number_of_nodes: int


@dataclass(frozen=True)
class Config:
    """A validated configuration; local paths are absolute, quotes are stripped."""

    path: Path
    host: str
    db_name: str
    db_user: str
    db_password: str
    db_port: int
    iam_role_arn: str
    log_data: str
    log_jsonpath: str
    song_data: str
    region: str
    embedded_data_dir: Path
    maxerror: int
    s3_max_concurrency: int = DEFAULT_S3_MAX_CONCURRENCY
    min_song_match_share: float = 0.0
    #: The local engine's query history: how many statements, of how many days, sys_query_history keeps.
    query_history: tuple[int, int] = (10_000, 7)
    infra: InfraLayout = InfraLayout("provisioned", "ra3.large", 2)

    @property
    def is_embedded(self) -> bool:
        return self.host == ""

    @property
    def names_redshift(self) -> bool:
        """True when HOST is a Redshift endpoint; the server's version string confirms it once connected."""
        return bool(REDSHIFT_HOST.search(self.host))


def read_ini(path: str | Path) -> configparser.ConfigParser:
    """The parsed file; :class:`ConfigError` if missing or malformed."""
    config_path = Path(path)
    if not config_path.is_file():
        raise ConfigError(str(path), [f"no such file; pass --config PATH or create {config_path.name}"])
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(
            config_path, encoding="utf-8-sig"
        )  # -sig: a byte order mark, as Notepad writes, is skipped
    except configparser.Error as exc:
        raise ConfigError(str(path), [f"not a valid INI file: {exc.message}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path),
            [f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save it as UTF-8"],
        ) from None
    return parser


def load_config(path: str | Path) -> Config:
    """Read and validate every section of ``path``; raise :class:`ConfigError` listing every problem."""
    return read_checked(path, _warehouse_config)


def load_embedded_data_dir(path: str | Path) -> Path:
    """``[EMBEDDED] DATA_DIR`` alone (absolute), for stopping the server: whether the sources exist or
    the rest of the file is valid does not matter to that."""
    return read_checked(
        path, lambda reader: reader.local_path(reader.value("EMBEDDED", "DATA_DIR"), "[EMBEDDED] DATA_DIR")
    )


def load_infra_layout(path: str | Path) -> InfraLayout:
    """``[INFRA]``'s kind, node type and node count (their defaults when absent), validated."""
    return read_checked(path, infra_layout)


def load_min_song_match_share(path: str | Path) -> float:
    """``[CHECKS] MIN_SONG_MATCH_SHARE``, validated (0 when absent)."""
    return read_checked(path, min_song_match_share)


def read_checked(path: str | Path, read: Callable[[ConfigReader], T]) -> T:
    """What ``read`` takes from ``path`` through one :class:`ConfigReader`; :class:`ConfigError` listing
    every problem it noted."""
    reader = ConfigReader(path)
    value = read(reader)
    reader.raise_problems()
    return value


def strip_quotes(value: str) -> str:
    """``'x'`` and ``"x"`` mean ``x``: the course's file quotes some values and not others."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


class ConfigReader:
    """Pulls values out of the file, with :data:`DEFAULTS`, noting each problem instead of stopping at
    the first; :meth:`raise_problems` reports them all at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.parser = read_ini(self.path)
        self.base_dir = self.path.resolve().parent
        self.problems: list[str] = []

    def raise_problems(self) -> None:
        if self.problems:
            raise ConfigError(str(self.path), self.problems)

    def has(self, section: str, key: str) -> bool:
        return self.parser.has_option(section, key)

    def value(self, section: str, key: str, *, blank_ok: bool = False) -> str:
        """The value with its quotes stripped; a key with a default takes it when absent or blank, any
        other key is required: noted as missing, or as blank unless ``blank_ok``."""
        default = DEFAULTS.get(section, {}).get(key)
        if self.parser.has_option(section, key):
            found = strip_quotes(self.parser.get(section, key))
            if not found and default is None and not blank_ok:
                self.problems.append(f"[{section}] {key}: must not be blank")
            return found or (default or "")
        if default is None:
            where = "" if self.parser.has_section(section) else f" (the section [{section}] is absent)"
            self.problems.append(f"[{section}] {key}: missing{where}")
            return ""
        return default

    def matching(self, section: str, key: str, pattern: re.Pattern[str], rule: str) -> str:
        value = self.value(section, key)
        if value and not pattern.match(value):
            self.problems.append(f"[{section}] {key}: {value!r} is not valid ({rule})")
        return value

    def number(self, section: str, key: str, allowed: range, rule: str | None = None) -> int:
        """A whole number in ``allowed`` (ASCII digits only); 0 and a noted problem otherwise."""
        value = self.value(section, key)
        if value.isascii() and value.isdigit() and int(value) in allowed:
            return int(value)
        if value:
            rule = rule or f"a whole number from {allowed.start} to {allowed.stop - 1}"
            self.problems.append(f"[{section}] {key}: {value!r} is not {rule}")
        return 0

    def local_path(self, raw: str, where: str) -> Path:
        path = Path(raw.removeprefix("file://"))
        try:
            path = path.expanduser()
        except RuntimeError:  # ~name where no user is called name
            self.problems.append(f"{where}: {raw!r} starts with ~ but names no user's home folder")
        return path if path.is_absolute() else self.base_dir / path


def infra_layout(reader: ConfigReader) -> InfraLayout:
    kind = reader.value("INFRA", "KIND").lower()
    if kind not in INFRA_KINDS:
        reader.problems.append(f"[INFRA] KIND: {kind!r} is not one of {', '.join(INFRA_KINDS)}")
    return InfraLayout(
        kind=kind,
        node_type=reader.matching("INFRA", "NODE_TYPE", NODE_TYPE, "a node type such as ra3.large"),
        number_of_nodes=reader.number("INFRA", "NUMBER_OF_NODES", range(1, 129), "a whole number 1-128"),
    )


def min_song_match_share(reader: ConfigReader) -> float:
    raw = reader.value("CHECKS", "MIN_SONG_MATCH_SHARE")
    try:
        share = float(raw)
    except ValueError:
        share = math.nan
    # NaN fails both comparisons, so "nan" is refused along with text and out-of-range numbers.
    if not 0.0 <= share <= 1.0:
        reader.problems.append(
            f"[CHECKS] MIN_SONG_MATCH_SHARE: {raw!r} is not a fraction from 0 to 1 (0.05 means 5%)"
        )
        return 0.0
    return share


def _warehouse_config(reader: ConfigReader) -> Config:
    password = os.environ.get(PASSWORD_ENV) or reader.value("CLUSTER", "DB_PASSWORD")
    config = Config(
        path=reader.path,
        host=reader.value("CLUSTER", "HOST", blank_ok=True),  # blank: the embedded engine
        db_name=reader.matching("CLUSTER", "DB_NAME", DB_NAME, DB_NAME_RULE),
        db_user=identifier(reader, "CLUSTER", "DB_USER"),
        db_password=password,
        db_port=reader.number("CLUSTER", "DB_PORT", range(1, 65536)),
        iam_role_arn=reader.value("IAM_ROLE", "ARN"),
        log_data=reader.value("S3", "LOG_DATA"),
        log_jsonpath=reader.value("S3", "LOG_JSONPATH"),
        song_data=reader.value("S3", "SONG_DATA"),
        region=reader.value("S3", "REGION"),
        embedded_data_dir=reader.local_path(reader.value("EMBEDDED", "DATA_DIR"), "[EMBEDDED] DATA_DIR"),
        maxerror=reader.number("ETL", "MAXERROR", range(0, 100001)),
        s3_max_concurrency=reader.number("S3", "MAX_CONCURRENCY", range(1, MAX_S3_MAX_CONCURRENCY + 1)),
        min_song_match_share=min_song_match_share(reader),
        query_history=query_history(reader),
        infra=infra_layout(reader),
    )
    return _Checks(reader).check(config)


def query_history(reader: ConfigReader) -> tuple[int, int]:
    """``[EMBEDDED] QUERY_HISTORY_SIZE`` and ``QUERY_HISTORY_DAYS``: the statements the local engine's
    history views keep, and for how many days."""
    return (
        reader.number("EMBEDDED", "QUERY_HISTORY_SIZE", range(1, 100_000_001)),
        reader.number("EMBEDDED", "QUERY_HISTORY_DAYS", range(1, 36_501)),
    )


def identifier(reader: ConfigReader, section: str, key: str) -> str:
    value = reader.value(section, key)
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]{0,126}", value):
        reader.problems.append(f"[{section}] {key}: {value!r} is not a valid database identifier")
    return value


class _Checks:
    """The rules that tie one value to another: the role with HOST, the sources with HOST."""

    def __init__(self, reader: ConfigReader) -> None:
        self.reader = reader
        self.problems = reader.problems

    def check(self, config: Config) -> Config:
        if config.host.startswith("/") and not Path(config.host).is_dir():
            self.problems.append(
                f"[CLUSTER] HOST: {config.host!r} looks like a unix-socket directory, "
                "but there is no such directory"
            )
        if config.iam_role_arn and not ROLE_ARN.match(config.iam_role_arn):
            self.problems.append(
                f"[IAM_ROLE] ARN: {config.iam_role_arn!r} is not an IAM role ARN "
                "(expected arn:aws:iam::<12-digit account>:role/<name>)"
            )
        if config.names_redshift and not config.iam_role_arn:
            self.problems.append("[IAM_ROLE] ARN: required when HOST is a Redshift cluster")
        if not REGION.match(config.region):
            self.problems.append(
                f"[S3] REGION: {config.region!r} is not an AWS region name such as us-west-2"
            )
        resolved = {key: self._source(key, getattr(config, key.lower()), config) for key in SOURCE_KEYS}
        return dataclasses.replace(config, **{key.lower(): value for key, value in resolved.items()})

    def _source(self, key: str, raw: str, config: Config) -> str:
        if raw == "":
            return raw
        if raw.startswith("s3://"):
            if not S3_URI.match(raw):
                self.problems.append(f"[S3] {key}: {raw!r} is not a valid s3://bucket/prefix URI")
            return raw
        if re.match(r"^[a-z][a-z0-9+.-]*://", raw) and not raw.startswith("file://"):
            self.problems.append(f"[S3] {key}: {raw!r} must be an s3:// URI or a local path")
            return raw
        if config.names_redshift:
            self.problems.append(
                f"[S3] {key}: {raw!r} is a local path, but HOST is a Redshift cluster, "
                "which reads only s3:// sources"
            )
            return raw
        path = self.reader.local_path(raw, f"[S3] {key}")
        if not _prefix_exists(path):
            self.problems.append(f"[S3] {key}: {raw!r} does not exist (looked for {path})")
        return str(path)


SOURCE_KEYS = ("LOG_DATA", "LOG_JSONPATH", "SONG_DATA")


def _prefix_exists(path: Path) -> bool:
    """A COPY source is a key prefix: the path itself, or a name that entries of its folder start with."""
    if path.exists():
        return True
    parent = path.parent
    return parent.is_dir() and any(entry.name.startswith(path.name) for entry in parent.iterdir())
