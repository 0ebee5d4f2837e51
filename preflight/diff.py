"""`python -m preflight diff BASE.json HEAD.json`: what a change does to a stack, for a pull request.

    python -m preflight diff BASE.json HEAD.json [--format text|markdown] [--fail-on-replace] [--base-missing-ok]
    python -m preflight diff --all-stacks BASE.json HEAD.json [--information OWN.json] [--failed-stacks FILE]
                             [--replacing-stacks FILE] [...]

BASE and HEAD are `python -m preflight --stack S --format json` reports of the same stack (the base branch and the
pull request's head). Resources are matched by URN:

- create: only in HEAD; delete: only in BASE;
- update: the inputs differ (compared per top-level input; old -> new shown per changed key, nested objects per
  changed sub-key, long values truncated, secrets only ever as "[secret]");
- replace: an update whose changed keys include one that forces replacement for that type (preflight/replacements.py,
  each key with its source);
- may be replaced: a forcing input whose HEAD value is unknown offline (`[unknown]`, e.g. an image digest known only
  after the build): the provider replaces the resource if the value turns out different, which the report cannot
  tell. Said on the resource's update, or listed apart when nothing else of it changed; never decided either way.

A type or parent change changes the URN: it shows as a delete plus a create, which is what the engine does without an
`aliases` option. Replacing or deleting the Aurora cluster or its KMS key is a data-loss risk: listed first, loud.
Exit codes: 0 (also when there are changes), 1 with --fail-on-replace when a stateful resource (a type in the
replacement table, but not an ECS task definition, whose every change is a new revision) is replaced or a
data-holding one deleted, 2 for a usage or input error (one line, no traceback). "May be replaced" does not fail it.

`--all-stacks`: BASE and HEAD are the JSON of several-stack runs (`python -m preflight --stack A --stack B` or
`--all-stacks`, `--format json`; a single report counts as a run of its one stack), and every stack of HEAD is diffed
against the same stack of BASE in one process: the sections in HEAD's order, a stack HEAD could not evaluate said so
in its place. `--failed-stacks` and `--replacing-stacks` write the names the pull-request workflow gates on;
`--information` reads two integers per stack from a report the pull request's own preflight wrote, never its text.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import jsonfile
from . import markdown as md
from .engine import MASK, integral_numbers
from .mock_outputs import UNKNOWN_TOKEN
from .replacements import DATA_LOSS, RISK_ORDER, ForcingInput, stateful
from .upgrades import REFUSED, Note, engine_version_notes

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_VALUE = 80  # characters of one rendered value before it is truncated
ACTION_ORDER = {"replace": 0, "delete": 1, "create": 2, "update": 3}
SCOPE_NOTE = ("Replacements are detected for the stateful types only (preflight/replacements.py); for other types "
              "an update may still be a replacement: `pulumi preview` is authoritative.")


class DiffInputError(ValueError):
    """A report that cannot be read or compared; the message is the one line the CLI prints."""


# ---- the model ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyChange:
    key: str  # the top-level input: what replacement is decided on
    old: Any
    new: Any
    forcing: ForcingInput | None = None  # set when this key forces the resource to be replaced
    path: str = ""  # where inside the input the values differ ("tags.Name", "containerDefinitions[0].image")
    # A forcing key whose new value is unknown offline: replaced if it turns out different, which no one can tell yet.
    may_force: ForcingInput | None = None

    @property
    def label(self) -> str:
        return self.path or self.key

    @property
    def secret(self) -> bool:
        return _has_mask(self.old) or _has_mask(self.new)


@dataclass
class ResourceChange:
    action: str  # create | delete | update | replace
    urn: str
    type: str
    name: str
    protect: bool = False
    changes: list[KeyChange] = field(default_factory=list)
    # URNs of replaced or deleted resources this one depends on (it may be replaced too, through their new outputs).
    depends_on_replaced: list[str] = field(default_factory=list)
    # What an in-place change does beyond its inputs (an engine upgrade: downtime, or refused by AWS): upgrades.py.
    notes: list[Note] = field(default_factory=list)
    # Forcing inputs whose HEAD value is unknown offline (changed or not): the resource may be replaced.
    may_replace: list[ForcingInput] = field(default_factory=list)

    @property
    def refused(self) -> list[Note]:
        return [n for n in self.notes if n.level == REFUSED]

    @property
    def risk(self) -> str | None:
        entry = stateful(self.type)
        if entry is None:
            return None
        if self.action == "replace":
            return entry.risk
        if self.action == "delete" and entry.risk == DATA_LOSS:
            return DATA_LOSS
        return None

    @property
    def data_loss(self) -> bool:
        return self.risk == DATA_LOSS

    @property
    def consequence(self) -> str:
        entry = stateful(self.type)
        return entry.consequence if entry else ""


@dataclass
class PolicyVerdict:
    mandatory: int
    advisory: int
    new: list[dict[str, str]]  # violations in HEAD not in BASE
    resolved: list[dict[str, str]]  # violations in BASE no longer in HEAD
    known: bool  # HEAD carried a `violations` list at all

    @property
    def passed(self) -> bool:
        return self.mandatory == 0


@dataclass
class StackDiff:
    project: str
    stack: str
    changes: list[ResourceChange]
    unchanged: int
    verdict: PolicyVerdict
    base_missing: bool = False
    # Unchanged stateful resources that depend on a replaced or deleted one (may be replaced through new outputs).
    cascades: list[ResourceChange] = field(default_factory=list)
    # Resources with unchanged inputs of which a forcing one is unknown offline (may be replaced: `may_replace`).
    unknowns: list[ResourceChange] = field(default_factory=list)
    cost: Any = None  # preflight.cost.CostDelta: the monthly cost change, shown first

    def of(self, action: str) -> list[ResourceChange]:
        return [c for c in self.changes if c.action == action]

    @property
    def data_loss(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.data_loss]

    @property
    def stateful_replacements(self) -> list[ResourceChange]:
        """What --fail-on-replace fails on: a stateful type replaced (not a type whose every change is a
        replacement by design), or a data-holding one deleted."""
        return [c for c in self.changes
                if (c.action == "replace" and (entry := stateful(c.type)) is not None and entry.gates)
                or (c.action == "delete" and c.data_loss)]

    @property
    def may_replace(self) -> list[ResourceChange]:
        """Updated or unchanged resources that may be replaced: a forcing input is unknown offline."""
        return [c for c in self.changes if c.action == "update" and c.may_replace] + self.unknowns


# ---- reading reports ------------------------------------------------------------------------------------------------
_MISSING = object()


def _read_json(path: Path, missing_ok: bool) -> Any:
    """The JSON document in `path`; _MISSING when there is no such file and `missing_ok` (a stack new in HEAD)."""
    if not path.is_file():
        if missing_ok and not path.exists():
            return _MISSING
        raise DiffInputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        return jsonfile.load(path)
    except jsonfile.JsonInputError as error:
        raise DiffInputError(str(error)) from None


def load_report(path: Path, missing_ok: bool = False) -> dict[str, Any] | None:
    report = _read_json(path, missing_ok)
    if report is _MISSING:
        return None
    if isinstance(report, Mapping) and "stacks" in report and "resources" not in report:
        raise DiffInputError(f"{path}: holds several stacks (the JSON of `--all-stacks`): diff them with "
                             "--all-stacks")
    return validate_report(report, str(path))


# Per resource: the fields the diff reads and the JSON types they must have (None is always allowed).
_RESOURCE_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "protect": ((bool,), "true or false"),
    "inputs": ((dict,), "an object"),
    "dependencies": ((list,), "a list of URN strings"),
}


def validate_report(report: Any, label: str) -> dict[str, Any]:
    """A report's shape, checked before anything reads it: each wrong type is one line naming the key, what it
    holds and what is allowed (never coerced: `"protect": "false"` must not read as protected)."""
    hint = "expected the output of `python -m preflight --stack STACK --format json`"
    if not isinstance(report, Mapping):
        raise DiffInputError(f"{label}: not a preflight JSON report, got {jsonfile.type_name(report)} ({hint})")
    if not isinstance(report.get("stack"), str) or not isinstance(report.get("resources"), list):
        raise DiffInputError(f"{label}: not a preflight JSON report, no 'stack' or 'resources' ({hint})")
    if report.get("project") is not None and not isinstance(report["project"], str):
        raise DiffInputError(f"{label}: 'project' must be a string, got {jsonfile.type_name(report['project'])}")
    for index, resource in enumerate(report["resources"]):
        if not isinstance(resource, Mapping) or not isinstance(resource.get("urn"), str) \
                or not isinstance(resource.get("type"), str):
            raise DiffInputError(f"{label}: resources[{index}] has no 'urn' or 'type'")
        for key, (types, allowed) in _RESOURCE_FIELDS.items():
            value = resource.get(key)
            if value is not None and not isinstance(value, types):
                raise DiffInputError(f"{label}: resources[{index}].{key} must be {allowed}, got "
                                     f"{jsonfile.type_name(value)}")
        if not all(isinstance(d, str) for d in resource.get("dependencies") or []):
            raise DiffInputError(f"{label}: resources[{index}].dependencies must be a list of URN strings")
    violations = report.get("violations")
    if violations is not None and not isinstance(violations, list):
        raise DiffInputError(f"{label}: 'violations' must be a list, got {jsonfile.type_name(violations)}")
    for index, violation in enumerate(violations or []):
        if not isinstance(violation, Mapping):
            raise DiffInputError(f"{label}: violations[{index}] must be an object, got "
                                 f"{jsonfile.type_name(violation)}")
        for key in ("policy", "enforcementLevel", "urn", "message"):
            if violation.get(key) is not None and not isinstance(violation[key], str):
                raise DiffInputError(f"{label}: violations[{index}].{key} must be a string, got "
                                     f"{jsonfile.type_name(violation[key])}")
    return dict(report)


# ---- comparing ------------------------------------------------------------------------------------------------------
def _has_mask(value: Any) -> bool:
    if value == MASK:
        return True
    if isinstance(value, Mapping):
        return any(_has_mask(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_mask(v) for v in value)
    return False


_ABSENT = object()


MAX_PATHS = 5  # changed leaves shown per input before "... N more"


def _parsed(value: Any) -> Any:
    """A string holding a JSON object or array (policy documents, container definitions) as its structure."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return jsonfile.loads(value)
        except jsonfile.JsonInputError:  # not JSON after all, or too deep to walk: compared as the text it is
            return value
    return value


def same(old: Any, new: Any) -> bool:
    """Equal as values of the report's JSON: Python's == takes True for 1 and False for 0, JSON does not, and a
    flag that became a number is a change the pull request must show."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new, strict=True))
    return old == new


def _leaves(path: str, old: Any, new: Any, found: list[tuple[str, Any, Any]]) -> None:
    """The paths where `old` and `new` differ, descending into objects, equal-length arrays and JSON strings."""
    old, new = _parsed(old), _parsed(new)
    if same(old, new):
        return
    if isinstance(old, str) and isinstance(new, str) and "\n" in old + new:
        # Scripts (user data): the first line that differs, with its number.
        old_lines, new_lines = old.splitlines(), new.splitlines()
        index = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b),
                     min(len(old_lines), len(new_lines)))
        found.append((f"{path} (line {index + 1})", old_lines[index] if index < len(old_lines) else _ABSENT,
                      new_lines[index] if index < len(new_lines) else _ABSENT))
    elif isinstance(old, Mapping) and isinstance(new, Mapping):
        for sub in sorted(set(old) | set(new), key=str):
            _leaves(f"{path}.{sub}", old.get(sub, _ABSENT), new.get(sub, _ABSENT), found)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _leaves(f"{path}[{index}]", a, b, found)
    else:
        found.append((path, old, new))


# The Pulumi engine's wire sentinel for an unknown value (pulumi.runtime.rpc.UNKNOWN; a contract test pins it): a
# report written by another tool may carry it instead of `[unknown]`. Literal here, so the diff imports no SDK.
ENGINE_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def holds_unknown(value: Any) -> bool:
    """Whether a report value is, or contains, a value known only after deployment: the offline engine writes it as
    `[unknown]`, alone or inside a string it was interpolated into (`...app@[unknown]`, an image digest)."""
    if isinstance(value, str):
        return UNKNOWN_TOKEN in value or ENGINE_UNKNOWN in value
    if isinstance(value, Mapping):
        return any(holds_unknown(k) or holds_unknown(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_unknown(v) for v in value)
    return False


def unknown_forcing(resource_type: str, new: Mapping[str, Any]) -> list[ForcingInput]:
    """The forcing inputs of `new` whose value is unknown offline: each replaces the resource if the value turns out
    different from the deployed one, which neither report can tell (an unknown equals nothing, not even itself)."""
    entry = stateful(resource_type)
    if entry is None:
        return []
    found = []
    for key in sorted(new):
        forcing = entry.forcing(key, dict(new))
        if forcing is not None and holds_unknown(new[key]):
            found.append(forcing)
    return found


def key_changes(resource_type: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[KeyChange]:
    found: list[KeyChange] = []
    entry = stateful(resource_type)
    for key in sorted(set(old) | set(new)):
        before, after = integral_numbers(old.get(key, _ABSENT)), integral_numbers(new.get(key, _ABSENT))
        if same(before, after):
            continue
        forcing = entry.forcing(key, dict(new)) if entry is not None else None
        may_force = None
        if forcing is not None and holds_unknown(after):
            # Known only after deployment: it may turn out equal to the deployed value (no replacement) or not.
            forcing, may_force = None, forcing
        leaves: list[tuple[str, Any, Any]] = []
        _leaves(key, before, after, leaves)
        if not leaves:  # equal once parsed (JSON formatting only): still a change of the input's text
            leaves = [(key, before, after)]
        for path, a, b in leaves[:MAX_PATHS]:
            found.append(KeyChange(key, a, b, forcing, "" if path == key else path, may_force))
        if len(leaves) > MAX_PATHS:
            found.append(KeyChange(key, _ABSENT, _ABSENT, forcing, f"{key}: … and {len(leaves) - MAX_PATHS} more",
                                   may_force))
    return found


def _violation_key(violation: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(violation.get("policy", "")), str(violation.get("urn", "")), str(violation.get("message", "")))


def policy_verdict(base: Mapping[str, Any] | None, head: Mapping[str, Any]) -> PolicyVerdict:
    head_violations = [v for v in head.get("violations") or [] if isinstance(v, Mapping)]
    base_violations = [v for v in (base or {}).get("violations") or [] if isinstance(v, Mapping)]
    base_keys = {_violation_key(v) for v in base_violations}
    head_keys = {_violation_key(v) for v in head_violations}
    levels = [str(v.get("enforcementLevel", "")) for v in head_violations]
    return PolicyVerdict(
        mandatory=levels.count("mandatory"), advisory=levels.count("advisory"),
        new=[dict(v) for v in head_violations if _violation_key(v) not in base_keys],
        resolved=[dict(v) for v in base_violations if _violation_key(v) not in head_keys],
        known="violations" in head)


def diff_reports(base: Mapping[str, Any] | None, head: Mapping[str, Any]) -> StackDiff:
    """Compare two validated reports. `base` None: the stack does not exist on the base branch."""
    if base is not None:
        if base["stack"] != head["stack"]:
            raise DiffInputError(f"the reports are of different stacks: base '{base['stack']}', head "
                                 f"'{head['stack']}'")
        if base.get("project") != head.get("project"):
            raise DiffInputError(f"the reports are of different projects: base '{base.get('project')}', head "
                                 f"'{head.get('project')}'")
    old = {r["urn"]: r for r in (base or {}).get("resources", [])}
    new = {r["urn"]: r for r in head["resources"]}
    changes: list[ResourceChange] = []
    unknowns: list[ResourceChange] = []
    unchanged = 0
    global_database = any(r["type"] == "aws:rds/globalCluster:GlobalCluster" for r in new.values())
    for urn in sorted(set(old) | set(new)):
        before, after = old.get(urn), new.get(urn)
        if before is None:
            changes.append(ResourceChange("create", urn, after["type"], _name(after), bool(after.get("protect"))))
            continue
        if after is None:
            changes.append(ResourceChange("delete", urn, before["type"], _name(before),
                                          bool(before.get("protect"))))
            continue
        found = key_changes(after["type"], before.get("inputs") or {}, after.get("inputs") or {})
        maybe = unknown_forcing(after["type"], after.get("inputs") or {})
        if not found:
            unchanged += 1
            if maybe:
                unknowns.append(ResourceChange("update", urn, after["type"], _name(after),
                                               bool(before.get("protect")), may_replace=maybe))
            continue
        action = "replace" if any(c.forcing for c in found) else "update"
        notes = engine_version_notes(after["type"], before.get("inputs") or {}, after.get("inputs") or {},
                                     global_database) if action == "update" else []
        changes.append(ResourceChange(action, urn, after["type"], _name(after), bool(before.get("protect")), found,
                                      notes=notes, may_replace=maybe if action == "update" else []))

    # Dependants of replaced or deleted resources: the engine hands them new outputs (a new ARN, a new name), which
    # replaces them too when such an output feeds a forcing input. The report has no outputs, so this is flagged,
    # not decided: on changed resources, and on unchanged stateful ones (listed apart, as "may be replaced too").
    gone = {c.urn for c in changes if c.action in ("replace", "delete")}
    changed = {c.urn for c in changes}
    for change in changes:
        if change.action in ("update", "replace"):
            deps = (new.get(change.urn) or {}).get("dependencies") or []
            change.depends_on_replaced = sorted(d for d in deps if d in gone and d != change.urn)
    cascades = []
    for urn, resource in sorted(new.items()):
        if urn in old and urn not in changed and stateful(resource["type"]):
            deps = sorted(d for d in resource.get("dependencies") or [] if d in gone)
            if deps:
                cascades.append(ResourceChange("update", urn, resource["type"], _name(resource),
                                               bool(old[urn].get("protect")), [], deps))

    changes.sort(key=lambda c: (RISK_ORDER.get(c.risk or "", 9), ACTION_ORDER[c.action], c.type, c.name, c.urn))
    return StackDiff(project=str(head.get("project", "")), stack=head["stack"], changes=changes, unchanged=unchanged,
                     verdict=policy_verdict(base, head), base_missing=base is None, cascades=cascades,
                     unknowns=sorted(unknowns, key=lambda c: (RISK_ORDER.get(_risk_of(c.type), 9), c.type, c.name,
                                                              c.urn)),
                     cost=_cost_delta(base, head))


def _risk_of(token: str) -> str:
    entry = stateful(token)
    return entry.risk if entry else ""


def _cost_delta(base: Mapping[str, Any] | None, head: Mapping[str, Any]) -> Any:
    from .cost import cost_delta
    return cost_delta(base, head)


def _name(resource: Mapping[str, Any]) -> str:
    return str(resource.get("name") or resource["urn"].rsplit("::", 1)[-1])


# ---- rendering ------------------------------------------------------------------------------------------------------
def render_value(value: Any, limit: int = MAX_VALUE) -> str:
    if value is _ABSENT:
        return "(unset)"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


CONTEXT = 24  # characters kept before the first difference of two long strings


def render_change(change: KeyChange) -> str:
    if change.old is _ABSENT and change.new is _ABSENT:
        return change.label
    old, new = change.old, change.new
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > MAX_VALUE - 2:
        # Long strings that start alike: show them from just before where they differ.
        same = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
        if same > CONTEXT:
            start = same - CONTEXT
            return (f"{change.label}: …{render_value(old[start:])[1:]} -> …{render_value(new[start:])[1:]}")
    return f"{change.label}: {render_value(old)} -> {render_value(new)}"


def summary_line(diff: StackDiff) -> str:
    counts = {a: len(diff.of(a)) for a in ACTION_ORDER}
    parts = [f"{counts['replace']} to replace", f"{counts['delete']} to delete", f"{counts['create']} to create",
             f"{counts['update']} to update", f"{diff.unchanged} unchanged"]
    if diff.may_replace:
        parts.append(f"{len(diff.may_replace)} may be replaced (an input that forces replacement is unknown offline)")
    return ", ".join(parts)


def _maybe_text(change: ResourceChange) -> str:
    keys = ", ".join(f.key for f in change.may_replace)
    return (f"may be replaced: {keys} known only after deployment, and a different value forces replacement "
            f"({change.consequence})")


def _short_urn(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _verdict_line(verdict: PolicyVerdict) -> str:
    if not verdict.known:
        return "Policy: HEAD report carries no policy verdicts."
    outcome = "PASS" if verdict.passed else "FAIL"
    return (f"Policy: {outcome}: {verdict.mandatory} mandatory, {verdict.advisory} advisory violation(s) in HEAD; "
            f"{len(verdict.new)} new, {len(verdict.resolved)} resolved since BASE.")


_NOTE_LABEL = {"refused": "REFUSED BY AWS", "downtime": "downtime", "info": "note"}


def render_text(diff: StackDiff) -> str:
    title = f"preflight diff {diff.project}/{diff.stack}"
    if diff.base_missing:
        title += " (new stack: not on the base branch)"
    lines = [f"{title}: {summary_line(diff)}"]
    for change in diff.data_loss:
        verb = "REPLACED" if change.action == "replace" else "DELETED"
        lines += ["", f"!!! DATA LOSS RISK: {change.type} '{change.name}' will be {verb}",
                  f"!!! {change.consequence}"]
        if change.protect:
            lines.append("!!! it is protected: `pulumi up` refuses until the protection is removed")
        lines += [f"      {render_change(c)}" + (f"  [forces replacement: {c.forcing.source}]" if c.forcing else "")
                  for c in change.changes]
    for change in diff.changes:
        for note in change.refused:
            lines += ["", f"!!! REFUSED BY AWS: {change.type} '{change.name}': `pulumi up` fails on this change",
                      f"!!! {note.text}"]
    for change in diff.may_replace:
        if _risk_of(change.type) == DATA_LOSS:
            lines += ["", f"!!! MAY BE REPLACED, DATA LOSS RISK: {change.type} '{change.name}': "
                      + ", ".join(f.key for f in change.may_replace)
                      + " known only after deployment, and a different value forces replacement",
                      f"!!! {change.consequence}"]
    sections = (("replace", "Replace", "+-"), ("delete", "Delete", "-"), ("create", "Create", "+"),
                ("update", "Update", "~"))
    for action, heading, mark in sections:
        items = [c for c in diff.of(action) if not c.data_loss]
        if not items:
            continue
        lines += ["", f"{heading}:"]
        for change in items:
            lines.append(f"  {mark} {change.type} '{change.name}'" + (" (protected)" if change.protect else ""))
            if action == "replace" and change.consequence:
                lines.append(f"      {change.consequence}")
            for c in change.changes:
                note = f"  [forces replacement: {c.forcing.source}]" if c.forcing else (
                    f"  [unknown offline; a different value forces replacement: {c.may_force.source}]"
                    if c.may_force else "")
                lines.append(f"      {render_change(c)}{note}")
            lines += [f"      {_NOTE_LABEL[n.level]}: {n.text}" for n in change.notes]
            if change.may_replace:
                lines.append(f"      {_maybe_text(change)}")
            if change.depends_on_replaced:
                lines.append("      may be replaced too: depends on replaced/deleted "
                             + ", ".join(_short_urn(u) for u in change.depends_on_replaced))
    if diff.unknowns:
        lines += ["", "May be replaced (unchanged inputs, but one that forces replacement is unknown offline):"]
        lines += [f"  ? {c.type} '{c.name}': {_maybe_text(c)}" for c in diff.unknowns]
    if diff.cascades:
        lines += ["", "May be replaced too (unchanged inputs, but they depend on a replaced or deleted resource):"]
        for change in diff.cascades:
            lines.append(f"  ? {change.type} '{change.name}': depends on "
                         + ", ".join(_short_urn(u) for u in change.depends_on_replaced))
    lines += [""] + _cost_lines(diff, "text")
    lines += ["", _verdict_line(diff.verdict)]
    if diff.changes:
        lines.append(SCOPE_NOTE)
    for v in diff.verdict.new:
        lines.append(f"  new [{v.get('enforcementLevel')}] {v.get('policy')}: {_short_urn(str(v.get('urn') or ''))}"
                     f" {str(v.get('message', '')).splitlines()[0] if v.get('message') else ''}".rstrip())
    return "\n".join(lines)


def render_markdown(diff: StackDiff) -> str:
    """The pull-request comment. Every name, type, key, value and message comes from the reports (that is, from the
    pull request): each goes through preflight/markdown.py, code spans for identifiers and values, escaped prose
    for messages, so none can close a code span, split a table cell, be HTML or mention anyone."""
    refused = any(c.refused for c in diff.changes)
    mark = ":x:" if diff.data_loss or refused or not diff.verdict.passed else (
        ":warning:" if diff.of("replace") or diff.of("delete") or any(
            _risk_of(c.type) == DATA_LOSS for c in diff.may_replace) else ":white_check_mark:")
    title = f"### {mark} preflight diff {md.code(f'{diff.project}/{diff.stack}', table=False)}"
    lines = [title, ""] + _cost_lines(diff, "headline")
    if diff.base_missing:
        lines += ["_New stack: it does not exist on the base branch._", ""]
    lines += [f"{summary_line(diff)}.", ""]
    for change in diff.changes:
        for note in change.refused:
            lines += [f"> **:no_entry: REFUSED BY AWS: {md.code(change.type, table=False)} "
                      f"{md.code(change.name, table=False)}**: `pulumi up` fails on this change. "
                      f"{md.text(note.text, table=False)}", ""]
    for change in diff.data_loss:
        verb = "REPLACED" if change.action == "replace" else "DELETED"
        lines.append(f"> **:rotating_light: DATA LOSS RISK: {md.code(change.type, table=False)} "
                     f"{md.code(change.name, table=False)} will be {verb}.** "
                     f"{md.text(change.consequence, table=False)}."
                     + (" It is protected: `pulumi up` refuses until the protection is removed." if change.protect
                        else ""))
        for c in change.changes:
            if c.forcing:
                lines.append(f"> - **{md.code(render_change(c), table=False)}** _(forces replacement: "
                             f"{md.text(c.forcing.source, table=False)})_")
            else:
                lines.append(f"> - {md.code(render_change(c), table=False)}")
        lines.append("")
    for change in diff.may_replace:
        if _risk_of(change.type) == DATA_LOSS:  # as loud as a certain one: the reviewer must find out first
            lines += [f"> **:warning: MAY BE REPLACED, DATA LOSS RISK: {md.code(change.type, table=False)} "
                      f"{md.code(change.name, table=False)}**: "
                      + ", ".join(md.code(f.key, table=False) for f in change.may_replace)
                      + f" known only after deployment, and a different value forces replacement. "
                      f"{md.text(change.consequence, table=False)}.", ""]
    rows = [c for c in diff.changes if not c.data_loss]
    if rows:
        lines += ["| action | type | name | changes |", "| --- | --- | --- | --- |"]
        for change in rows:
            details = []
            if change.action == "replace" and change.consequence:
                details.append(md.text(change.consequence))
            for c in change.changes:
                forced = " **(forces replacement)**" if c.forcing else (
                    " **(may force replacement: unknown offline)**" if c.may_force else "")
                details.append(f"{md.code(render_change(c))}{forced}")
            if change.depends_on_replaced:
                details.append("may be replaced too: depends on "
                               + ", ".join(md.code(_short_urn(u)) for u in change.depends_on_replaced))
            details += [f"**{_NOTE_LABEL[n.level]}**: {md.text(n.text)}" for n in change.notes]
            if change.may_replace:
                details.append("**may be replaced**: " + ", ".join(md.code(f.key) for f in change.may_replace)
                               + " known only after deployment, and a different value forces replacement")
            action = f"**{change.action}**" if change.action in ("replace", "delete") else change.action
            protect = " (protected)" if change.protect else ""
            lines.append(f"| {action} | {md.code(change.type)} | {md.code(change.name)}{protect} | "
                         f"{'<br>'.join(details)} |")
        lines.append("")
    elif not diff.data_loss:
        lines += ["No resource changes.", ""]
    if diff.unknowns:
        lines.append("**May be replaced** (unchanged inputs, but one that forces replacement is known only after "
                     "deployment; a different value replaces the resource):")
        lines += [f"- {md.code(c.type, table=False)} {md.code(c.name, table=False)}: "
                  + ", ".join(md.code(f.key, table=False) for f in c.may_replace)
                  + f" ({md.text(c.consequence, table=False)})" for c in diff.unknowns]
        lines.append("")
    if diff.cascades:
        lines.append("**May be replaced too** (unchanged inputs, but they depend on a replaced or deleted resource; "
                     "the offline report cannot see the new outputs):")
        lines += [f"- {md.code(c.type, table=False)} {md.code(c.name, table=False)}: depends on "
                  + ", ".join(md.code(_short_urn(u), table=False) for u in c.depends_on_replaced)
                  for c in diff.cascades]
        lines.append("")
    lines += _cost_lines(diff, "markdown")
    lines.append(_verdict_line(diff.verdict).replace("Policy: PASS", "**Policy: PASS**")
                 .replace("Policy: FAIL", "**Policy: FAIL**"))
    if diff.verdict.new:
        lines += ["", "| new violation | level | resource | message |", "| --- | --- | --- | --- |"]
        for v in diff.verdict.new:
            message = str(v.get("message", "")).splitlines()[0] if v.get("message") else ""
            lines.append(f"| {md.code(v.get('policy') or '')} | {md.text(v.get('enforcementLevel') or '')} | "
                         f"{md.code(_short_urn(str(v.get('urn') or '(stack)')))} | {md.text(message)} |")
    if diff.changes:
        lines += ["", f"_{SCOPE_NOTE}_"]
    forced_sources = sorted({c.forcing.source for ch in diff.changes for c in ch.changes if c.forcing})
    if forced_sources:
        lines += ["", "<details><summary>Why these are replacements</summary>", ""]
        lines += [f"- {md.text(s, table=False)}" for s in forced_sources]
        lines += ["", "</details>"]
    return "\n".join(lines)


def _cost_lines(diff: StackDiff, form: str) -> list[str]:
    if diff.cost is None:
        return []
    # The total goes first in the PR comment; the table by resource goes after the data-loss warnings and changes,
    # which stay the first thing a reviewer sees.
    from .cost import delta_headline, delta_markdown, delta_text
    if form == "headline":
        return [f"**{md.text(delta_headline(diff.cost), table=False)}**", ""]
    return delta_markdown(diff.cost) if form == "markdown" else delta_text(diff.cost)


RENDERERS = {"text": render_text, "markdown": render_markdown}


# ---- building a report from a run (tests, tools) --------------------------------------------------------------------
def report_from_run(run: Any, policy_config: Mapping[str, Any] | None = None, evaluate: bool = True) -> dict:
    """The `--format json` report of a StackRun, built with preflight/report.py's own `to_json` (so the shape is
    exactly the CLI's) and judged by the gate's own `judge` (so the verdicts are too: the secrets-by-value rules
    see the run's known secrets, and a leaked one is `[secret]` in the report). `evaluate=False` skips the policy
    pack (no `violations`); secrets are still concealed."""
    from .cli import judge
    from .policy_eval import Analyzer
    from .report import Report, to_json

    analyzer = Analyzer(policy_config, fail_closed=True) if evaluate else None
    evaluation, resources, exports = judge(analyzer, run.resources, run.exports, run.secrets)
    report = to_json(Report(stack=run.stack, project=run.project, source="program", resources=resources,
                            exports=exports, evaluation=evaluation))
    if not evaluate:
        report.pop("violations", None)
    return report


# ---- several stacks: `diff --all-stacks` ----------------------------------------------------------------------------
@dataclass
class StackEntry:
    """One stack of a several-stack run: its gate exit code and its report (None: it could not be evaluated)."""
    stack: str
    exit_code: int
    report: dict[str, Any] | None

    @property
    def failed(self) -> bool:
        # Fail closed on a document that contradicts itself: a mandatory violation fails the stack whatever the
        # exit code next to it says.
        return self.exit_code != EXIT_OK or self.report is None or any(
            v.get("enforcementLevel") == "mandatory" for v in self.report.get("violations") or [])


def _exit_code(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DiffInputError(f"{label} must be 0, 1 or 2, got {jsonfile.type_name(value)}")
    if value not in (EXIT_OK, EXIT_FINDINGS, EXIT_ERROR):
        raise DiffInputError(f"{label} must be 0, 1 or 2, got {value}")
    return value


def load_stacks(path: Path, missing_ok: bool = False) -> list[StackEntry] | None:
    """A several-stack run's JSON (`{"stacks": [{"stack", "exitCode", "report"}], "exitCode"}`), or a single report
    as a run of its one stack; each report checked as `load_report` checks one. None: missing and `missing_ok`."""
    document = _read_json(path, missing_ok)
    return None if document is _MISSING else stack_entries(document, str(path))


def stack_entries(document: Any, label: str) -> list[StackEntry]:
    if isinstance(document, Mapping) and "stacks" not in document:
        report = validate_report(document, label)
        summary = report.get("summary")
        code = summary.get("exitCode") if isinstance(summary, Mapping) else None
        return [StackEntry(report["stack"], _exit_code(code, f"{label}: summary.exitCode") if code is not None
                           else EXIT_OK, report)]
    hint = "expected the output of `python -m preflight --all-stacks --format json`"
    if not isinstance(document, Mapping):
        raise DiffInputError(f"{label}: not a preflight JSON report, got {jsonfile.type_name(document)} ({hint})")
    if not isinstance(document["stacks"], list):
        raise DiffInputError(f"{label}: 'stacks' must be a list, got {jsonfile.type_name(document['stacks'])}")
    if not document["stacks"]:
        raise DiffInputError(f"{label}: 'stacks' is empty ({hint})")
    entries: list[StackEntry] = []
    for index, item in enumerate(document["stacks"]):
        where = f"{label}: stacks[{index}]"
        if not isinstance(item, Mapping):
            raise DiffInputError(f"{where} must be an object, got {jsonfile.type_name(item)}")
        stack = item.get("stack")
        if not isinstance(stack, str):
            raise DiffInputError(f"{where}.stack must be a string, got {jsonfile.type_name(stack)}")
        code = _exit_code(item.get("exitCode"), f"{where}.exitCode")
        report = item.get("report")
        if report is not None:
            report = validate_report(report, f"{where}.report")
            if report["stack"] != stack:
                raise DiffInputError(f"{where}: the report is of stack {report['stack']!r}, not {stack!r}")
        elif code == EXIT_OK:
            raise DiffInputError(f"{where}: stack {stack!r} has no report but exit code 0 (a stack that was not "
                                 "evaluated cannot pass)")
        if any(entry.stack == stack for entry in entries):
            raise DiffInputError(f"{where}: stack {stack!r} is listed twice")
        entries.append(StackEntry(stack, code, report))
    return entries


def information_counts(path: Path) -> dict[str, tuple[int, int]] | None:
    """(mandatory, advisory) per stack from a report the pull request's own preflight wrote: that file is the pull
    request's, so only two integers per stack may come out of it, and nothing in it is an error (a stack without
    readable counts is simply absent). None: no such file (no information to show)."""
    if not path.exists():
        return None
    try:
        document = jsonfile.load(path)
    except (jsonfile.JsonInputError, OSError):
        return {}
    items = document.get("stacks") if isinstance(document, Mapping) and "stacks" in document else [
        {"stack": document.get("stack"), "report": document} if isinstance(document, Mapping) else None]
    counts: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for item in items if isinstance(items, list) else []:
        stack = item.get("stack") if isinstance(item, Mapping) else None
        if not isinstance(stack, str):
            continue
        if stack in seen:  # two different answers for one stack: neither is readable
            counts.pop(stack, None)
            continue
        seen.add(stack)
        try:
            found = item["report"]["summary"]["violations"]
            pair = (found["mandatory"], found["advisory"])
        except (KeyError, TypeError):
            continue
        if all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in pair):
            counts[stack] = pair
    return counts


def information_line(counts: dict[str, tuple[int, int]], stack: str) -> str:
    pair = counts.get(stack)
    found = f"{pair[0]} mandatory, {pair[1]} advisory violation(s)" if pair else "no readable report"
    return f"_Information only, not the gate: the pull request's own policy pack and config: {found}._"


@dataclass
class SeveralStacks:
    """`diff --all-stacks`: per HEAD stack, its diff (None: HEAD could not evaluate it) and its gate verdict."""
    entries: list[tuple[StackEntry, StackDiff | None]]
    information: dict[str, tuple[int, int]] | None = None

    @property
    def failed(self) -> list[str]:
        return [entry.stack for entry, _ in self.entries if entry.failed]

    @property
    def replacing(self) -> list[str]:
        return [entry.stack for entry, diff in self.entries if diff is not None and diff.stateful_replacements]


def diff_stacks(base: list[StackEntry] | None, head: list[StackEntry], base_missing_ok: bool = False,
                information: dict[str, tuple[int, int]] | None = None) -> SeveralStacks:
    """Each HEAD stack against the same stack of BASE. A stack BASE lacks, or could not evaluate, is new (only with
    `base_missing_ok`, as for one stack); a stack only BASE has is an error: a deleted stack has no diff, and the
    workflow lists deleted stack files itself, so a BASE run of other stacks than HEAD's is a mistake to point out."""
    by_stack = {entry.stack: entry for entry in base or []}
    only_base = [stack for stack in by_stack if stack not in {entry.stack for entry in head}]
    if only_base:
        raise DiffInputError(f"BASE has stacks HEAD does not: {', '.join(repr(s) for s in only_base)} (run BASE with "
                             "--stack for each stack both have)")
    results: list[tuple[StackEntry, StackDiff | None]] = []
    for entry in head:
        if entry.report is None:
            results.append((entry, None))
            continue
        old = by_stack.get(entry.stack)
        if (old is None or old.report is None) and not base_missing_ok:
            why = "is not in BASE" if old is None else "was not evaluated in BASE"
            raise DiffInputError(f"stack {entry.stack!r} {why} (--base-missing-ok: then it is new)")
        results.append((entry, diff_reports(old.report if old is not None else None, entry.report)))
    return SeveralStacks(results, information)


def render_stacks(several: SeveralStacks, fmt: str) -> str:
    """Every stack's section in HEAD's order; in markdown exactly what the pull-request comment shows per stack."""
    parts: list[str] = []
    for entry, diff in several.entries:
        if fmt == "markdown":
            if diff is None:
                parts.append(f"### :x: {md.code(entry.stack, table=False)}: the head does not evaluate\n\n"
                             "See the job log.\n\n")
                continue
            parts.append(render_markdown(diff) + "\n\n")
            if several.information is not None:
                parts.append(information_line(several.information, entry.stack) + "\n\n")
        else:
            if diff is None:
                parts.append(f"preflight diff: stack {entry.stack!r}: HEAD was not evaluated (exit "
                             f"{entry.exit_code}; the gate's stderr says why)\n\n")
                continue
            parts.append(render_text(diff) + "\n\n")
            if several.information is not None:
                parts.append(information_line(several.information, entry.stack).strip("_") + "\n\n")
    return "".join(parts).removesuffix("\n")


def report_resources(path: Path, stack: str) -> list[Any]:
    """The resources of `stack` in a JSON report or several-stack run, as objects `preflight graph` draws (urn,
    type, name, custom, parent, dependencies): so the pull-request job draws the head's diagram from the gate's report
    instead of running the head's program a second time. `property_dependencies` stays empty: the SDK registers every
    property dependency in `dependencies` too, which is what the diagram's edges read."""
    from types import SimpleNamespace

    entries = load_stacks(path)
    assert entries is not None  # missing_ok is False: a missing file raised
    entry = next((e for e in entries if e.stack == stack), None)
    if entry is None:
        raise DiffInputError(f"{path}: no stack {stack!r} (stacks there: {', '.join(e.stack for e in entries)})")
    if entry.report is None:
        raise DiffInputError(f"{path}: stack {stack!r} was not evaluated (exit {entry.exit_code}), so it has no "
                             "resources to draw")
    for index, resource in enumerate(entry.report["resources"]):
        if resource.get("parent") is not None and not isinstance(resource["parent"], str):
            raise DiffInputError(f"{path}: resources[{index}].parent must be a URN string, got "
                                 f"{jsonfile.type_name(resource['parent'])}")
    return [SimpleNamespace(urn=r["urn"], type=r["type"], name=str(r.get("name") or _name(r)),
                            custom=r.get("custom") is not False, parent=r.get("parent"),
                            dependencies=list(r.get("dependencies") or []), property_dependencies={})
            for r in entry.report["resources"]]


def write_names(path: Path, names: Sequence[str]) -> None:
    """One stack name a line. A name is a file name of the pull request's (`Pulumi.<name>.yaml`): one holding a line
    break or another control character is written escaped, so it stays one line of the list."""
    shown = [name if name.isprintable() else name.encode("unicode_escape").decode("ascii") for name in names]
    path.write_text("".join(f"{name}\n" for name in shown), encoding="utf-8")


# ---- CLI ------------------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from .cli import EXIT_CODES_HELP, Parser  # the gate's one table of exit codes and its usage errors

    parser = Parser(
        prog="python -m preflight diff",
        description="Compare two preflight JSON reports of one stack: creates, deletes, updates and replacements, "
                    "data-loss risks first, and the policy verdict of HEAD.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, metavar="BASE.json", help="report of the base branch")
    parser.add_argument("head", type=Path, metavar="HEAD.json", help="report of the pull request's head")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--fail-on-replace", action="store_true",
                        help="exit 1 when a stateful resource (a type of preflight/replacements.py: the Aurora "
                             "cluster, its key, the image repository, the backup vault, the load balancer, ...; "
                             "not an ECS task definition) is replaced, or a data-holding one deleted")
    parser.add_argument("--base-missing-ok", action="store_true",
                        help="a missing BASE.json means the stack is new: everything in HEAD is a create")
    several = parser.add_argument_group("several stacks")
    several.add_argument("--all-stacks", action="store_true",
                         help="BASE.json and HEAD.json are the JSON of several-stack runs (`python -m preflight "
                              "--all-stacks --format json`): every stack of HEAD against the same stack of BASE")
    several.add_argument("--information", type=Path, metavar="OWN.json",
                         help="with --all-stacks: a several-stack report the pull request's own preflight wrote; "
                              "only its mandatory and advisory counts per stack are shown, as information (a "
                              "missing file: no such line)")
    several.add_argument("--failed-stacks", type=Path, metavar="FILE",
                         help="with --all-stacks: write the HEAD stacks that fail the gate (mandatory violations, "
                              "or not evaluated), one a line")
    several.add_argument("--replacing-stacks", type=Path, metavar="FILE",
                         help="with --all-stacks: write the stacks --fail-on-replace fails on, one a line")
    return parser


def _option_problems(args: argparse.Namespace) -> list[str]:
    """Every problem of the options at once, before anything is read or written."""
    problems = []
    outputs = {"--failed-stacks": args.failed_stacks, "--replacing-stacks": args.replacing_stacks}
    given = {"--information": args.information, **outputs}
    if not args.all_stacks:
        problems += [f"{flag} needs --all-stacks" for flag, value in given.items() if value is not None]
        return problems
    inputs = {args.base.resolve(), args.head.resolve()}
    if args.information is not None:
        inputs.add(args.information.resolve())
    for flag, value in outputs.items():
        if value is None:
            continue
        if value.is_dir():
            problems.append(f"{flag} {str(value)!r}: is a directory (give a file to write)")
        elif not value.parent.is_dir():
            problems.append(f"{flag} {str(value)!r}: no directory {str(value.parent)!r} to write it in")
        elif value.resolve() in inputs:
            problems.append(f"{flag} {str(value)!r}: is one of the input files (it would be overwritten)")
    if args.failed_stacks is not None and args.replacing_stacks is not None \
            and args.failed_stacks.resolve() == args.replacing_stacks.resolve():
        problems.append(f"--failed-stacks and --replacing-stacks name the same file {str(args.failed_stacks)!r}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .cli import guarded  # the one exit-code contract of every preflight subcommand

    return guarded("preflight diff", _run, args)


def _run(args: argparse.Namespace) -> int:
    from .cli import emit

    problems = _option_problems(args)
    if problems:
        raise DiffInputError("; ".join(problems))
    if args.all_stacks:
        return _run_stacks(args)
    base = load_report(args.base, missing_ok=args.base_missing_ok)
    head = load_report(args.head)
    diff = diff_reports(base, head)
    emit(RENDERERS[args.format](diff))
    if args.fail_on_replace and diff.stateful_replacements:
        return EXIT_FINDINGS
    return EXIT_OK


def _run_stacks(args: argparse.Namespace) -> int:
    from .cli import emit

    base = load_stacks(args.base, missing_ok=args.base_missing_ok)
    head = load_stacks(args.head)
    assert head is not None  # missing_ok is False: a missing HEAD raised
    information = information_counts(args.information) if args.information is not None else None
    several = diff_stacks(base, head, args.base_missing_ok, information)
    # The lists first, then the sections: a reader of the lists never sees a half-written run as a clean one.
    if args.failed_stacks is not None:
        write_names(args.failed_stacks, several.failed)
    if args.replacing_stacks is not None:
        write_names(args.replacing_stacks, several.replacing)
    emit(render_stacks(several, args.format))
    if args.fail_on_replace and several.replacing:
        return EXIT_FINDINGS
    return EXIT_OK
