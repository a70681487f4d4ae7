"""Pack many small JSON source files into a few gzip parts and a manifest, for a faster Redshift COPY.

Redshift gives each slice whole files to load: thousands of tiny files spend the COPY on per-file
overhead, and one big gzip file loads on one slice while the others wait.  AWS advises files of about
equal size, 1 MB to 1 GB after compression, in a multiple of the cluster's slice count.  This module
streams the sources into such parts, balanced by size, writes a manifest naming every part, and gives
the ``COPY … MANIFEST GZIP`` statements that load them.  Opt-in: the plain COPY of the prefixes stays
the default.

A part is the source files' bytes one after another, a newline after any file that lacks one: a file
holding one object, one object per line or concatenated objects stays the same objects, which Redshift
(and the local COPY emulator) reads from the part as it read them from the files.  Rejected records of a
packed COPY are reported by part and line, no longer by source file.
"""

from __future__ import annotations

import contextlib
import gzip
import heapq
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sql_queries as q
from sparkify.config import S3_URI, Config, InfraLayout, load_infra_layout
from sparkify.engine.copy import prefetch, s3io
from sparkify.engine.copy.sources import SourceFile, is_s3, list_sources, local_path, s3_client, split_s3
from sparkify.errors import ConfigError, LoadError, PackError

log = logging.getLogger(__name__)

# Slices per compute node (Redshift's "clusters and nodes" table).
SLICES_PER_NODE = {
    "ra3.large": 2,
    "ra3.xlplus": 2,
    "ra3.4xlarge": 4,
    "ra3.16xlarge": 16,
    "dc2.large": 2,
    "dc2.8xlarge": 16,
}
DEFAULT_SLICES_PER_NODE = 2
# Serverless publishes no slice count; an assumption that keeps a small workgroup's slices busy.
SERVERLESS_SLICES = 16

# AWS's ceiling is 1 GB compressed per file; aim at half of it, since the size is estimated before packing.
MAX_PART_BYTES = 512 * 1024 * 1024
# JSON logs gzip 5-10x; assuming only 4x errs toward more, smaller parts.
ESTIMATED_GZIP_RATIO = 4
GZIP_LEVEL = 6  # level 9 costs far more time for a few percent

_CHUNK_BYTES = 1024 * 1024
_WHOLE_FILE_BYTES = 1024 * 1024  # larger files are streamed in chunks instead, never held whole
_PENDING_UPLOADS = 2  # parts uploading while the next is packed: S3 and gzip overlap, disk stays bounded


@dataclass(frozen=True)
class PackResult:
    """What one packing wrote: ``bytes_in`` read from the sources, ``bytes_out`` of gzip parts."""

    manifest_uri: str
    parts: int
    files: int
    bytes_in: int
    bytes_out: int


# --- how many parts -------------------------------------------------------------------------------------


def slices_for(node_type: str, nodes: int) -> int:
    """The slice count of ``nodes`` nodes of ``node_type``; an unknown type counts 2 per node, with a note."""
    if nodes < 1:
        raise ValueError(f"a cluster has at least one node, not {nodes}")
    per_node = SLICES_PER_NODE.get(node_type.strip().lower())
    if per_node is None:
        log.warning(
            "unknown node type %r: assuming %d slices per node (packing still works, only less evenly)",
            node_type,
            DEFAULT_SLICES_PER_NODE,
        )
        per_node = DEFAULT_SLICES_PER_NODE
    return per_node * nodes


def slices_from_config(path: str | Path) -> int:
    """The slice count of the warehouse that ``[INFRA]`` in ``dwh.cfg`` describes (its defaults,
    ra3.large x 2, when the section is absent)."""
    try:
        layout = load_infra_layout(path)
    except ConfigError as exc:
        raise PackError(f"{'; '.join(exc.problems)}; fix it in {path}") from None
    return slices_of(layout)


def slices_of(layout: InfraLayout) -> int:
    """The slice count of a warehouse of this kind, node type and node count."""
    if layout.kind == "serverless":
        return SERVERLESS_SLICES
    return slices_for(layout.node_type, layout.number_of_nodes)


def part_count(total_bytes: int, slices: int) -> int:
    """``slices`` x k parts, k the smallest that keeps each part's estimated compressed size under
    :data:`MAX_PART_BYTES`: at least one part per slice, more only for large data."""
    if slices < 1:
        raise ValueError(f"need at least one part, not {slices}")
    estimated = total_bytes / ESTIMATED_GZIP_RATIO
    return slices * max(1, math.ceil(estimated / (slices * MAX_PART_BYTES)))


def assign_parts(files: Sequence[SourceFile], parts: int) -> list[list[SourceFile]]:
    """Largest file first, each to the lightest part: no two parts differ by more than one file's size.
    Within a part the files keep their listing (key) order, so the same sources give the same parts."""
    lightest = [(0, 0, index) for index in range(parts)]  # (bytes, files, part): ties go to fewer files
    chosen: list[list[int]] = [[] for _ in range(parts)]
    for position in sorted(range(len(files)), key=lambda i: files[i].size, reverse=True):
        size, count, index = heapq.heappop(lightest)
        chosen[index].append(position)
        heapq.heappush(lightest, (size + files[position].size, count + 1, index))
    return [[files[position] for position in sorted(group)] for group in chosen]


# --- packing --------------------------------------------------------------------------------------------


def pack_sources(
    source_uri: str | Sequence[str],
    destination_uri: str,
    *,
    parts: int,
    region: str | None,
    table: str,
) -> PackResult:
    """Pack every file under the prefix ``source_uri`` (or under each of several prefixes) into gzip
    parts ``part-0000.json.gz``… and the manifest ``<table>.manifest`` under ``destination_uri``: an
    ``s3://bucket/prefix`` or a local directory.

    ``parts`` is the cluster's slice count or a multiple of it (:func:`slices_for`); data too large for
    that many parts of :data:`MAX_PART_BYTES` gets a multiple of it (:func:`part_count`), and fewer
    files than parts give one part per file.  ``region`` is where the sources are; an S3 destination
    must be in the same region, since one COPY reads the manifest, the parts and the JSONPaths file
    with one REGION.  Nothing of the data set is held in memory: each part streams to a temporary file.
    """
    prefixes = [source_uri] if isinstance(source_uri, str) else list(source_uri)
    for prefix in prefixes:
        _refuse_overlap(prefix, destination_uri)
    target = _target(destination_uri, region)
    files = [source for prefix in prefixes for source in list_sources(prefix, table=table, region=region)]
    groups = assign_parts(files, min(len(files), part_count(sum(f.size for f in files), parts)))
    reader = _SourceReader(files, table=table, region=region)
    bytes_in, written = 0, []
    with _Publisher(target) as publisher:
        for number, group in enumerate(groups):
            temp_path, read = _write_part(reader, group, target)
            written.append(os.path.getsize(temp_path))
            publisher.publish(f"part-{number:04d}.json.gz", temp_path)
            bytes_in += read
        urls = publisher.urls()
    entries = [
        {"url": url, "mandatory": True, "meta": {"content_length": size}} for url, size in zip(urls, written)
    ]
    manifest_uri = target.put_bytes(f"{table}.manifest", json.dumps({"entries": entries}, indent=2).encode())
    result = PackResult(manifest_uri, len(entries), len(files), bytes_in, _bytes_out(entries))
    log.info(
        "packed %d file(s) of %s, %s, into %d gzip part(s), %s: %s",
        *(result.files, table, _size(result.bytes_in), result.parts, _size(result.bytes_out), manifest_uri),
    )
    return result


def checked_destination(uri: str) -> str:
    """``--pack-to``'s value if it is an s3://bucket/prefix URI or a local folder; else :class:`PackError`."""
    if is_s3(uri) and not S3_URI.match(uri.rstrip("/")):
        raise PackError(f"{uri!r} is not a valid s3://bucket/prefix URI")
    if not uri.strip() or (
        re.match(r"^[a-z][a-z0-9+.-]*:", uri) and not is_s3(uri) and not uri.startswith("file://")
    ):
        raise PackError(f"{uri!r} is neither an s3://bucket/prefix URI nor a local folder")
    return uri


def packed_copy_queries(
    config: Config, *, destination_uri: str, parts: int, log_sources: list[str] | None = None
) -> list[str]:
    """Pack SONG_DATA into ``<destination>/songs/`` and LOG_DATA (or ``log_sources``, as ``etl.py
    --since`` narrows it) into ``<destination>/events/``; return the COPY statements that load the
    packs, in :func:`sql_queries.copy_table_queries`'s order: songs, then events (none when
    ``log_sources`` is empty)."""
    if config.names_redshift and not is_s3(destination_uri):
        raise PackError(
            f"cannot pack into {destination_uri!r}: Redshift reads only s3:// manifests and parts"
        )
    base = destination_uri.rstrip("/")
    events_sources = [config.log_data] if log_sources is None else log_sources
    for source in (config.song_data, *events_sources):
        # Not only each pack's own sources: song parts under LOG_DATA would be packed as log files next.
        _refuse_overlap(source, base)
    songs = pack_sources(
        config.song_data, f"{base}/songs", parts=parts, region=config.region, table="staging_songs"
    )
    statements = [q.packed_copy_query(config, "staging_songs", songs.manifest_uri, "auto")]
    if events_sources:
        events = pack_sources(
            events_sources, f"{base}/events", parts=parts, region=config.region, table="staging_events"
        )
        statements.append(
            q.packed_copy_query(config, "staging_events", events.manifest_uri, config.log_jsonpath)
        )
    return statements


def _write_part(reader: _SourceReader, files: list[SourceFile], target: _Target) -> tuple[str, int]:
    """Stream ``files`` into one gzip part in a temporary file; returns its path and the bytes read."""
    handle, temp_path = tempfile.mkstemp(prefix=".packing-", suffix=".gz", dir=target.temp_dir)
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as packed,
        ):
            read = sum(_append(packed, chunks) for chunks in reader.contents(files))
    except BaseException:
        _remove(temp_path)
        raise
    return temp_path, read


class _Publisher:
    """Uploads finished parts in the background while the next part is packed; at most
    :data:`_PENDING_UPLOADS` parts wait on disk.  Every temporary file is gone when it closes."""

    def __init__(self, target: _Target) -> None:
        self.target = target
        self.pool = ThreadPoolExecutor(max_workers=_PENDING_UPLOADS, thread_name_prefix="pack-upload")
        self.uploads: list[tuple[str, Future[str]]] = []

    def __enter__(self) -> _Publisher:
        return self

    def publish(self, name: str, temp_path: str) -> None:
        pending = [future for _, future in self.uploads if not future.done()]
        if len(pending) >= _PENDING_UPLOADS:
            pending[0].result()  # raises the upload's error now rather than after packing the rest
        self.uploads.append((temp_path, self.pool.submit(self._upload, name, temp_path)))

    def _upload(self, name: str, temp_path: str) -> str:
        try:
            return self.target.put_file(name, temp_path)
        finally:
            _remove(temp_path)

    def urls(self) -> list[str]:
        return [future.result() for _, future in self.uploads]

    def __exit__(self, *exc_info: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for temp_path, _ in self.uploads:
            _remove(temp_path)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _append(packed: gzip.GzipFile, chunks: Iterable[bytes]) -> int:
    """Write one file's bytes; end it with a newline so that its last object does not touch the next
    file's first one."""
    count, last = 0, b""
    for chunk in chunks:
        packed.write(chunk)
        count += len(chunk)
        last = chunk[-1:] or last
    if last and last != b"\n":
        packed.write(b"\n")
    return count


def _bytes_out(entries: list[dict[str, Any]]) -> int:
    return sum(entry["meta"]["content_length"] for entry in entries)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} kB"


def _refuse_overlap(source_uri: str, destination_uri: str) -> None:
    """Parts under the source prefix would be loaded again by a plain COPY and packed again next time."""
    if is_s3(source_uri) != is_s3(destination_uri):
        return
    source, destination = source_uri, destination_uri
    if not is_s3(source_uri):
        # Key-prefix rule on absolute path text; a trailing "/" is part of the prefix.
        source = os.path.abspath(local_path(source_uri)) + ("/" if source_uri.endswith("/") else "")
        destination = os.path.abspath(local_path(destination_uri))
    if (destination.rstrip("/") + "/").startswith(source):
        raise PackError(
            f"cannot pack into {destination_uri}: it is under the source prefix {source_uri}, whose COPY "
            "would load the parts too; name a destination outside it"
        )


# --- reading the sources --------------------------------------------------------------------------------


class _SourceReader:
    """Reads source files in order; small ones are fetched ahead concurrently (:mod:`prefetch`'s bounded
    window, ``[S3] MAX_CONCURRENCY`` threads), large ones streamed in chunks; S3 reads are retried."""

    def __init__(self, files: Sequence[SourceFile], *, table: str, region: str | None) -> None:
        self.table = table
        self.region = region

    def contents(self, files: Sequence[SourceFile]) -> Iterator[Iterable[bytes]]:
        """Each file's bytes as chunks, in the order of ``files``."""
        for source, whole in prefetch.in_order(files, self._whole_if_small, size=_held_size):
            yield [whole] if whole is not None else self._stream(source)

    def _whole_if_small(self, source: SourceFile, stop: threading.Event) -> bytes | None:
        if source.size > _WHOLE_FILE_BYTES:
            return None
        if source.bucket is None:
            return b"".join(self._stream(source))
        try:
            fetched = s3io.get_object(
                source.bucket, source.location, region=self.region, stop=stop, listed_size=source.size
            )
            return fetched.data
        except s3io.S3ObjectError as exc:
            raise LoadError(self.table, f"cannot read the object: {exc}", filename=source.name) from None

    def _stream(self, source: SourceFile) -> Iterator[bytes]:
        try:
            if source.bucket is None:
                with open(source.location, "rb") as file:
                    yield from iter(lambda: file.read(_CHUNK_BYTES), b"")
            else:
                yield from s3io.stream_object(
                    source.bucket, source.location, region=self.region, chunk_bytes=_CHUNK_BYTES
                )
        except OSError as exc:  # S3ObjectError is one
            reason = f"cannot read the {'object' if source.bucket else 'file'}: {exc.strerror or exc}"
            raise LoadError(self.table, reason, filename=source.name) from None


def _held_size(source: SourceFile) -> int:
    """What a fetched-ahead file holds in memory: large files are streamed when their turn comes."""
    return source.size if source.size <= _WHOLE_FILE_BYTES else 0


# --- writing the parts ----------------------------------------------------------------------------------


class _Target(Protocol):
    """Where parts and the manifest go: :class:`_S3Target` or :class:`_LocalTarget`."""

    temp_dir: str | None

    def put_file(self, name: str, path: str) -> str: ...

    def put_bytes(self, name: str, data: bytes) -> str: ...


def _target(destination_uri: str, region: str | None) -> _Target:
    if is_s3(destination_uri):
        if not S3_URI.match(destination_uri):
            raise PackError(f"{destination_uri!r} is not a valid s3://bucket/prefix URI")
        return _S3Target(destination_uri, region)
    if re.match(r"^[a-z][a-z0-9+.-]*://", destination_uri) and not destination_uri.startswith("file://"):
        raise PackError(f"{destination_uri!r}: pack into an s3://bucket/prefix URI or a local directory")
    return _LocalTarget(destination_uri)


class _S3Target:
    def __init__(self, uri: str, region: str | None) -> None:
        self.temp_dir: str | None = None  # parts are staged in the system's temporary folder
        self.bucket, prefix = split_s3(uri)
        self.prefix = prefix.strip("/")
        self.region = region
        self.client = s3_client(region)
        self._check_bucket()

    def _check_bucket(self) -> None:
        """Fail before reading any source, with what to do, rather than after packing gigabytes."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            raise PackError(self._refusal(exc)) from None
        except BotoCoreError as exc:
            raise PackError(f"cannot reach the S3 bucket {self.bucket!r}: {exc}") from None
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        found = answer.get("BucketRegion") or headers.get("x-amz-bucket-region")
        if self.region and found and found != self.region:
            raise PackError(
                f"the S3 bucket {self.bucket!r} is in {found}, but [S3] REGION is {self.region}: one COPY "
                f"reads the manifest, the parts and the JSONPaths file from one region; use a bucket in "
                f"{self.region}"
            )

    def _refusal(self, exc: Any) -> str:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket"):
            return (
                f"the S3 bucket {self.bucket!r} does not exist; create it "
                f"(aws s3 mb s3://{self.bucket} --region {self.region or 'REGION'}) or name another"
            )
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return (
                f"access to the S3 bucket {self.bucket!r} is denied ({code}); these AWS credentials need "
                "s3:ListBucket and s3:PutObject on it"
            )
        return f"S3 answered {code or 'an error'} for the bucket {self.bucket!r}"

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put_file(self, name: str, path: str) -> str:
        # upload_file switches to a multipart upload for large parts by itself.
        return self._upload(name, lambda: self.client.upload_file(path, self.bucket, self.key(name)))

    def put_bytes(self, name: str, data: bytes) -> str:
        return self._upload(
            name, lambda: self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data)
        )

    def _upload(self, name: str, upload: Any) -> str:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        uri = f"s3://{self.bucket}/{self.key(name)}"
        try:
            upload()
        except ClientError as exc:
            raise PackError(f"cannot write {uri}: {self._refusal(exc)}") from None
        except (S3UploadFailedError, BotoCoreError) as exc:
            raise PackError(f"cannot write {uri}: {exc}") from None
        return uri


class _LocalTarget:
    def __init__(self, uri: str) -> None:
        try:
            self.folder = Path(local_path(uri)).expanduser().resolve()
        except RuntimeError:  # ~name where no user is called name
            raise PackError(f"--pack-to {uri!r} starts with ~ but names no user's home folder") from None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PackError(f"cannot create the folder {self.folder}: {exc.strerror or exc}") from None
        # Temporary parts beside their final name, so that publishing one is an atomic rename.
        self.temp_dir = str(self.folder)

    def put_file(self, name: str, path: str) -> str:
        os.replace(path, self.folder / name)
        return str(self.folder / name)

    def put_bytes(self, name: str, data: bytes) -> str:
        handle, temp_path = tempfile.mkstemp(prefix=".packing-", dir=self.folder)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        return self.put_file(name, temp_path)


def planned_packed_copies(
    config: Config, destination_uri: str, log_sources: list[str] | None = None
) -> list[str]:
    """The COPY statements ``--pack-to`` would run, without packing anything (for ``--dry-run``)."""
    base = destination_uri.rstrip("/")
    copies = [q.packed_copy_query(config, "staging_songs", f"{base}/songs/staging_songs.manifest", "auto")]
    if log_sources != []:
        manifest = f"{base}/events/staging_events.manifest"
        copies.append(q.packed_copy_query(config, "staging_events", manifest, config.log_jsonpath))
    return copies
