"""Bad input on the wire: garbage, truncated messages, a 2 GB length prefix, a client that vanishes
mid-COPY.  That connection ends, nothing it had half-written stays, the endpoint and its other clients
go on."""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.endpoint_process import (
    RunningEndpoint,
    closed_by_server,
    query,
    raw_session,
    read_message,
    running_endpoint,
)


@pytest.fixture(scope="module")
def endpoint(pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEndpoint]:
    with running_endpoint(pg_data_dir, tmp_path_factory.mktemp("endpoint")) as running:
        with running.connect() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE half_written (n INTEGER)")
        yield running


@pytest.fixture
def bystander(endpoint: RunningEndpoint) -> Iterator[psycopg2.extensions.connection]:
    """A client connected before the bad one, which must be served all along and after it."""
    connection = endpoint.connect()
    yield connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM half_written")
        assert cursor.fetchone() == (0,)  # nothing half-written stays
    connection.close()
    assert endpoint.alive()
    with endpoint.connect() as fresh, fresh.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!i", len(payload) + 4) + payload


def test_garbage_instead_of_a_startup_packet(endpoint: RunningEndpoint, bystander) -> None:
    with socket.create_connection((endpoint.host, endpoint.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert closed_by_server(sock)


def test_a_2gb_length_prefix_in_the_startup(endpoint: RunningEndpoint, bystander) -> None:
    with socket.create_connection((endpoint.host, endpoint.port)) as sock:
        sock.sendall(struct.pack("!ii", 2**31 - 1, 196608))
        assert closed_by_server(sock, timeout=10)


def test_a_2gb_length_prefix_after_login_ends_the_connection_at_once(
    endpoint: RunningEndpoint, bystander
) -> None:
    with raw_session(endpoint) as sock:
        query(sock, "BEGIN; INSERT INTO half_written VALUES (1)")
        sock.sendall(b"Q" + struct.pack("!i", 2**31 - 1) + b"SELECT ")
        assert closed_by_server(sock, timeout=10)  # not waiting for 2 GB that would never be buffered


def test_an_unknown_message_type_is_a_fatal_protocol_error(endpoint: RunningEndpoint, bystander) -> None:
    with raw_session(endpoint) as sock:
        sock.sendall(message(b"\x07", b"\x00\x01\x02"))
        kind, payload = read_message(sock)
        assert kind == b"E" and b"C08P01\x00" in payload
        assert closed_by_server(sock)


def test_random_bytes_after_login(endpoint: RunningEndpoint, bystander) -> None:
    with raw_session(endpoint) as sock:
        query(sock, "BEGIN; INSERT INTO half_written VALUES (1)")
        sock.sendall(bytes(range(256)) * 8)
        assert closed_by_server(sock)


def test_a_truncated_message_then_silence(endpoint: RunningEndpoint, bystander) -> None:
    with raw_session(endpoint) as sock:
        query(sock, "BEGIN; INSERT INTO half_written VALUES (1)")
        sock.sendall(b"Q" + struct.pack("!i", 100) + b"SELECT 1")
        sock.shutdown(socket.SHUT_WR)  # the rest never comes
        assert closed_by_server(sock)


def test_a_malformed_parse_message(endpoint: RunningEndpoint, bystander) -> None:
    with raw_session(endpoint) as sock:
        sock.sendall(message(b"P", b"no terminating nul"))
        kind, payload = read_message(sock)
        assert (
            kind == b"E"
            and b"C08P01\0Minvalid message format: a string without its terminating NUL\0" in payload
        )
        assert closed_by_server(sock)


def test_a_client_vanishing_mid_copy(endpoint: RunningEndpoint, bystander) -> None:
    sock = raw_session(endpoint)
    sock.sendall(message(b"Q", b"COPY half_written FROM STDIN\x00"))
    kind, _ = read_message(sock)
    assert kind == b"G"  # CopyInResponse: the client streams
    sock.sendall(message(b"d", b"1\n2\n3\n") + message(b"d", b"4\n"))
    sock.close()  # gone without CopyDone


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=64),
            st.builds(
                lambda kind, body: message(kind, body),
                st.sampled_from([bytes([k]) for k in b"QPBDECHSFdcfp"]),
                st.binary(max_size=48),
            ),
        ),
        max_size=6,
    )
)
def test_any_bytes_after_login_end_that_connection_at_most(
    endpoint: RunningEndpoint, chunks: list[bytes]
) -> None:
    with raw_session(endpoint) as sock:
        sock.settimeout(2)
        with contextlib.suppress(OSError):
            sock.sendall(b"".join(chunks))
            while sock.recv(65536):
                pass
    assert endpoint.alive()
    with endpoint.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    connection.close()
