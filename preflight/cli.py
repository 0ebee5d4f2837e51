"""`python -m preflight`: the offline policy gate.

    python -m preflight --stack STACK [--program DIR] [--format text|json|markdown] [--policy-config FILE]
    python -m preflight --state FILE [--format ...] [--policy-config FILE]

Runs the program for STACK under the project's mock engine (or reads a `pulumi stack export` file), evaluates every
resource and stack policy of the pack through the policy SDK, and prints the plan, the violations and the exports.
Exit codes: 0 no mandatory violation, 1 mandatory violations (a mandatory rule that cannot verify a value it
cannot see counts as one), 2 usage, config, input or program error: always one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .engine import REPO_ROOT, ProgramError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
CONFIG_DIR = Path("policies") / "config"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m preflight",
        description="Evaluate a Pulumi stack offline against the aurora-platform policy pack.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 no mandatory violation, 1 mandatory violations, 2 usage, config or program error\n\n"
               "also:\n"
               "  python -m preflight diff BASE.json HEAD.json [--format text|markdown] [--fail-on-replace]\n"
               "  python -m preflight graph --stack STACK [--write-readme]\n"
               "  python -m preflight cost --stack STACK [--format text|json|markdown] [--set NS:KEY=VALUE]")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="stack name: runs the program with Pulumi.<stack>.yaml")
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
    parser.add_argument("--policy-config", type=Path, metavar="FILE",
                        help="policy pack config, as for `pulumi preview --policy-pack-config` (default: "
                             "policies/config/<stack>.json under the program directory, when it exists)")
    return parser


def _default_policy_config(program_dir: Path, stack: str) -> Path | None:
    candidate = program_dir / CONFIG_DIR / f"{stack}.json"
    return candidate if candidate.is_file() else None


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
    return guarded("preflight", _run, args)


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



def _run(args: argparse.Namespace) -> int:
    # Heavy imports happen here, after argparse: `--help` and usage errors stay instant.
    from .cost import report_estimate
    from .engine import run_stack
    from .policy_eval import Analyzer, PolicyConfigError, load_policy_config
    from .report import RENDERERS, Report
    from .state import load_state

    program_dir = args.program.resolve()
    deployed = load_state(args.state) if args.state is not None else None
    stack = deployed.stack if deployed is not None else args.stack

    # Config before the program runs: a bad config file is reported without evaluating anything. A state file
    # picks up the program's per-stack config only when it is a stack of that same project.
    config_path = args.policy_config
    if config_path is None and (deployed is None or deployed.project == _project_name(program_dir)):
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
    warnings = [f"policy config names {name}, which is not a policy of this pack (ignored, as the engine does)"
                for name in analyzer.unknown_policies] + run_warnings
    # What the program only reads (`Resource.get`) is someone else's to pay for, as it is someone else's to judge.
    managed = [r for r in resources if not getattr(r, "external", False)]
    report = Report(stack=stack, project=project, source=source, resources=resources, exports=exports,
                    evaluation=evaluation, policy_config=_display(config_path), pack_version=_pack_version(),
                    policy_count=len(analyzer.policies), warnings=warnings,
                    cost=report_estimate(managed, None if deployed is not None else run.region, config_path))
    emit(RENDERERS[args.format](report))
    return report.exit_code


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
