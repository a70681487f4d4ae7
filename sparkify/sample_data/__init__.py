"""Deterministic generator of Sparkify sample data in the layout and format of the course data set.

``generate`` writes song files, daily event logs and the JSONPaths file exactly the way the public
course sample is laid out (``s3://udacity-dend/``), including the quirks a loader has to survive, and
returns the row counts that a correct load must produce. The counts are computed in Python while the
files are streamed out, so they do not depend on the SQL under test.

Layout written under ``out_dir``::

    song_data/<A>/<B>/<C>/TR<A><B><C>....json      one JSON object per file, no trailing newline
    log_data/YYYY/MM/YYYY-MM-DD-events.json         one JSON object per line, no final newline
    log_json_path.json                              the JSONPaths document for COPY
    expected_counts.json                            ExpectedCounts.to_dict()

Quirks of the real data in the generated sets (the default size has several of each; tiny sets may miss some):
``userId`` is a string, ``""`` on logged-out events (whose personal fields are null); ``registration``
is a float such as ``1540919166796.0``; user agents carry embedded quotes and ``/`` is written ``\\/``;
users change level (free -> paid, paid -> free -> paid, paid -> free), so only their latest event
tells their level; one artist id appears under several names; song years of 0, empty artist locations
and null coordinates; non-ASCII text, double-encoded UTF-8 mojibake, tabs, backslashes and double
quotes in titles, artist names and locations; a minority of plays match a song file on (title,
artist name, duration), with near misses and two song files sharing that key; repeated NextSong
``ts`` (events are logged on whole seconds) while (sessionId, itemInSession) stays unique.

Same arguments give byte-identical files: every random choice comes from ``random.Random`` streams
seeded from ``seed`` and nothing iterates a set or reads the clock. Memory stays small at any size:
events are streamed day by day, merging only the sessions that are open at the time.

The package follows the sections of the job, one module each, listed here in the order they build on
each other: ``vocabulary`` (the words), ``text`` (titles, names and their quirks), ``log_format`` (the
bytes of an event line), ``catalogue`` (artists and songs), ``plays`` (what is played), ``listeners``
(users and their level changes), ``schedule`` (sessions per day and their slots), ``sessions`` (pages,
timing, the day's events in ts order), ``writer`` (the files, and the expected counts tallied from them)
and ``dataset`` (one run, end to end).
"""

from sparkify.sample_data.catalogue import SONG_KEYS
from sparkify.sample_data.dataset import OutputFolderError, generate
from sparkify.sample_data.log_format import LOG_KEYS
from sparkify.sample_data.writer import ExpectedCounts

__all__ = ["LOG_KEYS", "SONG_KEYS", "ExpectedCounts", "OutputFolderError", "generate"]
