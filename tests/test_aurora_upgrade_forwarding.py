"""Major version upgrades (`allowMajorVersionUpgrade`) and write forwarding (`writeForwarding`): the settings and their
messages, the cluster's inputs under mocks for dev, prod and the variants with forwarding on, the gate's
aurora-write-forwarding-consistency rule with the spellings that try to get past it, and verify's check.

Expected values are literals from the requirement and the user guides (docs/database.md cites them), never computed
by the code under test.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from components.settings import SettingsError, load_settings
from ops.checks.base import Facts
from ops.checks.forwarding import write_forwarding
from preflight.engine import StackRun, run_stack
from preflight.policy_eval import Analyzer, load_policy_config
from tests.conftest import REPO_ROOT, cache_unless_collecting
from tests.policies.policy_helpers import check_stack, resource

KEY = "aurora-platform:database"
WF = f"{KEY}.writeForwarding"
CLUSTER = "aws:rds/cluster:Cluster"
CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
DBPG = "aws:rds/parameterGroup:ParameterGroup"
RULE = "aurora-write-forwarding-consistency"
SECONDARY = {"enabled": True, "role": "secondary", "identifier": "aurora-platform-prod"}
LOCAL_PG = ("local write forwarding needs Aurora MySQL 3.04.0 or later, or Aurora PostgreSQL 14.13, 15.8, 16.4 or "
            "later; engineVersion is ")
GLOBAL_PG = "global write forwarding needs Aurora PostgreSQL 14.9, 15.4, 16.0 or later; engineVersion is "


def database(values: dict, environment: str = "development"):
    return load_settings({"environment": environment, "database": values}, "dev", "us-east-1").database


def problems(values: dict, environment: str = "development") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": environment, "database": values}, "dev", "us-east-1")
    return caught.value.problems


def stack_database(stack: str, **changes) -> dict:
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    value = copy.deepcopy(config[KEY])
    value.update(changes)
    return value


@cache_unless_collecting
def _run(stack: str, database_json: str, region: str | None) -> StackRun:
    overrides = {KEY: json.loads(database_json), "aurora-platform:app": None}
    if region:
        overrides["aws:region"] = region
    return run_stack(stack, REPO_ROOT, overrides)


def run(stack: str, **changes) -> StackRun:
    """The stack with its own database settings, some keys changed."""
    return _run(stack, json.dumps(stack_database(stack, **changes), sort_keys=True), None)


def group_parameters(stack_run: StackRun) -> dict[str, str]:
    return {p["name"]: p["value"] for p in stack_run.one(CPG).inputs["parameters"]}


def mandatory(stack_run: StackRun, stack: str) -> list:
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / f"{stack}.json")).evaluate(
        stack_run.resources)
    return [(v.policy, v.detail) for v in evaluation.mandatory]


# ---- allowMajorVersionUpgrade -------------------------------------------------------------------------------------
def test_major_upgrades_are_allowed_by_default_only_outside_production():
    assert database({}).allow_major_version_upgrade is True
    assert database({}, "production").allow_major_version_upgrade is False
    assert database({"allowMajorVersionUpgrade": True}, "production").allow_major_version_upgrade is True
    assert database({"allowMajorVersionUpgrade": False}).allow_major_version_upgrade is False


def test_a_null_flag_is_the_default_so_production_stays_off():
    assert database({"allowMajorVersionUpgrade": None}, "production").allow_major_version_upgrade is False


@pytest.mark.parametrize("value", ["yes", 1, "on", ["true"]])
def test_the_flag_takes_true_or_false_only(value):
    assert problems({"allowMajorVersionUpgrade": value}, "production") == [
        f"{KEY}.allowMajorVersionUpgrade: got {json.dumps(value)}; allowed: true or false"]


def test_a_misspelt_flag_is_named_with_the_right_spelling():
    (found,) = problems({"allowMajorVersionUpgrades": True}, "production")
    assert found.startswith(f"{KEY}.allowMajorVersionUpgrades: unknown setting")
    assert found.endswith('Did you mean "allowMajorVersionUpgrade"?')


def test_dev_sends_the_flag_and_prod_does_not(dev, prod):
    assert dev.one(CLUSTER).inputs["allowMajorVersionUpgrade"] is True
    assert prod.one(CLUSTER).inputs["allowMajorVersionUpgrade"] is False


def test_prod_sends_the_flag_when_the_stack_says_so():
    assert run("prod", allowMajorVersionUpgrade=True).one(CLUSTER).inputs["allowMajorVersionUpgrade"] is True


def test_a_new_major_moves_both_parameter_groups_to_the_new_family_and_names_the_instance_group():
    upgraded = run("prod", engineVersion="17.4", allowMajorVersionUpgrade=True)
    assert upgraded.one(CPG).inputs["family"] == "aurora-postgresql17"
    assert upgraded.one(DBPG).inputs["family"] == "aurora-postgresql17"
    cluster = upgraded.one(CLUSTER)
    assert cluster.inputs["engineVersion"] == "17.4"
    # The cluster's upgrade call names the new family's instance group, the one the instances use.
    [group_urn] = cluster.property_dependencies["dbInstanceParameterGroupName"]
    assert upgraded.by_urn(group_urn).inputs["family"] == "aurora-postgresql17"
    assert mandatory(upgraded, "prod") == []


def test_both_parameter_groups_are_auto_named_so_the_new_family_exists_before_the_cluster_switches(any_stack):
    # A fixed name would make the family's replacement delete the group the cluster still uses before creating the
    # new one (or fail on the name); auto-names give the replacement a new name, created first.
    for token in (CPG, DBPG):
        inputs = any_stack.one(token).inputs
        assert "name" not in inputs and "namePrefix" not in inputs, token


# ---- writeForwarding: settings -------------------------------------------------------------------------------------
def test_forwarding_is_off_by_default_and_sends_nothing(dev, prod):
    assert database({}).write_forwarding.enabled is False
    for stack_run in (dev, prod):
        inputs = stack_run.one(CLUSTER).inputs
        assert "enableLocalWriteForwarding" not in inputs and "enableGlobalWriteForwarding" not in inputs
        assert "apg_write_forward.consistency_mode" not in group_parameters(stack_run)


@pytest.mark.parametrize(("version", "ok"), [
    ("16.4", True), ("16.3", False), ("16.8", True), ("15.8", True), ("15.7", False), ("14.13", True),
    ("14.12", False), ("13.18", False), ("17.4", True)])
def test_local_forwarding_needs_a_postgresql_version_that_has_it(version, ok):
    values = {"engineVersion": version, "writeForwarding": {"local": True}}
    if ok:
        assert database(values).write_forwarding.cluster_parameters == {
            "apg_write_forward.consistency_mode": "SESSION"}
    else:
        assert problems(values) == [f'{WF}.local: {LOCAL_PG}"{version}"']


@pytest.mark.parametrize(("version", "ok"), [
    ("8.0.mysql_aurora.3.04.0", True), ("8.0.mysql_aurora.3.03.3", False), ("8.0.mysql_aurora.3.01.0", False),
    ("8.0.mysql_aurora.3.10.0", True)])
def test_local_forwarding_needs_aurora_mysql_3_04(version, ok):
    values = {"engine": "aurora-mysql", "engineVersion": version, "writeForwarding": {"local": True}}
    if ok:
        assert database(values).write_forwarding.cluster_parameters == {"aurora_replica_read_consistency": "SESSION"}
    else:
        assert problems(values) == [f'{WF}.local: {LOCAL_PG}"{version}"']


@pytest.mark.parametrize(("version", "ok"), [
    ("16.0", True), ("15.4", True), ("15.3", False), ("14.9", True), ("14.8", False), ("13.18", False)])
def test_global_forwarding_needs_a_postgresql_version_that_has_it(version, ok):
    values = {"engineVersion": version, "readers": 1, "global": SECONDARY, "writeForwarding": {"global": True}}
    if ok:
        assert database(values).write_forwarding.global_ is True
    else:
        assert problems(values) == [f'{WF}.global: {GLOBAL_PG}"{version}"']


@pytest.mark.parametrize(("given", "consistency"), [({}, "session"), ({"readConsistency": "eventual"}, "eventual")],
                         ids=["default", "eventual"])
def test_local_forwarding_is_local_only_with_its_read_consistency_session_unless_written(given, consistency):
    forwarding = database({"readers": 1, "writeForwarding": {"local": True, **given}}).write_forwarding
    assert (forwarding.local, forwarding.global_, forwarding.read_consistency) == (True, False, consistency)


def test_global_forwarding_is_only_for_a_secondary():
    assert problems({"writeForwarding": {"global": True}}) == [
        f"{WF}.global: applies to a global database secondary only ({KEY}.global.role: secondary); allowed: local: "
        "true to forward from this cluster's readers"]
    # A primary of a global database is not a secondary either.
    assert len(problems({"readers": 1, "global": {"enabled": True}, "writeForwarding": {"global": True}})) == 1


def test_local_forwarding_is_refused_on_a_secondary_and_without_a_reader():
    assert problems({"readers": 1, "global": SECONDARY, "writeForwarding": {"local": True}}) == [
        f"{WF}.local: a global database secondary has no writer of its own to forward to; allowed: global: true "
        "(forward to the primary cluster)"]
    assert problems({"readers": 0, "writeForwarding": {"local": True}}) == [
        f"{WF}.local: needs at least one reader (readers is 0 and readerAutoScaling is off): only readers forward "
        "writes"]
    scaled = {"readers": 0, "readerAutoScaling": {"enabled": True, "maxCapacity": 2},
              "writeForwarding": {"local": True}}
    assert database(scaled).write_forwarding.local is True


def test_rds_proxy_limits():
    assert problems({"readers": 1, "proxy": {"enabled": True}, "writeForwarding": {"local": True}}) == [
        f"{WF}.local: Aurora PostgreSQL does not support local write forwarding with RDS Proxy; allowed: "
        "proxy.enabled: false, or local: false"]
    mysql = {"engine": "aurora-mysql", "readers": 1, "proxy": {"enabled": True}, "writeForwarding": {"local": True}}
    assert problems(mysql) == [f"{WF}.readConsistency: session is not supported by RDS Proxy on Aurora MySQL "
                               "(proxy.enabled is true); allowed: eventual or global"]
    mysql["writeForwarding"]["readConsistency"] = "eventual"
    assert database(mysql).write_forwarding.cluster_parameters == {"aurora_replica_read_consistency": "EVENTUAL"}


CONSISTENCY_ALLOWED = ("allowed: eventual (reads never wait; a session may not see its own forwarded write), session "
                       "(a session sees its own writes), or global (every read waits until the reader has caught up "
                       "with the writer)")


@pytest.mark.parametrize(("given", "hint"), [
    ("SESSION", '. Did you mean "session"?'), ("Global", '. Did you mean "global"?'), ("strong", ""),
    ("sesion", '. Did you mean "session"?')])
def test_consistency_takes_the_three_lower_case_words(given, hint):
    found = problems({"readers": 1, "writeForwarding": {"local": True, "readConsistency": given}})
    assert found == [f'{WF}.readConsistency: got "{given}"; {CONSISTENCY_ALLOWED}{hint}']


def test_a_non_string_consistency_is_refused():
    (found,) = problems({"readers": 1, "writeForwarding": {"local": True, "readConsistency": True}})
    assert found.startswith(f"{WF}.readConsistency: got true; allowed: eventual")


@pytest.mark.parametrize("flag", ["yes", 1, "enabled"])
def test_the_forwarding_flags_take_true_or_false_only(flag):
    assert problems({"readers": 1, "writeForwarding": {"local": flag}}) == [
        f"{WF}.local: got {json.dumps(flag)}; allowed: true or false"]


def test_consistency_without_forwarding_is_refused():
    assert problems({"writeForwarding": {"readConsistency": "global"}}) == [
        f"{WF}.readConsistency: applies only with local: true or global: true (it says how reads on a forwarding "
        "reader wait)"]


@pytest.mark.parametrize("name", ["apg_write_forward.consistency_mode", "APG_WRITE_FORWARD.CONSISTENCY_MODE"])
def test_the_consistency_parameter_cannot_also_be_set_in_parameters(name):
    values = {"readers": 1, "parameters": {name: "OFF"}, "writeForwarding": {"local": True}}
    assert problems(values) == [
        f"{KEY}.parameters.{name}: is set by {WF}.readConsistency while write forwarding is on; set it there only "
        "(allowed: eventual, session, global)"]


def test_the_consistency_parameter_is_left_alone_without_forwarding():
    assert database({"parameters": {"apg_write_forward.consistency_mode": "OFF"}}).write_forwarding.enabled is False


def test_a_misspelt_forwarding_key_is_named():
    (found,) = problems({"readers": 1, "writeForwarding": {"locl": True}})
    assert found.startswith(f"{WF}.locl: unknown setting; known settings here: global, local, readConsistency")
    assert 'Did you mean "local"' in found


def test_every_problem_is_reported_at_once():
    found = problems({"engineVersion": "15.7", "readers": 0, "proxy": {"enabled": True, "readerEndpoint": False},
                      "writeForwarding": {"local": True, "global": True, "readConsistency": "Session"},
                      "allowMajorVersionUpgrade": "yes"}, "production")
    assert len(found) == 6, found


# ---- writeForwarding: the program under mocks ----------------------------------------------------------------------
def test_prod_with_local_forwarding_sends_the_flag_and_the_consistency():
    variant = run("prod", writeForwarding={"local": True, "readConsistency": "global"})
    inputs = variant.one(CLUSTER).inputs
    assert inputs["enableLocalWriteForwarding"] is True and "enableGlobalWriteForwarding" not in inputs
    assert group_parameters(variant)["apg_write_forward.consistency_mode"] == "GLOBAL"
    assert group_parameters(variant)["rds.force_ssl"] == "1"  # TLS still forced in the same group
    assert mandatory(variant, "prod") == []


def test_mysql_with_local_forwarding_sets_aurora_replica_read_consistency():
    variant = run("prod", engine="aurora-mysql", engineVersion="8.0.mysql_aurora.3.08.0",
                  writeForwarding={"local": True, "readConsistency": "eventual"})
    assert variant.one(CLUSTER).inputs["enableLocalWriteForwarding"] is True
    assert group_parameters(variant)["aurora_replica_read_consistency"] == "EVENTUAL"
    assert mandatory(variant, "prod") == []


def test_a_global_secondary_forwards_to_the_primary():
    # As tests/test_aurora_variants.py builds the secondary: its own section, in another region.
    variant = _run("prod", json.dumps({"readers": 1, "global": SECONDARY, "writeForwarding": {"global": True}}),
                   "eu-west-1")
    inputs = variant.one(CLUSTER).inputs
    assert inputs["enableGlobalWriteForwarding"] is True and "enableLocalWriteForwarding" not in inputs
    assert group_parameters(variant)["apg_write_forward.consistency_mode"] == "SESSION"
    assert mandatory(variant, "prod") == []


# ---- the gate: aurora-write-forwarding-consistency -----------------------------------------------------------------
def gate(engine: str, parameters: list[dict] | None, flag: str = "enableLocalWriteForwarding", flag_value=True,
         group_name: str = "db-cluster-1234"):
    cluster = {"engine": engine, "dbClusterParameterGroupName": group_name, flag: flag_value}
    group = {"name": "db-cluster-1234", "family": "aurora-mysql8.0" if engine == "aurora-mysql" else
             "aurora-postgresql16", "parameters": parameters or []}
    return check_stack(RULE, [resource(CLUSTER, "db", cluster), resource(CPG, "db-cluster", group)])


MYSQL_UNSET = ("ClusterParameterGroup 'db-cluster' (used by Cluster 'db', which sets enableLocalWriteForwarding) does "
               "not set aurora_replica_read_consistency: Aurora MySQL forwards no writes while it is empty; set it to "
               "EVENTUAL, SESSION or GLOBAL.")


@pytest.mark.parametrize("value", ["SESSION", "session", " Global ", "EVENTUAL"])
def test_a_forwarding_consistency_passes(value):
    assert gate("aurora-mysql", [{"name": "aurora_replica_read_consistency", "value": value}]) == []


def test_mysql_forwarding_without_the_parameter_fails():
    assert gate("aurora-mysql", None) == [MYSQL_UNSET]
    assert gate("aurora-mysql", None, "enableGlobalWriteForwarding") == [
        MYSQL_UNSET.replace("enableLocalWriteForwarding", "enableGlobalWriteForwarding")]


@pytest.mark.parametrize("value", ["", "  ", "OFF", "strong"])
def test_a_consistency_that_does_not_forward_fails(value):
    found = gate("aurora-mysql", [{"name": "aurora_replica_read_consistency", "value": value}])
    assert len(found) == 1 and "forwards no writes" in found[0]


@pytest.mark.parametrize("spelling", ["APG_WRITE_FORWARD.CONSISTENCY_MODE", "apg_write_forward.consistency_mode"])
@pytest.mark.parametrize("value", ["OFF", "off", " Off "])
def test_postgresql_consistency_off_fails_in_any_spelling(spelling, value):
    assert gate("aurora-postgresql", [{"name": spelling, "value": value}]) == [
        "ClusterParameterGroup 'db-cluster' (used by Cluster 'db', which sets enableLocalWriteForwarding) sets "
        "apg_write_forward.consistency_mode to 'OFF', which forwards no writes; allowed: EVENTUAL, SESSION or "
        "GLOBAL."]


def test_postgresql_forwards_by_default():
    assert gate("aurora-postgresql", None) == []


def test_two_entries_with_different_values_fail():
    found = gate("aurora-mysql", [{"name": "aurora_replica_read_consistency", "value": "SESSION"},
                                  {"name": "Aurora_Replica_Read_Consistency", "value": "OFF"}])
    assert len(found) == 1 and "2 times with different values" in found[0]


def test_a_group_outside_the_stack_cannot_be_verified_on_mysql():
    found = gate("aurora-mysql", None, group_name="default.aurora-mysql8.0")
    assert len(found) == 1 and "is not one of this stack's" in found[0]


def test_no_forwarding_no_finding():
    assert gate("aurora-mysql", None, flag_value=False) == []


# ---- ops verify: the live cluster -----------------------------------------------------------------------------------
class _Pages:
    def __init__(self, parameters: dict[str, str]):
        self.parameters = parameters

    def get_paginator(self, name):
        assert name == "describe_db_cluster_parameters"
        return self

    def paginate(self, DBClusterParameterGroupName):  # noqa: N803 (the API's name)
        return [{"Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in self.parameters.items()]}]


class _Clients:
    def __init__(self, parameters):
        self.rds = _Pages(parameters)


def verify(cluster: dict, parameters: dict[str, str] | None = None):
    return write_forwarding(Facts(_Clients(parameters or {}), {"DBClusterParameterGroup": "g", **cluster}, [], 7,
                                  None, None))


def test_verify_passes_with_forwarding_off():
    assert verify({"Engine": "aurora-mysql", "LocalWriteForwardingStatus": "disabled"}) == (
        "pass", "write forwarding is off")


def test_verify_finds_mysql_forwarding_turned_on_without_consistency():
    assert verify({"Engine": "aurora-mysql", "LocalWriteForwardingStatus": "enabled"}) == (
        "fail", "local write forwarding is on but aurora_replica_read_consistency not set in g: Aurora MySQL forwards "
                "no writes while it is empty")
    assert verify({"Engine": "aurora-mysql", "GlobalWriteForwardingStatus": "enabling"},
                  {"aurora_replica_read_consistency": "SESSION"}) == (
        "pass", "global write forwarding is on; aurora_replica_read_consistency=SESSION in g")


def test_verify_finds_postgresql_consistency_off():
    status, detail = verify({"Engine": "aurora-postgresql", "LocalWriteForwardingStatus": "Enabled"},
                            {"apg_write_forward.consistency_mode": "off"})
    assert status == "fail" and "forwards no writes" in detail
    assert verify({"Engine": "aurora-postgresql", "LocalWriteForwardingStatus": "enabled"})[0] == "pass"


# ---- the API model (botocore, pinned) -------------------------------------------------------------------------------
def test_the_api_refuses_a_new_major_without_the_flag():
    from tests.test_aws_facts_models import find
    find(r"You must allow major version upgrades when specifying a value for the EngineVersion parameter that is a "
         r"different major version", "rds", "ModifyDBClusterMessage", "AllowMajorVersionUpgrade")


def test_the_statuses_verify_counts_as_on_are_the_apis():
    from ops.checks.forwarding import ON
    from tests.test_aws_facts_models import member
    local = set(member("rds", "DBCluster", "LocalWriteForwardingStatus").enum or [])
    global_ = set(member("rds", "DBCluster", "GlobalWriteForwardingStatus").enum or [])
    # "requested" is local's only; every status counted as on is one of the two enums, and neither "disabling" nor
    # "unknown" counts.
    assert {"enabled", "enabling", "requested"} <= local and {"enabled", "enabling"} <= global_
    assert (local | global_) >= ON and not ON & {"disabled", "disabling", "unknown"}


@pytest.mark.parametrize("version", ["8.0.mysql_aurora.3.01.0", "8.0.mysql_aurora.3.12.0"])
def test_global_forwarding_is_taken_on_every_aurora_mysql_3_secondary(version):
    # Aurora User Guide, "Using write forwarding in an Aurora MySQL global database": 2.08.1 and later, so every
    # Aurora MySQL 3 version (docs/database.md, "Write forwarding"); the first and the newest this project knows.
    values = {"engine": "aurora-mysql", "engineVersion": version, "readers": 1, "global": SECONDARY,
              "writeForwarding": {"global": True}}
    forwarding = database(values).write_forwarding
    assert (forwarding.global_, forwarding.local) == (True, False)
    assert forwarding.cluster_parameters == {"aurora_replica_read_consistency": "SESSION"}
