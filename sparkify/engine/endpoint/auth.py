"""Who gets in: the master user with its password, checked by SCRAM-SHA-256 (RFC 5802, RFC 7677) as
PostgreSQL checks it; every other user by the password record CREATE / ALTER USER left (see
:mod:`sparkify.engine.sql.redshift.access`): md5 as PostgreSQL and Redshift ask for it, sha256 by
Redshift's digest exchange for its drivers and by the clear password (over the client's connection) for
the others.

Hand-written rather than with the ``scramp`` library: scramp's server refuses an empty user name in the
client's first message, which is what libpq (psql, psycopg2, psycopg 3) always sends — PostgreSQL takes
the user from the startup packet instead.  The password becomes SCRAM's stored and server keys once, when
the endpoint starts; neither the password nor the keys are logged or sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import unicodedata

from sparkify.engine.endpoint import messages as m

_MECHANISM = "SCRAM-SHA-256"
_SASL, _SASL_CONTINUE, _SASL_FINAL, _OK, _MD5, _CLEARTEXT, _DIGEST = 10, 11, 12, 0, 5, 3, 13
_DIGEST_SHA256 = 0  # the algorithm number of Redshift's AUTH_REQ_DIGEST
_ITERATIONS = 4096
INVALID_PASSWORD = "28P01"


class AuthenticationFailed(Exception):
    """The client is refused; the message is PostgreSQL's own for a failed password check."""

    def __init__(self, user: str) -> None:
        super().__init__(f'password authentication failed for user "{user}"')


class MasterUser:
    """The one login the endpoint knows: ``[CLUSTER] DB_USER`` with ``DB_PASSWORD`` / ``DWH_DB_PASSWORD``."""

    def __init__(self, name: str, password: str) -> None:
        self.name = name
        self._salt = secrets.token_bytes(16)
        # SASLprep's main step; a password that is plain ASCII, as most are, is unchanged by it.
        salted = hashlib.pbkdf2_hmac(
            "sha256", unicodedata.normalize("NFKC", password).encode(), self._salt, _ITERATIONS
        )
        self._stored_key = hashlib.sha256(_hmac(salted, b"Client Key")).digest()
        self._server_key = _hmac(salted, b"Server Key")
        # md5 as PostgreSQL stores it (md5 of password and user name): what Redshift's drivers speak.
        self._md5_stored = hashlib.md5((password + name).encode()).hexdigest().encode()

    def __repr__(self) -> str:  # never the keys
        return f"MasterUser({self.name!r})"

    def authenticate(self, client: m.Channel, user: str) -> None:
        """Run the SCRAM exchange on ``client``; raise :class:`AuthenticationFailed` unless it proves the
        password.  Another user name is refused the same way, after the exchange, so that a client cannot
        tell a wrong name from a wrong password."""
        client.write(m.authentication(_SASL, m.cstring(_MECHANISM) + b"\0"))
        client.flush()
        try:
            header, client_first_bare, client_nonce = self._read_client_first(client)
            nonce = client_nonce + base64.b64encode(secrets.token_bytes(18)).decode()
            server_first = f"r={nonce},s={base64.b64encode(self._salt).decode()},i={_ITERATIONS}"
            client.write(m.authentication(_SASL_CONTINUE, server_first.encode()))
            client.flush()
            kind, payload = client.read_message(cap=m.MAX_STARTUP_PACKET)
            client_final = payload.decode("ascii")
            without_proof, _, proof_text = client_final.rpartition(",p=")
            attributes = dict(part.split("=", 1) for part in without_proof.split(","))
            proof = base64.b64decode(proof_text, validate=True)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AuthenticationFailed(user) from exc
        if kind != b"p" or attributes.get("r") != nonce or len(proof) != 32:
            raise AuthenticationFailed(user)
        if attributes.get("c") != base64.b64encode(header.encode()).decode():
            raise AuthenticationFailed(user)
        auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
        client_key = bytes(a ^ b for a, b in zip(proof, _hmac(self._stored_key, auth_message)))
        proven = hmac.compare_digest(hashlib.sha256(client_key).digest(), self._stored_key)
        if not proven or user != self.name:
            raise AuthenticationFailed(user)
        signature = base64.b64encode(_hmac(self._server_key, auth_message)).decode()
        client.write(m.authentication(_SASL_FINAL, f"v={signature}".encode()))
        client.write(m.authentication(_OK))

    def authenticate_md5(self, client: m.Channel, user: str) -> None:
        """The md5 challenge, for Redshift's drivers: redshift_connector's SCRAM cannot read PostgreSQL's
        list of mechanisms, and Redshift itself asks its drivers for md5."""
        if not md5_exchange(client, self._md5_stored) or user != self.name:
            raise AuthenticationFailed(user)
        client.write(m.authentication(_OK))

    @staticmethod
    def _read_client_first(client: m.Channel) -> tuple[str, str, str]:
        """(GS2 header, client-first-message-bare, client nonce) of the SASLInitialResponse."""
        kind, payload = client.read_message(cap=m.MAX_STARTUP_PACKET)
        mechanism, offset = m.read_cstring(payload)
        if kind != b"p" or mechanism != _MECHANISM:
            raise ValueError("not SCRAM-SHA-256")
        length = m.unpack_int32(payload, offset)
        message = payload[offset + 4 : offset + 4 + length].decode("utf-8")
        flag, authzid, bare = message.split(",", 2)
        if flag not in ("n", "y"):  # "p": channel binding, which this server does not offer
            raise ValueError("channel binding requested")
        attributes = dict(part.split("=", 1) for part in bare.split(","))
        if "r" not in attributes or any(name not in ("n", "r") for name in attributes):
            raise ValueError("unexpected SCRAM attributes")
        return f"{flag},{authzid},", bare, attributes["r"]


def md5_exchange(client: m.Channel, md5_stored: bytes) -> bool:
    """PostgreSQL's md5 challenge: whether the client proved the password whose md5(password || user) in
    hex is ``md5_stored``."""
    salt = secrets.token_bytes(4)
    client.write(m.authentication(_MD5, salt))
    client.flush()
    kind, payload = client.read_message(cap=m.MAX_STARTUP_PACKET)
    expected = b"md5" + hashlib.md5(md5_stored + salt).hexdigest().encode() + b"\0"
    return kind == b"p" and hmac.compare_digest(payload, expected)


def digest_exchange(client: m.Channel, digest: bytes, salt: bytes) -> bool:
    """Redshift's AUTH_REQ_DIGEST (SHA-256), which its drivers answer: the client sends
    sha256(sha256(password || salt) || server nonce || client nonce) and its nonce; ``digest`` is
    sha256(password || salt), as CREATE USER … PASSWORD 'sha256|…' keeps it."""
    server_nonce = secrets.token_bytes(32)
    body = m.int32(_DIGEST_SHA256) + m.int32(len(salt)) + salt + m.int32(len(server_nonce)) + server_nonce
    client.write(m.authentication(_DIGEST, body))
    client.flush()
    kind, payload = client.read_message(cap=m.MAX_STARTUP_PACKET)
    try:
        length = m.unpack_int32(payload)
        proof = payload[4 : 4 + length]
        nonce_length = m.unpack_int32(payload, 4 + length)
        client_nonce = payload[8 + length : 8 + length + nonce_length]
    except struct.error:
        return False
    expected = hashlib.sha256(digest + server_nonce + client_nonce).digest()
    return kind == b"d" and hmac.compare_digest(proof, expected)


def cleartext_exchange(client: m.Channel, digest: bytes, salt: bytes) -> bool:
    """The clear password (PostgreSQL's ``password`` method), for clients that cannot answer Redshift's
    digest exchange: checked against sha256(password || salt)."""
    client.write(m.authentication(_CLEARTEXT))
    client.flush()
    kind, payload = client.read_message(cap=m.MAX_STARTUP_PACKET)
    password = payload[:-1] if payload.endswith(b"\0") else payload
    return kind == b"p" and hmac.compare_digest(hashlib.sha256(password + salt).digest(), digest)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()
