"""Tests of the sample-data generator: layout, exact format, determinism, quirks and ground-truth counts.

The expected counts are re-derived here from the written files with a deliberately plain re-count, so a
bug in the generator's streaming bookkeeping cannot hide behind itself.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from sparkify.sample_data import ExpectedCounts, OutputFolderError, generate

LOG_KEYS = [
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
]
SONG_KEYS = [
    "num_songs",
    "artist_id",
    "artist_latitude",
    "artist_longitude",
    "artist_location",
    "artist_name",
    "song_id",
    "title",
    "duration",
    "year",
]
JSONPATHS_TEXT = (
    '{\n    "jsonpaths": [\n' + ",\n".join(f"        \"$['{key}']\"" for key in LOG_KEYS) + "\n    ]\n}\n"
)
SONG_PATH = re.compile(r"song_data/([A-Z0-9])/([A-Z0-9])/([A-Z0-9])/(TR[A-Z0-9]{16})\.json")
LOG_PATH = re.compile(r"log_data/(\d{4})/(\d{2})/(\d{4})-(\d{2})-(\d{2})-events\.json")
MOJIBAKE = "\u00c3\u0083"  # what double-encoded UTF-8 of a Latin-1 letter starts with, e.g. BjÃ\x83Â¶rk
LOGGED_OUT_NULLS = (
    "artist",
    "firstName",
    "gender",
    "lastName",
    "length",
    "location",
    "registration",
    "song",
    "userAgent",
)


# --------------------------------------------------------------------------------------------- helpers


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def log_files(root: Path) -> list[Path]:
    return sorted((root / "log_data").rglob("*.json"))


def song_files(root: Path) -> list[Path]:
    return sorted((root / "song_data").rglob("*.json"))


def read_events(root: Path) -> list[dict[str, Any]]:
    events = []
    for path in log_files(root):
        text = path.read_text(encoding="utf-8")
        events.extend(json.loads(line) for line in text.split("\n") if text)
    return events


def read_songs(root: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in song_files(root)]


def recount(root: Path) -> dict[str, int]:
    """The counts a correct load gives, computed the plain way from the files on disk."""
    events, songs = read_events(root), read_songs(root)
    song_keys = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    plays = [e for e in events if e["page"] == "NextSong"]
    latest: dict[str, tuple[tuple[int, int], str]] = {}
    for e in events:
        key = (e["ts"], e["itemInSession"])
        if e["userId"] and (e["userId"] not in latest or key > latest[e["userId"]][0]):
            latest[e["userId"]] = (key, e["level"])
    return {
        "staging_events": len(events),
        "staging_songs": len(songs),
        "songplays": len(plays),
        "songplays_with_song": sum((e["song"], e["artist"], e["length"]) in song_keys for e in plays),
        "users": len({e["userId"] for e in events if e["userId"]}),
        "users_paid": sum(level == "paid" for _, level in latest.values()),
        "songs": len({s["song_id"] for s in songs}),
        "artists": len({s["artist_id"] for s in songs}),
        "time": len({e["ts"] for e in plays}),
    }


def level_histories(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per user, the sequence of levels with repeats collapsed, in (ts, itemInSession) order."""
    by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["userId"]:
            by_user[e["userId"]].append(e)
    histories = {}
    for user, rows in by_user.items():
        rows.sort(key=lambda e: (e["ts"], e["itemInSession"]))
        levels = [rows[0]["level"]]
        levels.extend(b["level"] for a, b in itertools.pairwise(rows) if a["level"] != b["level"])
        histories[user] = levels
    return histories


@pytest.fixture(scope="module")
def default_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("default")
    generate(out)
    return out


@pytest.fixture(scope="module")
def events(default_set: Path) -> list[dict[str, Any]]:
    return read_events(default_set)


@pytest.fixture(scope="module")
def songs(default_set: Path) -> list[dict[str, Any]]:
    return read_songs(default_set)


@pytest.fixture(scope="module")
def plays(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["page"] == "NextSong"]


# ------------------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(default_set: Path, tmp_path: Path) -> None:
    generate(tmp_path)
    assert tree_bytes(tmp_path) == tree_bytes(default_set)


def test_different_seed_gives_different_files(default_set: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=43)
    ours, theirs = tree_bytes(tmp_path), tree_bytes(default_set)
    first_day = "log_data/2018/11/2018-11-01-events.json"
    assert ours[first_day] != theirs[first_day]
    assert sorted(p for p in ours if p.startswith("song_data")) != sorted(
        p for p in theirs if p.startswith("song_data")
    )


# ------------------------------------------------------------------------------------ layout, format


def test_top_level_files(default_set: Path) -> None:
    names = sorted(p.name for p in default_set.iterdir())
    assert names == ["expected_counts.json", "log_data", "log_json_path.json", "song_data"]
    assert (default_set / "log_json_path.json").read_text(encoding="ascii") == JSONPATHS_TEXT


def test_song_files_layout_and_format(default_set: Path) -> None:
    paths = song_files(default_set)
    assert len(paths) == 80
    for path in paths:
        match = SONG_PATH.fullmatch(path.relative_to(default_set).as_posix())
        assert match, path
        track = match.group(4)
        assert (match.group(1), match.group(2), match.group(3)) == (track[2], track[3], track[4])
        text = path.read_text(encoding="ascii")
        song = json.loads(text)
        assert list(song) == SONG_KEYS
        assert text == json.dumps(song)  # default separators, \u escapes, no trailing newline
        assert song["num_songs"] == 1
        assert re.fullmatch(r"AR[A-Z0-9]{16}", song["artist_id"])
        assert re.fullmatch(r"SO[A-Z0-9]{16}", song["song_id"])
        assert isinstance(song["duration"], float) and isinstance(song["year"], int)


def test_log_files_layout_and_format(default_set: Path) -> None:
    paths = log_files(default_set)
    days = [datetime.date(2018, 11, 1) + datetime.timedelta(days=i) for i in range(30)]
    assert [p.relative_to(default_set).as_posix() for p in paths] == [
        f"log_data/{d:%Y}/{d:%m}/{d:%Y-%m-%d}-events.json" for d in days
    ]
    for path, day in zip(paths, days):
        text = path.read_text(encoding="ascii")
        assert text and not text.endswith("\n")
        day_start = calendar.timegm(day.timetuple()) * 1000
        previous = day_start
        for line in text.split("\n"):
            event = json.loads(line)
            assert list(event) == LOG_KEYS
            assert line == json.dumps(event, separators=(",", ":")).replace("/", "\\/")
            assert previous <= event["ts"] < day_start + 86_400_000
            previous = event["ts"]


def test_log_path_pattern_across_month_and_year(tmp_path: Path) -> None:
    generate(tmp_path, events=200, song_files=3, start=datetime.date(2019, 12, 30), days=4)
    names = [p.relative_to(tmp_path).as_posix() for p in log_files(tmp_path)]
    assert names == [
        "log_data/2019/12/2019-12-30-events.json",
        "log_data/2019/12/2019-12-31-events.json",
        "log_data/2020/01/2020-01-01-events.json",
        "log_data/2020/01/2020-01-02-events.json",
    ]
    assert all(LOG_PATH.fullmatch(name) for name in names)


# ------------------------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {},
        {"events": 50, "song_files": 5, "days": 2},
        {"events": 3000, "song_files": 30, "seed": 7, "start": datetime.date(2019, 12, 30), "days": 5},
        {"events": 0, "song_files": 0, "days": 1},
    ],
    ids=["default", "tiny", "small-year-end", "empty"],
)
def test_counts_equal_an_independent_recount(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    returned = generate(tmp_path, **kwargs)
    assert returned == ExpectedCounts.from_file(tmp_path / "expected_counts.json")
    assert returned.to_dict() == recount(tmp_path)
    assert returned.staging_events == kwargs.get("events", 8000)
    assert returned.staging_songs == kwargs.get("song_files", 80)


def test_expected_counts_file_is_plain_json(default_set: Path) -> None:
    data = json.loads((default_set / "expected_counts.json").read_text(encoding="utf-8"))
    assert list(data) == list(ExpectedCounts.__dataclass_fields__)
    assert all(type(value) is int for value in data.values())


def test_default_proportions_resemble_the_course_sample(default_set: Path) -> None:
    counts = ExpectedCounts.from_file(default_set / "expected_counts.json")
    assert 0.78 < counts.songplays / counts.staging_events < 0.9
    assert 60 <= counts.users <= 140
    assert 0 < counts.users_paid < counts.users
    assert 0 < counts.songplays_with_song < counts.songplays * 0.2
    assert counts.time < counts.songplays
    assert counts.artists < counts.songs == 80


def test_users_grow_sublinearly(tmp_path: Path, default_set: Path) -> None:
    big = generate(tmp_path, events=40_000, song_files=10)
    small = ExpectedCounts.from_file(default_set / "expected_counts.json")
    assert small.users * 1.5 < big.users < small.users * 5


def test_rejects_bad_arguments_and_stale_output(default_set: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, days=0)
    with pytest.raises(ValueError):
        generate(tmp_path, events=-1)
    with pytest.raises(OutputFolderError, match="song_data is not empty; generate into a fresh directory"):
        generate(default_set)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(
        OutputFolderError, match=r"cannot write the data set into .*a_file/sub: Not a directory"
    ):
        generate(tmp_path / "a_file" / "sub")


# ------------------------------------------------------------------------------------------- quirks


def test_user_ids_are_strings_and_empty_when_logged_out(events: list[dict[str, Any]]) -> None:
    assert all(isinstance(e["userId"], str) for e in events)
    logged_out = [e for e in events if e["auth"] == "Logged Out"]
    assert 150 <= len(logged_out) <= 450
    assert {e["page"] for e in logged_out} >= {"Home", "Login"}
    for e in logged_out:
        assert e["userId"] == ""
        assert all(e[key] is None for key in LOGGED_OUT_NULLS)
        assert e["level"] in ("free", "paid") and isinstance(e["sessionId"], int)
    assert all(e["userId"] for e in events if e["auth"] == "Logged In")


def test_next_song_events_are_logged_in_with_song_fields(
    plays: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    for e in plays:
        assert e["auth"] == "Logged In" and e["userId"]
        assert isinstance(e["length"], float) and isinstance(e["artist"], str) and isinstance(e["song"], str)
        assert (e["method"], e["status"]) == ("PUT", 200)
    others = [e for e in events if e["page"] != "NextSong"]
    assert all(e["artist"] is None and e["song"] is None and e["length"] is None for e in others)


def test_value_types(events: list[dict[str, Any]], default_set: Path) -> None:
    for e in events:
        assert all(type(e[key]) is int for key in ("sessionId", "itemInSession", "status", "ts"))
        assert e["registration"] is None or type(e["registration"]) is float
    raw = (default_set / "log_data/2018/11/2018-11-05-events.json").read_text(encoding="ascii")
    assert re.search(r'"registration":\d{13}\.0,', raw)
    assert '"registration":null,' in "".join(p.read_text() for p in log_files(default_set))


def test_user_agent_has_embedded_quotes_and_escaped_slashes(
    events: list[dict[str, Any]], default_set: Path
) -> None:
    agents = {e["userAgent"] for e in events if e["userAgent"]}
    assert any(a.startswith('"Mozilla/5.0 (') and a.endswith('"') for a in agents)
    raw = "".join(p.read_text(encoding="ascii") for p in log_files(default_set))
    assert '"userAgent":"\\"Mozilla\\/5.0 (' in raw
    assert "/" not in raw.replace("\\/", "")


def test_users_change_level_and_latest_event_decides(events: list[dict[str, Any]], default_set: Path) -> None:
    histories = level_histories(events)
    changed = [levels for levels in histories.values() if len(levels) > 1]
    assert sum(levels == ["free", "paid"] for levels in changed) >= 3
    assert ["paid", "free", "paid"] in changed
    assert ["paid", "free"] in changed
    # Only the latest event gives the right answer: "ever paid" or "first level" would count differently.
    counts = ExpectedCounts.from_file(default_set / "expected_counts.json")
    assert counts.users_paid == sum(levels[-1] == "paid" for levels in histories.values())
    assert counts.users_paid != sum(levels[0] == "paid" for levels in histories.values())
    assert counts.users_paid != sum("paid" in levels for levels in histories.values())
    pages = {e["page"] for e in events}
    assert {"Submit Upgrade", "Submit Downgrade"} <= pages


def test_no_user_has_two_events_with_the_same_ordering_key(events: list[dict[str, Any]]) -> None:
    keys = [(e["userId"], e["ts"], e["itemInSession"]) for e in events if e["userId"]]
    assert len(keys) == len(set(keys))


def test_song_file_quirks(songs: list[dict[str, Any]], default_set: Path) -> None:
    names_by_artist: dict[str, set[str]] = defaultdict(set)
    for s in songs:
        names_by_artist[s["artist_id"]].add(s["artist_name"])
    assert sum(len(names) > 1 for names in names_by_artist.values()) >= 2
    assert sum(s["year"] == 0 for s in songs) >= 3
    assert sum(s["artist_location"] == "" for s in songs) >= 3
    assert sum(s["artist_latitude"] is None and s["artist_longitude"] is None for s in songs) >= 3
    assert sum(isinstance(s["artist_latitude"], float) for s in songs) >= 3
    raw = "".join(p.read_text(encoding="ascii") for p in song_files(default_set))
    assert "\\u00" in raw


def _has_text_quirks(texts: list[str]) -> dict[str, bool]:
    return {
        "unicode": any(any(ord(c) > 127 for c in t) and MOJIBAKE not in t for t in texts),
        "mojibake": any(MOJIBAKE in t for t in texts),
        "tab": any("\t" in t for t in texts),
        "backslash": any("\\" in t for t in texts),
        "quote": any('"' in t for t in texts),
        "slash": any("/" in t for t in texts),
    }


def test_awkward_text_in_song_files(songs: list[dict[str, Any]]) -> None:
    texts = [s[k] for s in songs for k in ("title", "artist_name", "artist_location")]
    assert all(_has_text_quirks(texts).values()), _has_text_quirks(texts)
    for key in ("title", "artist_name"):
        assert _has_text_quirks([s[key] for s in songs])["mojibake"]


def test_awkward_text_in_events(plays: list[dict[str, Any]]) -> None:
    for key in ("artist", "song"):
        quirks = _has_text_quirks([e[key] for e in plays])
        assert all(quirks.values()), (key, quirks)
    assert sum(MOJIBAKE in e["artist"] for e in plays) >= 20


def test_some_plays_match_song_files_exactly_and_near_misses_exist(
    plays: list[dict[str, Any]], songs: list[dict[str, Any]]
) -> None:
    exact = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    title_artist = {(s["title"], s["artist_name"]) for s in songs}
    titles = {s["title"] for s in songs}
    matched = [e for e in plays if (e["song"], e["artist"], e["length"]) in exact]
    assert 50 <= len(matched) < len(plays) // 4
    assert {e["song"] for e in matched} & {t for t in titles if "\t" in t or "\\" in t or '"' in t}
    misses = [e for e in plays if (e["song"], e["artist"], e["length"]) not in exact]
    assert any((e["song"], e["artist"]) in title_artist for e in misses)  # only the length differs
    assert any(e["song"] in titles and (e["song"], e["artist"]) not in title_artist for e in misses)


def test_two_song_files_share_a_key_and_it_is_played(
    plays: list[dict[str, Any]], songs: list[dict[str, Any]]
) -> None:
    ids_by_key: dict[tuple[str, str, float], set[str]] = defaultdict(set)
    for s in songs:
        ids_by_key[(s["title"], s["artist_name"], s["duration"])].add(s["song_id"])
    shared = {key for key, ids in ids_by_key.items() if len(ids) > 1}
    assert shared
    assert any((e["song"], e["artist"], e["length"]) in shared for e in plays)
    assert len({s["song_id"] for s in songs}) == len(songs)


def test_next_song_ts_repeat_but_natural_key_is_unique(plays: list[dict[str, Any]]) -> None:
    assert len({e["ts"] for e in plays}) < len(plays)
    natural = [(e["sessionId"], e["itemInSession"]) for e in plays]
    assert len(natural) == len(set(natural))
