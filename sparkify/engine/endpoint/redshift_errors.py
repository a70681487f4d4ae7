"""PostgreSQL's error messages where Redshift words them otherwise and clients read the words.

Redshift, a PostgreSQL 8.0, says ``permission denied for relation t`` of a table or a view; PostgreSQL
since 15 says ``for table t`` / ``for view t``.
"""

from __future__ import annotations

INSUFFICIENT_PRIVILEGE = "42501"
_RELATION_KINDS = ("permission denied for table ", "permission denied for view ",
                   "permission denied for materialized view ", "permission denied for sequence ")  # fmt: skip
_REDSHIFT_RELATION = "permission denied for relation "


def redshift_message(message: str, sqlstate: str) -> str:
    """``message`` as Redshift words it."""
    if sqlstate == INSUFFICIENT_PRIVILEGE:
        for kind in _RELATION_KINDS:
            if message.startswith(kind):
                return _REDSHIFT_RELATION + message[len(kind) :]
    return message


def redshift_error_payload(payload: bytes) -> bytes:
    """An ErrorResponse's payload with its message as Redshift words it (unchanged when it is the same)."""
    if b"C42501\0" not in payload:
        return payload  # the common case, cheaply
    fields: list[tuple[bytes, bytes]] = []
    offset = 0
    while offset < len(payload) and payload[offset] != 0:
        end = payload.index(b"\0", offset + 1)
        fields.append((payload[offset : offset + 1], payload[offset + 1 : end]))
        offset = end + 1
    rewritten = []
    for code, value in fields:
        if code == b"M":
            value = redshift_message(value.decode("utf-8", "replace"), INSUFFICIENT_PRIVILEGE).encode()
        rewritten.append(code + value + b"\0")
    return b"".join(rewritten) + b"\0"
