"""Run mutmut's mutants in one long pytest process instead of one process a mutant.

mutmut starts a fresh process for every mutant: on the day-2 set (`ops/commands/*`) that start (pytest, the test
modules, the conftest's Pulumi engine, the moto server and the module fixtures' stacks) costs more than the tests
that kill most mutants. mutmut's trampolines read `MUTANT_UNDER_TEST` at every call, so one process can switch the
mutant between test runs. This runner does that, over the mutants mutmut generated and has no result for:

    python -m mutmut run --max-children 1 'nothing.matches*'       # generate the mutants and collect the stats
    python tools/mutation_ledger.py restore                         # give back the verdicts still valid
    python tools/mutation_inprocess.py --only 'ops.commands.*' --shard 1/2 -- tests/ops ...   # one per core
    python tools/mutation_ledger.py save

For each mutant it runs the tests mutmut's stats map to the mutant's function and stops at the first failure, as
mutmut does. The order: the tests that killed earlier mutants of the same function first (the last killer first),
then the rest fastest first. The verdict does not depend on the order (any failing test kills), the time does: on
the components a passing test evaluates a whole program, and a sibling's killer usually kills the next mutant too.
The verdict goes into mutants/ as mutmut writes it (killed 1, survived 0, no tests
33, timeout 36), so `mutmut results` and the ledger read it the same way. Before the first mutant of a function it
runs that function's tests without a mutant: a function whose tests fail or time out then is skipped (no verdict),
so a test that depends on another's leftovers cannot count as a kill. Shards split the work by function and write
the .meta files under a lock; mutmut itself must not run at the same time.

What one process keeps between mutants, a fresh process would not: module state (globals, caches) a mutant left
changed; the fixtures are torn down after each mutant, the session's too. A cache of the tests that outlives a
fixture must empty itself when `MUTANT_UNDER_TEST` changes, as the suite's caches of program evaluations do
(tests/conftest.py): otherwise every mutant after the first reads the evaluation of the baseline and survives.
So a kill here is checked the way mutmut switches a mutant on, in a fresh process (`MUTANT_UNDER_TEST=NAME pytest
TEST`), for a sample (docs/mutation-testing.md says which), and every survivor is looked at by hand as any other.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import fnmatch
import json
import os
import signal
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from mutation_ledger import Problem, _metas, _split  # the same directory: run as a script

KILLED, SURVIVED, NO_TESTS, TIMEOUT = 1, 0, 33, 36


def function_of(mutant: str) -> str:
    """`ops.commands.wait.x_run__mutmut_17` -> `ops.commands.wait.x_run` (mutmut's stats key)."""
    return _split(mutant)[0]


def unrun(mutants: Path, patterns: list[str], shard: tuple[int, int], skip: list[str] = ()) -> list[tuple[Path, str]]:
    """(meta file, mutant) for every mutant without a result, whose name matches a pattern, in this shard (split
    by function: the tests of one function run without a mutant once)."""
    index, count = shard
    found = []
    for meta, data in _metas(mutants):
        found += [(meta, name) for name, code in sorted(data["exit_code_by_key"].items())
                  if code is None and any(fnmatch.fnmatchcase(name, p) for p in patterns)
                  and not any(fnmatch.fnmatchcase(name, p) for p in skip)
                  and zlib.crc32(function_of(name).encode()) % count == index - 1]
    return found


def record(meta: Path, mutant: str, code: int) -> None:
    """Write one verdict into the module's .meta, under a lock: shards share module files."""
    with open(meta.with_suffix(".meta.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(meta.read_text())
        data["exit_code_by_key"][mutant] = code
        partial = meta.with_suffix(".meta.partial")
        partial.write_text(json.dumps(data, indent=4))
        partial.replace(meta)


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException, so no test's `except Exception` swallows it."""


class Runner:
    """The pytest plugin: replaces the test loop with one pass per mutant."""

    def __init__(self, work: list[tuple[Path, str]], stats: dict[str, Any], log, budget: int) -> None:
        self.work, self.log, self.budget = work, log, budget
        self.tests_by_function = stats["tests_by_mangled_function_name"]
        self.duration = stats["duration_by_test"]
        self.failed: list[str] = []
        self.timed_out = False
        self.ran = 0   # tests started for the current mutant

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed:
            self.failed.append(report.nodeid)

    def _alarm(self, signum, frame) -> None:
        self.timed_out = True
        raise _Timeout()

    def _run(self, session, mutant: str, items: list, stop_at_first: bool) -> tuple[list[str], bool]:
        os.environ["MUTANT_UNDER_TEST"] = mutant
        self.failed, self.timed_out, self.ran = [], False, 0
        budget = max(self.budget, int(3 * sum(self.duration.get(i.nodeid, 1.0) for i in items)))
        signal.alarm(budget)
        try:
            for position, item in enumerate(items):
                following = items[position + 1] if position + 1 < len(items) else None
                self.ran += 1
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
                if self.timed_out or (self.failed and stop_at_first):
                    break
        except _Timeout:
            pass
        finally:
            signal.alarm(0)
            os.environ["MUTANT_UNDER_TEST"] = ""
            # Everything down, the session's fixtures too: the next mutant starts as a fresh run would.
            session._setupstate.teardown_exact(None)
        return list(self.failed), self.timed_out

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session) -> bool:
        signal.signal(signal.SIGALRM, self._alarm)
        items = {item.nodeid: item for item in session.items}
        baseline: dict[str, bool] = {}
        killers: dict[str, list[str]] = {}   # per function, the tests that killed its mutants, the last one first
        for meta, mutant in self.work:
            function = function_of(mutant)
            known = killers.setdefault(function, [])
            names = sorted(self.tests_by_function.get(function, []),
                           key=lambda t: (known.index(t) if t in known else len(known), self.duration.get(t, 0.0)))
            chosen = [items[name] for name in names if name in items]
            started = time.monotonic()
            if not chosen:
                record(meta, mutant, NO_TESTS)
                self.log.write(f"{mutant}\tno tests\n")
                continue
            if function not in baseline:
                failed, timed_out = self._run(session, "", chosen, stop_at_first=False)
                baseline[function] = not failed and not timed_out
                self.log.write(f"# {function}: {len(chosen)} tests, without a mutant: "
                               f"{'timeout' if timed_out else ', '.join(failed) or 'pass'}\n")
            if not baseline[function]:
                self.log.write(f"{mutant}\tskipped: its tests fail without a mutant\n")
                continue
            failed, timed_out = self._run(session, mutant, chosen, stop_at_first=True)
            code = TIMEOUT if timed_out else KILLED if failed else SURVIVED
            record(meta, mutant, code)
            if code == KILLED:
                known[:] = [failed[0]] + [t for t in known if t != failed[0]]
            verdict = {KILLED: "killed", SURVIVED: "survived", TIMEOUT: "timeout"}[code]
            self.log.write(f"{mutant}\t{verdict}\t{failed[0] if failed and not timed_out else ''}\t"
                           f"{self.ran} tests\t{time.monotonic() - started:.1f}s\n")
            self.log.flush()
        return True


class Checker(Runner):
    """`--check`: a hand verdict's kill, checked in this process. For each (mutant, test) the test runs first without
    the mutant (it must pass, or the line says so), then with it; nothing is written into mutants/."""

    def __init__(self, checks: list[tuple[str, str]], stats: dict[str, Any], out, budget: int) -> None:
        super().__init__([], stats, out, budget)
        self.checks = checks

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session) -> bool:
        signal.signal(signal.SIGALRM, self._alarm)
        passes: dict[str, bool] = {}
        for mutant, test in self.checks:
            # A parametrized test is named without its ids: all its cases run.
            chosen = [i for i in session.items if i.nodeid == test or i.nodeid.startswith(f"{test}[")]
            if not chosen:
                self.log.write(f"{mutant}\tnot found\t{test}\n")
                continue
            if test not in passes:
                failed, timed_out = self._run(session, "", chosen, stop_at_first=False)
                passes[test] = not failed and not timed_out
            if not passes[test]:
                self.log.write(f"{mutant}\tfails without the mutant\t{test}\n")
                continue
            failed, timed_out = self._run(session, mutant, chosen, stop_at_first=True)
            verdict = "timeout" if timed_out else "killed" if failed else "SURVIVED"
            self.log.write(f"{mutant}\t{verdict}\t{test}\n")
            self.log.flush()
        return True


def _checks(path: Path) -> list[tuple[str, str]]:
    """`--check FILE`: lines `MUTANT<TAB>TEST` (a hand verdict's evidence)."""
    checks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or "::" not in parts[1]:
            raise Problem(f"--check {path}:{number}: expected MUTANT<TAB>TEST, got {line!r}")
        checks.append((parts[0], parts[1]))
    return checks


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected K/N (e.g. 1/2), got {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"K/N needs 1 <= K <= N, got {text!r}")
    return index, count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/mutation_inprocess.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's directory (default mutants)")
    parser.add_argument("--only", action="append", metavar="GLOB",
                        help="mutant names to run (fnmatch; repeatable; default all without a result)")
    parser.add_argument("--skip", action="append", default=[], metavar="GLOB",
                        help="mutant names not to run now (fnmatch; repeatable), e.g. '*.x_add_arguments__*'")
    parser.add_argument("--shard", type=_shard, default=(1, 1), metavar="K/N",
                        help="run the K-th of N parts, split by function (one per core)")
    parser.add_argument("--budget", type=int, default=60, metavar="SECONDS",
                        help="the least time a mutant's tests get before it is a timeout (default 60; three times "
                             "their duration in mutmut's stats when that is more)")
    parser.add_argument("--log", type=Path, help="one line per mutant: verdict, the first failing test, seconds")
    parser.add_argument("--check", type=Path, metavar="FILE",
                        help="check kills instead of running: each line MUTANT<TAB>TEST runs TEST without and with "
                             "MUTANT in this process and prints killed or SURVIVED; writes no verdict")
    parser.add_argument("pytest_args", nargs="*", help="after --: the test selection and pytest options")
    args = parser.parse_args(argv)
    mutants = args.mutants.resolve()
    stats_file = mutants / "mutmut-stats.json"
    if not stats_file.is_file():
        parser.error(f"--mutants {args.mutants}: no mutmut-stats.json; run `python -m mutmut run` once first")
    if args.check is not None:
        try:
            checks = _checks(args.check.resolve())
        except (OSError, Problem) as problem:
            parser.error(str(problem))
        files = sorted({test.split("::")[0] for _, test in checks})
        _pytest_in(mutants, args.log, sys.stdout, ["-q", *files, *args.pytest_args],
                   lambda log: Checker(checks, json.loads(stats_file.read_text()), log, args.budget))
        return 0
    try:
        work = unrun(mutants, args.only or ["*"], args.shard, args.skip)
    except Problem as problem:
        parser.error(str(problem))
    print(f"{len(work)} mutants to run", file=sys.stderr)
    if not work:
        return 0
    _pytest_in(mutants, args.log, sys.stderr, args.pytest_args,
               lambda log: Runner(work, json.loads(stats_file.read_text()), log, args.budget))
    return 0


def _pytest_in(mutants: Path, log_path: Path | None, default_log, pytest_args: list[str], plugin) -> None:
    """One pytest session in mutmut's tree, with `plugin(log)` replacing its test loop; the log is `log_path`
    (appended to) or `default_log`."""
    os.chdir(mutants)
    sys.path.insert(0, str(mutants))
    with open(log_path, "a", encoding="utf-8") if log_path else contextlib.nullcontext(default_log) as log:
        pytest.main(["-p", "no:randomly", *pytest_args], plugins=[plugin(log)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
