"""The two houses stay apart: the import-linter contract names every toolkit module, and no two modules
import each other (function-level and TYPE_CHECKING imports count)."""

from __future__ import annotations

import ast
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["sql_queries", "create_tables", "etl", "result_check", "generate_sample_data"]


def _forbidden_for_the_engine() -> set[str]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in settings["contracts"] if c.get("source_modules") == ["sparkify.engine"]]
    return set(contract["forbidden_modules"])


def test_the_engine_contract_forbids_every_toolkit_module() -> None:
    toolkit = {
        f"sparkify.{path.stem}"
        for path in (ROOT / "sparkify").iterdir()
        if path.name != "engine"
        and not path.name.startswith(("_", "."))
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    assert _forbidden_for_the_engine() == toolkit | set(SCRIPTS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports, anywhere in it; ``from package import module`` names the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_no_two_modules_import_each_other() -> None:
    paths = [*(ROOT / "sparkify").rglob("*.py"), *(ROOT / "bench").glob("*.py")]
    modules = {_module_name(path): path for path in paths}
    edges = {name: _imports(path, name) & modules.keys() - {name} for name, path in modules.items()}
    circles = sorted(
        f"{a} <-> {b}"
        for a, targets in edges.items()
        for b in targets
        # a package's own __init__ naming a submodule it re-exports is not a circle between two files
        if a < b and a in edges[b] and not b.startswith(f"{a}.") and not a.startswith(f"{b}.")
    )
    assert circles == []
