"""What the endpoint reads of dwh.cfg: the master user, the database, the port and the data folder.

Only these: the endpoint serves any client, so the scripts' sources ([S3]) need not exist for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sparkify.config import DB_NAME, DB_NAME_RULE, PASSWORD_ENV, ConfigReader, identifier

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
    reader = ConfigReader(config_path)
    db_name = reader.matching("CLUSTER", "DB_NAME", DB_NAME, DB_NAME_RULE)
    db_user = identifier(reader, "CLUSTER", "DB_USER")
    password = os.environ.get(PASSWORD_ENV) or reader.value("CLUSTER", "DB_PASSWORD")
    has_port = reader.has("CLUSTER", "DB_PORT")
    config_port = reader.number("CLUSTER", "DB_PORT", range(1, 65536)) if has_port else 5439
    data_dir = reader.local_path(reader.value("EMBEDDED", "DATA_DIR"), "[EMBEDDED] DATA_DIR")
    if not password:
        reader.problems.append(
            f"[CLUSTER] DB_PASSWORD: the endpoint needs the master user's password (or {PASSWORD_ENV})"
        )
    if port is not None and not 0 <= port <= 65535:
        reader.problems.append(f"--port: {port} is not a port number from 0 to 65535")
    reader.raise_problems()
    return EndpointSettings(
        config_path=config_path.resolve(),
        db_name=db_name,
        db_user=db_user,
        db_password=password,
        data_dir=data_dir,
        host=host or DEFAULT_HOST,
        port=config_port if port is None else port,
    )
