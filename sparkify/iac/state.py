"""What the commands know about a warehouse, the same for a provisioned cluster and a Serverless workgroup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# States in which create must not wait for "available": it would never come without the user acting.
BLOCKED_STATES = {
    "deleting": "it is being deleted; wait for that to finish, then run create again",
    "paused": "it is paused; resume it (aws redshift resume-cluster) and run create again",
}


@dataclass(frozen=True)
class Warehouse:
    """A cluster or workgroup as AWS describes it; ``status`` is lower case for both kinds."""

    label: str
    status: str
    host: str
    port: int
    role_arns: tuple[str, ...]
    security_groups: tuple[str, ...]
    created: datetime | None
    shape: str

    @property
    def available(self) -> bool:
        return self.status == "available" and bool(self.host)


class Backend(Protocol):
    """One kind of warehouse: finds, creates, waits for and deletes it."""

    @property
    def label(self) -> str: ...

    def find(self) -> Warehouse | None: ...

    def parts(self) -> list[str]:
        """Every resource of this kind that exists now, described for the user."""
        ...

    def create(self, role_arn: str, group_id: str, subnet_ids: list[str]) -> list[str]:
        """Start creating what is missing; return what was done."""
        ...

    def attach_role(self, warehouse: Warehouse, role_arn: str) -> list[str]: ...

    def wait_available(self) -> Warehouse: ...

    def delete(self, final_snapshot: str | None) -> list[str]:
        """Delete everything of this kind and wait until it is gone; return what was done."""
        ...
