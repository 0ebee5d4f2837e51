"""How long the project's main commands take on the machine that runs it, with what the figure depends on next to it.

    python tools/bench.py                 # the gate on dev, the test suite, each once
    python tools/bench.py --runs 3 gate   # one command, three runs (the median and the spread are printed)
    python tools/bench.py --runs 10 eval  # one evaluation of dev in a warm process (CPU per run_stack)

Each line names the command, the wall time, the CPU time it used (its processes' user + system), the machine's core
count, the load average when it started and the date, so a figure quoted in the docs can be re-measured and
compared. A busy machine (load above the core count) makes every wall figure slower while the CPU figure stays about
the same: both are printed so that is visible rather than hidden. `test` runs the suite exactly as `make test` does
(TEST_JOBS as there: `auto` by default, 1 for one process); `test-serial` is the same suite in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# As the Makefile's PYTEST_JOBS: the suite on every core, the PostgreSQL tests and each file kept together.
WORKERS = os.environ.get("TEST_JOBS", "auto")
TEST_JOBS = ["-p", "no:xdist"] if WORKERS == "1" else ["-n", WORKERS, "--dist", "loadfile"]
COMMANDS = {
    "import": [PYTHON, "-c", "import pulumi, pulumi_aws"],
    "gate": [PYTHON, "-m", "preflight", "--stack", "dev"],
    "gate-prod": [PYTHON, "-m", "preflight", "--stack", "prod"],
    "gate-all": [PYTHON, "-m", "preflight", "--all-stacks"],
    "test": [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TEST_JOBS],
    "test-serial": [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
}
DEFAULT = ("gate", "test")
# One evaluation of the program (preflight.engine.run_stack) in a process that has evaluated it once already, as
# the tests evaluate their variants: its CPU (time.process_time) with Python's default collector and with the test
# session's (tests/conftest.py: the imports frozen, gen0 threshold 5000). Each in a fresh process.
EVALUATIONS = {"eval": "dev", "eval-prod": "prod"}
_EVALUATE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from preflight.collector import freeze_imports
from preflight.engine import run_stack
stack, runs, session = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "session"
run_stack(stack)
if session:
    freeze_imports()
times = []
for _ in range(runs):
    start = time.process_time()
    run_stack(stack)
    times.append(time.process_time() - start)
print(json.dumps(times))
"""


def measure(name: str, runs: int) -> str:
    if name in EVALUATIONS:
        return measure_evaluation(name, runs)
    command = COMMANDS[name]
    load = os.getloadavg()[0]
    times, cpu = [], []
    for _ in range(runs):
        before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - before)
        if done.returncode not in (0, 1):
            return f"{name}: failed with exit code {done.returncode} ({' '.join(command[1:])})"
    spread = f" (min {min(times):.1f} s, max {max(times):.1f} s, {runs} runs)" if runs > 1 else ""
    return (f"{name}: {statistics.median(times):.1f} s wall{spread}, {statistics.median(cpu):.1f} s CPU; "
            f"{os.cpu_count()} cores, load {load:.1f} at start, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC - "
            f"{' '.join(command[1:])}")


def measure_evaluation(name: str, runs: int) -> str:
    stack = EVALUATIONS[name]
    load = os.getloadavg()[0]
    figures = []
    for collector in ("default", "session"):
        done = subprocess.run([PYTHON, "-c", _EVALUATE, str(ROOT), stack, str(runs), collector], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{name}: failed with exit code {done.returncode} (run_stack({stack!r}), {collector} collector)"
        times = json.loads(done.stdout)
        spread = f" (min {min(times):.3f} s, max {max(times):.3f} s)" if runs > 1 else ""
        figures.append(f"{statistics.median(times):.3f} s CPU{spread} with the {collector} collector")
    return (f"{name}: one evaluation {'; '.join(figures)}, median of {runs}; {os.cpu_count()} cores, load "
            f"{load:.1f} at start, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC - run_stack({stack!r}) in a warm process")


def _children_cpu() -> float:
    # User + system time of the finished child processes (and theirs: pytest's workers, the gate's subprocesses).
    # A server a test daemonises (PostgreSQL under pg_ctl) is not a waited-for child and is not counted.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="exit codes: 0 every command measured, 2 a command failed or bad usage")
    parser.add_argument("commands", nargs="*", choices=[*COMMANDS, *EVALUATIONS], default=[], metavar="COMMAND",
                        help=f"what to time: {', '.join([*COMMANDS, *EVALUATIONS])} (default: {' '.join(DEFAULT)})")
    parser.add_argument("--runs", type=int, default=1, help="runs of each command (median printed)")
    args = parser.parse_args(argv)
    failed = False
    for name in args.commands or DEFAULT:
        line = measure(name, max(args.runs, 1))
        failed = failed or "failed with exit code" in line
        print(line, flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
