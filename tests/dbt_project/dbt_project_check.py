"""A dbt project end to end against a real endpoint process (`make dbt-project`).

Run by the dbt venv's pytest under ``peers/endpoint_run.py``, which starts the endpoint and hands its address
over in dbt-redshift's own variable names (``profiles.yml`` reads them).  The project is copied to a
temporary folder (dbt writes target/ and logs/ beside it); the steps run in order, as a user runs them:
debug, seed, run, snapshot, test, build, docs generate; then the second batch of data, and run, snapshot,
test and build again, checking what the incremental models, the snapshots and the catalog hold.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import redshift_connector
from dbt.cli.main import dbtRunner

PROJECT = Path(__file__).resolve().parent
SCHEMA = "shop"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dbt") / "project"
    shutil.copytree(PROJECT, folder, ignore=shutil.ignore_patterns("__pycache__", "target", "logs", "*.py"))
    os.environ["DBT_PROJECT_SCHEMA"] = SCHEMA
    with _connection() as connection:
        connection.cursor().execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    return folder


def dbt(project: Path, *arguments: str, batch: int = 1) -> None:
    """Run one dbt command in the project; fail the test with dbt's own account of what failed."""
    command = [*arguments, "--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--vars", json.dumps({"batch": batch})]
    result = dbtRunner().invoke(command)
    failures = [
        f"{item.node.unique_id}: {item.status} {item.message}"
        for item in (getattr(result.result, "results", None) or [])
        if str(item.status) not in ("success", "pass")
    ]
    assert result.success, f"dbt {' '.join(arguments)} failed: {result.exception or failures}"


def rows(sql: str) -> list[tuple]:
    with _connection() as connection:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def _connection() -> redshift_connector.Connection:
    connection = redshift_connector.connect(
        host=os.environ["REDSHIFT_TEST_HOST"],
        port=int(os.environ["REDSHIFT_TEST_PORT"]),
        database=os.environ["REDSHIFT_TEST_DBNAME"],
        user=os.environ["REDSHIFT_TEST_USER"],
        password=os.environ["REDSHIFT_TEST_PASS"],
    )
    connection.autocommit = True
    return connection


def test_debug(project: Path) -> None:
    dbt(project, "debug")


def test_seed_and_run_first_batch(project: Path) -> None:
    dbt(project, "seed")
    dbt(project, "run")
    assert rows(f"SELECT count(*) FROM {SCHEMA}.orders_merge") == [(4,)]
    assert rows(f"SELECT count(*) FROM {SCHEMA}.order_events") == [(4,)]
    assert rows(f"SELECT customer_id, order_count FROM {SCHEMA}.customer_orders ORDER BY 1") == [
        (1, 2),
        (2, 1),
        (3, 1),
    ]


def test_snapshot_first_batch(project: Path) -> None:
    dbt(project, "snapshot")
    assert rows(f"SELECT count(*) FROM {SCHEMA}.customers_snapshot WHERE dbt_valid_to IS NULL") == [(3,)]


def test_tests_first_batch(project: Path) -> None:
    dbt(project, "test")


def test_build_first_batch_again(project: Path) -> None:
    dbt(project, "build")  # a rerun of everything: the incremental models add nothing
    assert rows(f"SELECT count(*) FROM {SCHEMA}.order_events") == [(4,)]


def test_second_batch_merges_deletes_inserts_and_appends(project: Path) -> None:
    dbt(project, "run", batch=2)
    merged = f"SELECT order_id, status FROM {SCHEMA}.orders_merge ORDER BY 1"
    expected = [(100, "placed"), (101, "shipped"), (102, "shipped"), (103, "returned"), (104, "placed")]
    expected.append((105, "placed"))
    assert rows(merged) == expected
    assert rows(f"SELECT order_id, status FROM {SCHEMA}.orders_delete_insert ORDER BY 1") == expected
    assert rows(f"SELECT count(*) FROM {SCHEMA}.order_events") == [(7,)]
    assert rows(f"SELECT revenue FROM {SCHEMA}.daily_revenue ORDER BY order_date") != []


def test_snapshot_second_batch_closes_the_changed_row(project: Path) -> None:
    dbt(project, "snapshot", batch=2)
    history = (
        f"SELECT email, dbt_valid_to IS NULL FROM {SCHEMA}.customers_snapshot"
        " WHERE customer_id = 1 ORDER BY 2"
    )
    assert rows(history) == [("ada@example.com", False), ("ada.lovelace@example.org", True)]
    assert rows(f"SELECT count(*) FROM {SCHEMA}.customers_snapshot WHERE dbt_valid_to IS NULL") == [(4,)]


def test_tests_and_build_second_batch(project: Path) -> None:
    dbt(project, "test", batch=2)
    dbt(project, "build", batch=2)


def test_docs_generate_lists_every_relation_with_its_kind_and_comments(project: Path) -> None:
    dbt(project, "docs", "generate", batch=2)
    catalog = json.loads((project / "target" / "catalog.json").read_text())
    kinds = {key.split(".")[-1]: node["metadata"]["type"] for key, node in catalog["nodes"].items()}
    assert kinds["stg_customers"] == "VIEW"
    assert kinds["customer_orders"] == "BASE TABLE"
    assert kinds["daily_revenue"] == "MATERIALIZED VIEW"
    assert kinds["customers_snapshot"] == "BASE TABLE"
    assert kinds["raw_orders"] == "BASE TABLE"
    customer_orders = catalog["nodes"]["model.sparkify_shop.customer_orders"]
    assert customer_orders["metadata"]["comment"].startswith("One row per customer")
    assert set(customer_orders["columns"]) == {
        "customer_id",
        "name",
        "order_count",
        "lifetime_value",
        "last_ordered_at",
    }
    assert catalog["nodes"]["model.sparkify_shop.daily_revenue"]["metadata"]["comment"] == (
        "Revenue by day, a materialized view."
    )
