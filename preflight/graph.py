"""`python -m preflight graph --stack STACK`: the stack's components and the dependencies between them, in Mermaid.

    python -m preflight graph --stack STACK [--program DIR] [--format mermaid] [--write-readme]
    python -m preflight graph --stack STACK --report FILE    (a `--format json` report or several-stack run)

Runs the program for STACK under the offline engine and draws:
- the component tree: a component with child components is a subgraph, a component without is a node labelled with
  its name, its type and how many resources it holds directly;
- an edge A --> B when a resource inside B (B's own resources, not those of its child components) depends on a
  resource inside A, through `dependsOn` or an input built from A's outputs (the recorded `dependencies` and
  `propertyDependencies`); the edge is labelled with the types of the resources of A that B uses.
Output is sorted, so the same program and settings always give the same text. `--write-readme` writes the diagram
between the README's `<!-- preflight-graph:STACK:start -->` and `<!-- preflight-graph:STACK:end -->` markers
(tests/preflight/test_graph.py fails when that copy is stale).
Exit codes: 0 drawn, 2 usage, config or program error (one line).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import REPO_ROOT, STACK_TYPE

EXIT_OK, EXIT_ERROR = 0, 2
ROOT = "(stack)"
MERMAID_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classDef", "click", "linkStyle"}
MAX_EDGE_TYPES = 3


@dataclass
class Component:
    urn: str
    type: str
    name: str
    parent: str | None  # URN of the parent component; None for the stack's direct children
    node_id: str = ""
    children: list[str] = field(default_factory=list)  # child component URNs
    resources: int = 0  # custom resources directly under this component


def _short_type(token: str) -> str:
    """"aws:rds/cluster:Cluster" -> "Cluster"; "aurora-platform:network:Network" -> "Network"."""
    return token.rsplit(":", 1)[-1]


def _node_id(component: Component, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", f"{_short_type(component.type)}_{component.name}").strip("_") or "c"
    if base in MERMAID_RESERVED or base[0].isdigit():
        base = f"c_{base}"
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


# Mermaid's own entity codes (`#quot;`, `#35;`): it rewrites `#name;` itself before rendering, so HTML entities
# such as `&#35;` would be mangled. Names come from the program (the pull request): none of these may stay literal -
# `"` would end the label, `<`/`>`/`&` make HTML, a backtick starts a Mermaid markdown string (and three would end
# the ```mermaid fence of the comment), `|` ends an edge label, `#` starts an entity, a line break ends the line.
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "|": "#124;",
                    "\n": " ", "\r": " "}


def _label(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(char, char) for char in text)


def build(resources: Sequence[Any]) -> tuple[dict[str, Component], dict[tuple[str, str], set[str]], int]:
    """Components by URN, edges (from URN, to URN) -> dependency types, and the stack's own resource count."""
    by_urn = {r.urn: r for r in resources}
    components: dict[str, Component] = {}
    for r in sorted((r for r in resources if not r.custom and r.type != STACK_TYPE), key=lambda r: r.urn):
        components[r.urn] = Component(r.urn, r.type, r.name, None)
    for component in components.values():
        parent = by_urn[component.urn].parent
        component.parent = parent if parent in components else None
        if component.parent:
            components[component.parent].children.append(component.urn)

    def owner(urn: str) -> str:
        """The innermost component holding `urn` (a component owns itself), or ROOT."""
        seen = set()
        while urn in by_urn and urn not in components and urn not in seen:
            seen.add(urn)
            urn = by_urn[urn].parent or ""
        return urn if urn in components else ROOT

    root_resources = 0
    for r in resources:
        if r.custom:
            holder = owner(r.urn)
            if holder == ROOT:
                root_resources += 1
            else:
                components[holder].resources += 1

    def ancestors(urn: str) -> set[str]:
        found = set()
        while urn in components and components[urn].parent:
            urn = components[urn].parent
            found.add(urn)
        return found

    edges: dict[tuple[str, str], set[str]] = {}
    for r in resources:
        if r.type == STACK_TYPE:
            continue
        target = owner(r.urn)
        deps = set(r.dependencies or [])
        for urns in (r.property_dependencies or {}).values():
            deps.update(urns)
        for dep in deps:
            if dep not in by_urn:
                continue
            source = owner(dep)
            # Nesting is drawn by the subgraphs: a component using its own parent's or child's resources is no edge.
            if source == target or source in ancestors(target) or target in ancestors(source):
                continue
            edges.setdefault((source, target), set()).add(_short_type(by_urn[dep].type))
    return components, edges, root_resources


def render_mermaid(resources: Sequence[Any]) -> str:
    components, edges, root_resources = build(resources)
    taken: set[str] = set()
    for urn in sorted(components, key=lambda u: (_short_type(components[u].type), components[u].name, u)):
        components[urn].node_id = _node_id(components[urn], taken)
    ids = {urn: c.node_id for urn, c in components.items()}
    if root_resources or any(ROOT in edge for edge in edges):
        ids[ROOT] = "stack_resources"

    def order(urns):
        return sorted(urns, key=lambda u: components[u].node_id)

    def caption(component: Component) -> str:
        count = f"{component.resources} resource{'s' if component.resources != 1 else ''}"
        return f"{_label(component.name)}<br/>{_label(_short_type(component.type))} · {count}"

    lines = ["flowchart LR"]

    def emit(urn: str, depth: int) -> None:
        component, pad = components[urn], "  " * depth
        if component.children:
            lines.append(f'{pad}subgraph {component.node_id}["{caption(component)}"]')
            lines.append(f"{pad}  direction LR")
            for child in order(component.children):
                emit(child, depth + 1)
            lines.append(f"{pad}end")
        else:
            lines.append(f'{pad}{component.node_id}["{caption(component)}"]')

    for urn in order(u for u, c in components.items() if c.parent is None):
        emit(urn, 1)
    if ROOT in ids:
        lines.append(f'  {ids[ROOT]}["stack resources<br/>{root_resources} outside any component"]')
    for (source, target), types in sorted(edges.items(), key=lambda e: (ids[e[0][0]], ids[e[0][1]])):
        shown = sorted(types)
        text = ", ".join(shown[:MAX_EDGE_TYPES]) + (f" +{len(shown) - MAX_EDGE_TYPES}" if len(shown) >
                                                    MAX_EDGE_TYPES else "")
        lines.append(f'  {ids[source]} -->|"{_label(text)}"| {ids[target]}')
    return "\n".join(lines)


# ---- the README copy ----------------------------------------------------------------------------------------------
def readme_markers(stack: str) -> tuple[str, str]:
    return f"<!-- preflight-graph:{stack}:start -->", f"<!-- preflight-graph:{stack}:end -->"


def readme_block(diagram: str) -> str:
    return f"```mermaid\n{diagram}\n```"


def embedded_diagram(readme: str, stack: str) -> str | None:
    """The text between the stack's README markers (without the surrounding newlines), or None without markers."""
    start, end = readme_markers(stack)
    if start not in readme or end not in readme:
        return None
    return readme.split(start, 1)[1].split(end, 1)[0].strip("\n")


def write_readme(readme_path: Path, stack: str, diagram: str) -> bool:
    """Replace the block between the markers; returns whether the file changed."""
    text = readme_path.read_text()
    start, end = readme_markers(stack)
    if start not in text or end not in text:
        raise ValueError(f"{readme_path.name} has no {start} ... {end} markers")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    updated = f"{before}{start}\n{readme_block(diagram)}\n{end}{after}"
    if updated != text:
        readme_path.write_text(updated)
    return updated != text


# ---- CLI ----------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from .cli import EXIT_CODES_HELP, Parser  # the gate's one table of exit codes and its usage errors

    parser = Parser(
        prog="python -m preflight graph",
        description="Draw a stack's component tree and the dependencies between components as a Mermaid diagram.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, help="stack name: runs the program with Pulumi.<stack>.yaml")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--program", type=Path, default=REPO_ROOT, metavar="DIR",
                        help="Pulumi program directory (default: this repository)")
    source.add_argument("--report", type=Path, metavar="FILE",
                        help="draw the stack from the gate's `--format json` output (one report, or the run of "
                             "several stacks) instead of running the program")
    parser.add_argument("--format", choices=("mermaid",), default="mermaid")
    parser.add_argument("--write-readme", action="store_true",
                        help="also write the diagram into the program directory's README.md, between the "
                             "<!-- preflight-graph:STACK:start/end --> markers")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.report is not None and args.write_readme:
        parser.error("argument --write-readme: not allowed with argument --report (the README is the program's)")
    from .cli import guarded

    return guarded("preflight graph", _run, args)


def _run(args: argparse.Namespace) -> int:
    from .cli import emit
    from .engine import run_stack

    if args.report is not None:
        from .diff import report_resources

        emit(render_mermaid(report_resources(args.report, args.stack)))
        return EXIT_OK
    try:
        run = run_stack(args.stack, args.program)
        diagram = render_mermaid(run.resources)
        if args.write_readme:
            changed = write_readme(args.program.resolve() / "README.md", args.stack, diagram)
            print(f"README.md: diagram of {args.stack} {'updated' if changed else 'already current'}",
                  file=sys.stderr)
    except OSError as error:  # README.md missing or not writable
        print(f"preflight graph: {error}", file=sys.stderr)
        return EXIT_ERROR
    emit(diagram)
    return EXIT_OK
