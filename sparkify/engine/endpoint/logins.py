"""The users other than the master user: their password records as PostgreSQL keeps them, and the
exchange that proves a client knows the password.

The records are read from ``pg_authid`` on a connection of PostgreSQL's own superuser: no client's role
can read that table.  PostgreSQL's superusers (``postgres``) have no password record and are never let
in: they could read the server's files.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sparkify.engine.endpoint import messages as m
from sparkify.engine.endpoint.auth import (
    AuthenticationFailed,
    cleartext_exchange,
    digest_exchange,
    md5_exchange,
)
from sparkify.engine.sql.redshift.access import SHA256_ITERATIONS

_LOOKUP = (
    "SELECT rolpassword, rolvaliduntil FROM pg_catalog.pg_authid "
    "WHERE rolname = %s AND rolcanlogin AND NOT rolsuper"
)


@dataclass(frozen=True)
class StoredLogin:
    """A login role's password record (None: PASSWORD DISABLE) and VALID UNTIL."""

    name: str
    secret: str | None
    valid_until: dt.datetime | None

    def __repr__(self) -> str:  # never the record
        return f"StoredLogin({self.name!r})"

    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until <= dt.datetime.now(dt.UTC)


def find_login(admin: Any, user: str) -> StoredLogin | None:
    """The record of login role ``user``; None when there is none (or it is a PostgreSQL superuser).
    ``admin`` is a psycopg2 connection of PostgreSQL's superuser."""
    with admin.cursor() as cursor:
        cursor.execute(_LOOKUP, (user,))
        row = cursor.fetchone()
    return None if row is None else StoredLogin(user, row[0], row[1])


def authenticate(client: m.Channel, login: StoredLogin, *, redshift_driver: bool) -> None:
    """Run the exchange the record calls for; raise :class:`AuthenticationFailed` unless the client proved
    the password.  A disabled or expired user is refused the same way, after an exchange, as PostgreSQL
    refuses it: the client cannot tell which it was."""
    sha256 = _sha256_record(login.secret)
    if sha256 is not None:
        digest, salt = sha256
        proven = (
            digest_exchange(client, digest, salt)
            if redshift_driver
            else cleartext_exchange(client, digest, salt)
        )
    else:
        md5 = login.secret[3:] if login.secret and login.secret.startswith("md5") else None
        # No record (disabled) or one of another kind: the exchange runs against a secret nobody knows.
        proven = md5_exchange(client, (md5 or secrets.token_hex(16)).encode()) and md5 is not None
    if not proven or login.expired():
        raise AuthenticationFailed(login.name)
    client.write(m.authentication(0))


def _sha256_record(secret: str | None) -> tuple[bytes, bytes] | None:
    """(digest, salt) of a sha256 record (see
    :data:`sparkify.engine.sql.redshift.access.SHA256_ITERATIONS`)."""
    if not secret or not secret.startswith(f"SCRAM-SHA-256${SHA256_ITERATIONS}:"):
        return None
    try:
        salt_text, keys = secret.split("$", 2)[1].split(":", 1)[1], secret.split("$", 2)[2]
        return base64.b64decode(keys.split(":")[0]), base64.b64decode(salt_text)
    except (IndexError, ValueError, binascii.Error):
        return None
