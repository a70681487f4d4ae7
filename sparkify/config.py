"""Read and validate ``dwh.cfg``.

The course's file is accepted as it is; every problem is collected and reported at once, before anything
runs, so that one edit fixes them all.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sparkify.errors import ConfigError

PASSWORD_ENV = "DWH_DB_PASSWORD"
DEFAULT_REGION = "us-west-2"
DEFAULT_EMBEDDED_DIR = ".warehouse/pgdata"

ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", re.ASCII)
S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(?P<key>.*))?$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$", re.ASCII)
REDSHIFT_HOST = re.compile(r"\.redshift(-serverless)?\.amazonaws\.com(\.cn)?$", re.IGNORECASE)


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

    @property
    def is_embedded(self) -> bool:
        return self.host == ""

    @property
    def names_redshift(self) -> bool:
        """True when HOST is a Redshift endpoint; the server's version string confirms it once connected."""
        return bool(REDSHIFT_HOST.search(self.host))


def read_ini(path: str | Path) -> configparser.ConfigParser:
    """The parsed file, as every reader of dwh.cfg needs it; :class:`ConfigError` if missing or malformed."""
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
    """Read and validate ``path``; raise :class:`ConfigError` listing every problem found."""
    config_path = Path(path)
    parser = read_ini(config_path)
    reader = _Reader(parser, config_path.resolve().parent)
    config = reader.build(config_path)
    if reader.problems:
        raise ConfigError(str(path), reader.problems)
    assert config is not None
    return config


def strip_quotes(value: str) -> str:
    """``'x'`` and ``"x"`` mean ``x``: the course's file quotes some values and not others."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


class _Reader:
    """Pulls values out of the parser, noting each problem instead of stopping at the first."""

    def __init__(self, parser: configparser.ConfigParser, base_dir: Path) -> None:
        self.parser = parser
        self.base_dir = base_dir
        self.problems: list[str] = []

    def get(self, section: str, key: str, *, required: bool = True, default: str = "") -> str:
        if not self.parser.has_section(section):
            if required:
                self.problems.append(f"[{section}] {key}: missing (the section [{section}] is absent)")
            return default
        if not self.parser.has_option(section, key):
            if required:
                self.problems.append(f"[{section}] {key}: missing")
            return default
        return strip_quotes(self.parser.get(section, key))

    def get_int(self, section: str, key: str, *, low: int, high: int, default: str = "") -> int:
        raw = self.get(section, key, required=not default, default=default)
        if raw == "" and not default:
            return 0
        if not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
            self.problems.append(f"[{section}] {key}: {raw!r} is not a whole number from {low} to {high}")
            return 0
        return int(raw)

    def local_path(self, raw: str, where: str) -> Path:
        path = Path(raw.removeprefix("file://"))
        try:
            path = path.expanduser()
        except RuntimeError:  # ~name where no user is called name
            self.problems.append(f"{where}: {raw!r} starts with ~ but names no user's home folder")
        return path if path.is_absolute() else self.base_dir / path

    def build(self, config_path: Path) -> Config | None:
        host = self.get("CLUSTER", "HOST")
        password = os.environ.get(PASSWORD_ENV) or self.get("CLUSTER", "DB_PASSWORD", required=False)
        embedded_dir = self.get("EMBEDDED", "DATA_DIR", required=False, default=DEFAULT_EMBEDDED_DIR)
        config = Config(
            path=config_path,
            host=host,
            db_name=self._identifier("CLUSTER", "DB_NAME"),
            db_user=self._identifier("CLUSTER", "DB_USER"),
            db_password=password,
            db_port=self.get_int("CLUSTER", "DB_PORT", low=1, high=65535),
            iam_role_arn=self.get("IAM_ROLE", "ARN", required=False),
            log_data=self.get("S3", "LOG_DATA"),
            log_jsonpath=self.get("S3", "LOG_JSONPATH"),
            song_data=self.get("S3", "SONG_DATA"),
            region=self.get("S3", "REGION", required=False, default=DEFAULT_REGION) or DEFAULT_REGION,
            embedded_data_dir=self.local_path(embedded_dir or DEFAULT_EMBEDDED_DIR, "[EMBEDDED] DATA_DIR"),
            maxerror=self.get_int("ETL", "MAXERROR", low=0, high=100000, default="0"),
        )
        return self._check(config)

    def _identifier(self, section: str, key: str) -> str:
        value = self.get(section, key)
        if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]{0,126}", value):
            self.problems.append(f"[{section}] {key}: {value!r} is not a valid database identifier")
        return value

    def _check(self, config: Config) -> Config:
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
        return Config(**{**config.__dict__, **{key.lower(): value for key, value in resolved.items()}})

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
        path = self.local_path(raw, f"[S3] {key}")
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
