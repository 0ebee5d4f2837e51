"""The names the program gives RDS and AWS Backup resources, for every stack name the settings accept, against the
services' rules.

The rules come from botocore's RDS model, pinned in requirements.txt: DBProxyName and DBProxyEndpointName carry a
pattern and a maximum length; DBClusterIdentifier and DBInstanceIdentifier say theirs in words, which the tests read
(a reworded sentence fails the test, so a person looks again). A name that breaks them fails at deploy time, after
the cluster exists: the settings refuse such a stack name before anything is created.
"""

from __future__ import annotations

import re

import pytest
import yaml

from components.aurora import cluster_identifier, instance_identifier
from components.aurora_proxy import proxy_name_of, proxy_reader_endpoint_name
from components.settings import PROJECT, SettingsError, load_settings
from tests.test_aws_facts_models import find, member

# "Must contain from 1 to 63 letters, numbers, or hyphens. First character must be a letter. Can't end with a hyphen
# or contain two consecutive hyphens." (DBInstanceIdentifier; the cluster's says the same with "1 to 63 (for Aurora
# DB clusters)").
# Written without the model's nested repetition, which backtracks for ever on a long name that ends in "-".
RDS_IDENTIFIER = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
PROXY_NAME = r"[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*"   # the model's pattern, the same names

# The longest stack name the settings accept: "aurora-platform-" and the stack make the cluster identifier, which
# keeps three characters for the instances' "-16".
LONGEST_STACK = 63 - 3 - len("aurora-platform-")


def stack_names() -> list[str]:
    """Every length up to the longest, in spellings that collapse differently (underscores, dots, digits, caps)."""
    names = []
    for length in range(1, LONGEST_STACK + 1):
        names.append("s" * length)
        names.append(("ab_c." * length)[:length].rstrip("._") or "x")
        names.append(("Prod-9" * length)[:length])
    return names


def test_the_rds_identifier_rules_are_still_those_the_tests_check():
    cluster = find(r"Must contain from 1 to (\d+) \(for Aurora DB clusters\).*First character must be a letter\. "
                   r"Can't end with a hyphen or contain two consecutive hyphens\.", "rds", "CreateDBClusterMessage",
                   "DBClusterIdentifier")
    instance = find(r"Must contain from 1 to (\d+) letters, numbers, or hyphens\. First character must be a letter\. "
                    r"Can't end with a hyphen or contain two consecutive hyphens\.", "rds", "CreateDBInstanceMessage",
                    "DBInstanceIdentifier")
    assert (int(cluster.group(1)), int(instance.group(1))) == (63, 63)


@pytest.mark.parametrize("shape, name", [("CreateDBProxyRequest", "DBProxyName"),
                                         ("CreateDBProxyEndpointRequest", "DBProxyEndpointName")])
def test_the_proxy_name_rules_are_still_those_the_tests_check(shape, name):
    pattern = member("rds", shape, name).metadata["pattern"]
    assert member("rds", shape, name).metadata == {"min": 1, "max": 63, "pattern": "[a-zA-Z](?:-?[a-zA-Z0-9]+)*"}
    for sample in ("a", "Ab-c9", "a-b-c", "a--b", "a-", "-a", "1a", "a_b", "a-1-B2"):   # short: no backtracking
        assert bool(re.fullmatch(PROXY_NAME, sample)) == bool(re.fullmatch(pattern, sample)), sample


def test_every_accepted_stack_name_gives_a_cluster_and_sixteen_instances_rds_accepts():
    for stack in stack_names():
        cluster = cluster_identifier(PROJECT, stack)
        names = [cluster] + [instance_identifier(cluster, index) for index in range(16)]
        bad = [n for n in names if len(n) > 63 or not re.fullmatch(RDS_IDENTIFIER, n)]
        assert not bad, f"stack {stack!r}: {bad}"


def test_every_accepted_stack_name_gives_a_proxy_and_a_reader_endpoint_rds_accepts():
    for stack in stack_names():
        proxy = proxy_name_of(cluster_identifier(PROJECT, stack))
        endpoint = proxy_reader_endpoint_name(proxy)
        bad = [n for n in (proxy, endpoint) if len(n) > 63 or not re.fullmatch(PROXY_NAME, n)]
        assert not bad, f"stack {stack!r}: {bad}"


@pytest.mark.parametrize("identifier, proxy, endpoint", [
    # 56 characters: the proxy's name is 62; its endpoint keeps "-ro" and is cut in the proxy's part, to 60.
    ("c" * 56, "c" * 56 + "-proxy", "c" * 56 + "-pro-ro"),
    ("c" * 54, "c" * 54 + "-proxy", "c" * 54 + "-proxy-ro"),
    ("c" * 55, "c" * 55 + "-proxy", "c" * 55 + "-prox-ro"),
    # 60, the longest the settings take: the identifier is cut, never the suffix.
    ("c" * 60, "c" * 57 + "-proxy", "c" * 57 + "-pr-ro"),
    # A cut that ends on a hyphen drops it (RDS refuses two in a row).
    ("c" * 56 + "-d-eee", "c" * 56 + "-proxy", "c" * 56 + "-pro-ro"),
    ("c" * 55 + "-d", "c" * 55 + "-d-proxy", "c" * 55 + "-d-pr-ro"),
    ("blog", "blog-proxy", "blog-proxy-ro"),
])
def test_names_cut_at_63_keep_their_suffix_and_never_hold_two_hyphens(identifier, proxy, endpoint):
    assert (proxy_name_of(identifier), proxy_reader_endpoint_name(proxy_name_of(identifier))) == (proxy, endpoint)


def test_the_longest_stack_name_is_accepted():
    settings = load_settings({}, "s" * LONGEST_STACK, "us-east-1")
    assert settings.stack == "s" * LONGEST_STACK


def test_a_stack_name_too_long_for_the_instances_is_refused_before_anything_is_made():
    stack = "a-very-long-stack-name-for-a-feature-branch-x"
    assert len(stack) == LONGEST_STACK + 1
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": "bogus"}, stack, "us-east-1")
    assert caught.value.problems[-1] == (
        f'stack name: "{stack}" names the cluster "aurora-platform-{stack}" (61 characters); allowed: a cluster '
        "identifier of at most 60 characters (its instances add -1 .. -16 and RDS allows 63), so a stack name of at "
        "most 44 characters")
    assert len(caught.value.problems) == 2   # every problem at once: the environment's too


def test_a_stack_name_that_only_collapses_below_the_limit_is_accepted():
    # Runs of other characters become one hyphen: the limit is on the identifier, not on the stack name as typed.
    stack = "a__" * 22
    assert len(stack) > LONGEST_STACK
    assert len(cluster_identifier(PROJECT, stack)) <= 60
    assert load_settings({}, stack, "us-east-1").stack == stack


def test_the_longest_stack_name_deploys_names_rds_and_aws_backup_accept(tmp_path):
    # The real program under mocks with the longest stack name the settings take: every name it gives RDS and AWS
    # Backup, read from what it would send. AWS Backup's limits are 50 characters (BackupVaultName
    # ^[a-zA-Z0-9\-\_]{2,50}$, BackupPlanName "1 to 50 alphanumeric or '-_.' characters", SelectionName
    # ^[a-zA-Z0-9\-\_\.]{1,50}$). The program is the repository's, seen through links beside a stack file of its own.
    from preflight.engine import run_stack
    from tests.conftest import REPO_ROOT

    stack = "feature-" + "x" * (LONGEST_STACK - len("feature-"))
    program = tmp_path / "program"
    program.mkdir()
    for entry in REPO_ROOT.iterdir():
        if not entry.name.startswith("Pulumi.") or entry.name == "Pulumi.yaml":
            (program / entry.name).symlink_to(entry)
    # prod's settings without the application tier (its image build refuses a Dockerfile reached through a link).
    config = yaml.safe_load((REPO_ROOT / "Pulumi.prod.yaml").read_text())
    del config["config"]["aurora-platform:app"]
    (program / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(config))
    run = run_stack(stack, program, {"aurora-platform:database": {
        **config["config"]["aurora-platform:database"], "proxy": {"enabled": True, "readerEndpoint": True}}})

    def inputs(type_: str, key: str) -> list[str]:
        return [r.inputs[key] for r in run.of_type(type_)]

    rds = (inputs("aws:rds/cluster:Cluster", "clusterIdentifier")
           + inputs("aws:rds/clusterInstance:ClusterInstance", "identifier"))
    proxies = (inputs("aws:rds/proxy:Proxy", "name")
               + inputs("aws:rds/proxyEndpoint:ProxyEndpoint", "dbProxyEndpointName"))
    backup = (inputs("aws:backup/vault:Vault", "name") + inputs("aws:backup/plan:Plan", "name")
              + inputs("aws:backup/selection:Selection", "name"))
    assert rds[0] == f"aurora-platform-{stack}" and len(rds[0]) == 60
    assert len(rds) == 4 and len(proxies) == 2 and len(backup) == 3
    assert [n for n in rds if len(n) > 63 or not re.fullmatch(RDS_IDENTIFIER, n)] == []
    assert [n for n in proxies if len(n) > 63 or not re.fullmatch(PROXY_NAME, n)] == []
    assert len(set(proxies)) == 2
    assert [n for n in backup if not re.fullmatch(r"[a-zA-Z0-9_.-]{2,50}", n)] == []
    # Cut from the front: the stack's part of the name, which tells two stacks' vaults apart, is kept.
    assert [n.endswith(("-backups", "-daily", "-cluster")) and "xxxx" in n for n in backup] == [True] * 3



@pytest.mark.parametrize("project, stack, identifier", [
    ("_Blog_", "Dev.EU_", "blog-dev-eu"),   # a letter first: the leading run of other characters goes entirely
    ("-x-", "--y--", "x-y"),
    ("aurora-platform", "prod", "aurora-platform-prod"),
])
def test_the_cluster_identifier_is_the_project_and_stack_as_an_rds_identifier(project, stack, identifier):
    assert cluster_identifier(project, stack) == identifier
