"""Names of 64 to 127 bytes, as Redshift allows them, on a PostgreSQL that keeps 63.

PostgreSQL cuts a longer name to its first 63 bytes (NAMEDATALEN), so two long names alike in those bytes
would be one.  Each name longer than that is held under a stored name instead: its first bytes, a ``~`` and
twelve hex digits of a digest of the whole name (63 bytes at most), put in place of the name's token before
the rest of the translation reads the statement.  A CREATE or ALTER that names one also records it in
``sparkify_redshift.long_names`` (long_names.sql), from which the SHOW commands answer the real name.  A name
past Redshift's 127 bytes is cut there first, as a cluster cuts it.
"""

from __future__ import annotations

import hashlib

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.quoted_names import ascii_lower, quoted_name
from sparkify.engine.sql.text import postgres_literal
from sparkify.engine.sql.tokens import Token, tokens

#: PostgreSQL keeps a name's first NAMEDATALEN - 1 bytes; Redshift its first 127.
POSTGRES_NAME_BYTES = 63
REDSHIFT_NAME_BYTES = 127
#: A stored name: its real name's first bytes (whole characters), ``~``, twelve hex digits.  long_names.sql's
#: stored_name computes the same.
_PREFIX_BYTES = 50
_DIGEST_DIGITS = 12
_HEX = frozenset(b"0123456789abcdef")


def _cut(name: str, size: int) -> str:
    """``name``'s first ``size`` bytes, a character cut in two left out."""
    return name.encode()[:size].decode("utf-8", "ignore")


#: The real names of the stored names this process has made (a result column's name is read back by them).
_REAL_NAMES: dict[str, str] = {}
_REAL_NAMES_KEPT = 4096


def stored_name(real: str) -> str:
    """The name PostgreSQL holds for the name ``real`` (a name a cluster would hold: folded as it reads)."""
    real = _cut(real, REDSHIFT_NAME_BYTES)
    encoded = real.encode()
    if len(encoded) <= POSTGRES_NAME_BYTES:
        return real
    digest = hashlib.sha256(encoded).hexdigest()[:_DIGEST_DIGITS]
    stored = f"{_cut(real, _PREFIX_BYTES)}~{digest}"
    remember_real_name(stored, real)
    return stored


def remember_real_name(stored: str, real: str) -> None:
    """Keep ``real`` as the name ``stored`` stands for in what this process reads back."""
    if len(_REAL_NAMES) >= _REAL_NAMES_KEPT:
        _REAL_NAMES.clear()
    _REAL_NAMES[stored] = real


def may_be_stored(name: bytes) -> bool:
    """Whether ``name`` (UTF-8) can be a stored name: 60 to 63 bytes ending in ``~`` and 12 hex digits."""
    return (
        len(name) >= 60
        and name[-_DIGEST_DIGITS - 1 : -_DIGEST_DIGITS] == b"~"
        and all(byte in _HEX for byte in name[-_DIGEST_DIGITS:])
    )


def with_real_names(text: bytes) -> bytes:
    """``text`` (an error's fields, UTF-8) with each stored name this process made as its real name."""
    for stored, real in list(_REAL_NAMES.items()):
        encoded = stored.encode()
        if encoded in text:
            text = text.replace(encoded, real.encode())
    return text


def known_real_name(stored: str) -> str | None:
    """The real name of a stored name this process made, None when it made none of that name."""
    return _REAL_NAMES.get(stored)


def _name_of(token: Token) -> str | None:
    """The name an identifier token stands for, as this session reads it; None for other tokens."""
    if token.name != "IDENT":
        return None
    if token.text.startswith('"'):
        return quoted_name(token.text)[1:-1].replace('""', '"')
    return ascii_lower(token.text)


def long_names(found: list[Token]) -> dict[str, str]:
    """The names longer than PostgreSQL keeps among the identifiers of ``found``: real → stored."""
    held = {}
    for token in found:
        name = _name_of(token)
        if name is not None and len(name.encode()) > POSTGRES_NAME_BYTES:
            held[_cut(name, REDSHIFT_NAME_BYTES)] = stored_name(name)
    return held


def with_stored_names(sql: str, found: list[Token]) -> str:
    """``sql`` with each identifier longer than PostgreSQL keeps written as its stored name, quoted."""
    parts = []
    last = 0
    for token in found:
        name = _name_of(token)
        if name is None or len(name.encode()) <= POSTGRES_NAME_BYTES:
            continue
        parts += [sql[last : token.start], '"' + stored_name(name).replace('"', '""') + '"']
        last = token.end
    return "".join(parts) + sql[last:]


def with_stored_names_in(text: str) -> str:
    """The SQL ``text`` (a routine's body) with its long names written as their stored names."""
    found = tokens(text)
    return with_stored_names(text, found) if long_names(found) else text


def recording(leading: list[str], held: dict[str, str], translated: str) -> str:
    """The translation of a CREATE or ALTER (its ``leading`` words) that names ``held`` long names, recording
    them first (one DO block); other statements, and CREATE DATABASE (never in a block), as they are."""
    if not held or (leading[:1] != ["CREATE"] and leading[:1] != ["ALTER"]) or "DATABASE" in leading:
        return translated
    body = translated.strip().rstrip(";").strip()
    tag = "named"
    while f"${tag}$" in body:
        tag += "_"
    stored = ", ".join(postgres_literal(name) for name in held.values())
    real = ", ".join(postgres_literal(name) for name in held)
    return (
        f"DO $long_names$ BEGIN PERFORM {SHIM_SCHEMA}.remember_long_names(ARRAY[{stored}]::text[], "
        f"ARRAY[{real}]::text[]); EXECUTE ${tag}${body}${tag}$; END $long_names$"
    )
