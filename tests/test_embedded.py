"""The embedded engine starts on demand, is reused, and `make stop` stops it."""

from __future__ import annotations

from pathlib import Path

import psycopg2

from sparkify import embedded as embedded_command
from sparkify.engine.server import embedded


def test_start_reuse_and_stop(tmp_path: Path, write_config, capsys) -> None:
    data_dir = tmp_path / "pgdata"
    first = embedded.ensure_server(data_dir)
    assert embedded.ensure_server(data_dir) == first  # a running server is reused, not started twice
    psycopg2.connect(host=first[0], port=first[1], dbname="postgres", user="postgres").close()
    # No sources exist (a fresh clone before `make sample`): stopping the server needs only DATA_DIR.
    config = write_config(DATA_DIR=str(data_dir))
    assert embedded_command.main(["stop", "--config", str(config)]) == 0
    assert "stopped" in capsys.readouterr().err
    assert not (data_dir / "postmaster.pid").exists()
    assert embedded.stop_server(data_dir) is False
