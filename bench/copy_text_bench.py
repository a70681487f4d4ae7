"""Text COPY's price: a large CSV through our COPY (PostgreSQL's own COPY on the fast path, and the careful
line-by-line path) against PostgreSQL's own ``COPY … FROM STDIN (FORMAT csv)`` of the same file, in
interleaved runs on one embedded server; and each side's peak memory, in a process of its own, at two
file sizes (flat: the files are streamed, never held whole).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

from sparkify.engine.copy import run_copy
from sparkify.engine.server import embedded

ROOT = Path(__file__).resolve().parent.parent
FAST_RATIO_TARGET = 1.30
DDL = "CREATE TABLE IF NOT EXISTS scores (id BIGINT, name VARCHAR(40), score DOUBLE PRECISION, note TEXT)"
WORDS = ["alpha", "beta", "gamma", "delta", "Oslo", "Lima", "quoted, with a comma", 'say "hi"']
SIDES = ("postgres", "fast", "careful")


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` lines of id, name, score, note; some notes quoted (a comma, doubled quotes), some empty."""
    chooser = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for number in range(rows):
            note = chooser.choice(WORDS)
            written = '"' + note.replace('"', '""') + '"' if ("," in note or '"' in note) else note
            name = f"user{chooser.randrange(100_000)}"
            out.write(f"{number},{name},{chooser.random() * 1000:.3f},{written}\n")


def connect(socket_dir: str, port: int, database: str) -> psycopg2.extensions.connection:
    return psycopg2.connect(host=socket_dir, port=port, dbname=database, user="dwhuser")


def load(side: str, socket_dir: str, port: int, database: str, data: Path) -> float:
    """Seconds for one side's load of ``data`` into an emptied table, committed."""
    connection = connect(socket_dir, port, database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE scores")
        connection.commit()
        started = time.perf_counter()
        if side == "postgres":
            with connection.cursor() as cursor, open(data, "rb") as source:
                cursor.copy_expert("COPY scores FROM STDIN WITH (FORMAT csv)", source, 1 << 20)
        else:
            # BLANKSASNULL changes nothing in this file (no blank text) but keeps the fast path away.
            careful = " BLANKSASNULL" if side == "careful" else ""
            result = run_copy(connection, f"COPY scores FROM '{data}' IAM_ROLE default CSV{careful}")
            assert result.fast_path == (side == "fast"), side
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def peak_memory_mb(side: str, socket_dir: str, port: int, database: str, data: Path) -> float:
    """The peak RSS of a fresh process that loads ``data`` once on ``side``."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.copy_text_bench",
            "--one",
            side,
            socket_dir,
            str(port),
            database,
            str(data),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        side, socket_dir, port, database, data = args.one
        load(side, socket_dir, int(port), database, Path(data))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return 0

    work = Path(tempfile.mkdtemp(prefix="sparkify-copy-text-bench-"))
    try:
        small, large = work / "small.csv", work / "large.csv"
        write_csv(small, args.rows // 4)
        write_csv(large, args.rows)
        socket_dir, port = embedded.ensure_server(work / "pgdata")
        admin = psycopg2.connect(host=socket_dir, port=port, dbname="postgres", user="postgres")
        admin.autocommit = True
        embedded.ensure_database(admin, "copy_text_bench", "dwhuser")
        with connect(socket_dir, port, "copy_text_bench") as connection, connection.cursor() as cursor:
            cursor.execute(DDL)
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        for _ in range(args.repeats):  # interleaved, so every side sees the same machine
            for side in SIDES:
                times[side].append(load(side, socket_dir, port, "copy_text_bench", large))
        results: dict[str, object] = {
            "rows": args.rows,
            "file_mb": round(large.stat().st_size / 2**20, 1),
            **{f"{side}_s": round(statistics.median(times[side]), 3) for side in SIDES},
        }
        results["fast_ratio"] = round(results["fast_s"] / results["postgres_s"], 2)  # type: ignore[operator]
        results["careful_ratio"] = round(results["careful_s"] / results["postgres_s"], 2)  # type: ignore[operator]
        for side in ("fast", "careful"):
            results[f"{side}_peak_rss_mb"] = [
                round(peak_memory_mb(side, socket_dir, port, "copy_text_bench", data), 1)
                for data in (small, large)
            ]
        admin.close()
    finally:
        if (work / "pgdata").exists():
            embedded.stop_server(work / "pgdata")
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    verdict = "within" if results["fast_ratio"] <= FAST_RATIO_TARGET else "over"  # type: ignore[operator]
    ratio = results["fast_ratio"]
    print(f"fast path: x{ratio} PostgreSQL's own COPY, {verdict} the x{FAST_RATIO_TARGET} target")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
