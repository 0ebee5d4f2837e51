"""mutmut's verdicts kept in the repository, so a measurement too long for one sitting goes on in a clean clone.

mutmut keeps its results in mutants/, which a fresh clone does not have; a whole module set takes more CPU than one
sitting here (docs/mutation-testing.md). The ledger, docs/mutation-ledger.tsv, holds each mutated function's verdicts
under mutmut's hash of that function's code:

    python tools/mutation_ledger.py save      # after a run: merge the verdicts in mutants/ into the ledger
    python tools/mutation_ledger.py restore   # after generating the mutants: give back every verdict still valid
    python tools/mutation_ledger.py restore --generate   # generate them first (`make mutate` does this, runs, saves)
    python tools/mutation_ledger.py summary [--only GLOB...]   # the kill rate per module, ledger and hand verdicts

A verdict is killed, caught by type check, survived or no tests; a timeout, a crash or "not checked" is none and is
not kept, so that mutant runs again. `restore` fills in only mutants mutmut has no result for, and only for a
function whose hash is the ledger's: a function whose code changed since gets none of its old verdicts, so all of its
mutants run again, and mutmut itself keeps a restored verdict until that function's code changes. `save` replaces a
function's line when its hash changed, drops functions of a module that mutmut no longer generates, and keeps a kill
over a later survival of the same code: a kill with fewer tests selected (a narrowed scratch copy) is a kill with all
of them, while a survival then is not a verdict on the whole suite.

Verdicts given by hand to mutants that mutmut's run let survive are in docs/mutation-verdicts.tsv, one a line:

    MUTANT<TAB>HASH<TAB>killed<TAB>the test that fails with the mutant applied
    MUTANT<TAB>HASH<TAB>equivalent<TAB>why no input can tell it from the code

`restore` counts a hand kill as killed, under the same rule of the hash (a test outside a narrowed selection, or one
written since, kills it); an equivalent mutant stays a survivor, named there with its reason.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = "killed"
TYPE_CHECK = "caught by type check"
SURVIVED = "survived"
NO_TESTS = "no tests"
# The ledger's columns, in order: the statuses of mutmut's exit codes (mutmut.stats.status_by_exit_code) that are a
# verdict, each with the code `restore` writes back for it.
CODE_BY_STATUS = {KILLED: 1, TYPE_CHECK: 37, SURVIVED: 0, NO_TESTS: 33}
KILLS = {KILLED, TYPE_CHECK}
HEADER = ("# mutmut's verdicts per mutated function, by mutant number, under the hash of the function's code.\n"
          "# Written by `python tools/mutation_ledger.py save`; read back by `restore` (docs/mutation-testing.md).\n"
          "# function\thash\t" + "\t".join(CODE_BY_STATUS) + "\n")
MARK = "__mutmut_"


class Problem(Exception):
    """Bad input: one line for the user, exit code 2."""


@dataclass
class Function:
    """One mutated function: mutmut's hash of its code and the verdict of each mutant number that has one."""

    hash: str
    verdicts: dict[int, str] = field(default_factory=dict)


def _numbers(text: str) -> list[int]:
    """"1-3,7" -> [1, 2, 3, 7]; "-" -> []."""
    if text == "-":
        return []
    numbers: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()) or (high and int(high) < int(low)):
            raise ValueError(f"{part!r} is not a number or a range low-high")
        numbers += range(int(low), int(high or low) + 1)
    return numbers


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3,7"; [] -> "-"."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in runs) or "-"


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, tab-separated cells) of each line that is neither blank nor a comment; none for an absent file."""
    if not path.exists():
        return []
    return [(number, line.split("\t"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if line.strip() and not line.startswith("#")]


def read_ledger(path: Path) -> dict[str, Function]:
    """function name -> its verdicts; an absent file is an empty ledger."""
    functions: dict[str, Function] = {}
    for number, cells in _rows(path):
        if len(cells) != 2 + len(CODE_BY_STATUS):
            raise Problem(f"{path}:{number}: {len(cells)} tab-separated cells; a line has {2 + len(CODE_BY_STATUS)} "
                          f"(function, hash, {', '.join(CODE_BY_STATUS)})")
        name, digest, *columns = cells
        verdicts: dict[int, str] = {}
        for status, text in zip(CODE_BY_STATUS, columns, strict=True):
            try:
                numbers = _numbers(text)
            except ValueError as error:
                raise Problem(f"{path}:{number}: the {status} column: {error}") from None
            for mutant in numbers:
                if mutant in verdicts:
                    raise Problem(f"{path}:{number}: mutant {mutant} of {name} is both {verdicts[mutant]} and "
                                  f"{status}")
                verdicts[mutant] = status
        if name in functions:
            raise Problem(f"{path}:{number}: {name} has a line already")
        functions[name] = Function(digest, verdicts)
    return functions


HAND_VERDICTS = ("killed", "equivalent")


@dataclass(frozen=True)
class HandVerdict:
    mutant: str
    hash: str
    verdict: str
    evidence: str


def read_hand(path: Path) -> list[HandVerdict]:
    """The verdicts given by hand; an absent file is none."""
    verdicts: list[HandVerdict] = []
    seen: set[str] = set()
    for number, cells in _rows(path):
        if len(cells) != 4 or not all(cell.strip() for cell in cells):
            raise Problem(f"{path}:{number}: a line has 4 tab-separated cells, none empty (mutant, hash, verdict, "
                          f"the test or the reason); {len(cells)} given")
        mutant, digest, verdict, evidence = cells
        try:
            _split(mutant)
        except Problem as problem:
            raise Problem(f"{path}:{number}: {problem}") from None
        if verdict not in HAND_VERDICTS:
            raise Problem(f"{path}:{number}: verdict {verdict!r}; allowed: {' or '.join(HAND_VERDICTS)}")
        if mutant in seen:
            raise Problem(f"{path}:{number}: {mutant} has a verdict already")
        seen.add(mutant)
        verdicts.append(HandVerdict(mutant, digest, verdict, evidence))
    return verdicts


def with_hand_kills(ledger: dict[str, Function], hand: list[HandVerdict]) -> dict[str, Function]:
    """The ledger with each hand kill of the same code counted as killed."""
    merged = {name: Function(f.hash, dict(f.verdicts)) for name, f in ledger.items()}
    for verdict in hand:
        if verdict.verdict != "killed":
            continue
        function, _, number = _split(verdict.mutant)
        entry = merged.setdefault(function, Function(verdict.hash))
        if entry.hash == verdict.hash:
            entry.verdicts[number] = KILLED
    return merged


def write_ledger(path: Path, functions: dict[str, Function]) -> None:
    lines = [HEADER]
    for name in sorted(functions):
        function = functions[name]
        if not function.verdicts:
            continue
        columns = [_ranges([n for n, s in function.verdicts.items() if s == status]) for status in CODE_BY_STATUS]
        lines.append("\t".join([name, function.hash, *columns]) + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def _metas(mutants: Path) -> list[tuple[Path, dict]]:
    if not mutants.is_dir():
        raise Problem(f"{mutants}/ does not exist: generate the mutants first "
                      f"(python -m mutmut run --max-children 1 'nothing.matches*')")
    found = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if not isinstance(data.get("exit_code_by_key"), dict) or not isinstance(
                    data.get("hash_by_function_name"), dict):
                raise ValueError("no exit_code_by_key and hash_by_function_name objects")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as error:
            raise Problem(f"{meta}: not a mutmut result file ({error})") from None
        found.append((meta, data))
    if not found:
        raise Problem(f"no mutmut result files under {mutants}/: generate the mutants first")
    return found


def _split(mutant: str) -> tuple[str, str, int]:
    """'m.x_f__mutmut_7' -> ('m.x_f', 'x_f', 7): the function's full name, its name in the meta file, the number."""
    function, _, number = mutant.rpartition(MARK)
    if not function or not number.isdigit():
        raise Problem(f"{mutant!r} is not a mutmut mutant name (MODULE.FUNCTION{MARK}N)")
    return function, function.rpartition(".")[2], int(number)


def current(mutants: Path) -> tuple[dict[str, Function], set[str]]:
    """The functions mutmut generated, each with its hash and the verdicts it has now, and the modules they are in."""
    functions: dict[str, Function] = {}
    modules: set[str] = set()
    for meta, data in _metas(mutants):
        hashes = data["hash_by_function_name"]
        for mutant, code in data["exit_code_by_key"].items():
            function, local, number = _split(mutant)
            modules.add(function.rpartition(".")[0])
            if local not in hashes:
                raise Problem(f"{meta}: no hash for {local}, the function of {mutant}")
            entry = functions.setdefault(function, Function(hashes[local]))
            status = status_by_exit_code.get(code) if isinstance(code, int) else None
            if status in CODE_BY_STATUS:
                entry.verdicts[number] = status
    return functions, modules


def merge(ledger: dict[str, Function], now: dict[str, Function], modules: set[str]) -> dict[str, Function]:
    """The ledger with this run's verdicts in (see the module's description for the rules)."""
    merged = {name: function for name, function in ledger.items()
              if name.rpartition(".")[0] not in modules or name in now}
    for name, function in now.items():
        old = merged.get(name)
        verdicts = dict(old.verdicts) if old is not None and old.hash == function.hash else {}
        for number, status in function.verdicts.items():
            if not (verdicts.get(number) in KILLS and status not in KILLS):
                verdicts[number] = status
        merged[name] = Function(function.hash, verdicts)
    return merged


def restore(mutants: Path, ledger: dict[str, Function]) -> tuple[int, int]:
    """Write the ledger's verdicts into mutmut's result files; (verdicts restored, functions changed since)."""
    restored = 0
    changed: set[str] = set()
    for meta, data in _metas(mutants):
        hashes = data["hash_by_function_name"]
        codes = data["exit_code_by_key"]
        touched = False
        for mutant, code in codes.items():
            function, local, number = _split(mutant)
            kept = ledger.get(function)
            if kept is None:
                continue
            if kept.hash != hashes.get(local):
                changed.add(function)
                continue
            if code is None and number in kept.verdicts:
                codes[mutant] = CODE_BY_STATUS[kept.verdicts[number]]
                restored += 1
                touched = True
        if touched:
            meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return restored, len(changed)


@dataclass
class Tally:
    """One module's mutants in the ledger and the hand verdicts: what the run killed, what tests written since kill,
    what is named equivalent, and the survivors nobody has looked at."""

    killed: int = 0
    killed_since: int = 0
    equivalent: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.killed + self.killed_since + self.equivalent + self.open


def tally(ledger: dict[str, Function], hand: list[HandVerdict], only: list[str] | None = None) -> dict[str, Tally]:
    """module -> its Tally. A hand verdict counts only for the code it was given on (the ledger's hash, or a function
    the ledger does not hold). A hand kill counts as killed since, whatever the ledger says of that mutant: a timeout
    (no verdict), or a kill that `restore` and `save` carried into the ledger."""
    hashes = {name: function.hash for name, function in ledger.items()}
    by_mutant = {v.mutant: v for v in hand if hashes.get(_split(v.mutant)[0], v.hash) == v.hash}
    verdicts: dict[str, str | None] = {f"{name}{MARK}{number}": status for name, function in ledger.items()
                                       for number, status in function.verdicts.items()}
    for mutant in by_mutant:
        verdicts.setdefault(mutant, None)
    tallies: dict[str, Tally] = {}
    for mutant, status in sorted(verdicts.items()):
        if only and not any(fnmatch.fnmatchcase(mutant, pattern) for pattern in only):
            continue
        entry = tallies.setdefault(_split(mutant)[0].rpartition(".")[0], Tally())
        given = by_mutant.get(mutant)
        # A hand kill first: `restore` gives hand kills back to mutmut as kills, so after a `save` the ledger holds
        # them as kills of the run too.
        if given is not None and given.verdict == "killed":
            entry.killed_since += 1
        elif status in KILLS:
            entry.killed += 1
        elif given is not None:
            entry.equivalent += 1
        else:
            entry.open += 1
    return tallies


def summary(tallies: dict[str, Tally]) -> str:
    """A markdown table, one row a module and one for all of them."""
    from mutation_report import interval_text  # the same directory: run as `python tools/mutation_ledger.py`

    lines = ["| module | mutants with a verdict | killed by the run | killed by tests since | equivalent (named) "
             "| open | kill rate | killed or named equivalent |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = sorted(tallies.items())
    if len(rows) > 1:
        rows.append(("all", Tally(*(sum(getattr(t, f) for t in tallies.values())
                                    for f in ("killed", "killed_since", "equivalent", "open")))))
    for module, t in rows:
        kills = t.killed + t.killed_since
        lines.append(f"| {module} | {t.total} | {t.killed} | {t.killed_since} | {t.equivalent} | {t.open} "
                     f"| {_percent(kills, t.total)} ({interval_text(kills, t.total)}) "
                     f"| {_percent(kills + t.equivalent, t.total)} |")
    return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    # Rounded down: one open survivor in 2000 reads 99.9%, never 100.0%.
    return f"{math.floor(1000 * part / whole) / 10:.1f}%"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/mutation_ledger.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["save", "restore", "summary"],
                        help="save: merge mutants/ into the ledger; restore: give its verdicts back to mutants/; "
                             "summary: the kill rate per module of the ledger and the hand verdicts (no mutants/)")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's directory (default mutants)")
    parser.add_argument("--ledger", type=Path, default=Path("docs/mutation-ledger.tsv"),
                        help="the ledger file (default docs/mutation-ledger.tsv)")
    parser.add_argument("--hand", type=Path, default=Path("docs/mutation-verdicts.tsv"),
                        help="restore: the verdicts given by hand (default docs/mutation-verdicts.tsv)")
    parser.add_argument("--generate", action="store_true",
                        help="restore: generate the mutants and mutmut's stats first (minutes: the whole selection)")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut's parallel processes with --generate")
    parser.add_argument("--only", nargs="+", metavar="GLOB", help="summary: only the mutants whose name matches a glob")
    args = parser.parse_args(argv)
    if args.generate and args.action != "restore":
        parser.error("--generate: only with restore")
    if args.only and args.action != "summary":
        parser.error("--only: only with summary")
    try:
        ledger = read_ledger(args.ledger)
        hand = read_hand(args.hand) if args.action in ("restore", "summary") else []
        if args.generate:
            import mutation_sample  # the same directory: run as `python tools/mutation_ledger.py`

            try:
                mutation_sample.generate(args.max_children, cwd=args.mutants.parent)
            except mutation_sample.Problem as problem:
                raise Problem(str(problem)) from None
        if args.action == "summary":
            tallies = tally(ledger, hand, args.only)
            if not tallies:
                raise Problem(f"no mutant in {args.ledger} or {args.hand}"
                              + (f" matches {' '.join(args.only)}" if args.only else ""))
            print(summary(tallies))
        elif args.action == "save":
            now, modules = current(args.mutants)
            merged = merge(ledger, now, modules)
            write_ledger(args.ledger, merged)
            count = sum(len(f.verdicts) for f in merged.values())
            print(f"{args.ledger}: {count} verdicts of {sum(1 for f in merged.values() if f.verdicts)} functions")
        else:
            restored, changed = restore(args.mutants, with_hand_kills(ledger, hand))
            print(f"{args.mutants}/: {restored} verdicts restored from {args.ledger}; {changed} functions changed "
                  f"since it was saved (their mutants run again)")
    except Problem as problem:
        print(f"mutation_ledger: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
