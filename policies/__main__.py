"""Entry point the CLI runs (cwd policies/). Only wraps the rules: PolicyPack starts a gRPC server and blocks."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import ALL_POLICIES

PolicyPack(
    name="aurora-platform-policies",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Aurora platform guardrails: encryption, TLS, backups, network exposure and secret handling.",
)
