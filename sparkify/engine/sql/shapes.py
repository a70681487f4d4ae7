"""The translation's fast path: a statement's shape, with the values of its literal lists lifted out.

A multi-row ``INSERT … VALUES`` or a long ``IN (…)`` list costs the full translation work per token, and a
client sends the same statement again and again with other values (executemany, pandas' to_sql).  What
the rewrites decide never depends on a lone literal standing as a VALUES row's item or an IN list's item
(a number, a string, NULL, TRUE, FALSE, DEFAULT, a client's parameter $n, one of them cast to a type):
only on the rest of the text and on the kinds of those items.  So a statement is reduced to its *shape*:
every other byte kept as written (comments, names, literals elsewhere: ``DATEADD('day', …)`` stays
``'day'``), each literal list reduced to the kinds of its rows or items.  The shape's verdict is learnt
once, by translating a *sample* (the statement with each list cut to one row or item of each kind); when
the sample passes unchanged, every statement of that shape passes unchanged and is returned without
further work.  A sample that the translation changes or refuses gives no verdict: such statements take the
full path every time.

Only PostgreSQL's lexer (pglast's scanner) reads the text; nothing here rewrites it.
"""

from __future__ import annotations

import contextlib
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from pglast import parser as _pg

from sparkify.engine.errors import EngineError

_NUMBERS = frozenset({"ICONST", "FCONST"})
_CONSTANTS = {
    "SCONST": "s",
    "BCONST": "b",
    "XCONST": "x",
    "NULL_P": "NULL",
    "TRUE_P": "TRUE",
    "FALSE_P": "FALSE",
    "PARAM": "$",  # a client's parameter ($n): its value is bound later, never read by the rewrites
}
WORD_KINDS = frozenset({"NO_KEYWORD", "UNRESERVED_KEYWORD", "COL_NAME_KEYWORD", "TYPE_FUNC_NAME_KEYWORD"})
#: More distinct row kinds than this in one VALUES list: not worth a sample, the full path takes it.
_MOST_ROW_KINDS = 16
_KEPT_SHAPES = 1024
_KEPT_FRAMES = 64


@dataclass(frozen=True)
class Shape:
    """``key``: the text with each literal list reduced to its kinds (``\\0`` marks them: no SQL text holds
    one); ``sample``: the statement with each list cut to its first row or item of each kind."""

    key: str
    sample: str
    #: Where each literal list stands in the text (start, end).
    lists: tuple[tuple[int, int], ...] = ()


class Lexed:
    """The scanner's tokens of one text, their names apart (compared many at once, as slices): scanned
    once, for the first keyword and the shape both."""

    def __init__(self, sql: str, scanned: Sequence[Any]) -> None:
        self.sql = sql
        self.scanned = scanned
        self.names = [item.name for item in scanned]

    @property
    def leading_keyword(self) -> str:
        """The statement's first word, upper-cased, after leading comments; '' if none."""
        for index, name in enumerate(self.names):
            if name not in ("SQL_COMMENT", "C_COMMENT"):
                first = self.text(index)
                return first.upper() if first[:1].isalpha() or first[:1] == "_" else ""
        return ""

    def text(self, index: int) -> str:
        return self.sql[self.scanned[index].start : self.scanned[index].end + 1]

    def span(self, first: int, after: int) -> tuple[int, int]:
        """The text span of tokens ``first`` up to ``after`` (exclusive)."""
        return self.scanned[first].start, self.scanned[after - 1].end + 1

    def follows(self, index: int, *names: str) -> bool:
        return self.names[index : index + len(names)] == list(names)


def lexed(sql: str) -> Lexed | None:
    """``sql`` scanned; None when it is not lexically SQL."""
    try:
        return Lexed(sql, _pg.scan(sql))
    except _pg.ParseError:
        return None


def shape_of(lexed: Lexed) -> Shape | None:
    """The shape of the scanned text, or None when it has no literal list to lift."""
    sql = lexed.sql
    key: list[str] = []
    sample: list[str] = []
    lists: list[tuple[int, int]] = []
    position = 0
    index = 0
    while index < len(lexed.names):
        name = lexed.names[index]
        runs: list[tuple[int, int, str, str]] = []
        if name == "VALUES":
            runs, after = _values_runs(lexed, index + 1)
        elif name == "IN_P":
            lifted = _in_items(lexed, index + 1)
            if lifted is not None:
                runs, after = [(index + 1, *lifted)], lifted[0]
        if not runs:
            index += 1
            continue
        for first, end, kinds, kept in runs:
            start, stop = lexed.span(first, end)
            key += [sql[position:start], "\0", kinds, "\0"]
            sample += [sql[position:start], kept]
            lists.append((start, stop))
            position = stop
        index = after
    if not key:
        return None
    key.append(sql[position:])
    sample.append(sql[position:])
    return Shape("".join(key), "".join(sample), tuple(lists))


def _values_runs(lexed: Lexed, index: int) -> tuple[list[tuple[int, int, str, str]], int]:
    """The runs of lone-literal rows of the VALUES list at ``index``, each as (its first token's index,
    then as :func:`_values_rows`), and the token index after the list.  A row that is no lone-literal row
    (a call, a comment, a cast of its own) stays as written between two runs: one such row among
    thousands leaves two short runs in the sample, not thousands of rows."""
    runs = []
    at = index
    while lexed.follows(at, "ASCII_40"):
        if _literal_group(lexed, at) is not None:
            lifted = _values_rows(lexed, at)
            if lifted is None:  # too many kinds of rows: the list is not lifted at all
                return [], index
            runs.append((at, *lifted))
            at = lifted[0]
        else:
            ended = _group_end(lexed, at)
            if ended is None:
                break
            at = ended
        if not lexed.follows(at, "ASCII_44", "ASCII_40"):
            break
        at += 1
    return runs, at


def _group_end(lexed: Lexed, index: int) -> int | None:
    """The token index after the parenthesis that closes the one at ``index``; None if none does."""
    depth = 0
    for at in range(index, len(lexed.names)):
        name = lexed.names[at]
        if name == "ASCII_40":
            depth += 1
        elif name == "ASCII_41":
            depth -= 1
            if depth == 0:
                return at + 1
    return None


def _values_rows(lexed: Lexed, index: int) -> tuple[int, str, str] | None:
    """The VALUES rows from ``index`` on that hold lone literals only: (the token index after them, the
    row kinds, one row of each kind), or None when the first row is not one.

    A row whose tokens are the previous row's (their names, and the words of its casts) is of the previous
    row's kind: compared as one slice, so that a long list costs little more than its scan."""
    kinds: dict[str, str] = {}
    end = index
    previous = _Row(index, [], [])
    while True:
        if not previous.repeated_at(lexed, end):
            row = _literal_group(lexed, end)
            if row is None:
                break
            row_end, items = row
            kinds.setdefault(",".join(kind for kind, _ in items), lexed.sql[slice(*lexed.span(end, row_end))])
            if len(kinds) > _MOST_ROW_KINDS:
                return None
            names = lexed.names[end:row_end]
            previous = _Row(end, names, [at + 1 for at, name in enumerate(names) if name == "TYPECAST"])
        end += len(previous.names)
        if not lexed.follows(end, "ASCII_44", "ASCII_40"):
            break
        end += 1
    if end == index:
        return None
    if lexed.names[end - 1] == "ASCII_44":  # a row that is no lone-literal row follows: it stays as written
        end -= 1
    return end, "".join(f"({kind})" for kind in kinds), ", ".join(kinds.values())


@dataclass(frozen=True)
class _Row:
    """A lone-literal row: where it starts, its tokens' names, and where its cast words stand in it."""

    start: int
    names: list[str]
    cast_words: list[int]

    def repeated_at(self, lexed: Lexed, at: int) -> bool:
        """Whether the row at ``at`` is this row again, but for its literals' values."""
        if not self.names or lexed.names[at : at + len(self.names)] != self.names:
            return False
        return all(lexed.text(at + word) == lexed.text(self.start + word) for word in self.cast_words)


def _in_items(lexed: Lexed, index: int) -> tuple[int, str, str] | None:
    """An IN list of lone literals at ``index``: (the token index after it, its item kinds, one item of
    each kind in parentheses), or None."""
    group = _literal_group(lexed, index)
    if group is None:
        return None
    end, items = group
    firsts: dict[str, tuple[int, int]] = {}
    for kind, span in items:
        firsts.setdefault(kind, span)
    text = "(" + ", ".join(lexed.sql[first:last] for first, last in firsts.values()) + ")"
    return end, ",".join(sorted(firsts)), text


def _literal_group(lexed: Lexed, index: int) -> tuple[int, list[tuple[str, tuple[int, int]]]] | None:
    """``( item, item … )`` at ``index``, each item a lone literal: the token index after ``)`` and each
    item's kind and text span; None when the group is anything else (a comment in it included)."""
    if not lexed.follows(index, "ASCII_40"):
        return None
    items = []
    at = index + 1
    while at < len(lexed.names):
        item = _literal_item(lexed, at)
        if item is None:
            return None
        after, kind = item
        items.append((kind, lexed.span(at, after)))
        at = after
        if lexed.follows(at, "ASCII_41"):
            return at + 1, items
        if not lexed.follows(at, "ASCII_44"):
            return None
        at += 1
    return None


def _literal_item(lexed: Lexed, at: int) -> tuple[int, str] | None:
    """One lone literal at ``at`` (a signed number, a constant, DEFAULT, a parameter, a constant or a
    parameter cast to a one-word type): the token index after it and its kind; None for anything else."""
    names = lexed.names
    sign = ""
    if names[at] in ("ASCII_43", "ASCII_45") and at + 1 < len(names) and names[at + 1] in _NUMBERS:
        sign, at = lexed.text(at), at + 1
    if names[at] in _NUMBERS:
        return at + 1, sign + "n"
    if names[at] == "DEFAULT":
        return at + 1, "DEFAULT"
    kind = _CONSTANTS.get(names[at])
    if kind is None:
        return None
    if lexed.follows(at + 1, "TYPECAST") and at + 2 < len(names) and lexed.scanned[at + 2].kind in WORD_KINDS:
        return at + 3, f"{kind}::{lexed.text(at + 2)}"
    return at + 1, kind


class ShapeVerdicts:
    """Which shapes pass the translation unchanged, learnt from their samples; the most recent kept.

    A shape of one literal list that passes is also kept as its *frame*: the text before the list and the
    text after it.  A statement in a known frame is recognised without the scan (whose Python object per
    token is most of a big INSERT's cost): its two ends are compared as text, and what stands between them
    is checked to be lists of lone literals by PostgreSQL's own parser, in C (:func:`lone_literal_lists`).

    Verdicts and frames are kept per *reading*: the session settings the translation depends on
    (standard_conforming_strings, enable_case_sensitive_identifier), so none serves another setting."""

    def __init__(self, size: int = _KEPT_SHAPES, frames: int = _KEPT_FRAMES) -> None:
        self.size = size
        self._verdicts: OrderedDict[tuple[str, Hashable], bool] = OrderedDict()
        self.frames = frames
        #: each frame (head, tail, reading) and its sample, the frame around one row of one literal
        self._frames: OrderedDict[tuple[str, str, Hashable], str] = OrderedDict()

    def learn_frame(self, sql: str, shape: Shape, reading: Hashable) -> None:
        """``sql``, of ``shape``, passed unchanged: keep its frame, when it has one literal list."""
        if len(shape.lists) != 1 or "\\" in sql or "$" in sql:  # a frame is for literals (no parameter)
            return
        start, stop = shape.lists[0]
        if ";" in sql[:start] or ";" in sql[stop:]:  # one statement only: a frame also stands for its split
            return
        frame = (sql[:start], sql[stop:], reading)
        with contextlib.suppress(KeyError):  # the endpoint's sessions learn and forget at once
            self._frames[frame] = f"{frame[0]}(1){frame[1]}"
            self._frames.move_to_end(frame)
            while len(self._frames) > self.frames:
                self._frames.popitem(last=False)

    def in_known_frame(self, sql: str, reading: Hashable) -> bool:
        """Whether ``sql`` is a known frame around lists of lone literals: then it passes unchanged, as
        the statement the frame was learnt from did (the values and kinds of lone literals in a list decide
        nothing, as for the shapes; no backslash, so no Redshift escape to mark)."""
        return self.frame_sample(sql, reading) is not None

    def frame_sample(self, sql: str, reading: Hashable) -> str | None:
        """For ``sql`` in a known frame (:meth:`in_known_frame`), the frame around one row of one literal:
        a short statement with the same tokens outside the lists (names, calls, comments), for questions
        about those alone; None when ``sql`` is in no known frame."""
        if "\\" in sql:
            return None
        # The newest first, without a copy of them all nor a move: executemany's next row is in the frame
        # its first row was, which is the newest.
        try:
            newest = next(reversed(self._frames), None)
        except RuntimeError:  # another session learnt or forgot meanwhile
            newest = None
        if newest is not None and _in_frame(sql, newest, reading):
            return self._frames.get(newest) or f"{newest[0]}(1){newest[1]}"
        for frame in reversed(list(self._frames)):  # a copy: other sessions may learn meanwhile
            if frame != newest and _in_frame(sql, frame, reading):
                with contextlib.suppress(KeyError):  # forgotten meanwhile: it still held when asked
                    self._frames.move_to_end(frame)
                return f"{frame[0]}(1){frame[1]}"
        return None

    def passes_unchanged(
        self, shape: Shape, reading: Hashable, translate: Callable[[str], str | None]
    ) -> bool:
        """Whether every statement of ``shape`` passes unchanged; ``translate`` (the full translation,
        which may raise) is asked once per shape, for its sample."""
        key = (shape.key, reading)
        verdict = self._verdicts.get(key)
        if verdict is None:
            try:
                verdict = translate(shape.sample) == shape.sample
            except (
                EngineError,
                ValueError,
            ):  # refused, or not SQL: the full path gives the statement's own answer
                verdict = False
            self._verdicts[key] = verdict
            if len(self._verdicts) > self.size:
                self._verdicts.popitem(last=False)
        else:
            self._verdicts.move_to_end(key)
        return verdict

    def forget(self) -> None:
        """What the translation learnt about the database changed (its catalog): every verdict goes."""
        self._verdicts.clear()
        self._frames.clear()


#: What stands between lone literals in a list, once PostgreSQL's normalisation has made each one $n.
_LONE_LITERAL_ROWS = _pg.fingerprint("VALUES (1)")
_LAST_LISTS: tuple[str, bool] = ("", False)  # the last text asked about, and the answer
_BETWEEN_LITERALS = str.maketrans(dict.fromkeys("$0123456789(),\t\r\n", " "))

#: The lists of lone literals that clients send most (unsigned or minus-signed numbers, plain '…' strings
#: and E'…' ones, NULL, TRUE, FALSE, DEFAULT), recognised in one pass in C at a fraction of the parser's
#: cost; a list it does not match is asked of the parser.  Only a check, never a rewrite: it matches a
#: strict subset of what PostgreSQL's lexer reads as lone literals between parentheses and commas.  No
#: other prefix (B'', X'', N'', U&''), no dollar quote, no comment, no cast, nothing glued to a token: each
#: item is followed by white space and then a comma or a closing parenthesis.  No backslash reaches it (a
#: frame holds none), so a string's reading does not depend on standard_conforming_strings, and E'…' (what
#: psycopg2 writes while the server says standard_conforming_strings is off, as a cluster does) reads as
#: '…'.  ASCII only: Python's \d, \s and
#: IGNORECASE would take other scripts' digits and spaces and ``ſ`` for ``s``; PostgreSQL's lexer does not.
_SPACE = r"[ \t\n\r\f\v]*+"
_LONE_ITEM = (
    r"(?>-?+(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)(?:[eE][-+]?+[0-9]++)?+"  # a number
    r"|[Ee]?+'[^'\\]*+(?:''[^'\\]*+)*+'"  # a plain or E'' string, its quotes doubled
    r"|(?ai:null|true|false|default)(?![A-Za-z0-9_$\x80-\U0010ffff]))"  # a keyword, a whole word
)
_LONE_ROW = rf"\({_SPACE}{_LONE_ITEM}{_SPACE}(?:,{_SPACE}{_LONE_ITEM}{_SPACE})*+\)"
_PLAIN_LITERAL_LISTS = re.compile(rf"{_LONE_ROW}(?:{_SPACE},{_SPACE}{_LONE_ROW})*+")


def _in_frame(sql: str, frame: tuple[str, str, Hashable], reading: Hashable) -> bool:
    """Whether ``sql`` is ``frame`` (learnt under ``reading``) around lists of lone literals."""
    head, tail, learnt_reading = frame
    start, stop = len(head), len(sql) - len(tail)
    return (
        learnt_reading == reading
        and stop > start
        and sql.startswith(head)
        and sql.endswith(tail)
        and (
            # a short list (executemany's row) matched where it stands, without a copy
            (stop - start <= _SHORT_LISTS and _PLAIN_LITERAL_LISTS.fullmatch(sql, start, stop) is not None)
            or lone_literal_lists(sql[start:stop])
        )
    )


#: Lists this short are matched in place (:func:`_in_frame`); a longer one is copied out once and its answer
#: kept (:func:`lone_literal_lists`): a big INSERT's split and its plan both ask.
_SHORT_LISTS = 1024


def lone_literal_lists(text: str) -> bool:
    """Whether ``text`` is nothing but parenthesised lists of lone literals (rows of a VALUES list, or an
    IN list): the plain ones in one pass (:data:`_PLAIN_LITERAL_LISTS`, about 10 ns a character), the
    rest as PostgreSQL's parser reads them (:func:`parsed_as_lone_literals`, several times that)."""
    global _LAST_LISTS
    last_text, last_answer = _LAST_LISTS
    if text == last_text:  # the statement's split asked first, its translation asks again
        return last_answer
    answer = _PLAIN_LITERAL_LISTS.fullmatch(text) is not None or parsed_as_lone_literals(text)
    _LAST_LISTS = (text, answer)
    return answer


def parsed_as_lone_literals(text: str) -> bool:
    """:func:`lone_literal_lists` as PostgreSQL's parser reads ``text`` as a VALUES list, in C.  Its
    normalisation makes each constant ``$n`` (a sign before a number, NULL, TRUE and FALSE included) and
    leaves every other byte as written: anything left besides ``$n``, parentheses, commas, white space and
    DEFAULT is something else (a cast, a typed literal, an operator, a call, a name, a comment).  The
    normalisation takes a minus before a string into its ``$n``; the fingerprint, which ignores constants'
    values and lists' lengths, tells that expression from a constant."""
    if "$" in text:  # a parameter of the client's, or a dollar quote: the full path decides
        return False
    values = "VALUES " + text
    try:
        normalized = _pg.normalize(values)
        between = normalized[7:].translate(_BETWEEN_LITERALS).split()
        return all(word.upper() == "DEFAULT" for word in between) and (
            _pg.fingerprint(values) == _LONE_LITERAL_ROWS
        )
    except _pg.ParseError:
        return False
