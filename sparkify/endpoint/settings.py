"""What the endpoint reads of dwh.cfg: the master user, the database, the port and the data folder.

Only these: the endpoint serves any client, so the scripts' sources ([S3]) need not exist for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sparkify.config import DEFAULT_EMBEDDED_DIR, PASSWORD_ENV, _Reader, read_ini
from sparkify.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class EndpointSettings:
    config_path: Path
    db_name: str
    db_user: str
    db_password: str = field(repr=False)
    data_dir: Path
    host: str
    port: int


def load_settings(path: str | Path, *, host: str | None = None, port: int | None = None) -> EndpointSettings:
    """The endpoint's settings from ``path``, ``--host`` and ``--port``; :class:`ConfigError` if unusable."""
    config_path = Path(path)
    reader = _Reader(read_ini(config_path), config_path.resolve().parent)
    db_name = reader._identifier("CLUSTER", "DB_NAME")
    db_user = reader._identifier("CLUSTER", "DB_USER")
    password = os.environ.get(PASSWORD_ENV) or reader.get("CLUSTER", "DB_PASSWORD", required=False)
    config_port = reader.get_int("CLUSTER", "DB_PORT", low=1, high=65535, default="5439")
    raw_dir = reader.get("EMBEDDED", "DATA_DIR", required=False, default=DEFAULT_EMBEDDED_DIR)
    data_dir = reader.local_path(raw_dir or DEFAULT_EMBEDDED_DIR, "[EMBEDDED] DATA_DIR")
    if not password:
        reader.problems.append(
            f"[CLUSTER] DB_PASSWORD: the endpoint needs the master user's password (or {PASSWORD_ENV})"
        )
    if port is not None and not 0 <= port <= 65535:
        reader.problems.append(f"--port: {port} is not a port number from 0 to 65535")
    if reader.problems:
        raise ConfigError(str(path), reader.problems)
    return EndpointSettings(
        config_path=config_path.resolve(),
        db_name=db_name,
        db_user=db_user,
        db_password=password,
        data_dir=data_dir,
        host=host or DEFAULT_HOST,
        port=config_port if port is None else port,
    )
