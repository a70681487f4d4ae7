"""What the endpoint serves with: plain values from whoever starts it (the master user, the database, the
address and the embedded PostgreSQL's data folder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5439  # Redshift's


@dataclass(frozen=True)
class EndpointSettings:
    db_name: str
    db_user: str
    db_password: str = field(repr=False)
    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
