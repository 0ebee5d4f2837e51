"""tools/load_bench.py on a tiny run: it drives the real server and prints every field a quoted figure needs. Not a
timed test: no figure is compared with a threshold."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="httpx is not installed (requirements.in pins it)")

TOOL = Path(__file__).resolve().parents[2] / "tools" / "load_bench.py"


@pytest.fixture(scope="module")
def load_bench():
    spec = importlib.util.spec_from_file_location("load_bench", TOOL)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


LINE = re.compile(r"^(?P<kind>home|post|api|comment): (?P<rate>[0-9.]+) req/s, p50 [0-9.]+ ms, p95 [0-9.]+ ms, "
                  r"p99 [0-9.]+ ms, (?P<done>\d+) requests, (?P<errors>\d+) errors, app CPU [0-9.]+ ms/request, "
                  r"concurrency (?P<c>\d+); "
                  r"(?P<cores>\d+) cores, load [0-9.]+ at start, \d{4}-\d{2}-\d{2} - (GET|POST) /\S*$")


def test_a_tiny_run_measures_every_kind_and_prints_its_fields(load_bench, app_env, cluster, blog_db, tmp_path):
    # The tool's own start of the app (its PG* replaced by the test database's), so its process id is known too.
    with load_bench.app(app_env, tmp_path / "app.log") as (base, pid):
        results = load_bench.measure(base, total=6, concurrency=2, pid=pid)
    lines = [r.line() for r in results]
    print("\n".join(lines))
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [m["kind"] for m in matches] == ["home", "post", "api", "comment"]
    assert all(m["done"] == "6" and m["errors"] == "0" and m["c"] == "2" for m in matches), lines
    assert all(float(m["rate"]) > 0 for m in matches)
    # The comments were really stored: 6 counted ones plus the uncounted warm-up (5), on the other post.
    with cluster.admin(blog_db) as conn:
        stored = conn.execute("SELECT count(*) FROM blog.comments WHERE body LIKE 'bench comment %%'").fetchone()[0]
    assert stored == 6 + 5


def test_the_percentiles_are_those_of_the_measured_requests(load_bench):
    kind = load_bench.KINDS[0]
    # 0 ms .. 100 ms, 101 requests: the inclusive percentiles fall exactly on the 50th, 95th and 99th.
    result = load_bench.Result(kind, [i / 1000 for i in range(101)], errors=0, wall=2.02, concurrency=8,
                               load=1.5, day="2026-12-02")
    line = result.line()
    assert line.startswith("home: 50.0 req/s, p50 50.0 ms, p95 95.0 ms, p99 99.0 ms, 101 requests, 0 errors, "
                           "concurrency 8; "), line
    assert line.endswith(" cores, load 1.5 at start, 2026-12-02 - GET /"), line


def test_failed_requests_are_counted_and_not_in_the_latencies(load_bench):
    result = load_bench.Result(load_bench.KINDS[3], [0.010, 0.020], errors=3, wall=1.0, concurrency=2, load=0.0,
                               day="2026-12-02")
    assert "5.0 req/s" in result.line() and "5 requests, 3 errors" in result.line()
    none = load_bench.Result(load_bench.KINDS[3], [], errors=4, wall=1.0, concurrency=2, load=0.0, day="2026-12-02")
    assert "p50 nan ms" in none.line() and "4 errors" in none.line()


@pytest.mark.parametrize("argv, named", [
    (["--concurrency", "0"], "--concurrency is '0'"),
    (["--concurrency", "-3"], "--concurrency is '-3'"),
    (["--requests", "ten"], "--requests is 'ten'"),
    (["--requests", "1e3"], "--requests is '1e3'"),
    (["--pool-size", "101"], "--pool-size is '101'"),
    (["--concurency", "8"], "unrecognized arguments: --concurency"),
])
def test_bad_usage_is_one_message_and_exit_2(load_bench, capsys, argv, named):
    with pytest.raises(SystemExit) as stopped:
        load_bench.main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_the_app_cpu_per_request_is_printed_when_known(load_bench):
    result = load_bench.Result(load_bench.KINDS[1], [0.010] * 8, errors=2, wall=1.0, concurrency=8, load=0.5,
                               day="2026-12-02", app_cpu=0.25)
    assert "10 requests, 2 errors, app CPU 25.0 ms/request, concurrency 8; " in result.line()
    unknown = load_bench.Result(load_bench.KINDS[1], [0.010] * 8, errors=0, wall=1.0, concurrency=8, load=0.5,
                                day="2026-12-02")
    assert "8 requests, 0 errors, concurrency 8; " in unknown.line()


def test_cpu_seconds_reads_a_live_process_and_not_a_missing_one(load_bench):
    import os

    spent = load_bench.cpu_seconds(os.getpid())
    assert spent is not None and spent > 0
    assert load_bench.cpu_seconds(None) is None
    # Above the kernel's largest process id: no such process.
    assert load_bench.cpu_seconds(2**22 + 1) is None
