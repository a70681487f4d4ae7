"""How a quoted name reads in this translation: Redshift folds it to lower case like any other name,
unless the session has ``SET enable_case_sensitive_identifier TO true``; then its case is kept.

The translation is asked with the session's setting (:func:`sparkify.engine.sql.adapter.translate`);
the rewrites that meet a quoted name ask :func:`quoted_name` while it runs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_CASE_SENSITIVE: ContextVar[bool] = ContextVar("enable_case_sensitive_identifier", default=False)

#: The values of ``enable_case_sensitive_identifier`` that turn it on (PostgreSQL's spellings of true).
_TRUE_VALUES = frozenset(["true", "on", "1", "yes", "t", "y"])
#: Redshift folds the ASCII letters of a name alone, as PostgreSQL folds an unquoted one in UTF-8: ``"ÖhNo"``
#: is ``Öhno``.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def keeps_case() -> bool:
    """Whether quoted names keep their case in what runs now (see :func:`case_sensitivity`)."""
    return _CASE_SENSITIVE.get()


def quoted_name(text: str) -> str:
    """A quoted name (its quotes kept) as Redshift reads it in this session."""
    return text if _CASE_SENSITIVE.get() else ascii_lower(text)


def ascii_lower(text: str) -> str:
    """A name with its ASCII letters in lower case, as Redshift folds any name it does not keep as written."""
    return text.translate(_ASCII_LOWER)


def identifier_case_sensitive(value: str | None) -> bool:
    """Whether a value of ``enable_case_sensitive_identifier`` keeps the case of quoted names."""
    return (value or "").strip().strip("'").lower() in _TRUE_VALUES


@contextlib.contextmanager
def case_sensitivity(case_sensitive: bool) -> Iterator[None]:
    """Quoted names keep their case (``case_sensitive``) or fold, for what runs inside."""
    token = _CASE_SENSITIVE.set(case_sensitive)
    try:
        yield
    finally:
        _CASE_SENSITIVE.reset(token)
