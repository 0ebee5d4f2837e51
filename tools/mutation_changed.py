"""Mutation testing of what changed: the functions and methods whose lines differ between BASE and the work tree, in
the modules pyproject.toml's [tool.mutmut] mutates (docs/mutation-testing.md, "On a change").

    python tools/mutation_changed.py [--base main]         # list them, as mutmut's mutant-name globs
    python tools/mutation_changed.py [--base main] --run   # then run their mutants and report (make mutate-changed)

Changed lines come from `git diff -U0 BASE` (plus files git does not track yet); the function that holds each line
from `ast`, on both sides of the diff (a deleted line changes the function it was in at BASE). mutmut mutates only
top-level functions and the methods of top-level classes, undecorated (or with @staticmethod / @classmethod alone), and
names them `module.x_function__mutmut_N` and `module.xǁClassǁmethod__mutmut_N`. A changed line anywhere else runs at
import (or is out of mutmut's reach), so no mutant can test it: it is listed, with why, never skipped silently.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SEPARATOR = "ǁ"  # mutmut's class separator in mangled names (mutmut.mutation.trampoline_templates)
NEVER_MUTATED = {"__getattribute__", "__setattr__", "__new__"}  # mutmut.mutation.file_mutation
ENUM_HOOKS = {"__init__", "_generate_next_value_"}
ENUM_BASES = {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"}
# `@@ -a[,b] +c[,d] @@`: the only part of `git diff -U0` read here (file names come from `git diff --name-only -z`).
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class Problem(Exception):
    """Bad input or a broken prerequisite: one line for the user, exit code 2."""


@dataclass(frozen=True)
class Unit:
    """A span of a module: a function or method (`key`, its mangled name), and why mutmut cannot test it (`reason`,
    None when it mutates it)."""
    first: int
    last: int
    key: str | None = None
    reason: str | None = None

    @property
    def mutated(self) -> bool:
        return self.key is not None and self.reason is None


@dataclass
class Changes:
    functions: dict[str, list[str]] = field(default_factory=dict)  # module path -> mangled keys, in file order
    unreachable: list[str] = field(default_factory=list)  # "path:lines: why"
    gone: list[str] = field(default_factory=list)  # functions or modules removed since BASE
    outside: list[str] = field(default_factory=list)  # changed .py files mutmut does not mutate


# ---- what mutmut mutates -------------------------------------------------------------------------------------------

def mutmut_config(root: Path) -> dict:
    path = root / "pyproject.toml"
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("mutmut")
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise Problem(f"{path}: cannot read it ({error})") from None
    if not isinstance(config, dict) or not config.get("only_mutate"):
        raise Problem(f"{path}: no [tool.mutmut] only_mutate list; nothing is mutated")
    return config


def mutated(path: str, config: dict) -> bool:
    """Whether mutmut mutates the file at `path` (relative, with /): under a source path, matched like mutmut does."""
    if not path.endswith(".py"):
        return False
    sources = [s.rstrip("/") for s in config.get("source_paths", [])]
    if sources and not any(path == s or path.startswith(s + "/") for s in sources):
        return False
    return (any(fnmatch.fnmatch(path, p) for p in config["only_mutate"])
            and not any(fnmatch.fnmatch(path, p) for p in config.get("do_not_mutate", [])))


def module_name(path: str) -> str:
    """mutmut's module part of a mutant name: components/kms.py -> components.kms (a package's __init__ dropped)."""
    name = path[: -len(".py")].replace("/", ".")
    name = name.removeprefix("src.")
    return name.removesuffix(".__init__")


def glob_of(path: str, key: str) -> str:
    return f"{module_name(path)}.{key}__mutmut_*"


def _decorated_out(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """mutmut skips a decorated function, except one with @staticmethod or @classmethod as its only decorator."""
    if not node.decorator_list:
        return False
    only = node.decorator_list[0]
    return not (len(node.decorator_list) == 1 and isinstance(only, ast.Name)
                and only.id in ("staticmethod", "classmethod"))


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None, enum: bool) -> Unit:
    key = f"x{SEPARATOR}{cls}{SEPARATOR}{node.name}" if cls else f"x_{node.name}"
    label = f"{cls}.{node.name}" if cls else node.name
    span = (_start(node), node.end_lineno or node.lineno)
    if _decorated_out(node):
        return Unit(*span, key, reason=f"{label} is decorated (mutmut mutates no decorated function)")
    if node.name in NEVER_MUTATED or (enum and node.name in ENUM_HOOKS):
        return Unit(*span, key, reason=f"{label}: mutmut never mutates {node.name}")
    return Unit(*span, key=key)


def units(source: str, filename: str) -> list[Unit]:
    """Every span of the module that holds code, each with its function key or the reason mutmut cannot test it.
    Lines in no span are blank or comments."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise Problem(f"{filename}: cannot parse it (line {error.lineno}: {error.msg}); fix it first") from None
    found: list[Unit] = []
    for node in tree.body:
        first, last = _start(node), node.end_lineno or node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(_function(node, None, False))
        elif isinstance(node, ast.ClassDef) and _start(node.body[0]) > node.lineno:
            enum = any((b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None)) in ENUM_BASES
                       for b in node.bases)
            found.append(Unit(first, _start(node.body[0]) - 1,
                              reason=f"class {node.name}'s header (runs at import)"))
            for child in node.body:
                span = (_start(child), child.end_lineno or child.lineno)
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found.append(_function(child, node.name, enum))
                elif isinstance(child, ast.ClassDef):
                    found.append(Unit(*span, reason=f"class {node.name}.{child.name} is nested (mutmut mutates the "
                                                    "methods of top-level classes only)"))
                else:
                    found.append(Unit(*span, reason=f"class {node.name}'s body (runs at import)"))
        else:
            found.append(Unit(first, last, reason="module level (runs at import; mutmut mutates functions only)"))
    return found


def _unit_at(found: list[Unit], line: int) -> Unit | None:
    # Innermost: a class's header span and its children do not overlap, so the first hit is the only one.
    return next((u for u in found if u.first <= line <= u.last), None)


# ---- what changed --------------------------------------------------------------------------------------------------

def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Problem(f"git {' '.join(args)}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done.stdout


def resolve(root: Path, base: str) -> str:
    """BASE as a commit id; never read as an option (`--output=...` would make git diff write a file)."""
    if not base or base.startswith("-"):
        raise Problem(f"BASE {base!r} is not a commit: give a branch, tag or commit id (BASE=main)")
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                           f"{base}^{{commit}}"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Problem(f"BASE {base!r} is not a commit in {root}: give a branch, tag or commit id (BASE=main)")
    return done.stdout.strip()


def changed_files(root: Path, commit: str, paths: list[str]) -> tuple[list[str], list[str]]:
    """(files changed since `commit` that git tracks, files git does not track yet), relative paths, under `paths`
    (git pathspecs; all when empty)."""
    tracked = git(root, "diff", "--name-only", "-z", "--no-renames", commit, "--", *paths).split("\0")
    new = git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *paths).split("\0")
    return [p for p in tracked if p], [p for p in new if p]


def hunks(root: Path, commit: str, path: str) -> list[tuple[range, range]]:
    """(lines at BASE, lines in the work tree) of each change to `path`, from its hunk headers."""
    # --inter-hunk-context=0: a configured diff.interHunkContext would fuse nearby hunks, unchanged lines and all.
    text = git(root, "diff", "-U0", "--inter-hunk-context=0", "--no-color", "--no-ext-diff", "--no-textconv",
               "--no-renames", commit, "--", path)
    found = []
    for line in text.splitlines():
        match = HUNK.match(line)
        if match:
            a, b, c, d = (int(g) if g is not None else 1 for g in match.groups())
            found.append((range(a, a + b), range(c, c + d)))
    return found


def _spans(lines: list[int]) -> str:
    parts, start = [], None
    for i, line in enumerate(lines):
        start = line if start is None else start
        if i + 1 == len(lines) or lines[i + 1] != line + 1:
            parts.append(str(start) if start == line else f"{start}-{line}")
            start = None
    return ", ".join(parts)


def changes(root: Path, base: str, paths: list[str] | None = None) -> Changes:
    config = mutmut_config(root)
    commit = resolve(root, base)
    missing = [p for p in paths or [] if not (root / p).exists() and not _exists_at(root, commit, p.rstrip("/"))]
    if missing:  # a typo would otherwise read as "nothing changed"
        raise Problem(f"PATHS: {', '.join(missing)}: no such file or directory here or at {base}")
    tracked, untracked = changed_files(root, commit, paths or [])
    sources = [s.rstrip("/") + "/" for s in config.get("source_paths", [])]
    result = Changes()
    for path in sorted(set(tracked) | set(untracked)):
        if not mutated(path, config):
            if path.endswith(".py") and any(path.startswith(s) for s in sources):
                result.outside.append(path)
            continue
        file = root / path
        if not file.exists():
            result.gone.append(f"{path} (removed)")
            continue
        new_units = units(file.read_text(encoding="utf-8"), path)
        if path in untracked or not _exists_at(root, commit, path):
            edits = [(range(0), range(1, max(u.last for u in new_units) + 1 if new_units else 1))]
            old_units: list[Unit] = []
        else:
            edits = hunks(root, commit, path)
            try:
                old_units = units(git(root, "show", f"{commit}:{path}"), f"{path} at {base}")
            except Problem:
                old_units = []  # BASE's copy does not parse: the work tree's side still says what changed
        by_key = {u.key: u for u in new_units if u.key}
        hit: set[str] = set()
        import_time: dict[str, list[int]] = {}
        for old, new in edits:
            for line in new:
                unit = _unit_at(new_units, line)
                if unit is None:
                    continue
                if unit.mutated:
                    hit.add(unit.key)
                else:
                    import_time.setdefault(unit.reason or "", []).append(line)
            for line in old:
                unit = _unit_at(old_units, line)
                if unit is None:
                    continue
                now = by_key.get(unit.key) if unit.key else None
                if now is not None and now.mutated:
                    hit.add(now.key)
                elif unit.key and now is None:
                    result.gone.append(f"{path}: {unit.key} (not in the work tree any more)")
                elif not new:  # lines only removed: the work tree's side has nothing to name
                    reason = now.reason if now is not None else unit.reason
                    import_time.setdefault(f"{reason}; lines removed (numbered as at {base})", []).append(line)
        ordered = [u.key for u in new_units if u.key in hit]
        if ordered:
            result.functions[path] = ordered
        for reason, lines in import_time.items():
            result.unreachable.append(f"{path}:{_spans(sorted(set(lines)))}: {reason}")
    result.gone = sorted(set(result.gone))
    return result


def _exists_at(root: Path, commit: str, path: str) -> bool:
    done = subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"{commit}:{path}"], capture_output=True,
                          check=False)
    return done.returncode == 0


def describe(found: Changes, base: str) -> str:
    lines = []
    if found.functions:
        lines.append(f"Changed since {base}, mutated by mutmut (their mutants' globs):")
        for path, keys in found.functions.items():
            lines += [f"  {glob_of(path, key)}" for key in keys]
    else:
        lines.append(f"No function or method that mutmut mutates changed since {base}.")
    if found.unreachable:
        lines.append("Changed lines no mutant can test (mutmut mutates functions and methods only):")
        lines += [f"  {entry}" for entry in found.unreachable]
    if found.gone:
        lines.append("Removed since " + base + ":")
        lines += [f"  {entry}" for entry in found.gone]
    if found.outside:
        lines.append("Changed source files outside [tool.mutmut] only_mutate (not mutated): "
                     + ", ".join(found.outside))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/mutation_changed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="the commit to compare the work tree with (default main)")
    parser.add_argument("--run", action="store_true", help="run the changed functions' mutants, then report")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut's parallel mutants (default 1)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default: here)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="only changes under these paths (default: all)")
    args = parser.parse_args(argv)
    if args.max_children < 1:
        parser.error(f"--max-children: {args.max_children} given; at least 1 is needed")
    try:
        found = changes(args.root, args.base, args.paths)
        print(describe(found, args.base), flush=True)
        if not args.run or not found.functions:
            return 0
        return run(args.root, found, args.max_children)
    except Problem as problem:
        print(f"mutation_changed: {problem}", file=sys.stderr)
        return 2


def run(root: Path, found: Changes, max_children: int) -> int:
    # The same directory: run as `python tools/mutation_changed.py`.
    from mutation_report import report, results
    from mutation_sample import all_names, generate, pick, run_names

    globs = [glob_of(path, key) for path, keys in found.functions.items() for key in keys]
    generate(max_children, cwd=root)
    names = pick(all_names(root / "mutants"), globs)
    empty = [g for g in globs if not pick(names, [g])]
    if empty:
        print("No mutant for (nothing mutmut can change in it, or `# pragma: no mutate`): " + ", ".join(empty))
    if not names:
        print("No mutant to run.")
        return 0
    print(f"running {len(names)} mutant(s) of {len(globs) - len(empty)} function(s)", flush=True)
    code = run_names(names, max_children, cwd=root)
    print(report(results(root / "mutants"), only=names))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
