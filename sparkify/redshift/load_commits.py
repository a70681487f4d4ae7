"""stl_load_commits on the local engine: one row per file a COPY loaded, written in the COPY's own
transaction, so that a rolled-back load leaves no record (Redshift records commits only)."""

from __future__ import annotations

from typing import Any

from sparkify.redshift import SHIM_SCHEMA


def record_load_commits(connection: Any, files: list[Any]) -> None:
    """Record ``files`` (the COPY's per-file stats: name, read, rejected) in stl_load_commits, in one
    statement however many files there are."""
    if not files:
        return
    cursor = connection.cursor()
    cursor.execute(
        f"INSERT INTO {SHIM_SCHEMA}.stl_load_commits "
        "(userid, query, slice, name, filename, lines_scanned, errors, status, file_format) "
        "SELECT (SELECT usesysid FROM pg_catalog.pg_user WHERE usename = current_user), "
        f"(SELECT COALESCE(MAX(query), 0) + 1 FROM {SHIM_SCHEMA}.stl_load_commits), 0, "
        "split_part(f.name, '/', -1), f.name, f.lines, f.errors, 1, 'Json' "
        "FROM unnest(%s::text[], %s::int[], %s::int[]) AS f (name, lines, errors)",
        (
            [stats.name for stats in files],
            [stats.read for stats in files],
            [stats.rejected for stats in files],
        ),
    )
