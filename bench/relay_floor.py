"""The floor under any relay: `select 1` and a single-row INSERT + COMMIT straight to PostgreSQL, through a
relay that only moves bytes (no parsing, one thread each way, in a process of its own) and through the
endpoint, interleaved round by round, with the machine's cores idle and then kept awake.

Why both: a round trip through a relay wakes two more processes than a direct one.  On a virtual machine
an idle core takes tens of microseconds to wake, so the same query's latency depends on whether the cores
were asleep: one niced busy loop beside the run (``--warm``) keeps them awake and shows what the relay's own
work costs.  The bytes-only relay is what no translating endpoint can beat; the endpoint's distance above
it is what the endpoint's own code costs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2

from sparkify.engine.server import embedded
from tests.endpoint_process import USER, running_endpoint

TABLE_DDL = "CREATE TABLE IF NOT EXISTS floor_rows (a INTEGER, b VARCHAR(64))"


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def serve_bytes_relay(postgres_socket: str) -> None:
    """Listen on a free loopback port (printed on stdout) and relay each client to ``postgres_socket``."""
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        backend = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        backend.connect(postgres_socket)
        for source, sink in ((client, backend), (backend, client)):
            threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _exit_when_parent_goes() -> None:
    """The bench holds our stdin open: its end (even by kill -9) ends the relay."""
    sys.stdin.read()
    os._exit(0)


@contextlib.contextmanager
def bytes_relay(postgres_socket: str) -> Iterator[int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.relay_floor", "--serve", postgres_socket],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield int(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


@contextlib.contextmanager
def warm_cores(wanted: bool) -> Iterator[None]:
    """With ``wanted``, one niced busy loop for the run's length: the cores never sleep."""
    if not wanted:
        yield
        return
    # It spins while its parent lives: a bench killed with -9 leaves no spinner behind.
    spin = f"import os\nos.nice(19)\nwhile os.getppid() == {os.getpid()}: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.2)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def _select_1(connection: Any, count: int = 1000) -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(count):
            cursor.execute("select 1")
            cursor.fetchall()
        return (time.perf_counter() - started) / count


def _insert_commit(connection: Any, count: int = 200) -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for n in range(count):
            cursor.execute("INSERT INTO floor_rows (a, b) VALUES (%s, %s)", (n, "x"))
            connection.commit()
        return (time.perf_counter() - started) / count


WORKLOADS: dict[str, Callable[[Any], float]] = {"select_1": _select_1, "insert_commit": _insert_commit}


def measure(sides: dict[str, Callable[[], Any]], rounds: int) -> dict[str, dict[str, float]]:
    """Each workload's best round on each side, the sides interleaved round by round on open connections."""
    connections = {name: connect() for name, connect in sides.items()}
    try:
        best: dict[str, dict[str, float]] = {work: {} for work in WORKLOADS}
        for _ in range(rounds):
            for work, run in WORKLOADS.items():
                for name, connection in connections.items():
                    seconds = run(connection)
                    best[work][name] = min(seconds, best[work].get(name, seconds))
        return best
    finally:
        for connection in connections.values():
            connection.close()


def report(regime: str, best: dict[str, dict[str, float]], load: tuple[float, float]) -> list[str]:
    lines = [f"  {regime} (load average {load[0]:.1f} before, {load[1]:.1f} after), best round of each side:"]
    for work, sides in best.items():
        direct = sides["direct"]
        cells = ", ".join(f"{name} {s * 1e6:7.1f} µs x{s / direct:.2f}" for name, s in sides.items())
        lines.append(f"    {work:<14} {cells}")
    return lines


def run(rounds: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sparkify-relay-floor-"))
    data_dir = work / "pgdata"
    results: dict[str, Any] = {}
    try:
        socket_dir, port = embedded.ensure_server(data_dir)
        postgres_socket = f"{socket_dir}/.s.PGSQL.{port}"
        with running_endpoint(data_dir, work) as endpoint, bytes_relay(postgres_socket) as relay:
            database = endpoint.database
            sides: dict[str, Callable[[], Any]] = {
                "direct": lambda: psycopg2.connect(host=socket_dir, port=port, dbname=database, user=USER),
                "bytes_relay": lambda: psycopg2.connect(
                    host="127.0.0.1", port=relay, dbname=database, user=USER, sslmode="disable"
                ),
                "endpoint": lambda: endpoint.connect(sslmode="disable"),
            }
            with endpoint.connect() as setup, setup.cursor() as cursor:
                cursor.execute(TABLE_DDL)
            for regime, warm in (("idle cores", False), ("warm cores", True)):
                before = os.getloadavg()[0]
                with warm_cores(warm):
                    best = measure(sides, rounds)
                results[regime] = {"best_s": best, "load_average": (before, os.getloadavg()[0])}
    finally:
        embedded.stop_server(data_dir)
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=None)
    parser.add_argument("--serve", metavar="SOCKET", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_bytes_relay(args.serve)
        return 0
    results = run(args.rounds)
    print("relay floor: straight to PostgreSQL (unix socket), a bytes-only relay and the endpoint (TCP)")
    for regime, measured in results.items():
        print("\n".join(report(regime, measured["best_s"], measured["load_average"])))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
