"""A run killed mid-COPY — kill -9, SIGTERM, Ctrl-C — leaves no process and no lock, and the next run
completes the job; a lock left by a client that is gone is freed by the next run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg2
import pytest

import create_tables
import etl
from sparkify import embedded as embedded_command
from sparkify.config import load_config
from sparkify.engine.server import embedded
from sparkify.sample_data import generate
from sparkify.warehouse import connect
from tests.star_rows import star

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 45_000  # about 20 MB of logs: past the size at which the COPY runs on worker processes


@pytest.fixture(scope="module")
def big_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    generate(root, events=EVENTS, song_files=60, seed=5, days=6)
    return root


@pytest.fixture(scope="module")
def clean_big_star(big_sample: Path, pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    config = _config(tmp_path_factory.mktemp("clean"), big_sample, pg_data_dir, "killed_clean")
    assert create_tables.main(["--config", str(config)]) == 0
    assert etl.main(["--config", str(config)]) == 0
    return star(config)


def _config(folder: Path, sample: Path, data_dir: Path, db_name: str) -> Path:
    path = folder / "dwh.cfg"
    path.write_text(
        f"[CLUSTER]\nHOST =\nDB_NAME = {db_name}\nDB_USER = dwhuser\nDB_PASSWORD =\nDB_PORT = 5439\n"
        f"[IAM_ROLE]\nARN =\n[S3]\nLOG_DATA = {sample}/log_data\nLOG_JSONPATH = {sample}/log_json_path.json\n"
        f"SONG_DATA = {sample}/song_data\nREGION = us-west-2\n[EMBEDDED]\nDATA_DIR = {data_dir}\n"
        "[ETL]\nMAXERROR = 0\n"
    )
    return path


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_run_outlives_its_test() -> Iterator[None]:
    """Whatever a test leaves of the runs it started (had it failed half-way) is killed, group and all."""
    yield
    while _started:
        process = _started.pop()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def start_etl(config: Path, *args: str) -> subprocess.Popen[str]:
    # A session of its own, as a terminal would give it: Ctrl-C goes to its whole process group.
    process = subprocess.Popen(
        [sys.executable, "etl.py", "--config", str(config), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _started.append(process)
    return process


def copied_events(monitor: Any, db_name: str) -> int | None:
    """Rows the running COPY into staging_events has taken so far; None while no such COPY runs."""
    with monitor.cursor() as cursor:
        cursor.execute(
            "SELECT tuples_processed FROM pg_stat_progress_copy WHERE datname = %s AND tuples_processed > 0",
            (db_name,),
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def run_until(process: subprocess.Popen[str], config: Path, share: float) -> list[psutil.Process]:
    """Wait until the COPY of the log events is ``share`` done; the run's processes at that moment."""
    settings = load_config(config)
    socket_dir, port = embedded.ensure_server(settings.embedded_data_dir)
    monitor = psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres")
    monitor.autocommit = True
    try:
        deadline = time.monotonic() + 120
        while (copied_events(monitor, settings.db_name) or 0) < share * EVENTS:
            assert process.poll() is None, f"etl.py ended early: {process.communicate()}"
            assert time.monotonic() < deadline, "the COPY never got there"
            time.sleep(0.01)
    finally:
        monitor.close()
    parent = psutil.Process(process.pid)
    return [parent, *parent.children(recursive=True)]


def still_running(processes: list[psutil.Process], seconds: float = 10) -> list[int]:
    """The PIDs of ``processes`` still alive after ``seconds``; those are then killed, so none leaks."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for process in alive:
        process.kill()
    return [process.pid for process in alive]


@pytest.mark.parametrize("share", [0.3, 0.7])
def test_kill_9_of_etl_mid_copy_leaves_nothing_and_the_next_run_completes(
    share: float, big_sample: Path, pg_data_dir: Path, tmp_path: Path, clean_big_star: Any
) -> None:
    config = _config(tmp_path, big_sample, pg_data_dir, f"killed_{int(share * 100)}")
    assert create_tables.main(["--config", str(config)]) == 0
    loader = start_etl(config)
    processes = run_until(loader, config, share)
    assert len(processes) >= 3, "the COPY was to run on worker processes"
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait(timeout=30)
    assert still_running(processes) == []
    finished = subprocess.run(
        [sys.executable, "etl.py", "--config", str(config), "--no-wait"],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert star(config) == clean_big_star


@pytest.mark.parametrize(
    ("how", "code", "said"),
    [
        ("SIGTERM to the run", 143, "etl.py: terminated; the warehouse keeps its last committed state"),
        ("Ctrl-C", 130, "etl.py: interrupted; the warehouse keeps its last committed state"),
    ],
)
def test_sigterm_and_ctrl_c_mid_copy_say_one_line(
    how: str, code: int, said: str, big_sample: Path, pg_data_dir: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path, big_sample, pg_data_dir, f"stopped_{code}")
    assert create_tables.main(["--config", str(config)]) == 0
    loader = start_etl(config)
    processes = run_until(loader, config, 0.4)
    if how == "Ctrl-C":
        os.killpg(loader.pid, signal.SIGINT)  # what the terminal sends: the whole foreground group
    else:
        os.kill(loader.pid, signal.SIGTERM)
    _, err = loader.communicate(timeout=60)
    assert loader.returncode == code
    assert err.splitlines()[-1] == said
    assert "Traceback" not in err and "warehouse refused" not in err
    assert still_running(processes) == []
    with connect(load_config(config)) as warehouse:
        assert warehouse.query("SELECT COUNT(*) FROM staging_events")[1] == [(0,)]


def test_a_lock_held_for_a_client_that_is_gone_is_freed(
    big_sample: Path, pg_data_dir: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, big_sample, pg_data_dir, "orphaned_lock")
    assert create_tables.main(["--config", str(config)]) == 0
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    orphan = psycopg2.connect(
        host=socket_dir,
        port=port,
        dbname="orphaned_lock",
        user="dwhuser",
        application_name=f"sparkify-dwh pid={dead_pid} host={os.uname().nodename.split('.')[0][:32]}",
    )
    try:
        orphan.cursor().execute("LOCK staging_events")
        capfd.readouterr()
        assert etl.main(["--config", str(config), "--no-wait"]) == 0
        err = capfd.readouterr().err
        said = f"etl.py: the load lock was held by etl.py PID {dead_pid}, which no longer runs: ending its"
        assert said in err
        with pytest.raises(psycopg2.OperationalError):
            orphan.cursor().execute("SELECT 1")
    finally:
        orphan.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    """A data folder for a server of this test alone (the test kills it); stopped at teardown."""
    data_dir = tmp_path / "own" / "pgdata"
    yield data_dir
    embedded.stop_server(data_dir)


def test_kill_9_of_the_server_mid_load_then_the_next_run_completes(
    big_sample: Path, own_server: Path, tmp_path: Path, clean_big_star: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, big_sample, own_server, "server_killed")
    assert create_tables.main(["--config", str(config)]) == 0
    loader = start_etl(config)
    run_until(loader, config, 0.5)
    postmaster = int((own_server / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    _, err = loader.communicate(timeout=60)
    assert loader.returncode == 1
    said = err.splitlines()[-1]  # psycopg2's reason depends on where the COPY was when the server died
    assert said.startswith("etl.py: error: the connection to the warehouse was lost (")
    assert said.endswith("); nothing of this run was committed: run it again")
    assert "Traceback" not in err and "SystemError" not in err
    capfd.readouterr()
    assert etl.main(["--config", str(config)]) == 0
    said = capfd.readouterr().err
    assert f"etl.py: embedded PostgreSQL in {own_server}: the server (PID {postmaster}) was killed;" in said
    assert star(config) == clean_big_star


def test_a_server_whose_postmaster_pid_was_deleted_is_found_stopped_and_restarted(
    own_server: Path, big_sample: Path, tmp_path: Path, caplog: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    embedded.ensure_server(own_server)
    postmaster = psutil.Process(int((own_server / "postmaster.pid").read_text().split()[0]))
    (own_server / "postmaster.pid").unlink()
    socket_dir, port = embedded.ensure_server(own_server)
    assert not postmaster.is_running()
    assert f"stopped the server (PID {postmaster.pid}) that ran without its postmaster.pid" in caplog.text
    psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres").close()
    restarted = psutil.Process(int((own_server / "postmaster.pid").read_text().split()[0]))
    (own_server / "postmaster.pid").unlink()
    config = _config(tmp_path, big_sample, own_server, "unused")
    capfd.readouterr()
    assert embedded_command.main(["stop", "--config", str(config)]) == 0
    assert capfd.readouterr().err == f"stopped {own_server}\n"
    assert not restarted.is_running()


def test_a_server_that_cannot_start_is_one_line_naming_its_log(
    own_server: Path, big_sample: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    embedded.ensure_server(own_server)
    embedded.stop_server(own_server)
    with (own_server / "postgresql.conf").open("a") as conf:
        conf.write("this is not a setting\n")
    config = _config(tmp_path, big_sample, own_server, "unused")
    assert etl.main(["--config", str(config)]) == 2
    err = capfd.readouterr().err.splitlines()
    assert err[-1] == (
        f"etl.py: error: the embedded PostgreSQL in {own_server} did not start: configuration file "
        f'"{own_server}/postgresql.conf" contains errors; its log is {own_server}/log. If another '
        "program uses this folder, stop it; else run `python -m sparkify.embedded stop` and try again"
    )


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (
            "other files",
            "holds other files (notes.txt) and no PostgreSQL data: point DATA_DIR at an empty or new folder",
        ),
        ("a file", "is a file, not a folder: point DATA_DIR at a new folder"),
    ],
)
def test_an_unusable_data_dir_says_what_is_there(
    setup: str, said: str, tmp_path: Path, big_sample: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "elsewhere"
    if setup == "a file":
        data_dir.write_text("x")
    else:
        data_dir.mkdir()
        (data_dir / "notes.txt").write_text("x")
    config = _config(tmp_path, big_sample, data_dir, "unused")
    assert etl.main(["--config", str(config)]) == 2
    assert capfd.readouterr().err == f"etl.py: error: [EMBEDDED] DATA_DIR {data_dir} {said}\n"
