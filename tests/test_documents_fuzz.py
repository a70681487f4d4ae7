"""Whatever a JSONPaths file or a manifest holds, reading it gives paths or sources, or one LoadError.

Documents are any JSON (objects with the right keys and wrong values, lists, strings) or any bytes.
Manifest entries name local files only: S3 reading is tested on moto elsewhere.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.engine.copy.manifest import manifest_sources
from sparkify.engine.copy.mapping import jsonpaths_extractor
from sparkify.errors import LoadError

leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
paths = st.sampled_from(["$", "$.a", "$['a']", '$["b"]', "$.a[0]", "$[0]", "a", "$.", "$['", "$..a", "$.a.b"])
urls = st.sampled_from(["file:///nonexistent/x", "/nonexistent/y", "", "relative"]) | st.text(max_size=8)
json_values = st.recursive(
    leaves | paths | urls,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["jsonpaths", "entries", "url", "mandatory", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)
documents = json_values.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=60)


@settings(max_examples=500, deadline=None)
@given(document=documents, columns=st.integers(min_value=1, max_value=3))
def test_any_jsonpaths_document_gives_an_extractor_or_a_load_error(document: bytes, columns: int) -> None:
    try:
        extract = jsonpaths_extractor(document, [f"c{n}" for n in range(columns)], table="t", source="p.json")
    except LoadError as exc:
        assert str(exc).strip()
    else:
        assert len(extract({"a": [1], "b": 2})) == columns


@settings(max_examples=500, deadline=None)
@given(document=documents)
def test_any_manifest_gives_sources_or_a_load_error(document: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "load.manifest"
        manifest.write_bytes(document)
        try:
            sources = manifest_sources(str(manifest), table="t", region=None)
        except LoadError as exc:
            assert str(exc).strip()
        else:
            # Any exception other than LoadError escapes and fails the test: that is the property.
            assert all(source.name and source.size >= 0 for source in sources)
