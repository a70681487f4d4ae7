"""Installs the Redshift function and catalog shims (the ``*.sql`` files next to this module) into a
database, once per version of those files."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from sparkify.engine.sql.load_errors import STL_LOAD_ERRORS, STL_LOAD_ERRORS_DDL
from sparkify.engine.sql.redshift import SHIM_SCHEMA

_SQL_FILES = (
    "functions_datetime.sql",
    "abstime.sql",
    "functions_text.sql",
    "functions_hash.sql",
    "late_binding.sql",  # before catalog.sql, whose information_schema.columns leaves such views out
    "crossdb.sql",
    "long_names.sql",  # before catalog.sql: real_name
    "catalog.sql",
    "routines.sql",
    "matviews.sql",
    "conversions.sql",
    "comparisons.sql",
    "aggregates.sql",
    "table_privileges.sql",
    "access.sql",
    "super_navigation.sql",
    "history.sql",
    "functions_reference.sql",
)
_MOVE_PUBLIC_LOAD_ERRORS = f"""
DO $move$ BEGIN
    IF to_regclass('public.stl_load_errors') IS NOT NULL THEN
        INSERT INTO {STL_LOAD_ERRORS} SELECT * FROM public.stl_load_errors;
        DROP TABLE public.stl_load_errors;
    END IF;
END $move$"""
# Two sessions preparing the same database at once would race on CREATE OR REPLACE: one waits.
_LOCK_KEY = 0x5EDB_17F1


@cache
def shim_sql() -> tuple[str, str]:
    """The installation script and its version (a digest of the text)."""
    texts = [
        resources.files("sparkify.engine.sql.redshift").joinpath(name).read_text("utf-8")
        for name in _SQL_FILES
    ]
    script = "\n".join(texts)
    return script, hashlib.sha256(script.encode()).hexdigest()[:16]


def install(connection: Any) -> bool:
    """Install or update the shims; False when the installed version is already current."""
    script, version = shim_sql()
    marker = f"sparkify shims {version}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s", (SHIM_SCHEMA,)
        )
        row = cursor.fetchone()
        if row is not None and row[0] == marker:
            return False
    autocommit = connection.autocommit
    try:
        with connection.cursor() as cursor:
            if autocommit:
                cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            # The functions call each other; their bodies are checked when first run, not in file order.
            cursor.execute("SET LOCAL check_function_bodies = off")
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SHIM_SCHEMA}")
            cursor.execute(STL_LOAD_ERRORS_DDL)  # before the script: sys_load_error_detail reads it
            cursor.execute(script)
            # COLLATE CASE_INSENSITIVE columns: this build has no ICU for a nondeterministic collation.
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS citext SCHEMA {SHIM_SCHEMA}")
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA {SHIM_SCHEMA}")  # SOUNDEX
            # Written by the loading user's own connection (a rejected record outlives the COPY), emptied by
            # a new warehouse; LOCK's SHARE ROW EXCLUSIVE asks for TRUNCATE (or UPDATE) as well.
            cursor.execute(f"GRANT SELECT, INSERT, TRUNCATE ON {STL_LOAD_ERRORS} TO PUBLIC")
            # Earlier versions kept it in public, where psql and the tools list it as the user's own.
            cursor.execute(_MOVE_PUBLIC_LOAD_ERRORS)
            cursor.execute(f"GRANT USAGE ON SCHEMA {SHIM_SCHEMA} TO PUBLIC")
            cursor.execute(f"COMMENT ON SCHEMA {SHIM_SCHEMA} IS %s", (marker,))
            if autocommit:
                cursor.execute("COMMIT")
        if not autocommit:
            connection.commit()
    except BaseException:
        if autocommit:
            connection.cursor().execute("ROLLBACK")
        else:
            connection.rollback()
        raise
    return True
