"""A pytest plugin for sqlalchemy-redshift's suite: psycopg2 trusts the endpoint's self-signed certificate.

sqlalchemy-redshift connects psycopg2 with ``sslmode=verify-full`` against AWS's CA bundle, and its tests
offer no setting for another CA.  A user of the endpoint passes ``connect_args={"sslrootcert": …}``; this
does the same for every engine of the run, TLS and its verification stay on.  (redshift_connector reads
the certificate from SSL_CERT_FILE, which endpoint_run.py sets.)  Loaded with ``-p sqlalchemy_tls_trust``.
"""

from __future__ import annotations

import os

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "do_connect")
def trust_endpoint_certificate(dialect, connection_record, cargs, cparams) -> None:
    if dialect.driver == "psycopg2" and os.environ.get("PEER_TLS_CERT"):
        cparams["sslrootcert"] = os.environ["PEER_TLS_CERT"]
