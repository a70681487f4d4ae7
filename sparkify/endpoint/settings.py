"""What the endpoint command reads of dwh.cfg: the master user, the database, the port and the data folder.

Only these: the endpoint serves any client, so the scripts' sources ([S3]) need not exist for it.  ``stop``
and ``status`` need only where the endpoint runs (:func:`load_location`), not the password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sparkify.config import DB_NAME, DB_NAME_RULE, PASSWORD_ENV, ConfigReader, identifier, query_history
from sparkify.engine.endpoint.settings import DEFAULT_HOST, DEFAULT_PORT, EndpointSettings
from sparkify.engine.sql.redshift.history import HistoryBound


@dataclass(frozen=True)
class EndpointLocation:
    """Where the endpoint of one dwh.cfg runs: its pid file and log sit beside the data folder."""

    config_path: Path
    data_dir: Path
    host: str
    port: int


def load_location(path: str | Path, *, host: str | None = None, port: int | None = None) -> EndpointLocation:
    """The endpoint's place from ``path``, ``--host`` and ``--port``; :class:`ConfigError` if unusable."""
    reader = ConfigReader(path)
    location = _location(reader, Path(path), host, port)
    reader.raise_problems()
    return location


def load_settings(path: str | Path, *, host: str | None = None, port: int | None = None) -> EndpointSettings:
    """The engine's endpoint settings from ``path``, ``--host`` and ``--port``; :class:`ConfigError` if
    unusable (every problem at once)."""
    reader = ConfigReader(path)
    location = _location(reader, Path(path), host, port)
    db_name = reader.matching("CLUSTER", "DB_NAME", DB_NAME, DB_NAME_RULE)
    db_user = identifier(reader, "CLUSTER", "DB_USER")
    password = os.environ.get(PASSWORD_ENV) or reader.value("CLUSTER", "DB_PASSWORD")
    if not password:
        reader.problems.append(
            f"[CLUSTER] DB_PASSWORD: the endpoint needs the master user's password (or {PASSWORD_ENV})"
        )
    size, days = query_history(reader)
    reader.raise_problems()
    return EndpointSettings(
        db_name=db_name,
        db_user=db_user,
        db_password=password,
        data_dir=location.data_dir,
        host=location.host,
        port=location.port,
        query_history=HistoryBound(size, days),
    )


def _location(reader: ConfigReader, path: Path, host: str | None, port: int | None) -> EndpointLocation:
    has_port = reader.has("CLUSTER", "DB_PORT")
    config_port = reader.number("CLUSTER", "DB_PORT", range(1, 65536)) if has_port else DEFAULT_PORT
    data_dir = reader.local_path(reader.value("EMBEDDED", "DATA_DIR"), "[EMBEDDED] DATA_DIR")
    if port is not None and not 0 <= port <= 65535:
        reader.problems.append(f"--port: {port} is not a port number from 0 to 65535")
    return EndpointLocation(
        config_path=path.resolve(),
        data_dir=data_dir,
        host=host or DEFAULT_HOST,
        port=config_port if port is None else port,
    )
