"""A seeded random sample of mutmut's mutant names, so a kill rate of a set too big to run whole can be measured and
quoted with the command that drew it (docs/mutation-testing.md, "Running it"):

    python tools/mutation_sample.py --seed 7 --count 40 'policies.rules.*'

prints the names one a line, in the order drawn. The procedure is fixed (other measurements quote it, so a seed and a
count must keep naming the same mutants):

    names  = sorted(every key of "exit_code_by_key" in every mutants/**/*.py.meta)
    pick   = [n for n in names if fnmatch.fnmatchcase(n, GLOB)]      # one or more globs, union, sorted
    sample = random.Random(SEED).sample(pick, min(N, len(pick)))

The names exist once mutmut has generated the mutants; `--run` does that first (generate and collect the stats, run
nothing), then runs the sample by name and prints its kill rate with a 95% interval (tools/mutation_report.py).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import subprocess
import sys
from pathlib import Path

# mutmut filters its run by these names with fnmatch; a glob that matches nothing stops it with this message after it
# has generated the mutants and collected its stats, which is how the names are made without running any mutant.
NOTHING = "nothing.matches*"
NOTHING_MATCHED = "Filtered for specific mutants, but nothing matches"


class Problem(Exception):
    """Bad input or a missing prerequisite: one line for the user, exit code 2."""


def all_names(mutants: Path) -> list[str]:
    """Every mutant name mutmut generated under `mutants`, sorted."""
    names: list[str] = []
    for meta in mutants.rglob("*.py.meta"):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Problem(f"{meta}: not a mutmut result file ({error})") from None
        keys = data.get("exit_code_by_key") if isinstance(data, dict) else None
        if not isinstance(keys, dict):
            raise Problem(f"{meta}: no \"exit_code_by_key\" object in it (is it mutmut's?)")
        names.extend(keys)
    return sorted(names)


def pick(names: list[str], globs: list[str]) -> list[str]:
    """The names matching any of `globs` (case-sensitive, like mutmut's own filter on Linux), in `names`' order."""
    return [n for n in names if any(fnmatch.fnmatchcase(n, g) for g in globs)]


def sample(picked: list[str], seed: int, count: int) -> list[str]:
    return random.Random(seed).sample(picked, min(count, len(picked)))


def draw(mutants: Path, globs: list[str], seed: int, count: int) -> list[str]:
    names = all_names(mutants)
    if not names:
        raise Problem(f"no mutmut results under {mutants}/: generate the mutants first "
                      f"(python -m mutmut run --max-children 1 '{NOTHING}', or this tool with --run)")
    picked = pick(names, globs)
    if not picked:
        raise Problem(f"no mutant name matches {' '.join(globs)} (of {len(names)} under {mutants}/; names look "
                      f"like {names[0]})")
    return sample(picked, seed, count)


def mutmut(*args: str, python: str = sys.executable, nice: int = 5, log: Path | None = None,
           cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m mutmut ARGS` at a lower priority (the cores are shared); output to `log` if given."""
    command = [python, "-m", "mutmut", *args]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    if log is None:
        return subprocess.run(command, cwd=cwd, check=False)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)


def generate(max_children: int, *, nice: int = 5, cwd: Path = Path(".")) -> None:
    """Generate the mutants and collect mutmut's stats without running a mutant (a filter that matches nothing).

    The stats run is the whole test selection under mutmut: minutes. Its output goes to mutants/generate.log."""
    log = cwd / "mutants" / "generate.log"
    print(f"generating the mutants and collecting mutmut's stats (the whole test selection; output in {log})",
          flush=True)
    done = mutmut("run", "--max-children", str(max_children), NOTHING, nice=nice, log=log, cwd=cwd)
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if done.returncode != 0 and NOTHING_MATCHED not in text:
        tail = "\n".join(text.splitlines()[-30:])
        raise Problem(f"mutmut could not generate the mutants or collect its stats (exit {done.returncode}); "
                      f"the end of {log}:\n{tail}")


def run_names(names: list[str], max_children: int, *, nice: int = 5, cwd: Path = Path(".")) -> int:
    """Run exactly these mutants. Whole names (not globs): mutmut then runs only their functions' tests as its clean
    check; with a glob like `m.x_f__mutmut_*` it matches no function name and runs the whole selection instead."""
    return mutmut("run", "--max-children", str(max_children), *names, nice=nice, cwd=cwd).returncode


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python tools/mutation_sample.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, required=True, help="the random seed (an integer), quoted with the rate")
    parser.add_argument("--count", type=int, required=True, help="how many mutants to draw (fewer if fewer match)")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's directory (default mutants)")
    parser.add_argument("--run", action="store_true",
                        help="generate the mutants first, then run the sample and print its kill rate")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut's parallel mutants with --run")
    parser.add_argument("globs", nargs="+", metavar="GLOB", help="mutant names to draw from, e.g. 'ops.confirm.*'")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count: {args.count} given; a count of at least 1 is needed")
    if args.max_children < 1:
        parser.error(f"--max-children: {args.max_children} given; at least 1 is needed")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    try:
        if args.run:
            generate(args.max_children, cwd=args.mutants.parent)
        names = draw(args.mutants, args.globs, args.seed, args.count)
    except Problem as problem:
        print(f"mutation_sample: {problem}", file=sys.stderr)
        return 2
    if not args.run:
        print("\n".join(names))
        return 0
    print(f"sample: --seed {args.seed} --count {args.count} {' '.join(args.globs)}: {len(names)} mutant(s)",
          flush=True)
    code = run_names(names, args.max_children, cwd=args.mutants.parent)
    from mutation_report import report, results  # the same directory: run as `python tools/mutation_sample.py`

    print(report(results(args.mutants), only=names, sample=True))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
