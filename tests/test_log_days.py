"""``etl.py --since``: the planned COPY prefixes cover exactly the log files of that day and later.

Files of any days, in year and month folders, under LOG_DATA given as a folder or as a partial key prefix:
the files the planned prefixes match (S3's rule: the name starts with the prefix) must be exactly the
files LOG_DATA matches whose day is on or after --since — never a day earlier, never a file outside
LOG_DATA.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sparkify.config import Config
from sparkify.engine.copy.sources import list_sources
from sparkify.errors import LoadError
from sparkify.log_days import log_sources_since

START = dt.date(2018, 11, 25)
days = st.sets(st.integers(min_value=0, max_value=40), min_size=1, max_size=12)


def write_logs(root: Path, offsets: set[int]) -> None:
    for offset in offsets:
        day = START + dt.timedelta(days=offset)
        path = root / "log_data" / f"{day:%Y}" / f"{day:%m}" / f"{day:%Y-%m-%d}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")


def config_for(log_data: str) -> Config:
    fields = {field.name: "" for field in dataclasses.fields(Config)}
    return Config(**{**fields, "path": Path("dwh.cfg"), "log_data": log_data, "db_port": 5439, "maxerror": 0})


@settings(max_examples=200, deadline=None)
@given(offsets=days, since_offset=st.integers(min_value=-2, max_value=42), partial=st.booleans())
def test_planned_prefixes_match_exactly_the_days_since(
    offsets: set[int], since_offset: int, partial: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_logs(root, offsets)
        # A partial key prefix: only the files of 1 to 9 December 2018, beside other months' folders.
        log_data = f"{root}/log_data/2018/12/2018-12-0" if partial else f"{root}/log_data"
        try:
            listed = [source.name for source in list_sources(log_data, table="staging_events")]
        except LoadError:
            assume(False)  # LOG_DATA matches no file: etl.py stops before planning
        since = START + dt.timedelta(days=since_offset)
        wanted = {name for name in listed if dt.date.fromisoformat(Path(name).name[:10]) >= since}

        prefixes = log_sources_since(config_for(log_data), since)

        every_file = [str(path) for path in (root / "log_data").rglob("*.json")]
        matched = {name for name in every_file if any(name.startswith(prefix) for prefix in prefixes)}
        assert matched == wanted
