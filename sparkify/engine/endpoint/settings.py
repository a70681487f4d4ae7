"""What the endpoint serves with: plain values from whoever starts it (the master user, the database, the
address and the embedded PostgreSQL's data folder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sparkify.engine.sql.redshift.history import HistoryBound

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
    #: How much of sys_query_history and the other history views is kept.
    query_history: HistoryBound = field(default_factory=HistoryBound)
