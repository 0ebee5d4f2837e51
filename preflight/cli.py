"""`python -m preflight`: evaluate a stack offline and print what it would create."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .engine import REPO_ROOT, ProgramError, StackRun, mask_secrets, run_stack


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preflight",
                                     description="Evaluate a Pulumi stack offline under the mock engine.")
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--program", type=Path, default=REPO_ROOT, help="program directory (default: this repository)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run = run_stack(args.stack, args.program)
    except ProgramError as error:
        print(f"preflight: {error}", file=sys.stderr)
        return 2
    print(render_json(run) if args.format == "json" else render_plan(run))
    return 0


def render_plan(run: StackRun) -> str:
    lines = [f"Stack {run.project}/{run.stack} ({run.region}) would create {len(run.resources)} resources:", ""]
    for token, count in run.counts_by_type().items():
        lines.append(f"  {count:>3}  {token}")
    lines += ["", "Component tree:"]
    lines += _tree(run)
    lines += ["", "Exports:"]
    for key, value in sorted(mask_secrets(run.exports).items()):
        lines.append(f"  {key}: {json.dumps(value)}")
    return "\n".join(lines)


def _tree(run: StackRun) -> list[str]:
    components = [r for r in run.resources if not r.custom]
    known = {r.urn for r in components}
    lines: list[str] = []

    def walk(resource, depth: int) -> None:
        children = run.children(resource.urn)
        custom = len([c for c in children if c.custom])
        lines.append(f"  {'  ' * depth}{resource.name} ({resource.type}): {custom} resources")
        for child in children:
            if not child.custom:
                walk(child, depth + 1)

    for component in components:
        if component.parent not in known:
            walk(component, 0)
    return lines


def render_json(run: StackRun) -> str:
    return json.dumps({
        "stack": run.stack,
        "project": run.project,
        "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "protect": r.protect,
                       "inputs": mask_secrets(r.inputs)} for r in run.resources],
        "exports": mask_secrets(run.exports),
    }, indent=2, sort_keys=True)
