"""S3 requests for the COPY emulator and packing: one shared client per region per process, botocore's
retries for every request, and whole-GET retries when a body read fails half-way.

botocore retries a request whose answer is an error (503 SlowDown, 500, a reset before the headers), but
never the body read that follows a 200: a body cut off mid-stream, a connection reset or a read timeout
there surfaces as ``ResponseStreamingError`` / ``IncompleteReadError`` / ``ReadTimeoutError``.  Those, and
a transient answer botocore gave up on (its retry quota drained on a bad day), retry the whole GET here
with capped exponential backoff and full jitter, :data:`GET_ATTEMPTS` times at most.  A permanent answer
(403, 404, NoSuchBucket) is never retried.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: botocore's retries per request — its ``max_attempts`` counts retries, not the first try (standard
#: mode: exponential backoff with jitter, capped at 20 s).
REQUEST_RETRIES = 10
#: Whole GETs per object, each with botocore's own request retries inside.
GET_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 30

# Answers that say "try again later"; anything else S3 answers is permanent for this object.
TRANSIENT_CODES = frozenset(
    {
        "500",
        "502",
        "503",
        "504",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "Throttling",
        "ThrottlingException",
    }
)

DEFAULT_S3_MAX_CONCURRENCY = 16  # S3 answers each GET in 20-50 ms: 16 in flight keep a core busy
_settings = {"max_concurrency": DEFAULT_S3_MAX_CONCURRENCY}
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()
_NEVER_SET = threading.Event()  # waits out a backoff when nobody can cancel it


def configure(*, max_concurrency: int) -> None:
    """Set how many S3 requests one process keeps in flight (the caller's setting)."""
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
    _settings["max_concurrency"] = max_concurrency


def max_concurrency() -> int:
    return _settings["max_concurrency"]


def client(region: str | None) -> Any:
    """The process's S3 client for ``region`` (thread-safe; creating one costs more than a small GET).

    Keyed by process id too: a worker forked from this process must not share its open connections.
    """
    key = (os.getpid(), region, os.environ.get("AWS_ENDPOINT_URL"), max_concurrency())
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = _new_client(region)
        return found


def forget_clients() -> None:
    """Drop the cached clients (tests switch endpoints and credentials between cases)."""
    with _clients_lock:
        _clients.clear()


def _new_client(region: str | None) -> Any:
    import boto3  # imported here so that local-only runs do not pay for it
    from botocore.config import Config

    # AWS_MAX_ATTEMPTS, as everywhere in the AWS tools, counts the first try too.
    total = os.environ.get("AWS_MAX_ATTEMPTS", "")
    retries: dict[str, Any] = (
        {"total_max_attempts": int(total)} if total.isdigit() else {"max_attempts": REQUEST_RETRIES}
    )
    retries["mode"] = os.environ.get("AWS_RETRY_MODE") or "standard"
    config = Config(
        retries=retries,  # type: ignore[arg-type]
        max_pool_connections=max_concurrency() + 4,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    return boto3.client("s3", region_name=region, config=config)


class S3ObjectError(OSError):
    """An object that cannot be read: a permanent answer, or a transient failure past the last retry."""


@dataclass(frozen=True)
class Fetched:
    """An object's bytes and how many retries it took (botocore's request retries and whole GETs)."""

    data: bytes
    retries: int


class _Tally:
    """Retries of requests that belong to no source file (listing, JSONPaths, manifests), per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0

    def add(self, retries: int) -> None:
        if retries:
            with self.lock:
                self.count += retries


other_retries = _Tally()


def request_retries(answer_or_error: Any) -> int:
    """botocore's retry count of one request, from its answer or from the ClientError it raised."""
    response = getattr(answer_or_error, "response", answer_or_error)
    if not isinstance(response, dict):
        return 0
    return int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)


class BodySizeMismatch(Exception):
    """A body whose length is not the object's listed size: cut short on the way, with headers to match."""


def get_object(
    bucket: str,
    key: str,
    *,
    region: str | None,
    stop: threading.Event | None = None,
    listed_size: int | None = None,
) -> Fetched:
    """The whole object, its body read retried as a whole GET; :class:`S3ObjectError` when it cannot be.
    A body of another length than ``listed_size`` (what the listing said) counts as cut off."""
    retries = 0
    for attempt in range(1, GET_ATTEMPTS + 1):
        try:
            answer = client(region).get_object(Bucket=bucket, Key=key)
            retries += _logged_request_retries(answer, bucket, key)
            data = answer["Body"].read()
            if listed_size is not None and len(data) != listed_size:
                raise BodySizeMismatch(f"{len(data)} bytes where the listing said {listed_size}")
            return Fetched(data, retries)
        except Exception as exc:
            retries += request_retries(exc)
            _wait_or_give_up(exc, bucket, key, attempt, stop)
            retries += 1
    raise AssertionError("unreachable: the last attempt returns or raises")


def _logged_request_retries(answer: Any, bucket: str, key: str) -> int:
    """botocore's retries of a request that succeeded in the end, logged (--verbose) since botocore's own
    log is kept quiet."""
    retries = request_retries(answer)
    if retries:
        log.debug("S3 GET s3://%s/%s: answered after %d request retry(ies) by botocore", bucket, key, retries)
    return retries


def stream_object(
    bucket: str, key: str, *, region: str | None, chunk_bytes: int, stop: threading.Event | None = None
) -> Iterator[bytes]:
    """The object in chunks, never held whole.  A transient failure half-way resumes where it stopped
    (a ranged GET of the same version, ``If-Match`` its ETag), :data:`GET_ATTEMPTS` times at most."""
    offset, etag, attempt = 0, None, 1
    while True:
        resumed_at = offset
        try:
            request: dict[str, Any] = {"Bucket": bucket, "Key": key}
            if etag is not None:
                request.update(Range=f"bytes={offset}-", IfMatch=etag)
            answer = client(region).get_object(**request)
            other_retries.add(_logged_request_retries(answer, bucket, key))
            etag = answer.get("ETag", etag)
            for chunk in answer["Body"].iter_chunks(chunk_bytes):
                offset += len(chunk)
                yield chunk
            return
        except Exception as exc:
            other_retries.add(request_retries(exc))
            attempt = 1 if offset > resumed_at else attempt  # bytes arrived: S3 is not stuck on this object
            _wait_or_give_up(exc, bucket, key, attempt, stop)
            other_retries.add(1)
            attempt += 1


def _wait_or_give_up(
    exc: Exception, bucket: str, key: str, attempt: int, stop: threading.Event | None
) -> None:
    """Back off before attempt ``attempt + 1``, or raise :class:`S3ObjectError` saying why not."""
    if not is_transient(exc):
        raise S3ObjectError(describe_failure(exc, bucket)) from None
    if attempt >= GET_ATTEMPTS:
        raise S3ObjectError(
            f"S3 failed {GET_ATTEMPTS} times in a row, last with {failure_name(exc)}"
        ) from None
    delay = backoff_seconds(attempt)
    log.debug(
        "S3 GET s3://%s/%s: %s; retry %d of %d in %.2f s",
        *(bucket, key, failure_name(exc), attempt, GET_ATTEMPTS - 1, delay),
    )
    if (stop or _NEVER_SET).wait(delay):
        raise S3ObjectError("the read was cancelled") from None


def backoff_seconds(attempt: int) -> float:
    """Full jitter (AWS's advice): a uniform wait up to a cap that doubles with each attempt."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))


def is_transient(exc: BaseException) -> bool:
    """Whether trying the same GET again may succeed."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        FlexibleChecksumError,
        IncompleteReadError,
        ReadTimeoutError,
        ResponseStreamingError,
    )

    if isinstance(exc, ClientError):
        return error_code(exc) in TRANSIENT_CODES
    transient = (
        BodySizeMismatch,
        FlexibleChecksumError,  # the bytes changed on the way
        ResponseStreamingError,
        IncompleteReadError,
        ReadTimeoutError,
        ConnectionClosedError,
        EndpointConnectionError,
        ConnectionError,
        TimeoutError,
    )
    if isinstance(exc, transient):
        return True
    import urllib3.exceptions

    return isinstance(exc, (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError))


def error_code(exc: Any) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def failure_name(exc: BaseException) -> str:
    code = error_code(exc)
    return f"{code} ({type(exc).__name__})" if code else type(exc).__name__


def describe_failure(exc: Any, bucket: str) -> str:
    """What S3 said about an object, in words; the caller names the object."""
    code = error_code(exc)
    if code == "NoSuchBucket":
        return f"the S3 bucket {bucket!r} does not exist"
    if code in ("NoSuchKey", "404"):
        return f"the object does not exist ({code})"
    if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return f"access to the object is denied ({code})"
    if code:
        return f"S3 answered {code}"
    return str(exc)
