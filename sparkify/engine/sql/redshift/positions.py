"""An error's position in the client's own text, not in the translation PostgreSQL ran.

PostgreSQL points at a character of the statement it was given: the emulation's rewrite of the client's
SQL (an alias spelt out, a function routed to the shim schema, a CREATE TABLE inside a DO block, where the
error comes as an "internal query" with a PL/pgSQL context).  Redshift points into the client's text.  The
two texts share most of their tokens: aligning the token sequences finds the client's token that the
position's token came from, or, for a token the translation made, the start of what it replaced.
"""

from __future__ import annotations

import difflib

from sparkify.engine.sql.tokens import SqlLexError, Token, tokens

#: The context PostgreSQL adds to an error inside the DO block that runs a CREATE TABLE.
DO_BLOCK_CONTEXT = "PL/pgSQL function inline_code_block"


def original_position(original: str, translated: str, position: int) -> int | None:
    """The 1-based position in ``original`` of what the 1-based ``position`` in ``translated`` points at;
    None when the texts cannot be aligned (then the error is better without a position)."""
    try:
        sent, written = tokens(translated), tokens(original)
    except SqlLexError:
        return None
    if not written:
        return None
    index = _token_at(sent, position - 1)
    if index >= len(sent):
        return len(original) + 1  # "at end of input"
    matcher = difflib.SequenceMatcher(None, [t.text for t in sent], [t.text for t in written], autojunk=False)
    for _, low, high, written_low, written_high in matcher.get_opcodes():
        if low <= index < high:
            if written_low == written_high:  # only in the translation: where it stands in the original
                return written[min(written_low, len(written) - 1)].start + 1
            target = written_low + min(index - low, written_high - written_low - 1)
            return written[target].start + 1
    return None


def _token_at(found: list[Token], offset: int) -> int:
    """The index of the token holding ``offset`` (or of the first one after it); len(found) past the end."""
    for index, token in enumerate(found):
        if offset < token.end:
            return index
    return len(found)
