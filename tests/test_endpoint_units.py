"""The endpoint's pure parts: its two token rewrites, the SCRAM exchange against an independent client
(scramp), and message framing with its size cap."""

from __future__ import annotations

import socket
import struct
import threading

import pytest
import scramp

from sparkify.engine.endpoint import messages as m
from sparkify.engine.endpoint.auth import AuthenticationFailed, MasterUser
from sparkify.engine.endpoint.rewrite import endpoint_sql

VERSION = "PostgreSQL 8.0.2 on x86_64-pc-linux-gnu, compiled by GCC, Redshift 1.0 (sparkify local endpoint)"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT version()", f"SELECT (SELECT '{VERSION}'::text AS version)"),
        ("select VERSION ( )", f"select (SELECT '{VERSION}'::text AS version)"),
        ("SELECT pg_catalog.version()", "SELECT pg_catalog.version()"),
        ("SELECT 'version()', \"version\"()", "SELECT 'version()', \"version\"()"),
        ("SELECT 1 -- version()", "SELECT 1 -- version()"),
        ("SELECT version(1)", "SELECT version(1)"),
        (
            "SELECT * FROM e WHERE q = pg_last_copy_id()",
            "SELECT * FROM e WHERE q = (SELECT 7::integer AS pg_last_copy_id)",
        ),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_endpoint_sql_rewrites_only_bare_calls(sql: str, expected: str) -> None:
    assert endpoint_sql(sql, version=VERSION, last_copy_id=7) == expected


def exchange(user: MasterUser, client_user: str, password: str) -> tuple[bool, str]:
    """One SCRAM exchange over a socket pair: (accepted, the server's error if refused)."""
    server_sock, client_sock = socket.socketpair()
    outcome: list[str] = []

    def serve() -> None:
        try:
            user.authenticate(m.Channel(server_sock, name=m.CLIENT), client_user)
            m.Channel(server_sock, name=m.CLIENT).flush()
            outcome.append("")
        except AuthenticationFailed as exc:
            outcome.append(str(exc))
        finally:
            server_sock.close()

    thread = threading.Thread(target=serve)
    thread.start()
    client = m.Channel(client_sock, name="server")
    kind, payload = client.read_message()
    assert kind == b"R" and payload == struct.pack("!i", 10) + b"SCRAM-SHA-256\0\0"
    # scramp sends the user name (as redshift_connector does); libpq sends an empty one (psql's tests).
    scram = scramp.ScramClient(["SCRAM-SHA-256"], client_user, password)
    first = scram.get_client_first()
    body = b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first.encode()
    client_sock.sendall(m.message(b"p", body))
    kind, payload = client.read_message()
    scram.set_server_first(payload[4:].decode())
    client_sock.sendall(m.message(b"p", scram.get_client_final().encode()))
    thread.join(timeout=10)
    client_sock.close()
    return outcome == [""], outcome[0]


def test_scram_accepts_the_password_and_refuses_others() -> None:
    user = MasterUser("dwhuser", "pa55 wörd")
    assert exchange(user, "dwhuser", "pa55 wörd") == (True, "")
    assert exchange(user, "dwhuser", "wrong") == (False, 'password authentication failed for user "dwhuser"')
    assert exchange(user, "intruder", "pa55 wörd") == (
        False,
        'password authentication failed for user "intruder"',
    )
    assert "pa55" not in repr(user)


def test_a_message_above_the_cap_is_refused_before_its_body_is_read() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"Q" + struct.pack("!i", m.MAX_CLIENT_MESSAGE + 5))
        with pytest.raises(m.ProtocolError, match="invalid length"):
            m.Channel(right, name=m.CLIENT).read_message(cap=m.MAX_CLIENT_MESSAGE)
        left.sendall(b"\x07" + struct.pack("!i", 8) + b"abcd")
        with pytest.raises(m.UnknownMessageType, match="invalid frontend message type 7"):
            m.Channel(right, name=m.CLIENT).read_message(m.MAX_CLIENT_MESSAGE, m.FRONTEND_TYPES)
