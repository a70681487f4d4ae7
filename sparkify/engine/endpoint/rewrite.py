"""The endpoint's own rewrites, on tokens: ``version()`` names Redshift, and ``pg_last_copy_id()``,
``pg_last_query_id()`` and ``pg_last_unload_id()`` give the ids of the session's last COPY, statement and
UNLOAD.  Only the endpoint does them: the in-process path must keep
seeing PostgreSQL in ``version()``, which is how a caller of the adapter tells the engines apart."""

from __future__ import annotations

from sparkify.engine.sql.text import quote_literal
from sparkify.engine.sql.tokens import Token, replace_spans, tokens

REDSHIFT_VERSION = "PostgreSQL 8.0.2 on x86_64-pc-linux-gnu, compiled by GCC, Redshift 1.0"


def version_text(postgres_version: str) -> str:
    return f"{REDSHIFT_VERSION} (sparkify local endpoint on PostgreSQL {postgres_version})"


def endpoint_sql(
    sql: str, *, version: str, last_copy_id: int, last_query_id: int = -1, last_unload_id: int = -1
) -> str:
    """``sql`` with each unqualified ``version()``, ``pg_last_copy_id()``, ``pg_last_query_id()`` and
    ``pg_last_unload_id()`` call replaced by its value (the session's last COPY, statement and UNLOAD).

    A scalar sub-select keeps the call's column name (``version``, ``pg_last_copy_id`` …).
    """
    lowered = sql.lower()
    if "version" not in lowered and "pg_last_" not in lowered:
        return sql  # the cheap common case: no token can match
    values = {
        "VERSION": f"(SELECT {quote_literal(version)}::text AS version)",
        "PG_LAST_COPY_ID": f"(SELECT {int(last_copy_id)}::integer AS pg_last_copy_id)",
        "PG_LAST_QUERY_ID": f"(SELECT {int(last_query_id)}::integer AS pg_last_query_id)",
        "PG_LAST_UNLOAD_ID": f"(SELECT {int(last_unload_id)}::integer AS pg_last_unload_id)",
    }
    found = tokens(sql)
    replacements = []
    for index, token in enumerate(found):
        value = values.get(token.word)
        if value and _is_bare_call(found, index):
            replacements.append((token.start, found[index + 2].end, value))
    return replace_spans(sql, replacements) if replacements else sql


def _is_bare_call(found: list[Token], index: int) -> bool:
    """``name()`` with no arguments and no schema in front (``pg_catalog.version()`` stays PostgreSQL's)."""
    if index + 2 >= len(found) or found[index + 1].text != "(" or found[index + 2].text != ")":
        return False
    return index == 0 or found[index - 1].text != "."
