"""One connection to the warehouse, whichever engine it is.

On Redshift (recognised from the server's version string) every statement is sent as written.  On
PostgreSQL, CREATE TABLE goes through :mod:`sparkify.adapter` and COPY through the emulator.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import psycopg2

from sparkify import embedded
from sparkify.adapter import postgres_ddl, postgres_only_feature
from sparkify.config import Config
from sparkify.copy_emulator import CopyResult, run_copy
from sparkify.errors import UnsupportedStatementError, WarehouseConnectionError
from sparkify.sqltext import collapse_whitespace, first_keyword, mask_secrets

log = logging.getLogger(__name__)


class Warehouse:
    """A psycopg2 connection plus the knowledge of which engine is behind it."""

    def __init__(self, connection: Any, description: str) -> None:
        self.connection = connection
        self.description = description
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            self.version: str = cursor.fetchone()[0]
        self.is_redshift = "redshift" in self.version.lower()

    def execute(self, sql: str) -> CopyResult | None:
        """Run one statement inside the open transaction; a COPY on PostgreSQL returns its result."""
        log.debug("SQL: %s", collapse_whitespace(mask_secrets(sql)))
        if not self.is_redshift:
            feature = postgres_only_feature(sql)
            if feature:
                raise UnsupportedStatementError(
                    f"Redshift does not support {feature}; refused so that what passes locally passes "
                    f"on a cluster: {collapse_whitespace(mask_secrets(sql))[:120]}"
                )
            if first_keyword(sql) == "COPY":
                return run_copy(self.connection, sql)
        with self.connection.cursor() as cursor:
            cursor.execute(sql if self.is_redshift else postgres_ddl(sql))
        return None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a SELECT; return the column names and all rows."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            return names, cursor.fetchall()

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            self.rollback()
        self.close()


def connect(config: Config) -> Warehouse:
    """Connect to the warehouse that ``config`` names, starting the embedded engine when HOST is blank."""
    if config.is_embedded:
        socket_dir, port = embedded.ensure_server(config.embedded_data_dir)
        admin = _open(
            host=socket_dir,
            port=port,
            dbname="postgres",
            user="postgres",
            password="",
            where=f"embedded PostgreSQL in {config.embedded_data_dir}",
        )
        admin.autocommit = True
        try:
            embedded.ensure_database(admin, config.db_name, config.db_user)
        finally:
            admin.close()
        host, where = socket_dir, f"embedded PostgreSQL in {config.embedded_data_dir}"
    else:
        host, port, where = config.host, config.db_port, f"{config.host}:{config.db_port}"
    connection = _open(
        host=host,
        port=port,
        dbname=config.db_name,
        user=config.db_user,
        password=config.db_password,
        where=where,
    )
    return Warehouse(connection, where)


def _open(*, host: str, port: int, dbname: str, user: str, password: str, where: str) -> Any:
    try:
        return psycopg2.connect(
            host=host,
            port=port,
            dbname=dbname,
            user=user,
            password=password or None,
            connect_timeout=int(os.environ.get("DWH_CONNECT_TIMEOUT", "15")),
            application_name="sparkify-dwh",
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        if password:
            reason = reason.replace(password, "***")
        raise WarehouseConnectionError(
            f"cannot connect to {where} as {user} (database {dbname}): {reason}. "
            "Check HOST, DB_PORT, DB_NAME, DB_USER and the password in dwh.cfg (or DWH_DB_PASSWORD)."
        ) from None
