"""The backend's errors as a cluster gives them: positions in the client's own text, and nothing of the
emulation's translation — no internal query of the DO block a CREATE TABLE runs in, no PL/pgSQL or shim
function context."""

from __future__ import annotations

from sparkify.engine.endpoint import messages as m
from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.late_binding import LATE_BINDING_CONTEXT
from sparkify.engine.sql.redshift.positions import DO_BLOCK_CONTEXT, original_position
from sparkify.engine.sql.tokens import first_keyword

# PostgreSQL's message where a cluster words the same refusal its own way, by SQLSTATE and opening words.
_REDSHIFT_MESSAGES = {
    # An explicit value for an IDENTITY column (GENERATED ALWAYS here), as a cluster refuses it.
    ("428C9", "cannot insert a non-DEFAULT value into column"): "cannot set an identity column to a value",
}


def in_clients_words(payload: bytes, sent_texts: tuple[str, str] | None) -> bytes:
    """An ErrorResponse payload for the client; ``sent_texts`` is (the client's text, the translation
    sent for it), None when the text went as written."""
    fields = m.error_fields(payload)
    for (sqlstate, opening), message in _REDSHIFT_MESSAGES.items():
        if fields.get("C") == sqlstate and fields.get("M", "").startswith(opening):
            fields["M"] = message
            fields.pop("D", None)  # PostgreSQL's detail and hint (OVERRIDING SYSTEM VALUE): not Redshift's
            fields.pop("H", None)
            payload = _payload(fields)
    if LATE_BINDING_CONTEXT in fields.get("W", ""):  # a late-binding view's query: none of the client's text
        for field in ("W", "q", "p", "P"):
            fields.pop(field, None)
        return _payload(fields)
    if sent_texts is None:
        return payload
    original, sent = sent_texts
    context = fields.get("W", "")
    ours = SHIM_SCHEMA in context or (DO_BLOCK_CONTEXT in context and first_keyword(original) != "DO")
    if not ours and "P" not in fields:
        return payload
    mapped = False
    if ours:
        internal_query, internal_position = fields.pop("q", None), fields.pop("p", None)
        fields.pop("W", None)
        if internal_query and internal_position and internal_position.isdigit() and "P" not in fields:
            # The statement the DO block ran: its position, aligned with the client's text.
            _set_position(fields, original_position(original, internal_query, int(internal_position)))
            mapped = True
    if not mapped and fields.get("P", "").isdigit() and sent != original:
        _set_position(fields, original_position(original, sent, int(fields["P"])))
    return _payload(fields)


def _payload(fields: dict[str, str]) -> bytes:
    return b"".join(code.encode() + m.cstring(value) for code, value in fields.items()) + b"\0"


def _set_position(fields: dict[str, str], position: int | None) -> None:
    if position is None:
        fields.pop("P", None)
    else:
        fields["P"] = str(position)
