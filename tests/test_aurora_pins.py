"""Safety values of the AuroraCluster that mutation testing found unpinned (docs/mutation-testing.md, "Kill rate of the
Aurora components"): each was a change to components/aurora*.py that the rest of the suite let through.

Expected values are literals from the requirement, the stack files or the AWS limits, never read back from the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.engine import StackRun
from tests.test_aurora import CLUSTER, PARAMETER, cluster_of, database_key, dep
from tests.test_aurora_variants import variant

PROGRAM = Path(__file__).parent / "programs" / "aurora"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
PROXY = "aws:rds/proxy:Proxy"
SECRET = "aws:secretsmanager/secret:Secret"


# ---- protect when the caller does not say -------------------------------------------------------------------------
@pytest.mark.parametrize("protected", [True, False])
def test_without_a_protect_argument_the_component_protects_what_the_stack_says(evaluate, protected):
    """The real program always passes `protect`; another caller (tests/programs/aurora passes none) must still get
    the stack's `database.protect` on the cluster, its key, the password parameter and the exported log groups."""
    run: StackRun = evaluate("test", {"aurora-platform:database": {
        "engine": "aurora-mysql", "readers": 1, "protect": protected}}, PROGRAM)
    cluster = run.one(CLUSTER)
    assert cluster.protect is protected
    assert dep(run, cluster, "kmsKeyId").protect is protected
    assert run.one(PARAMETER).protect is protected
    groups = [g for g in run.of_type(LOG_GROUP) if str(g.inputs["name"]).startswith("/aws/rds/cluster/")]
    assert groups and {g.protect for g in groups} == {protected}


# ---- final snapshot -----------------------------------------------------------------------------------------------
def test_the_final_snapshot_suffix_is_eight_lowercase_letters_and_digits(any_stack):
    """The suffix ends the final snapshot's identifier: RDS identifiers are letters, digits and hyphens (stored in
    lower case), so the generator must not add specials or upper case; eight characters keep a collision unlikely."""
    cluster = cluster_of(any_stack)
    [suffix] = [any_stack.by_urn(u) for u in cluster.property_dependencies["finalSnapshotIdentifier"]]
    assert {k: suffix.inputs.get(k) for k in ("length", "special", "upper")} == {
        "length": 8, "special": False, "upper": False}


# ---- global database ----------------------------------------------------------------------------------------------
def test_the_global_cluster_of_production_cannot_be_deleted():
    """prod sets deletionProtection (Pulumi.prod.yaml default): the global cluster wrapping it must say so too, or
    `pulumi destroy` / a console delete removes the global database while the member cluster is protected."""
    global_cluster = variant("global-primary").one("aws:rds/globalCluster:GlobalCluster")
    assert global_cluster.inputs["deletionProtection"] is True
    assert global_cluster.inputs["forceDestroy"] is False


# ---- RDS Proxy ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["proxy", "proxy-password"])
def test_the_proxy_log_group_is_created_first_encrypted_and_kept_for_the_stacks_retention(name):
    """RDS Proxy writes to /aws/rds/proxy/<proxy name>; created by the program (so RDS does not create an unencrypted,
    never-expiring one), under the database key, kept 365 days in prod (Pulumi.prod.yaml database.logRetentionDays)."""
    run = variant(name)
    proxy = run.one(PROXY)
    assert proxy.inputs["name"] == "aurora-platform-prod-proxy"
    [group] = [g for g in run.of_type(LOG_GROUP) if g.inputs["name"] == "/aws/rds/proxy/aurora-platform-prod-proxy"]
    assert group.inputs["retentionInDays"] == 365
    assert dep(run, group, "kmsKeyId").urn == database_key(run).urn
    assert group.urn in proxy.dependencies


def test_the_proxy_login_secret_can_be_recovered_for_a_week_after_deletion():
    """A deleted login secret stays recoverable for 7 days (the shortest window Secrets Manager allows other than an
    immediate, unrecoverable delete), so deleting it by mistake does not lock the proxy out for good."""
    [secret] = variant("proxy-password").of_type(SECRET)
    assert secret.inputs["recoveryWindowInDays"] == 7
    assert secret.inputs["namePrefix"] == "aurora-platform-prod-proxy-"
