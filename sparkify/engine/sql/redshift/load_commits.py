"""stl_load_commits on the local engine: one row per file a COPY loaded, written in the COPY's own
transaction, so that a rolled-back load leaves no record (Redshift records commits only); and the session's
PG_LAST_COPY_COUNT() and PG_LAST_COPY_ID()."""

from __future__ import annotations

from typing import Any

from sparkify.engine.sql.redshift import SHIM_SCHEMA

# The next COPY's number: answered from the index on query (catalog.sql), not from every earlier load's rows.
NEXT_QUERY_ID = f"SELECT COALESCE(MAX(query), 0) + 1 FROM {SHIM_SCHEMA}.stl_load_commits"


def record_load_commits(connection: Any, files: list[Any], *, query_id: int | None = None) -> None:
    """Record ``files`` (the COPY's per-file stats: name, read, rejected) in stl_load_commits, in one
    statement however many files there are, under ``query_id`` (the query history's id of the COPY; None:
    the next after the table's last)."""
    cursor = connection.cursor()
    query = query_id
    if query is None:
        cursor.execute(NEXT_QUERY_ID)
        query = cursor.fetchall()[0][0]  # fetchall only: the endpoint's connection shim offers it
    loaded = sum(stats.read - stats.rejected for stats in files)
    # Session settings (not local): they outlive the transaction, and a rollback takes them back.
    cursor.execute(
        "SELECT set_config('redshift.last_copy_count', %s, false), "
        "set_config('redshift.last_copy_id', %s, false)",
        (str(loaded), str(query)),
    )
    if not files:
        return
    cursor.execute(
        f"INSERT INTO {SHIM_SCHEMA}.stl_load_commits "
        "(userid, query, slice, name, filename, lines_scanned, errors, status, file_format) "
        "SELECT (SELECT usesysid FROM pg_catalog.pg_user WHERE usename = current_user), "
        "%s, 0, "
        "split_part(f.name, '/', -1), f.name, f.lines, f.errors, 1, 'Json' "
        "FROM unnest(%s::text[], %s::int[], %s::int[]) AS f (name, lines, errors)",
        (
            query,
            [stats.name for stats in files],
            [stats.read for stats in files],
            [stats.rejected for stats in files],
        ),
    )
