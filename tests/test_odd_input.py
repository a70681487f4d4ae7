"""Odd bytes, odd files and odd settings: each is one clear line and an exit code, never a traceback.

Where permissions matter the test runs the script as an unprivileged user (``nobody`` when the tests run
as root, as CI does): root reads every folder and writes everywhere.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import create_tables
import etl
import sparkify.engine.server.recovery  # noqa: F401  # loaded before a fork drops the privileges to read it
from sparkify.config import load_config
from sparkify.engine.copy import run_copy
from sparkify.engine.copy.sources import list_sources
from sparkify.errors import LoadError
from sparkify.sample_data import generate
from sparkify.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared_folder() -> Iterator[Path]:
    """A folder every user can read (pytest's own is private to its user), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sparkify-odd-"))
    folder.chmod(0o755)
    generate(folder / "data", events=300, song_files=5, seed=8, days=3)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def config_text(data: Path, data_dir: Path, **overrides: str) -> str:
    values = {"DB_NAME": "odd", "MAXERROR": "0", **overrides}
    return (
        f"[CLUSTER]\nHOST =\nDB_NAME = {values['DB_NAME']}\nDB_USER = dwhuser\nDB_PASSWORD =\n"
        "DB_PORT = 5439\n"
        f"[IAM_ROLE]\nARN =\n[S3]\nLOG_DATA = {data}/log_data\nLOG_JSONPATH = {data}/log_json_path.json\n"
        f"SONG_DATA = {data}/song_data\nREGION = us-west-2\n[EMBEDDED]\nDATA_DIR = {data_dir}\n"
        f"[ETL]\nMAXERROR = {values['MAXERROR']}\n"
    )


def as_unprivileged_user(function: Callable[[], int]) -> tuple[int, str]:
    """Run ``function`` in a forked child as an unprivileged user; its exit code and what it wrote to stderr.

    Forked, not started afresh: the interpreter may live where that user cannot read (a root pyenv),
    so what the child would load lazily is loaded here first.
    """
    codecs.lookup("utf-8-sig")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code and the pipe
        code = 99
        try:
            os.close(read_end)
            os.dup2(write_end, 2)
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0, closefd=False), write_through=True)
            if os.geteuid() == 0:
                nobody = pwd.getpwnam("nobody")
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            code = function()
        except BaseException as exc:
            sys.stderr.write(f"child failed: {exc!r}\n")
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        said = stream.read().decode("utf-8", "replace")
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status), said


def test_an_unreadable_folder_under_log_data_is_one_line(shared_folder: Path, tmp_path: Path) -> None:
    locked = shared_folder / "data/log_data/2018/locked"
    locked.mkdir()
    locked.chmod(0o000)
    config = shared_folder / "unreadable.cfg"
    config.write_text(config_text(shared_folder / "data", tmp_path / "unused"))
    try:
        code, said = as_unprivileged_user(
            lambda: etl.main(["--config", str(config), "--since", "2018-11-02", "--dry-run"])
        )
    finally:
        locked.rmdir()
    assert code == 1
    assert said == (
        "etl.py: error: Load into table 'staging_events' failed: cannot read the folder "
        f"{locked}: permission denied. Give yourself read permission on it (chmod u+rx), or point the "
        "COPY elsewhere.\n"
    )


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("new", "cannot create the embedded PostgreSQL's folder {data_dir} (Permission denied): set "
         "[EMBEDDED] DATA_DIR in dwh.cfg to a folder you can write to"),
        ("existing", "[EMBEDDED] DATA_DIR {data_dir} is not writable by you: fix its permissions, or point "
         "DATA_DIR at a folder you can write to"),
    ],
)  # fmt: skip
def test_a_data_dir_you_cannot_write_is_one_line(shared_folder: Path, where: str, said: str) -> None:
    owned = shared_folder / f"owned-by-another-{where}"
    owned.mkdir(mode=0o755)
    data_dir = owned / "pgdata"
    if where == "existing":
        data_dir.mkdir(mode=0o755)
    config = shared_folder / f"{where}.cfg"
    config.write_text(config_text(shared_folder / "data", data_dir))
    code, err = as_unprivileged_user(lambda: create_tables.main(["--config", str(config)]))
    assert (code, err) == (2, f"create_tables.py: error: {said.format(data_dir=data_dir)}\n")


def test_stdout_on_a_full_disk_is_one_line(shared_folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "dwh.cfg"
    config.write_text(config_text(shared_folder / "data", tmp_path / "unused"))
    with open("/dev/full", "w") as full:
        finished = subprocess.run(
            [sys.executable, "etl.py", "--config", str(config), "--dry-run"],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert (finished.returncode, finished.stderr) == (
        1,
        "etl.py: error: cannot write its output: No space left on device\n",
    )


def test_a_dwh_cfg_saved_with_a_byte_order_mark_is_read(shared_folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "dwh.cfg"
    config.write_bytes(codecs.BOM_UTF8 + config_text(shared_folder / "data", tmp_path / "unused").encode())
    assert load_config(config).db_name == "odd"
    assert etl.main(["--config", str(config), "--dry-run"]) == 0


@pytest.mark.parametrize(
    ("day", "said"),
    [
        ("2018-02-30", "2018-02-30 is not a date: February 2018 has 28 days"),
        ("2018-13-01", "2018-13-01 is not a date: there is no month 13"),
        ("2018/11/01", "'2018/11/01' is not a day written YYYY-MM-DD, such as 2018-11-15"),
    ],
)
def test_since_says_what_is_wrong_with_the_day(day: str, said: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        etl.main(["--since", day, "--dry-run"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"etl.py: error: argument --since: {said}"


def test_since_names_the_log_files_it_skips_for_want_of_a_date(
    shared_folder: Path, tmp_path: Path, capsys
) -> None:
    data = tmp_path / "data"
    shutil.copytree(shared_folder / "data", data)
    for name in ("notes.json", "2018-11-31-events.json"):
        (data / "log_data/2018/11" / name).write_text("{}\n")
    config = tmp_path / "dwh.cfg"
    config.write_text(config_text(data, tmp_path / "unused"))
    assert etl.main(["--config", str(config), "--since", "2018-11-02", "--dry-run"]) == 0
    folder = data / "log_data/2018/11"
    assert capsys.readouterr().err == (
        "etl.py: --since skips 2 log file(s) with no valid date in their name: "
        f"{folder}/2018-11-31-events.json, {folder}/notes.json\n"
    )


def test_symbolic_link_loops_are_skipped_with_a_warning(tmp_path: Path, caplog: Any) -> None:
    folder = tmp_path / "log_data/2018"
    folder.mkdir(parents=True)
    (folder / "2018-11-01-events.json").write_text("{}\n")
    (folder / "again").symlink_to(folder)
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    caplog.set_level(logging.WARNING)
    found = list_sources(f"{tmp_path}/log_data", table="staging_events")
    assert [source.name for source in found] == [f"{folder}/2018-11-01-events.json"]
    assert sorted(caplog.messages) == [
        f"skipping {folder}/a: a loop of symbolic links that leads nowhere",
        f"skipping {folder}/again: a symbolic link back to a folder above it (a loop)",
        f"skipping {folder}/b: a loop of symbolic links that leads nowhere",
    ]


def test_nul_characters_are_rejected_records_within_maxerror(
    tmp_path: Path, write_config: Any, capsys: Any
) -> None:
    data = tmp_path / "data"
    expected = generate(data, events=200, song_files=5, seed=4, days=2)
    log_file = sorted((data / "log_data").rglob("*.json"))[0]
    lines = log_file.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"firstName":"', b'"firstName":"A\\u0000', 1)
    lines[3] = lines[3].replace(b'"location":"', b'"location":"\x00', 1)
    log_file.write_bytes(b"\n".join(lines))
    config = write_config(data, MAXERROR="10")
    assert create_tables.main(["--config", str(config)]) == 0
    capsys.readouterr()
    assert etl.main(["--config", str(config)]) == 0
    err = capsys.readouterr().err
    assert f"{log_file}:2 column first_name value 'A\\u0000" in err
    assert f"{log_file}:4: String contains a NUL character (byte 0x00) at position" in err
    assert "remove the NUL character from the data" in err
    with connect(load_config(config)) as warehouse:
        _, rows = warehouse.query("SELECT line_number, err_code, colname FROM stl_load_errors ORDER BY 1")
        assert [(line, code, column.strip()) for line, code, column in rows] == [
            (2, 1220, "first_name"),
            (4, 1220, ""),
        ]
        loaded = warehouse.query("SELECT COUNT(*) FROM staging_events")[1][0][0]
    assert loaded == expected.staging_events - 2


@pytest.fixture
def events(db: Any) -> Any:
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE events (id INTEGER, name VARCHAR(20))")
    return db


def test_rejected_values_are_shown_as_written(events: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text('{"id": 1E20}\n{"id": Infinity}\n{"id": 2, "name": "a\tb"}\n{"id": 3}\n')
    result = run_copy(events, f"COPY events FROM '{source}' IAM_ROLE default JSON 'auto' MAXERROR 5;")
    assert [(r.line, r.raw_value) for r in result.rejected[:2]] == [(1, "1E20"), (2, "Infinity")]
    assert result.rejected[2].reason == "Invalid JSON: Invalid control character at column 21"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (
            gzip.compress(b'{"id": 1}\n'),
            "the file is gzip-compressed and the COPY has no GZIP option. Add GZIP to the COPY, or "
            "decompress the file.",
        ),
        (
            '{"id": 1}\n'.encode("utf-16"),
            "the file is UTF-16 text; COPY reads JSON as UTF-8. Re-encode it as UTF-8, for example: iconv -f "
            "UTF-16 -t UTF-8 FILE > FILE.utf8",
        ),
        ('{"id": 1}\n'.encode("utf-16-le"), "the file is UTF-16LE text; COPY reads JSON as UTF-8."),
    ],
)
def test_a_compressed_or_utf16_file_named_json_is_one_line(
    events: Any, tmp_path: Path, content: bytes, said: str
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(content)
    with pytest.raises(LoadError) as failed:
        run_copy(events, f"COPY events FROM '{source}' IAM_ROLE default JSON 'auto' MAXERROR 10;")
    assert str(failed.value).startswith(f"Load into table 'events' failed at {source}: {said}")
