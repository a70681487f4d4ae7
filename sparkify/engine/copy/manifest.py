"""Read a COPY manifest: ``{"entries": [{"url": "s3://…", "mandatory": true}, …]}``.

Each entry names one file exactly (no prefix rule); a manifest on S3 names only S3 objects.  A missing
mandatory file fails the COPY; a missing optional one is skipped, as on Redshift.
"""

from __future__ import annotations

import json
import os

from sparkify.engine.copy import prefetch
from sparkify.engine.copy.sources import SourceFile, is_s3, list_sources, local_path, read_text_document
from sparkify.engine.errors import LoadError


def manifest_sources(uri: str, *, table: str, region: str | None) -> list[SourceFile]:
    document = read_text_document(uri, table=table, region=region)
    try:
        entries = json.loads(document)["entries"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise LoadError(
            table, 'the manifest must be a JSON object {"entries": [{"url": ...}, ...]}', filename=uri
        ) from None
    for entry in entries:
        if not isinstance(entry.get("url") if isinstance(entry, dict) else None, str):
            raise LoadError(table, 'a manifest entry has no "url"', filename=uri)
        # A manifest on S3 names S3 objects, as on Redshift; a local file in it would be read from the
        # machine the load runs on, on the word of whoever wrote the object (an endpoint's client).
        if is_s3(uri) and not is_s3(entry["url"]):
            why = f"a manifest on S3 lists S3 objects only, not {entry['url']}"
            raise LoadError(table, why, filename=uri)
    found: list[SourceFile] = []
    # Each S3 entry is one listing request: look them up concurrently, and judge them in order.
    looked_up = prefetch.in_order(
        entries, lambda entry, stop: _exact(entry["url"], table, region), size=_none
    )
    for entry, source in looked_up:
        if source is not None:
            found.append(source)
        elif entry.get("mandatory") is True:
            looked_up.close()
            raise LoadError(
                table, f"the mandatory file {entry['url']} in the manifest does not exist", filename=uri
            )
    return found


def _none(entry: object) -> int:
    return 0  # a lookup holds no data


def _exact(url: str, table: str, region: str | None) -> SourceFile | None:
    if is_s3(url):
        try:
            matches = list_sources(url, table=table, region=region)
        except LoadError:
            return None
        return next((source for source in matches if source.name == url), None)
    path = local_path(url)
    return SourceFile(path, os.path.getsize(path), path) if os.path.isfile(path) else None
