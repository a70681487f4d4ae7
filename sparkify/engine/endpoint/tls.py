"""TLS for clients that ask for it (sslmode=require): a self-signed certificate made on the first start and
kept beside the data folder, so that every later start presents the same one."""

from __future__ import annotations

import logging
import os
import ssl
import subprocess
from pathlib import Path

log = logging.getLogger("sparkify.endpoint")


def certificate_dir(data_dir: Path) -> Path:
    return data_dir.parent / "endpoint-tls"


def server_context(data_dir: Path) -> ssl.SSLContext | None:
    """The server's TLS context, making the key and certificate first if they are missing; None (clients
    that ask for TLS are told it is not offered) when no certificate can be made."""
    folder = certificate_dir(data_dir)
    cert, key = folder / "server.crt", folder / "server.key"
    if not (cert.is_file() and key.is_file()):
        try:
            _make_self_signed(folder, cert, key)
        except (OSError, subprocess.CalledProcessError) as exc:
            log.warning("TLS is off: no certificate could be made in %s (%s)", folder, exc)
            return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def _make_self_signed(folder: Path, cert: Path, key: Path) -> None:
    # The openssl command line ships with every system Python's ssl module needs; no extra dependency.
    folder.mkdir(parents=True, exist_ok=True)
    partial_key, partial_cert = key.with_suffix(".key.partial"), cert.with_suffix(".crt.partial")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "3650", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
            "-keyout", str(partial_key), "-out", str(partial_cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    os.chmod(partial_key, 0o600)
    # Renamed into place only when both are whole: a start killed half-way leaves nothing half-made.
    partial_key.replace(key)
    partial_cert.replace(cert)
