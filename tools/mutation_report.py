"""Kill rate per module from mutmut's results in mutants/ (after `make mutate`), as a markdown table, then every
survivor by name so it can be read with `mutmut show NAME`.

A mutant is killed when a test failed (or timed out: the change made the code loop). "no tests" counts against the
module like a survivor: no test reaches the changed line at all.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def results(root: Path) -> dict[str, dict[str, str]]:
    """module path -> mutant name -> status, from the .meta files mutmut writes beside each mutated module."""
    by_module: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted(root.rglob("*.py.meta")):
        module = meta.relative_to(root).as_posix()[: -len(".meta")]
        for name, code in json.loads(meta.read_text()).get("exit_code_by_key", {}).items():
            by_module[module][name] = status_by_exit_code[code]
    return by_module


def report(by_module: dict[str, dict[str, str]]) -> str:
    lines = ["| module | mutants | killed | survived | no tests | kill rate |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    survivors: list[str] = []
    for module, statuses in sorted(by_module.items()):
        counts = Counter("killed" if s in KILLED else s for s in statuses.values() if s not in NOT_RUN)
        run = sum(counts.values())
        if not run:
            continue
        rate = 100.0 * counts["killed"] / run
        lines.append(f"| `{module}` | {run} | {counts['killed']} | {counts['survived']} | {counts['no tests']} "
                     f"| {rate:.0f}% |")
        survivors += sorted(n for n, s in statuses.items() if s in ("survived", "no tests", "suspicious"))
    lines += ["", f"{len(survivors)} survivor(s):"] + [f"- `{name}`" for name in survivors]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("mutants")
    by_module = results(root)
    if not by_module:
        print(f"no mutmut results under {root}/: run `make mutate` first", file=sys.stderr)
        return 2
    print(report(by_module))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
