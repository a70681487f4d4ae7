"""Benchmark etl.py on the embedded PostgreSQL against DuckDB building the same tables from the same files.

For each size: generate (or reuse) a data set, run create_tables.py --force and etl.py on a fresh embedded
server, and measure etl.py's wall time, its peak RSS and the server's peak memory; check the loaded counts
against the generator's expected_counts.json; load the same rows again from ready COPY text to time
PostgreSQL's own share (bench/floor.py); then time DuckDB (bench/duckdb_baseline.py) building the same
tables from the same files into a database file, and check its counts too.  Progress goes to stderr,
the results table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.floor import Floor, load_ready_rows, save_staging_rows
from bench.incremental import DayOnHistory, ratio_missed, report_lines, run_days_on_history
from bench.measure import MB, Peaks, run_measured, stop_postmaster
from bench.scripts import ROOT, BenchFailed, checked, compare, loaded_counts, script, write_config
from sparkify.config import load_config
from sparkify.engine.server.embedded import stop_server
from sparkify.sample_data import ExpectedCounts, generate

TIME_RATIO_TARGET = 0.5  # etl.py at most half of DuckDB's wall time
# etl.py's peak memory, judged on the summed RSS of it and its workers: pages they share count twice, so
# this errs on the safe side (peak PSS, also reported, is the fair total).
MEMORY_TARGET_MB = 500
REFERENCE_TARGET_S = 3.0  # create_tables + etl + result_check on the course's sample


@dataclass
class ToolRun:
    """One tool on one data set."""

    size: int
    tool: str
    wall_s: float
    peak_rss_mb: float  # summed over the process and its workers, polled, or its exact own peak if larger
    peak_pss_mb: float | None
    counts_ok: bool
    mismatches: dict[str, list[int | None]] = field(default_factory=dict)
    server_rss_mb: float | None = None
    server_pss_mb: float | None = None
    server_uss_mb: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def events_per_s(self) -> float:
        return self.size / self.wall_s if self.wall_s else 0.0


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- data sets


def ensure_dataset(data_dir: Path, events: int, song_files: int) -> Path:
    """The data set of this size under ``data_dir``, generated unless a complete one is there."""
    folder = data_dir / f"events-{events}-songs-{song_files}"
    counts_file = folder / "expected_counts.json"
    if counts_file.exists():
        counts = ExpectedCounts.from_file(counts_file)
        if (counts.staging_events, counts.staging_songs) == (events, song_files):
            progress(f"reusing {folder}")
            return folder
    progress(f"generating {events:,} events and {song_files:,} song files into {folder}")
    # Generate beside it and rename: an interrupted run never leaves a set that looks complete.
    partial = folder.with_name(f".partial-{folder.name}")
    shutil.rmtree(partial, ignore_errors=True)
    generate(partial, events=events, song_files=song_files)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


# ------------------------------------------------------------------------------------------------ ours


def _pss_mb(peaks: Peaks | None) -> float | None:
    return peaks.pss / MB if peaks and peaks.pss is not None else None


def run_ours(dataset: Path, size: int, expected: ExpectedCounts) -> ToolRun:
    # Resolved: the server's command line, by which its processes are recognised, names the real path.
    work = Path(tempfile.mkdtemp(prefix="sparkify-bench-")).resolve()
    data_dir = work / "pgdata"
    try:
        config = write_config(work, dataset)
        progress(f"{size:,} events: create_tables.py --force (starts a fresh embedded server)")
        create = checked(
            run_measured(script("create_tables.py", config, "--force"), cwd=ROOT, logs=work, name="create"),
            "create_tables.py",
        )
        progress(f"{size:,} events: etl.py")
        etl = checked(
            run_measured(script("etl.py", config), cwd=ROOT, logs=work, name="etl", server_data_dir=data_dir),
            "etl.py",
        )
        counts, version = loaded_counts(config)
        floor = postgres_share(config, work, size)
        if loaded_counts(config)[0] != counts:
            raise BenchFailed("the load from ready rows did not give etl.py's counts")
    finally:
        stop_postmaster(data_dir)
        shutil.rmtree(work, ignore_errors=True)
    server = etl.server
    mismatches = compare(expected, counts)
    return ToolRun(
        size=size,
        tool="etl.py",
        wall_s=etl.wall_s,
        peak_rss_mb=etl.peak_rss / MB,
        peak_pss_mb=_pss_mb(etl.client),
        counts_ok=not mismatches,
        mismatches=mismatches,
        server_rss_mb=server.rss / MB if server else None,
        server_pss_mb=_pss_mb(server),
        server_uss_mb=server.uss / MB if server and server.uss is not None else None,
        detail={
            "create_tables_s": round(create.wall_s, 3),
            "postgres_share_s": round(floor.total_s, 3),
            "postgres_share_copy_s": round(floor.copy_s, 3),
            "postgres_share_merge_s": round(floor.merge_s, 3),
            "server": version,
            # polled every ~50 ms with its children, and the kernel's exact peak of the process alone
            "polled_peak_rss_mb": round(etl.client.rss / MB, 1),
            "exact_peak_rss_mb": round(etl.exact_peak_rss / MB, 1),
            "samples": etl.client.samples,
        },
    )


def postgres_share(config: Path, work: Path, size: int) -> Floor:
    """The same load from the staging rows etl.py made, on a fresh server as etl.py had."""
    progress(f"{size:,} events: PostgreSQL's own share (the same load from ready rows, fresh server)")
    loaded = load_config(config)
    saved = save_staging_rows(loaded, work)
    stop_server(loaded.embedded_data_dir)  # this process connected: its handle for the folder must go too
    shutil.rmtree(loaded.embedded_data_dir)
    return load_ready_rows(loaded, saved)


# ---------------------------------------------------------------------------------------------- duckdb


def run_duckdb(
    dataset: Path, size: int, expected: ExpectedCounts, threads: int | None, *, in_memory: bool = False
) -> ToolRun:
    progress(f"{size:,} events: DuckDB on the same files")
    with tempfile.TemporaryDirectory(prefix="sparkify-bench-duckdb-") as logs:
        command = [sys.executable, str(ROOT / "bench" / "duckdb_baseline.py"), str(dataset)]
        if threads:
            command += ["--threads", str(threads)]
        if not in_memory:
            # A database file, as etl.py's warehouse is one: tables that vanish at exit were built for no one.
            command += ["--database", str(Path(logs) / "warehouse.duckdb")]
        measured = checked(run_measured(command, cwd=ROOT, logs=Path(logs), name="duckdb"), "duckdb")
        report = json.loads(measured.output())
    mismatches = compare(expected, report["counts"])
    where = ", in memory" if in_memory else ""
    return ToolRun(
        size=size,
        tool=f"duckdb {report['duckdb_version']} ({report['threads']} threads{where})",
        wall_s=measured.wall_s,
        peak_rss_mb=measured.peak_rss / MB,
        peak_pss_mb=_pss_mb(measured.client),
        counts_ok=not mismatches,
        mismatches=mismatches,
        detail={"threads": report["threads"], "inner_s": round(report["seconds"], 3)},
    )


# ------------------------------------------------------------------------------------------- reference


def run_reference(sample: Path) -> dict[str, Any]:
    """create_tables + etl + result_check on the course's sample: once on a fresh server, once warm."""
    files = sum(1 for path in sample.rglob("*.json") if path.name != "log_json_path.json")
    work = Path(tempfile.mkdtemp(prefix="sparkify-bench-ref-")).resolve()
    result: dict[str, Any] = {"path": str(sample.resolve()), "files": files}
    try:
        config = write_config(work, sample.resolve(), db_name="reference")
        for start in ("cold", "warm"):
            progress(f"reference sample ({files} files), {start} server: create_tables, etl, result_check")
            steps = {}
            for name, args in (("create_tables", ["--force"]), ("etl", []), ("result_check", [])):
                run = run_measured(
                    script(f"{name}.py", config, *args), cwd=ROOT, logs=work, name=f"{start}-{name}"
                )
                steps[name] = round(checked(run, f"{name}.py on the reference sample").wall_s, 3)
            result[start] = {"total_s": round(sum(steps.values()), 3), "steps_s": steps}
    finally:
        stop_postmaster(work / "pgdata")
        shutil.rmtree(work, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    model = ""
    memory_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def duckdb_run(size: int, runs: list[ToolRun]) -> ToolRun | None:
    """DuckDB's run on the data set of ``size`` events, if there was one."""
    return next((run for run in runs if run.size == size and run.tool.startswith("duckdb")), None)


def verdicts(run: ToolRun, runs: list[ToolRun]) -> tuple[float | None, list[str]]:
    """Our wall time over DuckDB's on the same size, and each target as "name yes/NO" (ours only)."""
    if run.tool != "etl.py":
        return None, []
    duck = duckdb_run(run.size, runs)
    ratio = run.wall_s / duck.wall_s if duck else None
    found = [] if ratio is None else [f"time {'yes' if ratio <= TIME_RATIO_TARGET else 'NO'}"]
    found.append(f"memory {'yes' if run.peak_rss_mb < MEMORY_TARGET_MB else 'NO'}")
    return ratio, found


def table_rows(runs: list[ToolRun]) -> list[list[str]]:
    rows = []
    for run in runs:
        ratio, found = verdicts(run, runs)
        rows.append(
            [
                f"{run.size:,}",
                run.tool,
                f"{run.wall_s:.2f}",
                f"{run.events_per_s:,.0f}",
                _mb(run.peak_rss_mb),
                _mb(run.peak_pss_mb),
                _mb(run.server_rss_mb),
                _mb(run.server_pss_mb),
                "-" if ratio is None else f"{ratio:.2f}",
                "ok" if run.counts_ok else "WRONG",
                ", ".join(found) or "-",
            ]
        )
    return rows


HEADERS = [
    "events",
    "tool",
    "wall s",
    "events/s",
    "peak RSS MB",
    "peak PSS MB",
    "server RSS MB",
    "server PSS MB",
    "ratio",
    "counts",
    "target met",
]


def aligned(headers: list[str], rows: list[list[str]]) -> str:
    """Text columns (tool, counts, target) to the left, numbers to the right."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    left = {1, 9, 10}

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if index in left else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *map(line, rows)])


def share_lines(runs: list[ToolRun]) -> list[str]:
    """PostgreSQL's own share of each etl.py run, the floor under its time, as a fraction of DuckDB's time."""
    lines = []
    for run in runs:
        share = run.detail.get("postgres_share_s")
        if share is None:
            continue
        duck = duckdb_run(run.size, runs)
        versus = f" = {share / duck.wall_s:.2f} of DuckDB's time" if duck else ""
        copy_s, merge_s = run.detail["postgres_share_copy_s"], run.detail["postgres_share_merge_s"]
        lines.append(
            f"PostgreSQL's own share at {run.size:,} events: {share:.2f} s{versus} "
            f"(COPY of ready rows {copy_s:.2f} s, merge {merge_s:.2f} s)"
        )
    return lines


def reference_lines(reference: dict[str, Any]) -> list[str]:
    lines = [f"reference sample: {reference['path']} ({reference['files']} files)"]
    for start in ("cold", "warm"):
        run = reference[start]
        steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in run["steps_s"].items())
        verdict = "yes" if run["total_s"] < REFERENCE_TARGET_S else "NO"
        target = f"target < {REFERENCE_TARGET_S:g} s: {verdict}"
        lines.append(f"  {start} server: {run['total_s']:.2f} s ({steps}); {target}")
    return lines


def targets_missed(runs: list[ToolRun], reference: dict[str, Any] | None) -> list[str]:
    missed = [
        f"{run.tool} at {run.size:,} events: {target}"
        for run in runs
        for target in verdicts(run, runs)[1]
        if target.endswith("NO")
    ]
    if reference:
        missed += [
            f"reference sample, {start} server: {reference[start]['total_s']:.2f} s"
            for start in ("cold", "warm")
            if reference[start]["total_s"] >= REFERENCE_TARGET_S
        ]
    return missed


# ------------------------------------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive event counts")
    return sizes


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_bench.py", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=[100_000, 1_000_000],
        help="comma-separated event counts (default 100000,1000000)",
    )
    parser.add_argument(
        "--song-files", type=int, default=14_896, help="song files per data set (default 14896)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / "bench" / "data", help="where data sets are kept and reused"
    )
    parser.add_argument(
        "--reference", type=Path, metavar="PATH", help="also time the course's sample here (if present)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON here")
    parser.add_argument(
        "--tools", default="etl,duckdb", help="which tools to run: etl, duckdb or both (default etl,duckdb)"
    )
    parser.add_argument("--duckdb-threads", type=int, help="DuckDB's thread count (default: its own choice)")
    parser.add_argument(
        "--duckdb-in-memory",
        action="store_true",
        help="DuckDB keeps its tables in memory only (default: in a database file, as etl.py's are kept)",
    )
    parser.add_argument(
        "--days-on-history",
        type=int,
        default=0,
        metavar="EVENTS",
        help="also load the last day of the data set of EVENTS events on top of 0, 10 and 29 loaded days "
        "(default 0: skipped; make bench passes 1000000)",
    )
    parser.add_argument("--check-targets", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--s3",
        action="store_true",
        help="instead: S3 reads, etl.py from a moto server in its own process against a 16-thread plain "
        "reader (bench/s3_bench.py)",
    )
    parser.add_argument("--s3-song-files", type=int, default=3_000, help="song files for --s3 (default 3000)")
    parser.add_argument("--s3-events", type=int, default=2_000, help="events for --s3 (default 2000)")
    args = parser.parse_args(argv)
    args.tools = {tool.strip() for tool in args.tools.split(",")}
    if not args.tools or args.tools - {"etl", "duckdb"}:
        parser.error("--tools takes etl, duckdb or etl,duckdb")
    if args.song_files < 1:
        parser.error("--song-files must be 1 or more")
    return args


def bench_size(args: argparse.Namespace, size: int) -> list[ToolRun]:
    dataset = ensure_dataset(args.data_dir, size, args.song_files)
    expected = ExpectedCounts.from_file(dataset / "expected_counts.json")
    runs = []
    if "etl" in args.tools:
        runs.append(run_ours(dataset, size, expected))
    if "duckdb" in args.tools:
        runs.append(run_duckdb(dataset, size, expected, args.duckdb_threads, in_memory=args.duckdb_in_memory))
    for run in runs:
        verified = "ok" if run.counts_ok else "WRONG"
        progress(f"{size:,} events: {run.tool} {run.wall_s:.2f} s, counts {verified}")
    return runs


def print_report(
    info: dict[str, Any],
    runs: list[ToolRun],
    reference: dict[str, Any] | None,
    days: list[DayOnHistory] | None = None,
) -> None:
    # The load average is printed because the machine may be shared: a busy neighbour skews every number.
    load = f"load average {info['load_average'][0]} at start, {os.getloadavg()[0]:.2f} at end"
    print(
        f"machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory_gib']} GiB memory, "
        f"Python {info['python']}, {load}"
    )
    print("\n".join([aligned(HEADERS, table_rows(runs)), *share_lines(runs)]))
    if reference:
        print("\n".join(reference_lines(reference)))
    if days:
        print("\n".join(report_lines(days)))
    for run in runs:
        if not run.counts_ok:
            wrong = ", ".join(
                f"{name} expected {want}, got {got}" for name, (want, got) in run.mismatches.items()
            )
            print(f"run_bench.py: error: {run.tool} at {run.size:,} events: {wrong}", file=sys.stderr)


def main_s3(args: argparse.Namespace, info: dict[str, Any]) -> int:
    """``--s3``: the S3 read benchmark alone, on a data set with few events and the song files asked."""
    from bench.s3_bench import S3_OVER_DISK_TARGET, report_lines, run_s3

    dataset = ensure_dataset(args.data_dir, args.s3_events, args.s3_song_files)
    expected = ExpectedCounts.from_file(dataset / "expected_counts.json")
    try:
        run = run_s3(ROOT, dataset, expected, progress)
    except BenchFailed as exc:
        print(f"run_bench.py: error: {exc}", file=sys.stderr)
        return 1
    load = f"load average {info['load_average'][0]} at start, {os.getloadavg()[0]:.2f} at end"
    print(f"machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}, {load}")
    print("\n".join(report_lines(run)))
    if args.json:
        document = {"machine": info, "s3": {**asdict(run), "ratio": run.ratio, "s3_extra_s": run.s3_extra_s}}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    missed = run.ratio > S3_OVER_DISK_TARGET
    return 1 if not run.counts_ok or (args.check_targets and missed) else 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    info = machine()
    if args.s3:
        return main_s3(args, info)
    runs: list[ToolRun] = []
    reference = None
    days: list[DayOnHistory] = []
    try:
        for size in args.sizes:
            runs += bench_size(args, size)
        if args.days_on_history:
            days = run_days_on_history(
                ensure_dataset(args.data_dir, args.days_on_history, args.song_files), progress
            )
        if args.reference and args.reference.is_dir():
            reference = run_reference(args.reference)
        elif args.reference:
            progress(f"no reference sample at {args.reference}: skipped")
    except (BenchFailed, RuntimeError) as exc:
        print(f"run_bench.py: error: {exc}", file=sys.stderr)
        return 1
    print_report(info, runs, reference, days)
    if args.json:
        document = {
            "machine": info,
            "runs": [asdict(run) for run in runs],
            "reference": reference,
            "days_on_history": [asdict(day) for day in days],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    missed = targets_missed(runs, reference)
    if ratio_missed(days):
        missed.append(str(ratio_missed(days)))
    if missed:
        progress("targets missed: " + "; ".join(missed))
    wrong = any(not run.counts_ok for run in runs)
    return 1 if wrong or (args.check_targets and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
