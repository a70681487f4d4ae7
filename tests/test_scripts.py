"""Every script has --help text and a place in the README; result_check.py fails on an empty star."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import create_tables
import etl
import result_check

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(
    str(path.relative_to(ROOT))
    for path in [*ROOT.glob("*.py"), *ROOT.glob("iac/*.py")]
    if path.name not in ("sql_queries.py", "__init__.py")
)


def test_the_expected_scripts_exist() -> None:
    for script in ("create_tables.py", "etl.py", "result_check.py", "generate_sample_data.py"):
        assert script in SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_has_help(script: str) -> None:
    done = subprocess.run(
        [sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    usage, _, rest = done.stdout.partition("\n\n")
    assert usage.startswith("usage:")
    assert len(rest.split("\n\n")[0].strip()) > 20, "the help needs a description"
    assert "--config" in done.stdout or script == "generate_sample_data.py"


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_in_the_readme(script: str) -> None:
    assert script in (ROOT / "README.md").read_text()


def test_result_check_fails_on_an_empty_star(write_config, tmp_path: Path, capsys) -> None:
    (tmp_path / "data/log_data").mkdir(parents=True)
    (tmp_path / "data/song_data").mkdir()
    (tmp_path / "data/log_json_path.json").write_text("{}")
    config = str(write_config())
    assert create_tables.main(["--config", config]) == 0
    assert result_check.main(["--config", config]) == 1
    captured = capsys.readouterr()
    assert (
        "result_check.py: error: 5 of 29 data-quality checks failed "
        "(empty star table(s): songplays, users, songs, artists, time; run etl.py first):" in captured.err
    )
    assert "  - songplays not empty: expected > 0, actual 0 (rows)" in captured.err
    assert "Row counts" in captured.out


def test_scripts_before_create_tables_say_to_run_it(write_config, tmp_path: Path, capsys) -> None:
    (tmp_path / "data/log_data").mkdir(parents=True)
    (tmp_path / "data/song_data").mkdir()
    (tmp_path / "data/log_json_path.json").write_text("{}")
    config = str(write_config())
    for script in (etl, result_check):
        assert script.main(["--config", config]) == 2
        name = script.__name__
        error = f'{name}.py: error: relation "staging_events" does not exist: run create_tables.py first\n'
        assert capsys.readouterr().err.endswith(error)


def test_a_reader_that_leaves_early_ends_the_script_quietly(write_config, tmp_path: Path) -> None:
    config = write_config()
    (tmp_path / "data" / "log_data").mkdir(parents=True)
    (tmp_path / "data" / "song_data").mkdir()
    (tmp_path / "data" / "log_json_path.json").write_text('{"jsonpaths": []}')
    script = subprocess.Popen(
        [sys.executable, "etl.py", "--config", str(config), "--dry-run"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    script.stdout.close()  # as `| head -0` would: every write to stdout now fails with a broken pipe
    _, errors = script.communicate(timeout=60)
    assert (script.returncode, errors) == (141, "")
