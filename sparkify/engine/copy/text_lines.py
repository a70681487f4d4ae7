"""A text source file as numbered physical lines, streamed: decompressed and decoded as it is read, so
memory stays flat however large the file.

UTF-8 is checked line by line: a line that is not valid UTF-8 is reported with Redshift's error 1220,
or, with ACCEPTINVCHARS, has each invalid byte replaced by the replacement character.  UTF-16 files
(ENCODING UTF16 with its byte order mark, UTF16LE, UTF16BE) are decoded on the way in.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sparkify.engine.copy import s3io
from sparkify.engine.copy.prefetch import source_bodies
from sparkify.engine.copy.sources import SourceFile
from sparkify.engine.errors import LoadError

ERR_UTF8 = 1220
READ_BYTES = 1 << 20
STREAM_ABOVE_BYTES = 64 << 20  # a larger S3 object is streamed rather than fetched ahead whole
_UTF16_CODECS = {"utf16": "utf-16", "utf16le": "utf-16-le", "utf16be": "utf-16-be"}


@dataclass(frozen=True)
class Line:
    """One physical line without its newline; ``problem`` says why its bytes are not valid UTF-8."""

    number: int
    text: str
    problem: str = ""


def source_bodies_streamed(
    sources: Sequence[SourceFile], *, table: str, region: str | None
) -> Iterator[tuple[SourceFile, s3io.Fetched | None]]:
    """Each source with its S3 object's bytes fetched ahead, as JSON's are, except an object larger than
    :data:`STREAM_ABOVE_BYTES`: that one (``None``) is streamed by :func:`open_binary`, never held whole."""
    small = [source for source in sources if source.bucket is None or source.size <= STREAM_ABOVE_BYTES]
    fetched = source_bodies(small, table=table, region=region)
    for source in sources:
        if source.bucket is None or source.size <= STREAM_ABOVE_BYTES:
            yield next(fetched)
        else:
            yield source, None


def open_binary(
    source: SourceFile, fetched: bytes | None, compression: str | None, *, table: str, region: str | None
) -> IO[bytes]:
    """The source's bytes as a stream, decompressed by the COPY's GZIP, BZIP2 or ZSTD option."""
    raw: IO[bytes]
    if fetched is not None:
        raw = io.BytesIO(fetched)
    elif source.bucket is not None:
        chunks = s3io.stream_object(source.bucket, source.location, region=region, chunk_bytes=READ_BYTES)
        raw = io.BufferedReader(_ObjectChunks(chunks, table, source.name), READ_BYTES)
    else:
        raw = open(source.location, "rb")  # noqa: SIM115  # closed by whoever reads the stream
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "bzip2":
        return bz2.BZ2File(raw)
    if compression == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.BufferedReader(reader, READ_BYTES)  # type: ignore[arg-type]  # lines need a buffer
    return raw


class _ObjectChunks(io.RawIOBase):
    """An S3 object streamed in chunks, as a raw file; a read that fails is the COPY's LoadError."""

    def __init__(self, chunks: Iterator[bytes], table: str, name: str) -> None:
        self.chunks = chunks
        self.table = table
        self.name = name
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            try:
                self.pending = next(self.chunks, b"")
            except s3io.S3ObjectError as exc:
                raise LoadError(self.table, f"cannot read the file: {exc}", filename=self.name) from None
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def physical_lines(
    stream: IO[bytes], *, encoding: str, replacement: str | None, table: str, name: str
) -> Iterator[Line]:
    """The lines of ``stream``; a decompression failure is the COPY's :class:`LoadError` naming the file."""
    try:
        if encoding in _UTF16_CODECS:
            yield from _utf16_lines(stream, _UTF16_CODECS[encoding], table, name)
        else:
            yield from _utf8_lines(stream, replacement)
    except (OSError, EOFError, zlib.error) as exc:
        raise LoadError(
            table,
            f"the file cannot be decompressed ({exc})",
            filename=name,
            hint="Is the file really compressed as the COPY says, and complete?",
        ) from None
    finally:
        stream.close()


def _utf8_lines(stream: IO[bytes], replacement: str | None) -> Iterator[Line]:
    for number, raw_line in enumerate(stream, 1):
        raw = raw_line
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        try:
            yield Line(number, raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if replacement is None:
                yield Line(number, raw.decode("utf-8", "replace"), _utf8_reason(raw, exc))
            else:
                # ACCEPTINVCHARS: each invalid byte becomes one replacement character.
                replaced = raw.decode("utf-8", "surrogateescape")
                yield Line(number, "".join(replacement if "\udc80" <= c <= "\udcff" else c for c in replaced))


def _utf8_reason(raw: bytes, exc: UnicodeDecodeError) -> str:
    return f"Invalid UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start}"


def _utf16_lines(stream: IO[bytes], codec: str, table: str, name: str) -> Iterator[Line]:
    if codec == "utf-16":
        head = stream.read(2)
        if head not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise LoadError(
                table,
                "ENCODING UTF16 needs a byte order mark at the start of the file",
                filename=name,
                hint="Use ENCODING UTF16LE or UTF16BE for UTF-16 text without a byte order mark.",
            )
        codec = "utf-16-le" if head == codecs.BOM_UTF16_LE else "utf-16-be"
    text = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline="\n")  # type: ignore[type-var]
    for number, text_line in enumerate(text, 1):
        line = text_line[:-1] if text_line.endswith("\n") else text_line
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield Line(number, line)
