"""What etl.py --skip-unchanged-songs restages: song files listed with fingerprints, and the COPY sources."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sparkify.errors import LoadError
from sparkify.song_files import MAX_SONG_PREFIXES, SongFile, copy_sources, list_song_files
from tests.redshift_config import REDSHIFT


def test_s3_song_files_are_listed_with_their_size_and_etag(s3: Any) -> None:
    s3.put_object(Bucket="sparkify-in", Key="song_data/A/B/C/TRABC1.json", Body=b'{"song_id": "S1"}')
    s3.put_object(Bucket="sparkify-in", Key="song_data/A/B/D/TRABD1.json", Body=b'{"song_id": "S22"}')
    s3.put_object(Bucket="sparkify-in", Key="song_data/A/", Body=b"")  # a console-made "folder"
    config = dataclasses.replace(REDSHIFT, song_data="s3://sparkify-in/song_data")
    listed = list_song_files(config)
    assert [(song.name, song.size) for song in listed] == [
        ("s3://sparkify-in/song_data/A/B/C/TRABC1.json", 17),
        ("s3://sparkify-in/song_data/A/B/D/TRABD1.json", 18),
    ]
    head = s3.head_object(Bucket="sparkify-in", Key="song_data/A/B/C/TRABC1.json")
    assert listed[0].fingerprint == head["ETag"].strip('"')
    s3.put_object(Bucket="sparkify-in", Key="song_data/A/B/C/TRABC1.json", Body=b'{"song_id": "S9"}')
    assert list_song_files(config)[0].fingerprint != listed[0].fingerprint  # same size, new content


def test_an_empty_or_missing_s3_prefix_is_one_load_error(s3: Any) -> None:
    with pytest.raises(LoadError, match="the prefix 's3://sparkify-in/nothing' matches no file"):
        list_song_files(dataclasses.replace(REDSHIFT, song_data="s3://sparkify-in/nothing"))
    with pytest.raises(LoadError, match="cannot list s3://no-such-bucket/song_data"):
        list_song_files(dataclasses.replace(REDSHIFT, song_data="s3://no-such-bucket/song_data"))


def song(name: str) -> SongFile:
    return SongFile(name, 10, "f")


def test_sources_are_the_folders_of_the_changed_files_or_the_whole_prefix() -> None:
    root = "s3://b/song_data"
    changed = [song(f"{root}/A/B/C/x.json"), song(f"{root}/A/B/C/y.json"), song(f"{root}/B/C/D/z.json")]
    assert copy_sources(root, changed, whole=False) == [f"{root}/A/B/C/", f"{root}/B/C/D/"]
    assert copy_sources(root, [], whole=False) == []
    assert copy_sources(root, changed, whole=True) == [root]
    many = [song(f"{root}/{index}/x.json") for index in range(MAX_SONG_PREFIXES + 1)]
    assert copy_sources(root, many, whole=False) == [root]


def test_under_a_partial_key_prefix_the_changed_files_are_named_one_by_one() -> None:
    # SONG_DATA 'song_data/A/B/C/TRABC' takes only part of its folder: the folder would stage other files.
    root = "/data/song_data/A/B/C/TRABC"
    changed = [song("/data/song_data/A/B/C/TRABC1.json")]
    assert copy_sources(root, changed, whole=False) == ["/data/song_data/A/B/C/TRABC1.json"]
