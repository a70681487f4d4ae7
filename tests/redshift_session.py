"""A session on the embedded server that speaks Redshift: shims installed, session set up, every
statement through the adapter.  Shared by the tests of the SQL surface."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2

from sparkify.engine.server import embedded
from sparkify.engine.sql.adapter import (
    columns_in_session,
    prepare_database,
    session_setup_statements,
    translate,
)

_numbers = itertools.count()


class RedshiftSession:
    """One connection as the endpoint would hold it for a client."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in session_setup_statements():
                cursor.execute(statement)

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of one Redshift statement (none for a statement without a result)."""
        with self.connection.cursor() as cursor:
            cursor.execute(translate(sql, columns_in_session(cursor)))
            return cursor.fetchall() if cursor.description else []

    def value(self, sql: str) -> Any:
        """The one value of a one-row, one-column query."""
        rows = self.run(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def columns(self, sql: str) -> list[str]:
        with self.connection.cursor() as cursor:
            cursor.execute(translate(sql, columns_in_session(cursor)))
            return [column.name for column in cursor.description]


def redshift_database(pg_data_dir: Path) -> Iterator[tuple[str, Any]]:
    """A fresh database with the shims installed; yields its name and a superuser connection."""
    name = f"redshift_{next(_numbers)}"
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    admin = psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres")
    admin.autocommit = True
    embedded.ensure_database(admin, name, "dwhuser")
    superuser = psycopg2.connect(host=socket_dir, port=port, dbname=name, user="postgres")
    prepare_database(superuser)
    yield name, superuser
    superuser.close()
    admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


def open_session(pg_data_dir: Path, name: str) -> RedshiftSession:
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    return RedshiftSession(psycopg2.connect(host=socket_dir, port=port, dbname=name, user="dwhuser"))


def session_on(pg_data_dir: Path, name: str) -> Iterator[RedshiftSession]:
    """A fresh Redshift-speaking session on database ``name``, closed afterwards (for a fixture)."""
    session = open_session(pg_data_dir, name)
    yield session
    session.connection.close()


def database_names(pg_data_dir: Path) -> Iterator[str]:
    """The name of a fresh database with the shims installed, dropped afterwards (for a fixture)."""
    for name, _ in redshift_database(pg_data_dir):
        yield name
