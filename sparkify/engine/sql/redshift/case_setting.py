"""A session's ``enable_case_sensitive_identifier``, as the endpoint's translation must read it.

The setting lives in the backend session (a custom setting, ``redshift.enable_case_sensitive_identifier``,
which PostgreSQL never reports to the endpoint).  The endpoint follows it: a plain ``SET`` or ``RESET`` of
it gives its new value at once (a later statement of the same query text is translated with it); any other
statement that may change it (a transaction's end undoing a ``SET``, ``RESET ALL``, ``DISCARD``) makes
its value unknown, and the backend is asked before the next statement is planned."""

from __future__ import annotations

from collections.abc import Callable

from sparkify.engine.sql.redshift.quoted_names import identifier_case_sensitive
from sparkify.engine.sql.text import first_keyword
from sparkify.engine.sql.tokens import SqlLexError, tokens

SETTING = "enable_case_sensitive_identifier"
#: The query that asks the backend session for the setting's value.
ASK = f"SELECT current_setting('redshift.{SETTING}', true)"
#: Statements that may undo a SET of it: the end of a transaction (or of a savepoint's), RESET ALL, DISCARD.
_UNDOING = frozenset(["ROLLBACK", "ABORT", "COMMIT", "END", "DISCARD", "RELEASE"])


class CaseSensitivity:
    """Whether quoted names keep their case in one endpoint session (false until a client sets it)."""

    def __init__(self) -> None:
        self.known: bool | None = False  # None: a statement may have changed it; the backend is asked
        self.last_known = False
        #: A SET or RESET of it ran since the last transaction's end: the next end may undo it (with none,
        #: a transaction's end changes nothing, and nothing is asked: no round trip per transaction).
        self.set_since_asked = False

    def value(self, ask: Callable[[], str | None]) -> bool:
        """The setting now; ``ask`` reads it from the backend (None: it cannot be asked now)."""
        if self.known is None:
            answer = ask()
            if answer is None:
                return self.last_known
            self.known = identifier_case_sensitive(answer)
        self.last_known = self.known
        return self.known

    def planned(self, sql: str, leading: str | None = None) -> None:
        """``sql`` is about to run: follow what it does to the setting.  Only its first word is read of
        any other statement (a big INSERT is not scanned again), or given (``leading``, as
        :func:`first_keyword` reads it); a SET or RESET is short."""
        if leading is None:
            leading = first_keyword(sql)
        if leading in ("SET", "RESET") and SETTING in sql.lower():
            self.known = self._set_by(sql)
            self.set_since_asked = True
        elif leading == "RESET":
            if sql.split()[1:2] in (["ALL"], ["all"], ["ALL;"], ["all;"]):
                self.known = None
        elif leading in _UNDOING and self.set_since_asked:  # the end of a transaction that may have set it
            self.known = None
            if leading != "RELEASE" and "TO" not in sql.upper().split()[:3]:  # the whole transaction ended
                self.set_since_asked = False

    @staticmethod
    def _set_by(sql: str) -> bool | None:
        """The value a plain ``SET`` / ``RESET`` of the setting gives it; None for any other statement."""
        try:
            found = [token for token in tokens(sql) if token.text != ";"]
        except SqlLexError:
            return None
        words = [token.word for token in found]
        if words[:2] == ["RESET", SETTING.upper()]:
            return False
        if words[:2] != ["SET", SETTING.upper()]:
            return None
        values = [token for token in found[2:] if token.word != "TO" and token.text != "="]
        if len(values) != 1 or values[0].word == "DEFAULT":
            return False if values and values[0].word == "DEFAULT" else None
        return identifier_case_sensitive(values[0].text)
