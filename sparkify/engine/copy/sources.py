"""List and read COPY sources by Redshift's key-prefix rule, from a local folder or from S3.

``FROM 's3://bucket/log_data'`` loads every object whose key starts with ``log_data`` — ``log_data/…``
and ``log_data_old.json`` alike.  A local path (or ``file://`` URL) follows the same rule on path text.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkify.engine.copy import s3io
from sparkify.engine.errors import CopySourceMissing, LoadError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """One file or object to load; ``name`` is what reports show (a path or an s3:// URI)."""

    name: str
    size: int
    location: str  # a local path, or the object's key in ``bucket``
    bucket: str | None = None


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def local_path(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def list_sources(uri: str, *, table: str, region: str | None = None) -> list[SourceFile]:
    """Every file under the prefix ``uri``, in key order; a :class:`LoadError` when there is none."""
    try:
        files = _list_s3(uri, table, region) if is_s3(uri) else _list_local(local_path(uri))
    except LocalListingError as exc:
        raise LoadError(table, exc.reason, hint=exc.hint) from None
    if not files:
        raise CopySourceMissing(table, f"the prefix {uri!r} matches no file", hint="Check the COPY's FROM.")
    return files


def _list_local(prefix: str) -> list[SourceFile]:
    if prefix.endswith("/"):
        parent, start = prefix.rstrip("/") or "/", ""
    else:
        parent, start = os.path.split(prefix)
    parent = parent or "."
    if not os.path.isdir(parent):
        return []
    found: list[SourceFile] = []
    folder = os.stat(parent)
    for entry in _entries(parent):
        if entry.name.startswith(start):
            found.extend(_walk(entry, frozenset({(folder.st_dev, folder.st_ino)})))
    # S3 lists keys in UTF-8 byte order; sort local paths the same way.
    return sorted(found, key=lambda source: source.name.encode("utf-8", "surrogateescape"))


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except PermissionError:
        raise LocalListingError(
            f"cannot read the folder {folder}: permission denied",
            "Give yourself read permission on it (chmod u+rx), or point the COPY elsewhere.",
        ) from None


def _walk(entry: os.DirEntry[str], ancestors: frozenset[tuple[int, int]]) -> Iterator[SourceFile]:
    """The files under ``entry``, following symbolic links but never round a loop of them.

    A link back to a folder above it (``log_data/2018/again -> ..``) or a link that never ends
    (``a -> b -> a``) is skipped with a warning: what it leads to is listed once already, or is nothing.
    """
    try:
        if entry.is_file():
            yield SourceFile(name=entry.path, size=entry.stat().st_size, location=entry.path)
            return
        if not entry.is_dir():
            return
        folder = entry.stat()
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        log.warning("skipping %s: a loop of symbolic links that leads nowhere", entry.path)
        return
    if (folder.st_dev, folder.st_ino) in ancestors:
        log.warning("skipping %s: a symbolic link back to a folder above it (a loop)", entry.path)
        return
    inside = ancestors | {(folder.st_dev, folder.st_ino)}
    for child in _entries(entry.path):
        yield from _walk(child, inside)


class LocalListingError(OSError):
    """A local folder of a COPY source that cannot be listed; reported as the COPY's LoadError."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def s3_client(region: str | None) -> Any:
    """The process's shared boto3 S3 client: the standard credential chain, AWS_ENDPOINT_URL when it is
    set, botocore's standard retries (see :mod:`sparkify.engine.copy.s3io`)."""
    return s3io.client(region)


def _list_s3(uri: str, table: str, region: str | None) -> list[SourceFile]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split_s3(uri)
    client = s3_client(region)
    found: list[SourceFile] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            s3io.other_retries.add(s3io.request_retries(page))
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    found.append(
                        SourceFile(f"s3://{bucket}/{item['Key']}", item["Size"], item["Key"], bucket)
                    )
    except ClientError as exc:
        raise LoadError(table, _s3_reason(exc, bucket), hint=_S3_HINT) from None
    except BotoCoreError as exc:
        raise LoadError(table, f"cannot list {uri}: {exc}", hint=_S3_HINT) from None
    return found


_S3_HINT = "Check the bucket name, the region and your AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID)."


def _s3_reason(exc: Any, bucket: str) -> str:
    code = exc.response.get("Error", {}).get("Code", "")
    if code == "NoSuchBucket":
        return f"the S3 bucket {bucket!r} does not exist"
    if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return f"access to the S3 bucket {bucket!r} is denied ({code})"
    return f"S3 answered {code or 'an error'} for bucket {bucket!r}"


def read_source(
    source: SourceFile,
    *,
    table: str,
    compression: str | None,
    region: str | None,
    fetched: bytes | None = None,
) -> bytes:
    """The file's bytes, decompressed as the COPY's GZIP / BZIP2 / ZSTD option says; ``fetched`` is the
    object's raw bytes when they were fetched ahead (:mod:`sparkify.engine.copy.prefetch`)."""
    try:
        data = _read_raw(source, region) if fetched is None else fetched
    except OSError as exc:
        raise LoadError(table, f"cannot read the file: {exc.strerror or exc}", filename=source.name) from None
    return _decompress(data, compression, table, source.name)


def _read_raw(source: SourceFile, region: str | None) -> bytes:
    if source.bucket is None:
        return Path(source.location).read_bytes()
    fetched = s3io.get_object(source.bucket, source.location, region=region)
    s3io.other_retries.add(fetched.retries)
    return fetched.data


def _decompress(data: bytes, compression: str | None, table: str, name: str) -> bytes:
    try:
        if compression == "gzip":
            return gzip.decompress(data)
        if compression == "bzip2":
            return bz2.decompress(data)
        if compression == "zstd":
            return _zstd_decompress(data)
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise LoadError(
            table,
            f"the file is not valid {compression} data ({exc})",
            filename=name,
            hint=f"Is the file really {compression}-compressed, and complete?",
        ) from None
    return data


def _zstd_decompress(data: bytes) -> bytes:
    import zstandard  # the binding works on every supported Python (3.14's own module does not exist before)

    # Read as a stream: a streamed frame has no content size in its header; a file may hold several frames.
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    return reader.read()


def read_text_document(uri: str, *, table: str, region: str | None) -> bytes:
    """A single small document such as a JSONPaths file or a manifest, local or on S3."""
    if is_s3(uri):
        bucket, key = split_s3(uri)
        source = SourceFile(uri, 0, key, bucket)
    else:
        source = SourceFile(uri, 0, local_path(uri))
    try:
        return _read_raw(source, region)
    except OSError as exc:
        raise LoadError(table, f"cannot read {uri}: {exc.strerror or exc}") from None
