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


def test_a_start_failure_waits_for_the_log_line_the_collector_writes_late(tmp_path: Path) -> None:
    from sparkify.engine.server import recovery

    log_file = tmp_path / "log"
    log_file.write_text("LOG:  starting\n")
    naps: list[float] = []

    def collector_writes_during_the_second_nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            with log_file.open("a") as log:
                log.write('FATAL:  configuration file "x" contains errors\n')

    reason = recovery.start_failure(log_file, 0, sleep=collector_writes_during_the_second_nap)
    assert reason == 'configuration file "x" contains errors'
    assert len(naps) == 2
    assert recovery.start_failure(log_file, log_file.stat().st_size, patience=0.3, sleep=naps.append) == ""


def _setting(server: tuple[str, int], name: str) -> str:
    connection = psycopg2.connect(host=server[0], port=server[1], dbname="postgres", user="postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s)", (name,))
            return str(cursor.fetchone()[0])
    finally:
        connection.close()


def test_the_server_runs_with_our_settings_from_a_new_folder_and_an_older_one_at_its_next_start(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "pgdata"
    try:
        server = embedded.ensure_server(data_dir)
        assert {name: _setting(server, name) for name in embedded.SERVER_SETTINGS} == embedded.SERVER_SETTINGS
        assert _setting(server, "data_checksums") == "off"
        # A folder made before the settings existed: no file of ours, no include line (and no final newline).
        embedded.stop_server(data_dir)
        (data_dir / embedded.SETTINGS_FILE).unlink()
        conf = data_dir / "postgresql.conf"
        conf.write_text(
            conf.read_text().replace(f"include_if_exists = '{embedded.SETTINGS_FILE}'\n", "").rstrip()
        )
        server = embedded.ensure_server(data_dir)
        assert _setting(server, "wal_level") == "minimal"
        assert conf.read_text().count(embedded.SETTINGS_FILE) == 1
    finally:
        embedded.stop_server(data_dir)
