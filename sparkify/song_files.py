"""Which song files a load restages when told to skip the unchanged ones: ``etl.py --skip-unchanged-songs``.

The warehouse keeps a manifest of the song files it has loaded (``loaded_song_files``: name, size and a
fingerprint — the object's ETag on S3, a local file's modification time in nanoseconds).  Such a load lists
SONG_DATA, COPYs only the folders that hold a file that is new or changed since (or SONG_DATA whole when
they are many), and records what it listed, in the load's own transaction.  Skipping is safe because the
merge compares the staged songs with ``song_catalog``, not with the star: restaging an unchanged file
changes nothing, and a song that is not restaged keeps the row it was loaded with.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field

from psycopg2.extras import execute_values

import sql_queries as q
from sparkify.config import Config
from sparkify.engine.copy.sources import is_s3, list_sources, local_path, s3_client, split_s3
from sparkify.errors import LoadError
from sparkify.warehouse import Warehouse

# More folders than this and one COPY of SONG_DATA is cheaper than a COPY per folder (each COPY costs a
# round of Redshift's per-statement overhead).
MAX_SONG_PREFIXES = 32
_BATCH = 1000


@dataclass(frozen=True)
class SongFile:
    name: str  # a path or an s3:// URI, as the COPY names it
    size: int
    fingerprint: str


@dataclass
class SongPlan:
    """What a load that skips unchanged song files COPYs, and what it records afterwards."""

    listed: list[SongFile]
    changed: list[SongFile]
    vanished: list[str]
    sources: list[str] = field(default_factory=list)


def list_song_files(config: Config) -> list[SongFile]:
    """Every file under SONG_DATA with its size and fingerprint."""
    if is_s3(config.song_data):
        return _list_s3(config.song_data, config.region)
    return [
        SongFile(source.name, source.size, str(os.stat(source.location).st_mtime_ns))
        for source in list_sources(config.song_data, table="staging_songs")
    ]


def _list_s3(uri: str, region: str) -> list[SongFile]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_s3(uri)
    found = []
    try:
        pages = s3_client(region).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    name = f"s3://{bucket}/{item['Key']}"
                    found.append(SongFile(name, item["Size"], item["ETag"].strip('"')))
    except (BotoCoreError, ClientError) as exc:
        raise LoadError("staging_songs", f"cannot list {uri}: {exc}") from None
    if not found:
        raise LoadError(
            "staging_songs", f"the prefix {uri!r} matches no file", hint="Check SONG_DATA in dwh.cfg."
        )
    return found


def plan(warehouse: Warehouse, config: Config) -> SongPlan:
    """Compare SONG_DATA's files with the manifest; the COPY sources that cover the new and changed."""
    _, rows = warehouse.query(q.loaded_song_files_query)
    loaded = {name: (int(size), fingerprint) for name, size, fingerprint in rows}
    listed = list_song_files(config)
    names = {song.name for song in listed}
    changed = [song for song in listed if loaded.get(song.name) != (song.size, song.fingerprint)]
    result = SongPlan(listed, changed, sorted(set(loaded) - names))
    result.sources = copy_sources(config.song_data, changed, whole=len(changed) == len(listed))
    return result


def copy_sources(song_data: str, changed: list[SongFile], *, whole: bool) -> list[str]:
    """Key prefixes that cover ``changed``: none, each one's folder, or SONG_DATA whole when every file
    changed or the folders are too many."""
    if not changed:
        return []
    root = local_path(song_data)
    prefixes = set()
    for song in changed:
        folder = posixpath.dirname(song.name) + "/"
        # A folder only when SONG_DATA takes all of it (not when SONG_DATA is a partial key prefix).
        prefixes.add(folder if _inside(folder, root) else song.name)
    if whole or len(prefixes) > MAX_SONG_PREFIXES:
        return [song_data]
    return sorted(prefixes)


def _inside(folder: str, root: str) -> bool:
    """``folder`` (ending in /) lies under the key prefix ``root`` taken as a folder."""
    return folder.startswith(root.rstrip("/") + "/")


def record(warehouse: Warehouse, song_plan: SongPlan) -> None:
    """Bring the manifest up to date with what this load listed (in the load's transaction)."""
    gone = song_plan.vanished + [song.name for song in song_plan.changed]
    with warehouse.connection.cursor() as cursor:
        for start in range(0, len(gone), _BATCH):
            cursor.execute(q.loaded_song_files_delete, (tuple(gone[start : start + _BATCH]),))
        rows = [(song.name, song.size, song.fingerprint) for song in song_plan.changed]
        for start in range(0, len(rows), _BATCH):
            execute_values(cursor, q.loaded_song_files_insert, rows[start : start + _BATCH], page_size=_BATCH)
