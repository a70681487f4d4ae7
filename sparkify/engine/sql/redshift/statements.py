"""Whole Redshift statements that PostgreSQL spells otherwise or does not have, rewritten on tokens:
ALTER TABLE … APPEND, the layout forms of ALTER TABLE, VACUUM, ANALYZE COMPRESSION, Redshift's own
session settings (SET / RESET / SHOW), MERGE … REMOVE DUPLICATES and CREATE VIEW … WITH NO SCHEMA BINDING;
users, roles and privileges in :mod:`sparkify.engine.sql.redshift.access`.
"""

from __future__ import annotations

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.access import access_statement
from sparkify.engine.sql.redshift.comments import comment_on_view
from sparkify.engine.sql.redshift.databases import in_own_database
from sparkify.engine.sql.redshift.show import SHOW_COMMANDS, show_statement
from sparkify.engine.sql.text import quote_literal
from sparkify.engine.sql.tokens import Token, tokens

#: Redshift's own configuration parameters and their defaults; held as PostgreSQL custom settings.
REDSHIFT_SETTINGS = {
    "enable_result_cache_for_session": "on",
    "query_group": "default",
    "wlm_query_slot_count": "1",
    "analyze_threshold_percent": "10",
    "enable_case_sensitive_identifier": "off",
    "enable_case_sensitive_super_attribute": "off",
    "describe_field_name_in_uppercase": "off",
    "json_parse_truncate_strings": "off",
    "auto_mv": "true",
    "datashare_break_glass_session_var": "",
    "spectrum_query_maxerror": "-1",
    "mv_enable_aqmv_for_session": "true",
}
_NOTHING = "DO $sparkify$ BEGIN END $sparkify$"
_LOCAL_ONLY = {
    ("CREATE", "EXTERNAL"): "external schemas and tables (Redshift Spectrum)",
    ("CREATE", "LIBRARY"): "CREATE LIBRARY",
    ("CREATE", "DATASHARE"): "datashares",
    ("CREATE", "MODEL"): "CREATE MODEL (Redshift ML)",
}


def rewrite_statement(found: list[Token]) -> str | None:
    """The PostgreSQL statement for a Redshift statement of these kinds, or None for any other one."""
    words = [token.word for token in found if token.text != ";"]
    for leading, feature in _LOCAL_ONLY.items():
        if tuple(words[:2]) == leading:
            raise UnsupportedStatementError(f"{feature} are not supported by the local engine")
    if words[:1] == ["VACUUM"]:
        return _NOTHING  # the local engine keeps no sort order to restore; PostgreSQL vacuums by itself
    if words[:2] == ["ANALYZE", "COMPRESSION"]:
        return _analyze_compression(found)
    if words[:1] == ["ANALYZE"] and words[-1:] == ["COLUMNS"] and words[-2:-1] in (["PREDICATE"], ["ALL"]):
        return " ".join(token.text for token in found if token.text != ";").rsplit(" ", 2)[0]
    access = access_statement(found, words)
    if access is not None:
        return access
    if (
        words[:1] in (["SET"], ["RESET"], ["SHOW"])
        and len(words) > 1
        and words[1].lower() in REDSHIFT_SETTINGS
    ):
        return _setting(found, words)
    if words[:1] in (["SET"], ["RESET"], ["SHOW"]) and "SEARCH_PATH" in words[1:3]:
        return _search_path(found, words)
    if words[:2] == ["ALTER", "TABLE"]:
        return _alter_table(found, words)
    if words[:1] == ["SHOW"] and len(words) > 1 and words[1] in SHOW_COMMANDS:
        return show_statement(found)
    if words[:2] in (["CREATE", "SCHEMA"], ["ALTER", "SCHEMA"]) and "QUOTA" in words:
        statement = _without_quota(found, words)
        return in_own_database(tokens(statement)) or statement
    if words[:3] == ["COMMENT", "ON", "VIEW"]:
        return comment_on_view(found)
    own_database = in_own_database(found)  # ``"dev"."staging"``: a schema of the session's own database
    if own_database is not None:
        return own_database
    if words[:1] == ["MERGE"] and words[-2:] == ["REMOVE", "DUPLICATES"]:
        return _merge_remove_duplicates(found, words)
    return None


def _without_quota(found: list[Token], words: list[str]) -> str:
    """CREATE / ALTER SCHEMA without Redshift's QUOTA clause (the local engine has no storage quotas)."""
    quota = words.index("QUOTA")
    end = quota + 2
    if end < len(words) and words[end] in ("MB", "GB", "TB"):
        end += 1
    kept = [
        token.text
        for position, token in enumerate(found)
        if not quota <= position < end and token.text != ";"
    ]
    if words[0] == "ALTER" and len(kept) <= 3:
        return _NOTHING
    return " ".join(kept)


def _analyze_compression(found: list[Token]) -> str:
    tables = [
        token.text for token in found[2:] if token.word and token.word not in ("COMPROWS", "COMPRESSION")
    ]
    where = f"WHERE tablename = {quote_literal(tables[0].lower())}" if tables else ""
    return (
        'SELECT tablename AS "Table", "column" AS "Column", encoding AS "Encoding", '
        f'0::numeric(5, 2) AS "Est_reduction_pct" FROM {SHIM_SCHEMA}.pg_table_def {where}'
    )


def _setting(found: list[Token], words: list[str]) -> str:
    name = words[1].lower()
    if words[0] == "SHOW":
        return f"SELECT current_setting('redshift.{name}') AS {name}"
    if words[0] == "RESET":
        return f"SET redshift.{name} TO {quote_literal(REDSHIFT_SETTINGS[name])}"
    values = [token for token in found[2:] if token.word not in ("TO",) and token.text not in ("=", ";")]
    value = values[0].text.strip("'") if values else ""
    if values and values[0].word == "DEFAULT":
        value = REDSHIFT_SETTINGS[name]
    return f"SET redshift.{name} TO {quote_literal(value)}"


SHIM_PATH = f"{SHIM_SCHEMA}, pg_catalog"


def _search_path(found: list[Token], words: list[str]) -> str:
    """The client's search path, with the shim schema kept after it (and out of sight)."""
    if words[0] == "SHOW":
        return f"SELECT replace(current_setting('search_path'), ', {SHIM_PATH}', '') AS search_path"
    meaningful = [token for token in found if token.text != ";"]
    values = [
        token.text
        for token in meaningful[words.index("SEARCH_PATH") + 1 :]
        if token.word != "TO" and token.text != "="
    ]
    scope = "LOCAL " if words[1] == "LOCAL" else ""
    if words[0] == "RESET" or values in ([], ["DEFAULT"], ["default"]):
        return f'SET {scope}search_path TO "$user", public, {SHIM_PATH}'
    return f"SET {scope}search_path TO {' '.join(values)}, {SHIM_PATH}"


def _alter_table(found: list[Token], words: list[str]) -> str | None:
    if "APPEND" in words and words[words.index("APPEND") + 1 : words.index("APPEND") + 2] == ["FROM"]:
        return _append(found, words)
    if "ENCODE" in words and "ALTER" in words[2:]:
        return _NOTHING  # ALTER COLUMN c ENCODE e: the local engine has no column encodings
    # ALTER TABLE t ALTER DISTSTYLE / DISTKEY / SORTKEY / ENCODE: layout only, nothing to move locally.
    for index, word in enumerate(words[:-1]):
        if (
            word == "ALTER"
            and index > 1
            and words[index + 1] in ("DISTSTYLE", "DISTKEY", "SORTKEY", "COMPOUND", "INTERLEAVED", "ENCODE")
        ):
            return _NOTHING
    return None


def _append(found: list[Token], words: list[str]) -> str:
    """``ALTER TABLE target APPEND FROM source [IGNOREEXTRA | FILLTARGET]`` as a call of the shim."""
    append = words.index("APPEND")
    target = "".join(token.text for token in found[2:append])
    tail = [token for token in found[append + 2 :] if token.text != ";"]
    mode = tail[-1].word if tail and tail[-1].word in ("IGNOREEXTRA", "FILLTARGET") else ""
    source = "".join(token.text for token in (tail[:-1] if mode else tail))
    arguments = f"to_regclass({quote_literal(target.lower())}), to_regclass({quote_literal(source.lower())})"
    call = f"{SHIM_SCHEMA}.append_table({arguments}, {quote_literal(mode)})"
    return f"DO $sparkify$ BEGIN PERFORM {call}; END $sparkify$"


def _merge_remove_duplicates(found: list[Token], words: list[str]) -> str:
    """``MERGE INTO target USING source ON cond REMOVE DUPLICATES``: the matched target rows are replaced
    by the source's and the unmatched source rows inserted: every source row ends up in the target."""
    meaningful = [token for token in found if token.text != ";"]
    using, on = words.index("USING"), words.index("ON")
    target = _joined(meaningful, 2 if words[1] == "INTO" else 1, using)
    source = _joined(meaningful, using + 1, on)
    condition = _joined(meaningful, on + 1, len(words) - 2)
    body = (
        f"DELETE FROM {target} USING {source} WHERE {condition}; "
        f"INSERT INTO {target.split()[0]} SELECT {source.split()[-1]}.* FROM {source};"
    )
    return f"DO $sparkify$ BEGIN {body} END $sparkify$"


def _joined(found: list[Token], first: int, end: int) -> str:
    return " ".join(token.text for token in found[first:end])
