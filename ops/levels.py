"""Per-stack enforcement levels for verify, read the way the policy pack reads `--policy-pack-config`.

`verify --policy-config policies/config/dev.json` judges a live stack with the levels and thresholds the gate used at
preview time: a rule the stack made advisory is still reported but does not fail the run, a disabled one is skipped.
Without a config every check is mandatory (the strict default of a tool people run after an incident).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ops.errors import OpsError

MANDATORY, ADVISORY, DISABLED = "mandatory", "advisory", "disabled"


class PolicyConfigError(OpsError):
    """A policy config that cannot be read: one line, exit 2, like every other input error."""


@dataclass(frozen=True)
class Levels:
    by_check: dict[str, str]
    min_retention: int | None  # aurora-backup-retention.minimumRetentionDays, when the config sets it

    def level(self, check: str) -> str:
        return self.by_check.get(check, MANDATORY)


def strict() -> Levels:
    return Levels(by_check={}, min_retention=None)


def load_levels(path: Path, checks: list[str]) -> Levels:
    """The level of each check: the pack's default for that rule, then `all`, then the rule's own entry (the
    engine's order). `remediate` counts as mandatory: these rules do not remediate."""
    # Imported here: the pack's metadata and config reader pull in pulumi_policy, which the other commands never need.
    from policies.rules import RULES
    from preflight.policy_eval import PolicyConfigError as PackConfigError
    from preflight.policy_eval import load_policy_config, parse_policy_config

    try:
        parsed = parse_policy_config(load_policy_config(path))
    except PackConfigError as error:
        raise PolicyConfigError(f"--policy-config: {error}") from None
    everything = parsed.get("all", (None, None))[0]
    levels: dict[str, str] = {}
    for check in checks:
        rule = RULES.get(check)
        level = rule.level.value if rule is not None else MANDATORY
        level = everything or level
        level = parsed.get(check, (None, None))[0] or level
        levels[check] = MANDATORY if level == "remediate" else level
    retention = (parsed.get("aurora-backup-retention", (None, None))[1] or {}).get("minimumRetentionDays")
    return Levels(by_check=levels, min_retention=int(retention) if retention is not None else None)
