"""A bounded load run of the blog, locally: requests per second and latency percentiles, with their context.

    python tools/load_bench.py                                   # 8 at a time, 400 requests of each kind
    python tools/load_bench.py --concurrency 16 --requests 1000  # make bench-load BENCH_LOAD="..." passes these

It starts a throwaway TLS-only PostgreSQL (the machine's binaries, a temporary directory, a free port of 127.0.0.1;
roles, migrations and the seed, as `make db` does; removed at the end), then `python -m blog` on 127.0.0.1 against
it as blog_app with `verify-full`, exactly as the tests do. Then, for each kind in turn, a fixed number of requests
with a fixed number in flight (httpx, asyncio): the home page, a post page, the JSON list, and comments posted
through the JSON API (last, so the comments they add do not change what the reads measured). A few requests of each
kind are sent first and not counted (connections opened, templates compiled).

Each line names the kind, requests per second, p50/p95/p99 latency, errors, the concurrency, the core count, the load
average when it started and the date: the client runs on the same cores as the server and the database, so on a
shared machine the figures say as much about the neighbours as about the app. Exit codes: 0 every request answered
as expected, 1 some were not (counted on the line), 2 bad usage or the database or the app could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

READ_SLUG = "why-tls-everywhere"
# Comments go to the other post, so the post page read above keeps the seed's comments.
COMMENT_SLUG = "roles-not-the-master-user"
WARM_UP = 5


@dataclass(frozen=True)
class Kind:
    name: str
    method: str
    path: str
    expect: int


KINDS = (
    Kind("home", "GET", "/", 200),
    Kind("post", "GET", f"/posts/{READ_SLUG}", 200),
    Kind("api", "GET", "/api/posts", 200),
    Kind("comment", "POST", f"/api/posts/{COMMENT_SLUG}/comments", 201),
)


class BenchError(Exception):
    """The run cannot start (no database binaries, the app did not become ready); one line, no traceback."""


@dataclass
class Result:
    kind: Kind
    latencies: list[float]
    errors: int
    wall: float
    concurrency: int
    load: float
    day: str
    # CPU seconds the app's process used during the counted requests, when its process id is known (Linux /proc):
    # unlike the latencies, hardly changed by neighbours competing for the cores.
    app_cpu: float | None = None

    def line(self) -> str:
        done = len(self.latencies) + self.errors
        rate = done / self.wall if self.wall > 0 else 0.0
        if len(self.latencies) >= 2:
            # inclusive: the percentiles of these requests, not an estimate of a larger population's
            cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
            p50, p95, p99 = cuts[49], cuts[94], cuts[98]
        else:
            p50 = p95 = p99 = self.latencies[0] if self.latencies else float("nan")
        cpu = f", app CPU {self.app_cpu * 1000 / done:.1f} ms/request" if self.app_cpu is not None and done else ""
        return (f"{self.kind.name}: {rate:.1f} req/s, p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, {done} requests, {self.errors} errors{cpu}, concurrency {self.concurrency}; "
                f"{os.cpu_count()} cores, load {self.load:.1f} at start, {self.day} - "
                f"{self.kind.method} {self.kind.path}")


def _request_args(kind: Kind, i: int) -> dict:
    if kind.method == "POST":
        return {"json": {"name": "Bench Guest", "email": "bench.guest@example.org", "body": f"bench comment {i}"}}
    return {}


def cpu_seconds(pid: int | None) -> float | None:
    """User plus system CPU time of a process so far, from /proc (None where there is no /proc or no such process)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3 of proc(5), utime 14 and stime 15, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(base: str, kind: Kind, total: int, concurrency: int, pid: int | None) -> Result:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for i in range(min(WARM_UP, total)):
            await client.request(kind.method, kind.path, **_request_args(kind, -i - 1))
        counter = iter(range(total))

        async def worker() -> None:
            nonlocal errors
            # One shared iterator: every request is sent exactly once, whichever worker is free first.
            for i in counter:
                started = time.perf_counter()
                try:
                    response = await client.request(kind.method, kind.path, **_request_args(kind, i))
                    ok = response.status_code == kind.expect
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        load = os.getloadavg()[0]
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
        cpu_after = cpu_seconds(pid)
    app_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return Result(kind, latencies, errors, wall, concurrency, load, f"{datetime.now(UTC):%Y-%m-%d}", app_cpu)


def measure(base: str, total: int, concurrency: int, kinds: tuple[Kind, ...] = KINDS,
            pid: int | None = None) -> list[Result]:
    """Each kind in turn against the app at `base` (process `pid`): `total` requests, `concurrency` in flight."""
    return [asyncio.run(_measure(base, kind, total, concurrency, pid)) for kind in kinds]


@contextlib.contextmanager
def database() -> Iterator[dict[str, str]]:
    """A throwaway TLS-only PostgreSQL with the blog's roles, migrations and seed; yields the app's PG* variables."""
    from db import migrate
    from db import server as pgserver
    from db.connect import Endpoint, connect
    from db.errors import DbError
    from db.roles import APP, RolePasswords

    try:
        pgserver.find_binary("initdb")
        pgserver.find_binary("pg_ctl")
    except Exception:
        raise BenchError("the PostgreSQL server binaries (initdb, pg_ctl) are missing: install the postgresql "
                         "package") from None
    # Not under the user's temporary directory tree when it is private: the server may run as another user.
    base = Path(tempfile.mkdtemp(prefix="blog-bench-"))
    server = pgserver.LocalServer(base=base, port=pgserver.free_port(), run_as=pgserver.default_run_as(),
                                  durable=False)
    superuser, app = pgserver.new_password(), pgserver.new_password()
    try:
        try:
            server.init(superuser)
            server.start()
            admin = Endpoint(host="localhost", hostaddr="127.0.0.1", port=server.port, dbname="postgres",
                             user=pgserver.SUPERUSER, sslrootcert=server.ca_cert)
            with connect(admin, superuser, autocommit=True) as conn:
                conn.execute("CREATE DATABASE blog")
            migrate.apply(admin.with_(dbname="blog"), superuser,
                          roles=RolePasswords(app=app, readonly=pgserver.new_password()), seed=True)
        except DbError as exc:
            raise BenchError(f"the database did not start: {exc}") from None
        yield {"PGHOST": "localhost", "PGHOST_READER": "localhost", "PGPORT": str(server.port),
               "PGDATABASE": "blog", "PGUSER": APP, "PGPASSWORD": app, "PGSSLMODE": "verify-full",
               "PGSSLROOTCERT": str(server.ca_cert)}
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def app(pg_env: Mapping[str, str], log_path: Path, ready_seconds: float = 30.0) -> Iterator[tuple[str, int]]:
    """`python -m blog` on a free port of 127.0.0.1 (its log in `log_path`, not a pipe nobody reads); yields its
    base URL and process id once /readyz answers 200."""
    import httpx

    from db.server import free_port

    port = free_port()
    # Only the given database's PG* variables: others in this process's environment would reach libpq too.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | dict(pg_env) | {"PORT": str(port)}
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "blog"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + ready_seconds
            while True:
                if proc.poll() is not None:
                    raise BenchError(f"the app exited with status {proc.returncode} (its log: {log_path})")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise BenchError(f"the app was not ready within {ready_seconds:g} s (its log: {log_path})")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _positive(name: str, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw, 10)
        except ValueError:
            value = 0
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} is {raw!r}: allowed is a whole number from 1 to {high}")
        return value
    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="exit codes: 0 every request answered as expected, 1 some were not, "
                                            "2 bad usage or the database or the app could not start")
    parser.add_argument("--concurrency", type=_positive("--concurrency", 256), default=8,
                        help="requests in flight at once (default 8)")
    parser.add_argument("--requests", type=_positive("--requests", 1_000_000), default=400,
                        help="requests of each kind (default 400)")
    parser.add_argument("--pool-size", type=_positive("--pool-size", 100), default=10,
                        help="the app's BLOG_POOL_MAX_SIZE, per pool (default 10, the app's default)")
    args = parser.parse_args(argv)
    try:
        with database() as pg_env, tempfile.TemporaryDirectory(prefix="blog-bench-log-") as logs:
            env = dict(pg_env) | {"BLOG_POOL_MAX_SIZE": str(args.pool_size)}
            with app(env, Path(logs) / "app.log") as (base, pid):
                results = []
                for kind in KINDS:
                    result = measure(base, args.requests, args.concurrency, (kind,), pid)[0]
                    print(result.line(), flush=True)
                    results.append(result)
    except BenchError as exc:
        print(f"load_bench: {exc}", file=sys.stderr)
        return 2
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
