"""The toolkit's advice on the engine's errors: what a user of our scripts and dwh.cfg should do.

The engine (:mod:`sparkify.engine.errors`) words its errors for any client, in terms of Redshift, SQL and
the values it was given; here the same errors name the settings of dwh.cfg and the scripts to run.
"""

from __future__ import annotations

from sparkify.engine.errors import (
    CopySourceMissing,
    CopyTargetMissing,
    DataFolderUnusable,
    EmbeddedPostgresMissing,
    EngineError,
    ServerDidNotStart,
)

_DATA_DIR_PROBLEMS = {
    "file": "[EMBEDDED] DATA_DIR {data_dir} is a file, not a folder: point DATA_DIR at a new folder",
    "uncreatable": "cannot create the embedded PostgreSQL's folder {data_dir} ({detail}): set [EMBEDDED] "
    "DATA_DIR in dwh.cfg to a folder you can write to",
    "unwritable": "[EMBEDDED] DATA_DIR {data_dir} is not writable by you: fix its permissions, or point "
    "DATA_DIR at a folder you can write to",
    "unlistable": "cannot list [EMBEDDED] DATA_DIR {data_dir}: {detail}",
    "foreign": "[EMBEDDED] DATA_DIR {data_dir} holds other files ({detail}) and no PostgreSQL data: point "
    "DATA_DIR at an empty or new folder",
}


def in_toolkit_words(exc: EngineError) -> str:
    """The one line the toolkit reports ``exc`` with: the engine's message, or the toolkit's wording of it."""
    if isinstance(exc, DataFolderUnusable):
        return _DATA_DIR_PROBLEMS[exc.kind].format(data_dir=exc.data_dir, detail=exc.detail)
    if isinstance(exc, ServerDidNotStart):
        return f"{exc.situation}. {exc.advice('run `python -m sparkify.embedded stop`')}"
    if isinstance(exc, EmbeddedPostgresMissing):
        return f"{exc.situation}: run `make run` or `pip install -r requirements.txt`, or set HOST in dwh.cfg"
    if isinstance(exc, CopyTargetMissing):
        return exc.with_hint("Run create_tables.py first.")
    if isinstance(exc, CopySourceMissing):
        return exc.with_hint("Check LOG_DATA / SONG_DATA in dwh.cfg.")
    return str(exc)
