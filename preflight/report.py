"""The gate's report: what the stack holds or would create, the policy verdicts and the exports, in three formats.

The JSON form is a stable interface (documented in docs/preflight.md, `formatVersion` 1): later tools diff two
reports and draw the resource graph from it, so keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import markdown as md
from .engine import mask_secrets
from .policy_eval import PACK_NAME, Evaluation, Violation

FORMAT_VERSION = 1
LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}


@dataclass
class Report:
    stack: str
    project: str
    source: str  # "program" (a preview under the mock engine) or "state" (a `pulumi stack export` file)
    resources: Sequence[Any]  # RecordedResource-shaped: urn, type, name, custom, parent, protect, inputs, ...
    exports: Mapping[str, Any]
    evaluation: Evaluation
    policy_config: str | None = None  # the --policy-pack-config file used, if any
    pack_version: str = ""
    policy_count: int = 0
    warnings: list[str] = field(default_factory=list)
    cost: Any = None  # the monthly estimate (policies/rules/_cost.Estimate), or a str saying why there is none

    @property
    def violations(self) -> list[Violation]:
        # Mandatory first; otherwise the engine's order (resources as the program created them, then stack rules).
        return sorted(self.evaluation.violations, key=lambda v: LEVEL_ORDER.get(v.enforcement_level, 9))

    def count(self, level: str) -> int:
        return sum(1 for v in self.evaluation.violations if v.enforcement_level == level)

    @property
    def exit_code(self) -> int:
        return 1 if self.count("mandatory") else 0

    @property
    def opaque(self) -> list[Any]:
        """Remote components (awsx, eks...): offline their children were never created, so nothing under them was
        judged and the verdict covers only the rest of the stack."""
        return [r for r in self.resources if getattr(r, "remote", False)]

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))


# --- JSON -----------------------------------------------------------------------------------------------------------

def to_json(report: Report) -> dict[str, Any]:
    return {
        "formatVersion": FORMAT_VERSION,
        "stack": report.stack,
        "project": report.project,
        "source": report.source,
        "policyPack": {"name": PACK_NAME, "version": report.pack_version, "config": report.policy_config},
        "summary": {
            "resources": len(report.resources),
            "byType": report.counts_by_type(),
            "violations": {"mandatory": report.count("mandatory"), "advisory": report.count("advisory")},
            "exitCode": report.exit_code,
            "complete": not report.opaque,
            "opaqueComponents": [r.urn for r in report.opaque],
        },
        "resources": [{
            "urn": r.urn, "type": r.type, "name": r.name, "custom": bool(r.custom), "parent": r.parent,
            "protect": bool(r.protect), "dependencies": list(r.dependencies or []),
            "inputs": mask_secrets(r.inputs),
        } for r in report.resources],
        "violations": [v.as_json() for v in report.violations],
        "exports": mask_secrets(dict(report.exports)),
        "warnings": list(report.warnings),
        "cost": _cost_json(report),
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, sort_keys=True, default=str)


# --- text -----------------------------------------------------------------------------------------------------------

def _tree(report: Report) -> list[tuple[int, Any, int]]:
    """(depth, component, custom resources directly under it), depth-first as the program created them."""
    children: dict[str | None, list[Any]] = {}
    for r in report.resources:
        children.setdefault(r.parent, []).append(r)
    components = {r.urn for r in report.resources if not r.custom}
    rows: list[tuple[int, Any, int]] = []

    def walk(component: Any, depth: int) -> None:
        mine = children.get(component.urn, [])
        rows.append((depth, component, sum(1 for c in mine if c.custom)))
        for child in mine:
            if not child.custom:
                walk(child, depth + 1)

    for r in report.resources:
        if not r.custom and r.parent not in components:
            walk(r, 0)
    return rows


def _headline(report: Report) -> str:
    verb = "would create" if report.source == "program" else "has in state"
    return f"Stack {report.project}/{report.stack} {verb} {len(report.resources)} resources."


def _verdict(report: Report) -> str:
    mandatory, advisory = report.count("mandatory"), report.count("advisory")
    outcome = "FAIL" if mandatory else "PASS"
    verdict = f"{outcome}: {mandatory} mandatory, {advisory} advisory policy violation(s)."
    if report.opaque:
        verdict += (f" INCOMPLETE: {len(report.opaque)} remote component(s) could not be expanded offline and were "
                    "not evaluated (see warnings).")
    return verdict


def _config_line(report: Report) -> str:
    config = report.policy_config or "none (pack defaults)"
    return f"Policy pack {PACK_NAME} {report.pack_version} ({report.policy_count} policies), config: {config}"


def render_text(report: Report) -> str:
    lines = [_headline(report), "", "Resources by type:"]
    lines += [f"  {count:>4}  {token}" for token, count in report.counts_by_type().items()]
    lines += ["", "Component tree:"]
    rows = _tree(report)
    lines += [f"  {'  ' * depth}{c.name} ({c.type}): {n} resources" for depth, c, n in rows] or ["  (no components)"]
    lines += ["", _config_line(report)]
    violations = report.violations
    if not violations:
        lines.append("  no violations")
    for v in violations:
        lines.append(f"  [{v.enforcement_level}] {v.policy}")
        lines.append(f"      {v.urn or '(stack)'}")
        lines += [f"      {line}" for line in v.message.splitlines()]
    for warning in report.warnings:
        lines.append(f"  warning: {warning}")
    lines += ["", "Exports:"]
    exports = mask_secrets(dict(report.exports))
    lines += [f"  {key}: {json.dumps(value, default=str)}" for key, value in sorted(exports.items())] or ["  (none)"]
    lines += _cost_text(report)
    lines += ["", _verdict(report)]
    return "\n".join(lines)


# --- markdown (a pull-request comment) ----------------------------------------------------------------------------

def render_markdown(report: Report) -> str:
    """The pull-request comment. Names, types, keys, values and messages come from the program or the state file
    (that is, from the pull request): identifiers and values go into code spans, messages are escaped prose
    (preflight/markdown.py), so none can close a code span, split a table cell, be HTML or mention anyone."""
    mark = ":x:" if report.exit_code else ":white_check_mark:"
    where = md.code(f"{report.project}/{report.stack}", table=False)
    verb = "would create" if report.source == "program" else "has in state"
    config = md.code(report.policy_config, table=False) if report.policy_config else "none (pack defaults)"
    lines = [f"### {mark} preflight {where}", "",
             f"Stack {where} {verb} {len(report.resources)} resources. {_verdict(report)}", "",
             f"Policy pack `{PACK_NAME}` {md.text(report.pack_version, table=False)} ({report.policy_count} "
             f"policies), config: {config}", ""]
    if report.violations:
        lines += ["| level | policy | resource | message |", "| --- | --- | --- | --- |"]
        for v in report.violations:
            resource = v.urn.rsplit("::", 1)[-1] if v.urn else "(stack)"
            lines.append(f"| {md.text(v.enforcement_level)} | {md.code(v.policy)} | {md.code(resource)} | "
                         f"{md.text(v.detail)} |")
        lines.append("")
    for warning in report.warnings:
        lines.append(f"- warning: {md.text(warning, table=False)}")
    if report.warnings:
        lines.append("")
    lines += _cost_markdown(report)
    lines += ["<details><summary>Resources by type</summary>", "", "| count | type |", "| ---: | --- |"]
    lines += [f"| {count} | {md.code(token)} |" for token, count in report.counts_by_type().items()]
    tree = "\n".join(f"{'  ' * depth}{c.name} ({c.type}): {n} resources" for depth, c, n in _tree(report))
    # A code block shows the tree as it is; its fence is longer than any backtick run a name could hold, and
    # nothing inside a code block is HTML or a mention.
    fence = md.fence(tree)
    lines += ["", "</details>", "", "<details><summary>Component tree</summary>", "", fence]
    lines += [tree] if tree else []
    lines += [fence, "", "</details>", "", "<details><summary>Exports</summary>", "", "| export | value |",
              "| --- | --- |"]
    exports = mask_secrets(dict(report.exports))
    lines += [f"| {md.code(key)} | {md.code(json.dumps(value, default=str))} |"
              for key, value in sorted(exports.items())]
    lines += ["", "</details>"]
    return "\n".join(lines)


# --- cost (python -m preflight cost prints the same estimate in full) ---------------------------------------------

def _cost_json(report: Report) -> dict[str, Any] | None:
    if report.cost is None:
        return None
    if isinstance(report.cost, str):
        return {"error": report.cost}
    return report.cost.as_json()


def _cost_text(report: Report) -> list[str]:
    if report.cost is None:
        return []
    if isinstance(report.cost, str):
        return ["", f"Monthly cost: not estimated ({report.cost})."]
    from .cost import text_lines
    return [""] + text_lines(report.cost)


def _cost_markdown(report: Report) -> list[str]:
    if report.cost is None:
        return []
    if isinstance(report.cost, str):
        return [f"Monthly cost: not estimated ({md.text(report.cost, table=False)}).", ""]
    from .cost import markdown_lines
    return ["<details><summary>Monthly cost</summary>", ""] + markdown_lines(report.cost) + ["", "</details>", ""]


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
