"""Kill rate per module from mutmut's results in mutants/ (after `make mutate`), as a markdown table with the 95%
Wilson interval of each rate, then every survivor and every mutant without a verdict by name, so each can be read
with `python -m mutmut show NAME`.

    python tools/mutation_report.py [mutants] [--only GLOB ...]

A mutant is killed when a test failed (or the type check caught it). "no tests" counts against the module like a
survivor: no test reaches the changed line at all. A timeout is not a verdict: on a loaded machine a slow import can
pass the time limit (docs/mutation-testing.md), so timeouts (and crashes) are counted apart and left out of the rate;
run one by hand before calling it killed.

The interval is the one every measurement here quotes (k killed of n with a verdict):
centre (k + 1.92)/(n + 3.84), half-width 1.96*sqrt(k(n-k)/n + 0.96)/(n + 3.84), shown rounded outward to whole
percents. It says how far a sample's rate can be from the rate of the set it was drawn from; for a module run whole
it is the spread to expect of the same tests on similar code.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "caught by type check"}
AGAINST = {"survived", "no tests"}  # verdicts against the tests
NO_VERDICT = {"timeout", "segfault", "suspicious"}  # SIGKILL after the CPU limit is mutmut's "segfault" too
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def results(root: Path) -> dict[str, dict[str, str]]:
    """module path -> mutant name -> status, from the .meta files mutmut writes beside each mutated module."""
    by_module: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted(root.rglob("*.py.meta")):
        module = meta.relative_to(root).as_posix()[: -len(".meta")]
        try:
            codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
            statuses = {name: status_by_exit_code[code] for name, code in codes.items()}
        except (OSError, UnicodeDecodeError, ValueError, AttributeError, TypeError) as error:
            raise ValueError(f"{meta}: not a mutmut result file ({type(error).__name__}: {error})") from None
        by_module[module].update(statuses)
    return by_module


def wilson(killed: int, run: int) -> tuple[float, float]:
    """95% interval of a kill rate, `killed` of `run` (both counts), clipped to [0, 1]."""
    if run <= 0:
        raise ValueError(f"an interval needs at least one mutant with a verdict; {run} given")
    if not 0 <= killed <= run:
        raise ValueError(f"killed must be between 0 and the {run} run; {killed} given")
    centre = (killed + 1.92) / (run + 3.84)
    half = 1.96 * math.sqrt(killed * (run - killed) / run + 0.96) / (run + 3.84)
    return max(0.0, centre - half), min(1.0, centre + half)


def interval_text(killed: int, run: int) -> str:
    low, high = wilson(killed, run)
    # Outward, so the printed interval always holds the computed one (the epsilon absorbs float noise like 49.0000001).
    return f"{math.floor(low * 100 + 1e-9)}-{math.ceil(high * 100 - 1e-9)}%"


def _row(label: str, statuses: list[str]) -> str | None:
    counts = Counter(statuses)
    killed = sum(counts[s] for s in KILLED)
    against = sum(counts[s] for s in AGAINST)
    apart = sum(counts[s] for s in NO_VERDICT)
    run = killed + against
    if not run and not apart:
        return None
    rate, interval = (f"{100.0 * killed / run:.0f}%", interval_text(killed, run)) if run else ("-", "-")
    return (f"| {label} | {run + apart} | {killed} | {counts['survived']} | {counts['no tests']} | {apart} | {rate} "
            f"| {interval} |")


def report(by_module: dict[str, dict[str, str]], only: list[str] | None = None, sample: bool = False) -> str:
    """The table, then survivors, timeouts and mutants not run by name. `only`: names or globs to keep."""
    if only is not None:
        by_module = {module: kept for module, statuses in by_module.items()
                     if (kept := {n: s for n, s in statuses.items()
                                  if any(fnmatch.fnmatchcase(n, g) for g in only)})}
    lines = ["| module | mutants run | killed | survived | no tests | timeout or crash | kill rate | 95% interval |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    survivors: list[str] = []
    apart: list[str] = []
    not_run: list[str] = []
    everything: list[str] = []
    for module, statuses in sorted(by_module.items()):
        row = _row(f"`{module}`", list(statuses.values()))
        if row:
            lines.append(row)
        everything += statuses.values()
        survivors += sorted(n for n, s in statuses.items() if s in AGAINST)
        apart += sorted(f"{n} ({s})" for n, s in statuses.items() if s in NO_VERDICT)
        not_run += sorted(n for n, s in statuses.items() if s in NOT_RUN)
    if len(lines) > 3:
        lines.append(_row("all" + (" (the sample)" if sample else ""), everything) or "")
    if len(lines) == 2:
        lines = ["no mutant has a result yet"]
    lines += ["", "Kill rate: killed / (killed + survived + no tests); timeouts and crashes are no verdict and are "
                  "left out (run one by hand: python -m mutmut show NAME)."]
    lines += ["", f"{len(survivors)} survivor(s):"] + [f"- `{name}`" for name in survivors]
    if apart:
        lines += ["", f"{len(apart)} without a verdict (timeout or crash):"] + [f"- `{name}`" for name in apart]
    if not_run and only is not None:
        lines += ["", f"{len(not_run)} not run:"] + [f"- `{name}`" for name in not_run]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/mutation_report.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", type=Path, default=Path("mutants"), help="mutmut's directory")
    parser.add_argument("--only", nargs="+", metavar="GLOB", help="only the mutants whose name matches a glob")
    args = parser.parse_args(argv)
    try:
        by_module = results(args.root)
    except ValueError as error:
        print(f"mutation_report: {error}", file=sys.stderr)
        return 2
    if not by_module:
        print(f"no mutmut results under {args.root}/: run `make mutate` first", file=sys.stderr)
        return 2
    print(report(by_module, only=args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
