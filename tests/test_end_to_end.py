"""The whole job on generated data: the warehouse must hold exactly the counts the generator knows."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import create_tables
import etl
import result_check
from sparkify import pipeline
from sparkify.config import load_config
from sparkify.engine.server import embedded
from sparkify.sample_data import ExpectedCounts, generate
from sparkify.warehouse import connect


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExpectedCounts]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, events=3000, song_files=60, seed=7, days=5)


def actual_counts(config_path: Path) -> dict[str, int]:
    with connect(load_config(config_path)) as warehouse:
        counts = pipeline.table_counts(warehouse)
        counts["songplays_with_song"] = warehouse.query(
            "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL"
        )[1][0][0]
        counts["users_paid"] = warehouse.query("SELECT COUNT(*) FROM users WHERE level = 'paid'")[1][0][0]
    return counts


def run_job(config: Path) -> None:
    for script in (create_tables, etl, result_check):
        assert script.main(["--config", str(config)]) == 0


def test_embedded_load_gives_the_generators_counts(sample: tuple[Path, ExpectedCounts], write_config) -> None:
    root, expected = sample
    config = write_config(root)
    run_job(config)
    assert actual_counts(config) == expected.to_dict()
    assert expected.songplays_with_song > 0 and expected.time < expected.songplays


def test_rerunning_etl_gives_the_same_warehouse(sample: tuple[Path, ExpectedCounts], write_config) -> None:
    root, expected = sample
    config = write_config(root)
    run_job(config)
    assert etl.main(["--config", str(config)]) == 0
    assert actual_counts(config) == expected.to_dict()


def test_other_postgresql_through_a_socket_directory(
    sample: tuple[Path, ExpectedCounts], write_config, pg_data_dir: Path, db: Any
) -> None:
    root, expected = sample
    socket_dir, port = embedded.ensure_server(pg_data_dir)
    name = db.get_dsn_parameters()["dbname"]
    config = write_config(
        root, HOST=socket_dir, DB_PORT=str(port), DB_NAME=name, DATA_DIR="/nonexistent/unused"
    )
    run_job(config)
    assert actual_counts(config) == expected.to_dict()


def test_star_contents_follow_the_rules(sample: tuple[Path, ExpectedCounts], write_config) -> None:
    root, _ = sample
    config = write_config(root)
    run_job(config)
    with connect(load_config(config)) as warehouse:
        _, wrong_time = warehouse.query(
            "SELECT COUNT(*) FROM time WHERE hour <> EXTRACT(hour FROM start_time) "
            "OR weekday <> EXTRACT(dow FROM start_time) OR week <> EXTRACT(week FROM start_time)"
        )
        _, millis = warehouse.query(
            "SELECT COUNT(*) FROM songplays WHERE start_time <> DATE_TRUNC('second', start_time)"
        )
        _, orphans = warehouse.query(
            "SELECT COUNT(*) FROM songplays sp LEFT JOIN users u ON u.user_id = sp.user_id "
            "WHERE u.user_id IS NULL"
        )
    assert wrong_time == [(0,)]
    assert orphans == [(0,)]
    assert millis[0][0] > 0, "start_time keeps milliseconds"


def test_wrong_password_on_a_server_is_one_line(
    write_config, pg_data_dir: Path, capsys, tmp_path: Path
) -> None:
    (tmp_path / "data/log_data").mkdir(parents=True)
    (tmp_path / "data/song_data").mkdir()
    (tmp_path / "data/log_json_path.json").write_text("{}")
    config = write_config(HOST=str(tmp_path), DB_PASSWORD="hunter2")
    assert create_tables.main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"create_tables.py: error: cannot connect to {tmp_path}:5439 as dwhuser")
    assert "hunter2" not in err and "Traceback" not in err


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    events=st.integers(min_value=1, max_value=1500),
    song_files=st.integers(min_value=1, max_value=40),
    days=st.integers(min_value=1, max_value=8),
)
def test_any_generated_set_loads_to_its_counts(
    tmp_path: Path, write_config: Any, seed: int, events: int, song_files: int, days: int
) -> None:
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    expected = generate(out, events=events, song_files=song_files, seed=seed, days=days)
    config = write_config(out)
    with connect(load_config(config)) as warehouse:
        pipeline.create_tables(warehouse, force=True)
        pipeline.load(warehouse, load_config(config))
    assert actual_counts(config) == expected.to_dict()
    # Every data-quality check passes, unless the set has no song plays at all (an empty star fails).
    assert result_check.main(["--config", str(config)]) == (0 if expected.songplays else 1)
