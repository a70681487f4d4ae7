"""The translation's second fast path: statements the rewrites change, learnt once per shape with their
literals lifted out.

A client asks the same rewritten statement again and again with other values (SQLAlchemy's reflection
names each new table by its oid and its name): each costs the full translation.  A statement is reduced to
its *key*: every byte as written but its lifted literals, each reduced to its kind.  The second statement
of a key (a statement sent once costs no more) is translated in full, and so is a *probe*: the statement
with each lifted literal replaced by a distinct one of its kind.  Where each probe literal stands exactly
once in the probe's translation, in order, and the translation around them, with the statement's own
literals put back, is the statement's own translation, the text around them is the key's *template*: the
literals passed through the rewrites untouched, and two unlike sets of values gave the same translation.
A later statement of the key is the template with its literals put back.  A key whose literals the
rewrites move, duplicate, change or decide on keeps no template: its statements take the full path every
time.

Only literals standing as operands are lifted: not a function's argument (``DATEADD('day', …)``), a typed
literal (``INTERVAL '1 day'``), a cast's operand, a pattern (``LIKE 'a%'``), an escape string or a
dollar quote: their values may decide what the rewrites do, so they stay in the key as written.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sparkify.engine.errors import EngineError
from sparkify.engine.sql.shapes import Lexed

_LIFTED = frozenset({"SCONST", "ICONST", "FCONST"})
#: Keywords before ``(`` that open no call: the literals inside stand as operands.
_NOT_CALLS = frozenset(
    {
        "IN_P", "VALUES", "EXISTS", "WHERE", "AND", "OR", "NOT", "ON", "FROM", "JOIN", "SELECT", "AS",
        "ANY", "ALL", "SOME", "HAVING", "WHEN", "THEN", "ELSE", "USING", "LATERAL", "UNION", "INTERSECT",
        "EXCEPT", "RETURNING", "SET", "BY", "WITH",
    }
)  # fmt: skip
#: Tokens before a literal that make it no operand: a pattern's, a custom operator's.
_NOT_OPERAND_AFTER = frozenset({"TO", "Op", "IDENT"})
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_NAME_KINDS = frozenset({"UNRESERVED_KEYWORD", "COL_NAME_KEYWORD", "TYPE_FUNC_NAME_KEYWORD"})
_MOST_LITERALS = 512
_LONGEST_TEXT = 65536
_KEPT_TEMPLATES = 1024
#: A key's template once known to be none (a key seen once has the empty one).
_NONE = ("",)
_PROBE_NUMBER = 918370000  # nine digits for up to _MOST_LITERALS probes: none holds another


@dataclass(frozen=True)
class Lifted:
    """A statement with its operand literals lifted out: ``key`` (``\\0`` and the kind where each stood),
    the literals' texts in order, and the probe: the statement with each replaced by a distinct one."""

    sql: str
    key: str
    literals: tuple[str, ...]
    probe: str
    probes: tuple[str, ...]


def lifted_literals(lexed: Lexed) -> Lifted | None:
    """The statement's operand literals lifted out; None when it has none, or too many."""
    sql = lexed.sql
    if len(sql) > _LONGEST_TEXT or "\\" in sql:  # a backslash: Redshift's escapes are marked first
        return None
    key: list[str] = []
    probe: list[str] = []
    literals: list[str] = []
    probes: list[str] = []
    calls: list[bool] = []  # for each open parenthesis: whether it opens a call's arguments
    position = 0
    for index, name in enumerate(lexed.names):
        if name == "ASCII_40":
            before = _next_token(lexed, index, -1)
            calls.append(before is not None and _names_a_call(lexed, before))
        elif name == "ASCII_41" and calls:
            calls.pop()
        elif name in _LIFTED and not (calls and calls[-1]) and _stands_as_operand(lexed, index):
            start, end = lexed.span(index, index + 1)
            text = sql[start:end]
            if name == "SCONST" and not text.startswith("'"):
                continue
            stand_in = _probe(name, len(literals))
            key += [sql[position:start], "\0", name[0]]
            probe += [sql[position:start], stand_in]
            literals.append(text)
            probes.append(stand_in)
            position = end
            if len(literals) > _MOST_LITERALS:
                return None
    if not literals:
        return None
    key.append(sql[position:])
    probe.append(sql[position:])
    return Lifted(sql, "".join(key), tuple(literals), "".join(probe), tuple(probes))


def _names_a_call(lexed: Lexed, index: int) -> bool:
    """Whether the token at ``index``, before ``(``, names a call (a function, CAST, a type's modifier)."""
    text = lexed.text(index)
    return (text[:1].isalpha() or text[:1] in '_"') and lexed.names[index] not in _NOT_CALLS


def _stands_as_operand(lexed: Lexed, index: int) -> bool:
    """Whether the literal at ``index`` is an operand: no name before it (a typed literal, LIKE's
    pattern), no pattern's TO or custom operator, no cast after it; comments between count as nothing."""
    before = _next_token(lexed, index, -1)
    if before is not None and (
        lexed.scanned[before].kind in _NAME_KINDS or lexed.names[before] in _NOT_OPERAND_AFTER
    ):
        return False
    after = _next_token(lexed, index, 1)
    return after is None or lexed.names[after] != "TYPECAST"


def _next_token(lexed: Lexed, index: int, step: int) -> int | None:
    """The index of the nearest token other than a comment from ``index`` in the direction ``step``."""
    index += step
    while 0 <= index < len(lexed.names):
        if lexed.names[index] not in _COMMENTS:
            return index
        index += step
    return None


def _probe(name: str, number: int) -> str:
    if name == "SCONST":
        return f"'sparkify_probe_{number:04d}'"
    if name == "ICONST":
        return str(_PROBE_NUMBER + number)
    return f"{_PROBE_NUMBER + number}.25"


class RewrittenTranslations:
    """The templates learnt per key and session settings; the most recent kept.  A key is learnt the
    second time it is seen; :data:`_NONE` for a key that keeps no template."""

    def __init__(self, size: int = _KEPT_TEMPLATES) -> None:
        self.size = size
        self._templates: OrderedDict[tuple[str, Hashable], tuple[str, ...]] = OrderedDict()

    def translation(
        self,
        lifted: Lifted,
        session: Hashable,
        translate: Callable[[str], str],
        learnable: Callable[[str], bool],
    ) -> str:
        """The statement's translation: its key's template with its literals put back, else ``translate``
        (the full path, which may raise), learning the key's template the first time.  ``session``: what
        else the translation depends on (standard_conforming_strings, whether the session's tables are
        asked); ``learnable``, asked after the translations: they depended on the text alone."""
        key = (lifted.key, session)
        template = self._templates.get(key)
        if template is not None and len(template) > 1:
            with contextlib.suppress(KeyError):  # the endpoint's sessions learn and forget at once
                self._templates.move_to_end(key)
            filled = _filled(template, lifted.literals)
            return (
                lifted.sql if filled == lifted.sql else filled
            )  # as written: the very text, as the full path
        translated = translate(lifted.sql)
        if template is None:  # first seen: a statement sent once costs no probe
            self._keep(key, ())
        elif template == ():  # seen once before: learnt now
            learnt = _template(lifted, translated, translate)
            self._keep(key, learnt if learnable(lifted.sql) else _NONE)
        return translated

    def _keep(self, key: tuple[str, Hashable], template: tuple[str, ...]) -> None:
        with contextlib.suppress(KeyError):
            self._templates[key] = template
            while len(self._templates) > self.size:
                self._templates.popitem(last=False)

    def serves(self, lifted: Lifted, session: Hashable) -> bool:
        """Whether statements of ``lifted``'s key are served from a learnt template."""
        return len(self._templates.get((lifted.key, session), ())) > 1

    def forget(self) -> None:
        """What the translation learnt about the database changed (its catalog): every template goes."""
        self._templates.clear()


def _template(lifted: Lifted, translated: str, translate: Callable[[str], str]) -> tuple[str, ...]:
    """The text around the probe literals in the probe's translation, when each stands there exactly once
    and in order and the statement's own literals put back give its own translation; else None."""
    try:
        probed = translate(lifted.probe)
    except (EngineError, ValueError):
        return _NONE
    pieces: list[str] = []
    position = 0
    for stand_in in lifted.probes:
        found = probed.find(stand_in, position)
        if found < 0 or probed.count(stand_in) != 1:
            return _NONE
        pieces.append(probed[position:found])
        position = found + len(stand_in)
    pieces.append(probed[position:])
    template = tuple(pieces)
    return template if _filled(template, lifted.literals) == translated else _NONE


def _filled(template: tuple[str, ...], literals: tuple[str, ...]) -> str:
    parts = [template[0]]
    for literal, piece in zip(literals, template[1:], strict=True):
        parts += [literal, piece]
    return "".join(parts)
