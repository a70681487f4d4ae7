"""Load the course's public sample (../shared) through the real scripts and compare with its known counts."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import create_tables
import etl
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.warehouse import connect

EXPECTED = {
    "staging_events": 8056,
    "staging_songs": 71,
    "songplays": 6820,
    "users": 97,
    "songs": 71,
    "artists": 69,
    "time": 6813,
    "songplays_with_song": 1,
    "paid_users": 22,
}


def main(sample: str) -> int:
    root = Path(sample).resolve()
    with tempfile.TemporaryDirectory(prefix="sparkify-ref-") as work:
        config_path = Path(work) / "dwh.cfg"
        config_path.write_text(
            "[CLUSTER]\nHOST =\nDB_NAME = reference\nDB_USER = dwhuser\nDB_PASSWORD =\nDB_PORT = 5439\n"
            f"[IAM_ROLE]\nARN =\n[S3]\nLOG_DATA = {root}/log_data\nLOG_JSONPATH = {root}/log_json_path.json\n"
            f"SONG_DATA = {root}/song_data\n[EMBEDDED]\nDATA_DIR = {work}/pgdata\n"
        )
        for script in (create_tables, etl):
            code = script.main(["--config", str(config_path)])
            if code != 0:
                return code
        config = load_config(config_path)
        try:
            with connect(config) as warehouse:
                actual = pipeline.table_counts(warehouse)
                actual["songplays_with_song"] = warehouse.query(
                    "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL"
                )[1][0][0]
                actual["paid_users"] = warehouse.query("SELECT COUNT(*) FROM users WHERE level = 'paid'")[1][
                    0
                ][0]
        finally:
            from sparkify.engine.server.embedded import stop_server

            stop_server(config.embedded_data_dir)
    wrong = {key: (value, actual.get(key)) for key, value in EXPECTED.items() if actual.get(key) != value}
    for key, (want, got) in wrong.items():
        print(f"reference check: {key}: expected {want}, got {got}", file=sys.stderr)
    print("reference check: " + ("FAILED" if wrong else f"all {len(EXPECTED)} counts match"), file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
