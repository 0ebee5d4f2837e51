"""`python -m preflight cost --stack STACK`: what the stack costs a month, before it exists.

    python -m preflight cost --stack STACK [--program DIR] [--format text|json|markdown] [--policy-config FILE]
                             [--set NS:KEY[.PATH]=VALUE ...]
    python -m preflight cost --prices-report [--format text|json|markdown] [--price-table FILE]

Runs the program under the mock engine (as the gate does) and prices every resource it would create with
`policies/rules/_cost.py`: per resource, fixed (the hours it exists) and usage (traffic and data, from named
assumptions), the assumptions used, the total, and what has no price. The usage assumptions and the region come from
the `stack-monthly-budget` rule's config in `policies/config/<stack>.json` (the same file the gate reads), so this
prints exactly the estimate the budget rule judges. `--set` tries a cheaper choice without editing the stack file:
`--set aurora-platform:bastion.enabled=false`. `--prices-report` counts the price table's figures by where they come
from (verified on an AWS page or the Price List API, third-party, recalled, not found) per region, the figures
docs/cost.md quotes. Exit codes: 0, or 2 for a usage, config or program error (one line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policies.rules._cost import (
    BASES,
    HOURS_PER_MONTH,
    PRICES_FILE,
    USAGE,
    CostInputError,
    Estimate,
    PriceTable,
    Resource,
    estimate,
    money,
)

from . import markdown as md
from .engine import REPO_ROOT, ProgramError

EXIT_OK, EXIT_ERROR = 0, 2
RULE = "stack-monthly-budget"
TOP_IN_MARKDOWN = 15


# --- inputs --------------------------------------------------------------------------------------------------------
def budget_config(policy_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The budget rule's properties from a `--policy-pack-config` document ({} when absent)."""
    value = (policy_config or {}).get(RULE)
    return {k: v for k, v in value.items() if k != "enforcementLevel"} if isinstance(value, Mapping) else {}


def from_recorded(resources: Iterable[Any]) -> list[Resource]:
    """Mock-engine or state resources (RecordedResource-shaped); components and the stack itself are not billed."""
    return [Resource(urn=r.urn, type=r.type, name=r.name, inputs=dict(r.inputs or {}),
                     dependencies=tuple(r.dependencies or ()))
            for r in resources if getattr(r, "custom", True) and not str(r.type).startswith("pulumi:")]


def from_report(resources: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """Resources of a `--format json` report (secrets are "[secret]", which no cost model reads)."""
    return [Resource(urn=str(r.get("urn")), type=str(r.get("type")), name=str(r.get("name")),
                     inputs=dict(r.get("inputs") or {}), dependencies=tuple(r.get("dependencies") or ()))
            for r in resources if r.get("custom", True) and not str(r.get("type")).startswith("pulumi:")]


def state_region(resources: Iterable[Any]) -> str | None:
    """A state file records its AWS provider's inputs; the default provider's region is the stack's."""
    for r in resources:
        if str(r.type).startswith("pulumi:providers:aws"):
            region = (r.inputs or {}).get("region")
            if isinstance(region, str) and region:
                return region
    return None


def stack_estimate(resources: Iterable[Any], region: str | None, policy_config: Mapping[str, Any] | None,
                   table: PriceTable | None = None) -> Estimate:
    """The estimate the gate reports: the budget config's region when the run did not name one."""
    config = budget_config(policy_config)
    chosen = region or config.get("region")
    if not isinstance(chosen, str) or not chosen:
        raise CostInputError("the stack's region is unknown: set aws:region in Pulumi.<stack>.yaml or `region` "
                             f"in the {RULE} rule's config")
    return estimate(from_recorded(resources), chosen, config.get("usage"), table)


# --- rendering -----------------------------------------------------------------------------------------------------
def _qty(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _assumption_rows(result: Estimate) -> list[tuple[str, str, str]]:
    return [(name, f"{_qty(result.assumptions[name])} {unit}", text) for name, (_d, unit, text) in USAGE.items()]


def headline(result: Estimate) -> str:
    if result.no_prices:
        return f"Monthly cost: no prices for {result.region}."
    return (f"Monthly cost ({result.region}, on-demand list prices, {HOURS_PER_MONTH:g} h/month): "
            f"{money(result.total)} = fixed {money(result.fixed)} + usage {money(result.usage)}.")


def _unpriced_text(result: Estimate) -> list[str]:
    lines = []
    for r, line in result.unpriced_lines:
        lines.append(f"  unpriced: {r.name} ({r.type}): {line.component} ({line.item}: no price for "
                     f"{result.region})")
    for token, count in sorted(result.unpriced_types.items()):
        lines.append(f"  unpriced: {count} x {token} (no cost model for this type)")
    return lines


def text_lines(result: Estimate) -> list[str]:
    lines = [headline(result)]
    if result.no_prices:
        return lines
    for r in sorted(result.resources, key=lambda c: c.total(), reverse=True):
        lines.append(f"  {money(r.total()):>11}  {r.name} ({r.type})  fixed {money(r.total('fixed'))}, usage "
                     f"{money(r.total('usage'))}")
        for line in r.lines:
            price = "no price" if line.monthly is None else money(line.monthly)
            rate = "" if line.unit_price is None else f" @ ${line.unit_price:g}"
            mark = "" if line.verified or line.monthly is None else " (unverified price)"
            lines.append(f"      {line.kind:<5} {line.component}: {_qty(line.quantity)} {line.unit}{rate} = "
                         f"{price}{mark}")
            if line.assumption:
                lines.append(f"            assumes {line.assumption}")
        lines += [f"      not estimated: {note}" for note in r.notes]
    lines += _unpriced_text(result)
    lines.append("  Usage assumptions:")
    lines += [f"    {name} = {value}: {text}" for name, value, text in _assumption_rows(result)]
    lines.append(f"  Priced with verified figures: {money(result.verified_total)} of {money(result.total)}.")
    if result.unverified_items:
        lines.append(f"  Unverified prices used: {', '.join(result.unverified_items)} (see docs/cost.md)")
    return lines


def render_text(result: Estimate, stack: str) -> str:
    return "\n".join([f"Stack {stack}"] + text_lines(result))


def markdown_lines(result: Estimate) -> list[str]:
    lines = [f"**{md.text(headline(result), table=False)}**", ""]
    if result.no_prices:
        return lines
    lines += ["| monthly | fixed | usage | resource | type |", "| ---: | ---: | ---: | --- | --- |"]
    ranked = sorted(result.resources, key=lambda c: c.total(), reverse=True)
    for r in ranked[:TOP_IN_MARKDOWN]:
        lines.append(f"| {md.text(money(r.total()))} | {md.text(money(r.total('fixed')))} | "
                     f"{md.text(money(r.total('usage')))} | {md.code(r.name)} | {md.code(r.type)} |")
    if len(ranked) > TOP_IN_MARKDOWN:
        rest = ranked[TOP_IN_MARKDOWN:]
        lines.append(f"| {md.text(money(sum(r.total() for r in rest)))} | | | {len(rest)} more | |")
    unpriced = _unpriced_text(result)
    if unpriced:
        lines += ["", "Unpriced (not in the total):", ""] + [f"- {md.text(u.strip(), table=False)}" for u in unpriced]
    lines += ["", "<details><summary>Usage assumptions</summary>", "", "| assumption | value | meaning |",
              "| --- | ---: | --- |"]
    lines += [f"| {md.code(name)} | {md.text(value)} | {md.text(text)} |"
              for name, value, text in _assumption_rows(result)]
    lines += ["", "</details>"]
    lines += ["", f"Priced with verified figures: {md.text(money(result.verified_total), table=False)} of "
                  f"{md.text(money(result.total), table=False)}."]
    if result.unverified_items:
        lines += ["", f"Unverified prices used: {', '.join(md.code(i, table=False) for i in result.unverified_items)}."]
    return lines


def render_markdown(result: Estimate, stack: str) -> str:
    return "\n".join([f"### Monthly cost {md.code(stack, table=False)}", ""] + markdown_lines(result))


def render_json(result: Estimate, stack: str) -> str:
    return json.dumps({"stack": stack, "cost": result.as_json()}, indent=2, sort_keys=True)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


# --- --prices-report -----------------------------------------------------------------------------------------------
def prices_report(table: PriceTable) -> dict[str, Any]:
    """The table's figures counted by basis and region, and which items are verified or have no figure where."""
    regions = table.regions()
    by_basis = {basis: {region: 0 for region in regions} for basis in BASES}
    for price in table.prices.values():
        by_basis[price.basis][price.region] += 1
    def items(keep: Any) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for price in sorted(table.prices.values(), key=lambda p: (p.item, regions.index(p.region))):
            if keep(price):
                found.setdefault(price.item, []).append(price.region)
        return found
    total = len(table.prices)
    verified = sum(1 for price in table.prices.values() if price.verified)
    return {"entries": total, "items": len({p.item for p in table.prices.values()}), "regions": regions,
            "verified": verified, "unverified": total - verified,
            "byBasis": {basis: counts for basis, counts in by_basis.items() if any(counts.values())},
            "verifiedItems": items(lambda p: p.verified), "notFoundItems": items(lambda p: p.price is None)}


def _region_list(found: Mapping[str, list[str]], regions: list[str]) -> str:
    return ", ".join(f"{item}" + ("" if len(where) == len(regions) else f" ({', '.join(where)})")
                     for item, where in found.items()) or "none"


def render_prices_report(report: Mapping[str, Any], fmt: str, label: str) -> str:
    if fmt == "json":
        return json.dumps({"table": label, **report}, indent=2, sort_keys=True)
    regions = report["regions"]
    shown = md.code(label, table=False) if fmt == "markdown" else label
    head = (f"Price table {shown}: {report['entries']} figures ({report['items']} items x {len(regions)} regions); "
            f"verified {report['verified']}, unverified {report['unverified']}.")
    rows = [(basis, [counts[r] for r in regions], sum(counts.values())) for basis, counts in report["byBasis"].items()]
    verified = _region_list(report["verifiedItems"], regions)
    missing = _region_list(report["notFoundItems"], regions)
    if fmt == "markdown":
        lines = [head, "", "| basis | verified | " + " | ".join(regions) + " | total |",
                 "| --- | --- | " + " | ".join("---:" for _ in regions) + " | ---: |"]
        lines += [f"| `{basis}` | {'yes' if BASES[basis] else 'no'} | " + " | ".join(str(n) for n in counts)
                  + f" | {total} |" for basis, counts, total in rows]
        lines += ["", f"Verified: {md.text(verified, table=False)}.", "",
                  f"No figure (unpriced): {md.text(missing, table=False)}."]
        return "\n".join(lines)
    width = max(len(basis) for basis, _c, _t in rows)
    lines = [head, f"  {'basis':<{width}}  " + "  ".join(f"{r:>9}" for r in regions) + f"  {'total':>5}"]
    lines += [f"  {basis:<{width}}  " + "  ".join(f"{n:>9}" for n in counts) + f"  {total:>5}"
              for basis, counts, total in rows]
    lines += [f"  verified: {verified}", f"  no figure (unpriced): {missing}"]
    return "\n".join(lines)


# --- --set ---------------------------------------------------------------------------------------------------------
def apply_sets(config: dict[str, Any], sets: Sequence[str]) -> dict[str, Any]:
    """`ns:key.path=value` overrides (value parsed as YAML: false, 0, "text", [a, b]); returns run_stack overrides."""
    overrides: dict[str, Any] = {}
    for item in sets:
        key, sep, raw = item.partition("=")
        if not sep or ":" not in key.split(".", 1)[0]:
            raise CostInputError(f"--set {item!r}: expected NAMESPACE:KEY[.PATH]=VALUE, e.g. "
                                 "aurora-platform:bastion.enabled=false")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise CostInputError(f"--set {item!r}: the value is not valid YAML") from None
        top, *path = key.split(".")
        if not path:
            overrides[top] = value
            continue
        base = overrides.get(top, config.get(top))
        target = json.loads(json.dumps(base)) if isinstance(base, dict) else {}
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise CostInputError(f"--set {item!r}: {part} is not an object in {top}")
        node[path[-1]] = value
        overrides[top] = target
    return overrides


# --- command -------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from .cli import EXIT_CODES_HELP, Parser  # the gate's one table of exit codes and its usage errors

    parser = Parser(prog="python -m preflight cost", description="Estimate what a stack costs a month, offline.",
                    epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="stack name: runs the program with Pulumi.<stack>.yaml")
    parser.add_argument("--prices-report", action="store_true",
                        help="count the price table's figures by basis (verified or not) and region; needs no stack")
    parser.add_argument("--price-table", type=Path, default=PRICES_FILE, metavar="FILE",
                        help="the price table --prices-report reads (default: policies/rules/prices.json)")
    parser.add_argument("--program", type=Path, default=REPO_ROOT, metavar="DIR",
                        help="Pulumi program directory (default: this repository)")
    parser.add_argument("--format", choices=tuple(RENDERERS), default="text")
    parser.add_argument("--policy-config", type=Path, metavar="FILE",
                        help="policy pack config holding the budget rule's region and usage assumptions (default: "
                             "policies/config/<stack>.json under the program directory, when it exists)")
    parser.add_argument("--set", action="append", default=[], metavar="NS:KEY[.PATH]=VALUE",
                        help="override a stack config value for this estimate (repeatable)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.prices_report and not args.stack:
        parser.error("--stack is required (or --prices-report, which reads only the price table)")
    try:
        if args.prices_report:
            table = PriceTable.load(args.price_table)
            path = args.price_table.resolve()
            label = str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
            _print(render_prices_report(prices_report(table), args.format, label))
            return EXIT_OK
        return _run(args)
    except (ProgramError, ValueError) as error:  # CostInputError and PolicyConfigError are ValueErrors
        print(f"preflight cost: {error}", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    from .engine import read_project, read_stack_config, run_stack
    from .policy_eval import load_policy_config

    program_dir = args.program.resolve()
    config_path = args.policy_config
    if config_path is None:
        candidate = program_dir / "policies" / "config" / f"{args.stack}.json"
        config_path = candidate if candidate.is_file() else None
    policy_config = load_policy_config(config_path) if config_path else None
    overrides = {}
    if args.set:
        overrides = apply_sets(read_stack_config(program_dir, read_project(program_dir), args.stack), args.set)
    run = run_stack(args.stack, program_dir, config_overrides=overrides or None)
    result = stack_estimate(run.resources, run.region, policy_config)
    _print(RENDERERS[args.format](result, f"{run.project}/{run.stack}"))
    return EXIT_OK


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `... | head`: the reader left early, as the gate handles it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def report_estimate(resources: Sequence[Any], region: str | None, config_path: Path | None) -> Estimate | str:
    """The gate report's cost section: the estimate, or one line saying why there is none (never a failure of the
    gate: the budget rule is where cost can fail a stack)."""
    from .policy_eval import load_policy_config

    try:
        policy_config = load_policy_config(config_path) if config_path else None
        return stack_estimate(resources, region or state_region(resources), policy_config)
    except ValueError as error:
        return str(error)


# --- the change between two reports (python -m preflight diff) ---------------------------------------------------
@dataclass
class CostDelta:
    base_total: float | None  # None: BASE cannot be priced (no cost section, or an error); 0 for a new stack
    head_total: float | None
    region: str | None = None
    rows: list[tuple[str, str, str, float, float]] = field(default_factory=list)  # name, type, action, old, new
    changed_assumptions: list[tuple[str, Any, Any]] = field(default_factory=list)
    problem: str | None = None  # why there is no delta

    @property
    def delta(self) -> float | None:
        if self.base_total is None or self.head_total is None:
            return None
        return self.head_total - self.base_total


def _cost_section(report: Mapping[str, Any] | None, label: str) -> tuple[dict[str, Any] | None, str | None]:
    if report is None:
        return {"monthly": {"total": 0.0}, "resources": [], "assumptions": {}}, None  # a new stack costs 0 today
    section = report.get("cost")
    if not isinstance(section, Mapping):
        return None, f"the {label} report has no cost section (made before cost estimates existed)"
    if section.get("error"):
        return None, f"{label}: {section['error']}"
    return dict(section), None


def cost_delta(base: Mapping[str, Any] | None, head: Mapping[str, Any]) -> CostDelta | None:
    """Per-resource monthly change between two `--format json` reports, biggest change first; None when HEAD has no
    cost section at all (a report made by a tool or version without estimates: there is nothing to compare)."""
    if not isinstance(head.get("cost"), Mapping):
        return None
    old, old_problem = _cost_section(base, "BASE")
    new, new_problem = _cost_section(head, "HEAD")
    if old is None or new is None:
        return CostDelta(None if old is None else float(old["monthly"]["total"]),
                         None if new is None else float(new["monthly"]["total"]), problem=old_problem or new_problem)
    if base is not None and old.get("region") != new.get("region"):
        region = f"{old.get('region')} -> {new.get('region')}"
    else:
        region = new.get("region")
    before = {r["urn"]: r for r in old.get("resources", [])}
    after = {r["urn"]: r for r in new.get("resources", [])}
    rows = []
    for urn in sorted(set(before) | set(after)):
        was, now = before.get(urn), after.get(urn)
        a, b = float(was["total"]) if was else 0.0, float(now["total"]) if now else 0.0
        if abs(b - a) < 0.005:
            continue
        action = "create" if was is None else "delete" if now is None else "change"
        ref = now or was
        rows.append((str(ref["name"]), str(ref["type"]), action, a, b))
    rows.sort(key=lambda row: (-abs(row[4] - row[3]), row[0]))
    a_old, a_new = old.get("assumptions") or {}, new.get("assumptions") or {}
    changed = [(k, a_old.get(k), a_new.get(k)) for k in sorted(set(a_old) | set(a_new))
               if base is not None and a_old.get(k) != a_new.get(k)]
    return CostDelta(float(old["monthly"]["total"]), float(new["monthly"]["total"]), region, rows, changed)


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "-") + money(abs(value))


def delta_headline(delta: CostDelta) -> str:
    if delta.delta is None:
        return f"Monthly cost change: not known ({delta.problem})."
    return (f"Monthly cost change: {_signed(delta.delta)} ({money(delta.base_total or 0)} -> "
            f"{money(delta.head_total or 0)}, {delta.region}, on-demand list prices: see docs/cost.md).")


def delta_text(delta: CostDelta) -> list[str]:
    lines = [delta_headline(delta)]
    lines += [f"  {_signed(b - a):>12}  {action} {name} ({token}): {money(a)} -> {money(b)}"
              for name, token, action, a, b in delta.rows]
    lines += [f"  usage assumption {k}: {old} -> {new}" for k, old, new in delta.changed_assumptions]
    return lines


def delta_markdown(delta: CostDelta) -> list[str]:
    lines = []
    if delta.rows:
        lines += ["<details><summary>Cost change by resource</summary>", "", "| change | resource | type | before | "
                  "after |", "| ---: | --- | --- | ---: | ---: |"]
        lines += [f"| {md.text(_signed(b - a))} | {action} {md.code(name)} | {md.code(token)} | {md.text(money(a))} | "
                  f"{md.text(money(b))} |" for name, token, action, a, b in delta.rows]
        lines += ["", "</details>", ""]
    if delta.changed_assumptions:
        lines += [f"- usage assumption {md.code(k, table=False)}: {md.text(old, table=False)} -> "
                  f"{md.text(new, table=False)}" for k, old, new in delta.changed_assumptions] + [""]
    return lines
