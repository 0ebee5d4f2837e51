"""How long the project's main commands take on this machine, with what the figure depends on next to it.

    python tools/bench.py                 # the gate on dev, the test suite, each once
    python tools/bench.py --runs 3 gate   # one command, three runs (the median and the spread are printed)

Each line names the command, the wall time, the machine's core count, the load average when it started and the date,
so a figure quoted in the docs can be re-measured and compared. A busy machine (load above the core count) makes every
figure slower: the load is printed so that is visible rather than hidden.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
COMMANDS = {
    "import": [PYTHON, "-c", "import pulumi, pulumi_aws"],
    "gate": [PYTHON, "-m", "preflight", "--stack", "dev"],
    "gate-prod": [PYTHON, "-m", "preflight", "--stack", "prod"],
    "test": [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
}
DEFAULT = ("gate", "test")


def measure(name: str, runs: int) -> str:
    command = COMMANDS[name]
    load = os.getloadavg()[0]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            return f"{name}: failed with exit code {done.returncode} ({' '.join(command[1:])})"
    spread = f" (min {min(times):.1f} s, max {max(times):.1f} s, {runs} runs)" if runs > 1 else ""
    return (f"{name}: {statistics.median(times):.1f} s{spread}; {os.cpu_count()} cores, load {load:.1f} at start, "
            f"{datetime.now(UTC):%Y-%m-%d} - {' '.join(command[1:])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="exit codes: 0 every command measured, 2 a command failed or bad usage")
    parser.add_argument("commands", nargs="*", choices=list(COMMANDS), default=[], metavar="COMMAND",
                        help=f"what to time: {', '.join(COMMANDS)} (default: {' '.join(DEFAULT)})")
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
