"""Fetch S3 objects ahead of their use, concurrently, and hand them over in order.

A bounded window — at most a few objects per thread and :data:`WINDOW_BYTES` of listed size — is in
flight or waiting at any moment, however many objects a COPY reads.  Results come back in the order of
the sources; a failure surfaces when its object's turn comes, so what a COPY reports (rows, line
numbers, MAXERROR, the first failing object) is exactly what a serial read gives.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sparkify.engine.copy import s3io
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.errors import LoadError

Item = TypeVar("Item")
Result = TypeVar("Result")

WINDOW_BYTES = 64 << 20
OBJECTS_PER_THREAD = 8  # room ahead of a slow object, so the threads keep busy behind it


def in_order(
    items: Sequence[Item],
    fetch: Callable[[Item, threading.Event], Result],
    *,
    size: Callable[[Item], int],
    threads: int | None = None,
    window_bytes: int = WINDOW_BYTES,
) -> Iterator[tuple[Item, Result]]:
    """``(item, fetch(item, stop))`` for every item, in order, fetched up to a window ahead in threads.

    ``stop`` is set when the reader leaves early, so that fetches waiting out a backoff give up.  The
    window always admits one item, so an object larger than ``window_bytes`` is still read (alone).
    """
    threads = threads or s3io.max_concurrency()
    window_objects = threads * OBJECTS_PER_THREAD
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="s3-fetch")
    ahead: deque[tuple[Item, Future[Result]]] = deque()
    held = 0
    position = 0
    try:
        while position < len(items) or ahead:
            while position < len(items) and (
                not ahead or (len(ahead) < window_objects and held + size(items[position]) <= window_bytes)
            ):
                item = items[position]
                ahead.append((item, pool.submit(fetch, item, stop)))
                held += size(item)
                position += 1
            item, future = ahead.popleft()
            held -= size(item)
            yield item, future.result()
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)


def source_bodies(
    sources: Sequence[SourceFile], *, table: str, region: str | None
) -> Iterator[tuple[SourceFile, s3io.Fetched | None]]:
    """Each source with its S3 object's bytes fetched ahead, in order; ``None`` for a local file, which
    its reader opens itself.  An object that cannot be read is a :class:`LoadError` naming it."""

    def fetch(source: SourceFile, stop: threading.Event) -> s3io.Fetched | None:
        if source.bucket is None:
            return None
        try:
            return s3io.get_object(
                source.bucket, source.location, region=region, stop=stop, listed_size=source.size
            )
        except s3io.S3ObjectError as exc:  # raised again in the reader's thread, when its turn comes
            raise LoadError(table, f"cannot read the file: {exc}", filename=source.name) from None

    if not any(source.bucket for source in sources):
        return ((source, None) for source in sources)
    return in_order(sources, fetch, size=lambda source: source.size)
