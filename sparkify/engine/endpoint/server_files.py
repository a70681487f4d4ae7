"""The endpoint's own files: a COPY from or an UNLOAD to a local path reads or writes the machine the
endpoint runs on, as the endpoint's process.  Only a superuser may (a cluster has no such files; its
superuser is the nearest to the machine's owner); every other user keeps S3.

PostgreSQL's own file and program functions (``pg_read_file``, ``COPY … FROM PROGRAM``, ``lo_import``)
are closed to every client by PostgreSQL itself: no client's role is a PostgreSQL superuser or a member of
``pg_read_server_files``, ``pg_write_server_files`` or ``pg_execute_server_program``.
"""

from __future__ import annotations

from typing import Any

from sparkify.engine.copy.sources import is_s3
from sparkify.engine.copy.statement import parse_copy
from sparkify.engine.errors import EngineError, LocalFilesRefused
from sparkify.engine.unload.statement import parse_unload

#: Redshift's own answers to a COPY or UNLOAD that names no S3 location.
COPY_REFUSAL = "LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)"
UNLOAD_REFUSAL = "UNLOAD destination is not supported. (Hint: only S3 based unload is allowed)"


_IS_SUPERUSER = "SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user"


def check_copy(connection: Any, sql: str) -> None:
    """Refuse a non-superuser's COPY whose source (a manifest's too) or JSONPaths file is a local path."""
    try:
        command = parse_copy(sql)
    except EngineError:
        return  # run_copy reports it
    locations = [command.source]
    if command.json_option and not command.json_auto:
        locations.append(command.json_option)
    # An S3 manifest's entries are S3 objects: the emulator refuses any other (see engine.copy.manifest).
    if not all(is_s3(location) for location in locations) and not _is_superuser(connection):
        raise LocalFilesRefused(COPY_REFUSAL)


def check_unload(connection: Any, sql: str) -> None:
    """Refuse a non-superuser's UNLOAD to a local path."""
    try:
        command = parse_unload(sql)
    except EngineError:
        return  # run_unload reports it
    if not is_s3(command.destination) and not _is_superuser(connection):
        raise LocalFilesRefused(UNLOAD_REFUSAL)


def _is_superuser(connection: Any) -> bool:
    """Whether the session's current role is one of Redshift's superusers (CREATEUSER: CREATEROLE)."""
    with connection.cursor() as cursor:
        cursor.execute(_IS_SUPERUSER)
        row = cursor.fetchone()
    return bool(row and row[0])
