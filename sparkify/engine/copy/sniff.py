"""Whole-file mistakes told in one line before any record is read: a compressed file loaded without its
compression option, and text that is not UTF-8 at all (UTF-16, as some Windows tools save).

Read record by record, such a file would fail on every line with a reason that misleads (NUL
characters, invalid JSON); its first bytes say what it is.
"""

from __future__ import annotations

from sparkify.engine.errors import LoadError

_COMPRESSED = {
    b"\x1f\x8b": ("gzip", "GZIP"),
    b"BZh": ("bzip2", "BZIP2"),
    b"\x28\xb5\x2f\xfd": ("zstd", "ZSTD"),
}


def check_whole_file(data: bytes, *, name: str, table: str, compression: str | None) -> None:
    """Raise a :class:`LoadError` when ``data`` (the file as read, decompressed) is not UTF-8 JSON text."""
    if compression is None:
        for magic, (kind, option) in _COMPRESSED.items():
            if data.startswith(magic):
                raise LoadError(
                    table,
                    f"the file is {kind}-compressed and the COPY has no {option} option",
                    filename=name,
                    hint=f"Add {option} to the COPY, or decompress the file.",
                )
    utf16 = _utf16_kind(data)
    if utf16:
        raise LoadError(
            table,
            f"the file is {utf16} text; COPY reads JSON as UTF-8",
            filename=name,
            hint=f"Re-encode it as UTF-8, for example: iconv -f {utf16} -t UTF-8 FILE > FILE.utf8",
        )


def _utf16_kind(data: bytes) -> str:
    """'UTF-16' (with a byte order mark) or 'UTF-16LE'/'UTF-16BE' (text whose every other byte is 0)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    head = data[:64]
    if len(head) >= 4 and head[1::2].count(0) == len(head) // 2 and 0 not in head[0::2]:
        return "UTF-16LE"
    if len(head) >= 4 and head[0::2].count(0) == (len(head) + 1) // 2 and 0 not in head[1::2]:
        return "UTF-16BE"
    return ""
