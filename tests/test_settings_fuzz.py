"""Whatever iac/cluster.py finds in dwh.cfg, reading it gives settings or a ConfigError — never a crash.

Files hold the sections and keys iac/cluster.py reads, with any values: blanks, quotes, numbers in and
out of range, digits that are not ASCII, names that break AWS's rules.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkify.errors import ConfigError
from sparkify.iac.settings import DEFAULTS, load_settings
from sparkify.packing import PackError, slices_from_config
from tests.ini_files import ini_files

KEYS = {
    "INFRA": list(DEFAULTS),
    "CLUSTER": ["HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_PORT"],
    "AWS": ["KEY", "SECRET"],
    "S3": ["REGION"],
}
values = st.sampled_from(
    [
        "",
        "''",
        "2",
        "0",
        "129",
        "²",
        "٣",
        "4",
        "ra3.large",
        "dc2.large",
        "serverless",
        "provisioned",
        "dev",
        "A",
    ]
) | st.text(max_size=12)
documents = ini_files(KEYS, values)


@settings(max_examples=400, deadline=None)
@given(text=documents)
def test_any_file_gives_settings_or_a_config_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dwh.cfg"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            found = load_settings(path)
        except ConfigError as exc:
            assert exc.problems
        else:
            # Any exception other than ConfigError escapes and fails the test: that is the property.
            assert found.kind in ("provisioned", "serverless") and found.number_of_nodes >= 1
        try:
            assert slices_from_config(path) > 0
        except (ConfigError, PackError) as exc:
            assert str(exc).strip()
