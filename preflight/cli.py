"""`python -m preflight`: the offline policy gate.

    python -m preflight --stack STACK [--program DIR] [--format text|json|markdown] [--policy-config FILE]
    python -m preflight --stack dev --stack prod [--program DIR] [--format ...]    (or --all-stacks)
    python -m preflight --all-stacks --program HEAD --policy-config-dir BASE/policies/config
    python -m preflight --state FILE [--format ...] [--policy-config FILE]

Runs the program for STACK under the project's mock engine (or reads a `pulumi stack export` file), evaluates every
resource and stack policy of the pack through the policy SDK, and prints the plan, the violations and the exports.
Exit codes: 0 no mandatory violation, 1 mandatory violations (a mandatory rule that cannot verify a value it
cannot see counts as one), 2 usage, config, input or program error: always one line on stderr, never a traceback.
Several stacks (`--stack` repeated, or `--all-stacks`) are evaluated in one process, so the imports are paid once:
each stack's report, then one summary line per stack and the worst exit code of them all. `--policy-config-dir DIR`
judges each stack by DIR/<stack>.json, or by the pack's defaults where DIR has none: never by the program directory's
own config (the pull-request workflow gates the head's program with the base's configs that way).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .collector import freeze_imports
from .engine import REPO_ROOT, ProgramError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
# Set by `python -m preflight` (preflight/__main__.py): once the heavy modules are imported, move them out of the
# garbage collector's sight (gc.freeze), so no collection during the evaluation walks them again. Only in a process
# of its own: a test session calling main() in-process keeps its own collector settings (tests/conftest.py).
FREEZE_IMPORTS = False
CONFIG_DIR = Path("policies") / "config"

# The one table of exit codes: every `--help` of the gate and of its subcommands (diff, graph, cost) ends with it.
EXIT_CODES = (
    (EXIT_OK, "no mandatory violation (diff: nothing to flag; graph, cost: done)"),
    (EXIT_VIOLATIONS, "mandatory violations (diff --fail-on-replace: a stateful resource would be replaced)"),
    (EXIT_ERROR, "usage, config, input or program error: one line on stderr starting `preflight:`"),
)
EXIT_CODES_HELP = "exit codes (several stacks: the worst of them):\n" + "\n".join(
    f"  {code}  {meaning}" for code, meaning in EXIT_CODES)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors start as every other error of the command does (`preflight: error: ...`,
    `preflight diff: error: ...`), not with the `python -m` it is started with; exit 2 as argparse's own."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog.removeprefix('python -m ')}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m preflight",
        description="Evaluate a Pulumi stack offline against the aurora-platform policy pack.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES_HELP + "\n\n"
               "also:\n"
               "  python -m preflight diff BASE.json HEAD.json [--format text|markdown] [--fail-on-replace]\n"
               "  python -m preflight graph --stack STACK [--write-readme]\n"
               "  python -m preflight cost --stack STACK [--format text|json|markdown] [--set NS:KEY=VALUE]")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", action="append", metavar="STACK",
                        help="stack name: runs the program with Pulumi.<stack>.yaml; repeat it to gate several "
                             "stacks in one process")
    target.add_argument("--all-stacks", action="store_true",
                        help="every stack of the program directory (each Pulumi.<stack>.yaml), in one process")
    target.add_argument("--state", type=Path, metavar="FILE",
                        help="audit a deployed stack from `pulumi stack export` output (version 3) instead")
    parser.add_argument("--program", type=Path, default=REPO_ROOT, metavar="DIR",
                        help="Pulumi program directory (default: this repository)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    identity = parser.add_argument_group("identity of the fake account (for programs that guard on them)")
    identity.add_argument("--account-id", metavar="ID", help="AWS account id the program sees (12 digits)")
    identity.add_argument("--organization", metavar="NAME", help="Pulumi organization the program sees")
    identity.add_argument("--identity", type=Path, metavar="FILE",
                          help="YAML/JSON file with accountId, organization, arn (flags above win)")
    configs = parser.add_mutually_exclusive_group()
    configs.add_argument("--policy-config", type=Path, metavar="FILE",
                         help="policy pack config, as for `pulumi preview --policy-pack-config` (default: "
                              "policies/config/<stack>.json under the program directory, when it exists; one stack "
                              "only)")
    configs.add_argument("--policy-config-dir", type=Path, metavar="DIR",
                         help="each stack's config is DIR/<stack>.json; a stack DIR has none for gets the pack's "
                              "defaults, never the program directory's own config (one or several stacks)")
    return parser


def _default_policy_config(program_dir: Path, stack: str) -> Path | None:
    candidate = program_dir / CONFIG_DIR / f"{stack}.json"
    return candidate if candidate.is_file() else None


def _config_dir_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with --policy-config-dir, checked before any stack runs: a directory that is not there would
    otherwise judge every stack by the pack's defaults (advisory stays advisory) without a word."""
    directory = getattr(args, "policy_config_dir", None)
    if directory is None:
        return None
    if not directory.exists():
        return f"--policy-config-dir {str(directory)!r}: no such directory (give the directory that holds <stack>.json)"
    if not directory.is_dir():
        return f"--policy-config-dir {str(directory)!r}: not a directory (give the directory that holds <stack>.json)"
    return None


def _config_in_dir(directory: Path, stack: str) -> Path | None:
    """DIR/<stack>.json when it is a file, else None (the pack's defaults). The stack name must be one file name:
    a state file's stack `../x` must not reach a config outside DIR."""
    candidate = directory / f"{stack}.json"
    if candidate.name != f"{stack}.json" or candidate.parent != directory or stack in ("", ".", ".."):
        raise ProgramError(f"--policy-config-dir: stack name {stack!r} is not a plain file name, so it names no "
                           f"<stack>.json in {directory}", "config")
    return candidate if candidate.exists() else None


def _project_name(program_dir: Path) -> str | None:
    try:
        return str((yaml.safe_load((program_dir / "Pulumi.yaml").read_text()) or {}).get("name"))
    except (OSError, yaml.YAMLError, AttributeError):
        return None


def _pack_version() -> str:
    try:
        project = yaml.safe_load((REPO_ROOT / "policies" / "PulumiPolicy.yaml").read_text())
        return str(project.get("version", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return ""


def _display(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.state is None and (args.all_stacks or len(args.stack) > 1):
        return _run_stacks(args)
    if args.stack is not None:
        args.stack = args.stack[0]
    problem = _config_dir_problem(args)
    if problem:  # before anything runs, as for several stacks
        print(f"preflight: {problem}", file=sys.stderr)
        return EXIT_ERROR
    return guarded("preflight", _run, args)


def _stacks_asked(args: argparse.Namespace) -> list[str]:
    """The stacks to gate, each checked before anything is evaluated: every problem of the list in one error (a
    name without its Pulumi.<stack>.yaml, a name given twice, --policy-config with several stacks)."""
    program_dir = args.program.resolve()
    from .engine import list_stacks

    known = list_stacks(program_dir) if program_dir.is_dir() else []
    if args.all_stacks:
        if not known:
            raise ProgramError(f"--all-stacks: no Pulumi.<stack>.yaml in {program_dir}", "config")
        asked = known
    else:
        asked = args.stack
    problems = []
    # Only names listed from the directory count: a path-like or differently-cased name is never looked up.
    unknown = [name for name in asked if name not in known]
    if unknown:
        problems.append(f"--stack {', '.join(repr(name) for name in unknown)}: no such stack in {program_dir} "
                        f"(stacks here: {', '.join(known) or 'none'})")
    repeated = sorted({name for name in asked if asked.count(name) > 1})
    if repeated:
        problems.append(f"--stack {', '.join(repr(name) for name in repeated)} given more than once")
    if args.policy_config is not None:
        problems.append("--policy-config applies to one stack; with several, each stack uses "
                        f"{CONFIG_DIR}/<stack>.json under the program directory, or DIR/<stack>.json with "
                        "--policy-config-dir DIR")
    problem = _config_dir_problem(args)
    if problem:
        problems.append(problem)
    if problems:
        raise ProgramError("; ".join(problems), "config")
    return list(asked)


def _run_stacks(args: argparse.Namespace) -> int:
    """Gate several stacks in one process: the reports in order, then a summary line per stack and the worst exit
    code. A stack that cannot be evaluated is its own one-line error on stderr; the others are still gated."""
    chosen: list[str] = []

    def choose() -> int:
        chosen.extend(_stacks_asked(args))
        return EXIT_OK

    if guarded("preflight", choose) != EXIT_OK:
        return EXIT_ERROR  # nothing evaluated: a wrong name in the list stops the whole run
    outcomes: list[tuple[str, int, Any]] = []
    for stack in chosen:
        one = argparse.Namespace(**{**vars(args), "stack": stack, "all_stacks": False})
        reports: list[Any] = []
        code = guarded(f"preflight: stack {stack}", _run, one, reports.append)
        outcomes.append((stack, code, reports[0] if reports else None))
    worst = max(code for _, code, _ in outcomes)
    emit(_render_summary(args.format, outcomes, worst))
    return worst


def _render_summary(fmt: str, outcomes: list[tuple[str, int, Any]], worst: int) -> str:
    from .report import _verdict, to_json

    def line(stack: str, code: int, report: Any) -> str:
        return f"{stack}: {_verdict(report)}" if report is not None else \
            f"{stack}: ERROR: not evaluated (exit {code}; the reason is on stderr)"

    overall = {EXIT_OK: "PASS", EXIT_VIOLATIONS: "FAIL"}.get(worst, "ERROR")
    if fmt == "json":
        import json

        return json.dumps({"stacks": [{"stack": stack, "exitCode": code,
                                       "report": to_json(report) if report is not None else None}
                                      for stack, code, report in outcomes],
                           "exitCode": worst}, indent=2, sort_keys=True, default=str)
    if fmt == "markdown":
        return "\n".join(["### preflight summary", ""] + [f"- {line(*outcome)}" for outcome in outcomes]
                         + ["", f"Overall: {overall}, exit code {worst}."])
    return "\n".join([f"Summary of {len(outcomes)} stacks:"] + [f"  {line(*outcome)}" for outcome in outcomes]
                     + [f"Overall: {overall}, exit code {worst} (the worst of the stacks)."])


def guarded(prog: str, run: Any, *args: Any) -> int:
    """Run a subcommand under the exit-code contract: its own errors (ProgramError and the ValueErrors of config,
    state, report and evaluation problems) are one line and exit 2; so is anything unexpected, named by type only
    (its message could quote a secret value). PREFLIGHT_TRACEBACK=1 lets the unexpected ones through, to debug."""
    try:
        return run(*args)
    except ProgramError as error:  # its message lists the program's problems, a line each, as the engine does
        print(f"{prog}: {error}", file=sys.stderr)
    except ValueError as error:  # PolicyConfigError, StateError, EvaluationError, DiffInputError
        print(f"{prog}: {_one_line(str(error))}", file=sys.stderr)
    except RecursionError:
        print(f"{prog}: an input is nested too deeply to evaluate", file=sys.stderr)
    except Exception as error:
        if os.environ.get("PREFLIGHT_TRACEBACK"):
            raise
        print(f"{prog}: internal error: {type(error).__name__} (rerun with PREFLIGHT_TRACEBACK=1 for details)",
              file=sys.stderr)
    return EXIT_ERROR


def _one_line(message: str) -> str:
    # Messages quote file content (keys, URNs); a newline in one must not start a second line on stderr.
    return " ".join(message.split("\n"))



def _run(args: argparse.Namespace, keep: Any = None) -> int:
    """Gate one stack (or state file) and print its report; `keep` (several stacks) collects the report instead,
    for the summary and the combined JSON."""
    # Heavy imports happen here, after argparse: `--help` and usage errors stay instant.
    from .cost import report_estimate
    from .engine import run_stack
    from .policy_eval import Analyzer, PolicyConfigError, load_policy_config
    from .report import RENDERERS, Report
    from .state import load_state

    _freeze_imports()
    program_dir = args.program.resolve()
    deployed = load_state(args.state) if args.state is not None else None
    stack = deployed.stack if deployed is not None else args.stack

    # Config before the program runs: a bad config file is reported without evaluating anything. A state file
    # picks up the program's per-stack config only when it is a stack of that same project.
    config_path = args.policy_config
    config_dir = getattr(args, "policy_config_dir", None)
    config_warnings: list[str] = []
    if config_dir is not None:
        # Only DIR counts: a stack it has no config for is judged by the pack's defaults, never by a config the
        # program directory brings along (a pull request's head adding its own lenient policies/config/<stack>.json).
        config_path = _config_in_dir(config_dir, stack)
        if config_path is None:
            config_warnings.append(f"no {stack}.json in --policy-config-dir {_display(config_dir)}: the pack's "
                                   "defaults judge this stack")
    elif config_path is None and (deployed is None or deployed.project == _project_name(program_dir)):
        config_path = _default_policy_config(program_dir, stack)
    try:
        # Fail closed: a mandatory rule that cannot see a value it reads is a mandatory finding (docs/preflight.md).
        analyzer = Analyzer(load_policy_config(config_path) if config_path else None, fail_closed=True)
    except PolicyConfigError as error:  # name the file the problems are in, as the user wrote its path
        raise PolicyConfigError(error.errors, source=_display(config_path)) from None

    secrets = None  # secrets by value: only a program run knows them (see docs/preflight.md)
    run_warnings: list[str] = []
    if deployed is not None:
        project, resources, exports, source = deployed.project, deployed.resources, deployed.exports, "state"
    else:
        from .mock_invokes import load_identity

        who = load_identity(args.identity, args.account_id, args.organization)
        run = run_stack(stack, program_dir, identity=who)
        project, resources, exports, source = run.project, run.resources, run.exports, "program"
        secrets = run.secrets
        run_warnings = list(run.warnings)

    evaluation, resources, exports = judge(analyzer, resources, exports, secrets)
    warnings = config_warnings + [
        f"policy config names {name}, which is not a policy of this pack (ignored, as the engine does)"
        for name in analyzer.unknown_policies] + run_warnings
    # What the program only reads (`Resource.get`) is someone else's to pay for, as it is someone else's to judge.
    managed = [r for r in resources if not getattr(r, "external", False)]
    report = Report(stack=stack, project=project, source=source, resources=resources, exports=exports,
                    evaluation=evaluation, policy_config=_display(config_path), pack_version=_pack_version(),
                    policy_count=len(analyzer.policies), warnings=warnings,
                    cost=report_estimate(managed, None if deployed is not None else run.region, config_path))
    if keep is not None:
        keep(report)
        if args.format == "json":
            return report.exit_code  # one JSON document for all the stacks, printed with the summary
        emit(RENDERERS[args.format](report) + "\n")
        return report.exit_code
    emit(RENDERERS[args.format](report))
    return report.exit_code


def _freeze_imports() -> None:
    """Once per process (several stacks share it), and only when FREEZE_IMPORTS is set. Measured in docs/tests.md."""
    global FREEZE_IMPORTS
    if FREEZE_IMPORTS:
        FREEZE_IMPORTS = False
        freeze_imports()


def judge(analyzer: Any, resources: Sequence[Any], exports: Mapping[str, Any],
          secrets: Sequence[Any] | None = None) -> tuple[Any, list[Any], dict[str, Any]]:
    """The gate's one evaluation, for every report it or `preflight diff` reads: (evaluation, resources, exports).

    `secrets` (StackRun.secrets) are the plaintexts a program run knows to be secret; with them the pack's
    secrets-by-value rules judge every property, and any property or export holding one unmarked comes back as
    `Secret`, so every format prints `[secret]` (None, as for a state file: those rules stay silent). Resource policies
    see inputs; stack policies see outputs (for a preview, the mock engine's outputs are the inputs plus plausible
    computed values, as the engine's would be after a successful create). `analyzer` None: nothing is evaluated
    (an empty Evaluation), the values are still concealed."""
    from policies.rules.secrets import SecretContext, evaluating

    from .engine import conceal_all
    from .policy_eval import Evaluation

    known = SecretContext.of(secrets, resources, exports) if secrets is not None else None
    evaluation = Evaluation()
    if analyzer is not None:
        with evaluating(known):
            evaluation = analyzer.evaluate(resources, stack_use_outputs=True)
    if known is None:
        return evaluation, list(resources), dict(exports)
    return (evaluation, *conceal_all(list(resources), exports, known.leaks))


def emit(text: str) -> None:
    """Print the result. `preflight ... | head`: the reader left early; the verdict (exit code) still stands."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
