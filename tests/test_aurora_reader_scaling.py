"""Reader auto scaling (`aurora-platform:database.readerAutoScaling`): settings, the program under mocks, the gate's
aurora-reader-autoscaling rule (with the shapes that try to get past it) and the monitoring trust it widens."""

from __future__ import annotations

import json

import pytest

from components.aurora_monitoring import monitoring_trust_policy
from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from preflight.policy_eval import Analyzer, load_policy_config
from tests.conftest import REPO_ROOT
from tests.policies.policy_helpers import check_stack, resource, urn

KEY = "aurora-platform:database"
S = f"{KEY}.readerAutoScaling"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def scaling(values: dict, readers: int = 2):
    return load_settings({"database": {"readers": readers, "readerAutoScaling": values}}, "dev",
                         "us-east-1").database.reader_auto_scaling


def problems(values: dict, readers: int = 2) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        scaling(values, readers)
    return caught.value.problems


def test_defaults_count_from_the_fixed_readers():
    settings = scaling({"enabled": True, "maxCapacity": 6})
    assert (settings.min_capacity, settings.max_capacity, settings.metric, settings.target_value) == (2, 6, "cpu", 70)
    assert settings.predefined_metric == "RDSReaderAverageCPUUtilization"
    assert (settings.scale_in_cooldown_seconds, settings.scale_out_cooldown_seconds) == (300, 300)
    assert scaling({}).enabled is False


def test_connections_need_a_target():
    assert problems({"enabled": True, "maxCapacity": 4, "metric": "connections"}) == [
        f"{S}.targetValue: is required with metric: connections (the average connections per reader to hold; it "
        f"depends on the instance class)"]
    settings = scaling({"enabled": True, "maxCapacity": 4, "metric": "connections", "targetValue": 300})
    assert settings.predefined_metric == "RDSReaderAverageDatabaseConnections" and settings.target_value == 300


def test_min_below_the_fixed_readers_is_refused():
    assert problems({"enabled": True, "minCapacity": 1, "maxCapacity": 4}) == [
        f"{S}.minCapacity: got 1, fewer than {KEY}.readers (2); the fixed readers are always there and scaling never "
        f"removes them; allowed: at least 2"]


def test_a_max_that_can_never_add_a_reader_is_refused():
    assert problems({"enabled": True}) == [
        f"{S}.maxCapacity: equals {KEY}.readers (2), so scaling could never add a reader; allowed: more than 2"]
    assert problems({"enabled": True, "minCapacity": 5, "maxCapacity": 4}) == [
        f"{S}.maxCapacity: got 4, less than minCapacity 5; allowed: at least minCapacity"]


@pytest.mark.parametrize(("values", "message"), [
    ({"enabled": True, "maxCapacity": 16}, f"{S}.maxCapacity: got 16; allowed: a whole number of readers from 1 to 15 "
                                           f"(Aurora's replica limit), at least minCapacity"),
    ({"enabled": True, "maxCapacity": 4, "targetValue": 0}, f"{S}.targetValue: got 0; allowed: a whole number from 1 "
                                                            f"to 100 (percent of the readers' average CPU)"),
    ({"enabled": True, "maxCapacity": 4, "metric": "memory"}, f'{S}.metric: got "memory"; allowed: cpu, connections'),
    ({"enabled": True, "maxCapacity": 4, "scaleInCooldownSeconds": -1},
     f"{S}.scaleInCooldownSeconds: got -1; allowed: a whole number from 0 to 86400"),
    ({"maxCapacity": 4}, f"{S}: sets scaling values but not enabled: true"),
])
def test_bad_values_are_named(values, message):
    assert problems(values) == [message]


# A value outside its range is refused as such, naming the range, not passed on to a later check that would blame
# another key (maxCapacity for a minCapacity of 16) or say something else (fewer than the readers for a negative one).
@pytest.mark.parametrize(("readers", "values", "message"), [
    (0, {"enabled": True, "minCapacity": -1, "maxCapacity": 4},
     f"{S}.minCapacity: got -1; allowed: a whole number of readers from 0 ({KEY}.readers, which scaling never "
     f"removes) to 15"),
    (2, {"enabled": True, "minCapacity": 16, "maxCapacity": 15},
     f"{S}.minCapacity: got 16; allowed: a whole number of readers from 2 ({KEY}.readers, which scaling never "
     f"removes) to 15"),
    (2, {"enabled": True, "maxCapacity": 0},
     f"{S}.maxCapacity: got 0; allowed: a whole number of readers from 1 to 15 (Aurora's replica limit), at least "
     f"minCapacity"),
    (2, {"enabled": True, "maxCapacity": 4, "targetValue": 101},
     f"{S}.targetValue: got 101; allowed: a whole number from 1 to 100 (percent of the readers' average CPU)"),
    (2, {"enabled": True, "maxCapacity": 4, "metric": "connections", "targetValue": 100001},
     f"{S}.targetValue: got 100001; allowed: a whole number from 1 to 100000 (average connections per reader)"),
], ids=["min-negative", "min-above-15", "max-zero", "cpu-target-above-100", "connections-target-above-100000"])
def test_a_capacity_or_target_outside_its_range_is_refused_naming_the_range(readers, values, message):
    assert problems(values, readers) == [message]


def test_a_cluster_without_fixed_readers_scales_from_zero_and_may_stop_at_one_reader():
    written = scaling({"enabled": True, "minCapacity": 0, "maxCapacity": 1}, readers=0)
    assert (written.min_capacity, written.max_capacity) == (0, 1)
    # Without maxCapacity the ceiling is one reader more than none.
    default = scaling({"enabled": True}, readers=0)
    assert (default.min_capacity, default.max_capacity) == (0, 1)


def test_with_one_fixed_reader_and_no_max_scaling_could_never_add_a_reader():
    assert problems({"enabled": True}, readers=1) == [
        f"{S}.maxCapacity: equals {KEY}.readers (1), so scaling could never add a reader; allowed: more than 1"]


@pytest.mark.parametrize(("key", "field"), [("scaleInCooldownSeconds", "scale_in_cooldown_seconds"),
                                            ("scaleOutCooldownSeconds", "scale_out_cooldown_seconds")],
                         ids=["scale-in", "scale-out"])
def test_each_cooldown_takes_no_wait_up_to_a_day_in_seconds(key, field):
    for seconds in (0, 86400):
        settings = scaling({"enabled": True, "maxCapacity": 4, key: seconds})
        assert getattr(settings, field) == seconds
        assert (settings.scale_in_cooldown_seconds, settings.scale_out_cooldown_seconds).count(300) == 1
    for seconds in (-1, 86401):
        assert problems({"enabled": True, "maxCapacity": 4, key: seconds}) == [
            f"{S}.{key}: got {seconds}; allowed: a whole number from 0 to 86400"]


def test_enabled_false_alone_is_no_scaling_and_no_problem():
    assert scaling({"enabled": False}).enabled is False


def test_a_min_equal_to_the_fixed_readers_or_to_the_max_is_accepted():
    settings = scaling({"enabled": True, "minCapacity": 2, "maxCapacity": 4})
    assert (settings.min_capacity, settings.max_capacity) == (2, 4)
    settings = scaling({"enabled": True, "minCapacity": 4, "maxCapacity": 4})
    assert (settings.min_capacity, settings.max_capacity) == (4, 4)


def test_a_refused_min_is_reported_once_and_the_readers_it_falls_back_to_say_nothing_about_the_max():
    assert problems({"enabled": True, "minCapacity": -1, "maxCapacity": 2}, readers=3) == [
        f"{S}.minCapacity: got -1; allowed: a whole number of readers from 3 ({KEY}.readers, which scaling never "
        f"removes) to 15"]


def test_capacities_under_a_secret_database_key_are_not_shown():
    def secret_problems(values: dict) -> list[str]:
        with pytest.raises(SettingsError) as caught:
            load_settings({"database": {"readers": 2, "readerAutoScaling": values}}, "dev", "us-east-1",
                          secret_keys=[KEY])
        # The first problem says the database key holds a secret at all.
        return caught.value.problems[1:]

    assert secret_problems({"enabled": True, "minCapacity": 1, "maxCapacity": 4}) == [
        f"{S}.minCapacity: got [secret], fewer than {KEY}.readers (2); the fixed readers are always there and scaling "
        f"never removes them; allowed: at least 2"]
    assert secret_problems({"enabled": True, "minCapacity": 5, "maxCapacity": 4}) == [
        f"{S}.maxCapacity: got [secret], less than minCapacity [secret]; allowed: at least minCapacity"]


# ---- the program under mocks ----------------------------------------------------------------------------------------

def prod_with(values: dict, evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "readerAutoScaling": values}
    return evaluate("prod", {KEY: database})


def test_prod_with_scaling_registers_the_replica_count_and_a_cpu_target(evaluate):
    run = prod_with({"enabled": True, "maxCapacity": 5, "targetValue": 60, "scaleInCooldownSeconds": 600}, evaluate)
    target, policy = run.one(TARGET), run.one(POLICY)
    assert target.inputs["resourceId"] == "cluster:aurora-platform-prod"
    assert target.inputs["scalableDimension"] == "rds:cluster:ReadReplicaCount"
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 5)
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert policy.inputs["policyType"] == "TargetTrackingScaling"
    assert policy.inputs["name"] == "aurora-platform-prod-readers-cpu"   # a name of its own: one policy per metric
    assert config["predefinedMetricSpecification"]["predefinedMetricType"] == "RDSReaderAverageCPUUtilization"
    assert (config["targetValue"], config["scaleInCooldown"], config["scaleOutCooldown"]) == (60, 600, 300)
    # the fixed readers are still in the stack, and the gate's mandatory rules pass
    assert len(run.of_type(INSTANCE)) == 3
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "prod.json")).evaluate(run.resources)
    assert [(v.policy, v.detail) for v in evaluation.mandatory] == []


def test_the_scaling_target_is_rds_a_child_of_the_database_after_the_instances_with_a_trust_for_new_readers(
        evaluate):
    run = prod_with({"enabled": True, "maxCapacity": 5}, evaluate)
    target = run.one(TARGET)
    # Application Auto Scaling's namespace for Aurora is "rds" (RegisterScalableTarget.ServiceNamespace).
    assert (target.inputs["serviceNamespace"], run.one(POLICY).inputs["serviceNamespace"]) == ("rds", "rds")
    parent = "urn:pulumi:prod::aurora-platform::aurora-platform:database:AuroraCluster$"
    assert (target.urn, run.one(POLICY).urn) == (
        f"{parent}{TARGET}::database-readers", f"{parent}{POLICY}::database-readers")
    # Aurora scales only a cluster whose instances are all available: registered after every fixed one.
    assert {r.urn for r in run.of_type(INSTANCE)} <= set(target.dependencies)
    # Readers that scaling adds (application-autoscaling-*) send Enhanced Monitoring data too: the role lets them in.
    role = next(r for r in run.of_type("aws:iam/role:Role") if r.name == "database-monitoring")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert [s["Condition"].get("ArnLike") for s in trust["Statement"]][-1] == {
        "aws:SourceArn": "arn:aws:rds:us-east-1:123456789012:db:application-autoscaling-*"}


def test_dev_and_prod_do_not_scale(dev, prod):
    assert dev.of_type(TARGET) == [] and prod.of_type(TARGET) == []


def test_monitoring_trust_lets_in_autoscaled_readers_only_when_scaling():
    fixed = monitoring_trust_policy("aws", "us-east-1", "123456789012", ["c-1"])
    assert len(fixed["Statement"]) == 1
    scaled = monitoring_trust_policy("aws", "us-east-1", "123456789012", ["c-1"], autoscaled=True)
    extra = scaled["Statement"][1]
    assert extra["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:rds:us-east-1:123456789012:db:application-autoscaling-*"}}


# ---- the rule -----------------------------------------------------------------------------------------------------

def stack(min_capacity=2, max_capacity=5, resource_id="cluster:db", readers=2, policy=True):
    resources = [resource(CLUSTER, "db", {"engine": "aurora-postgresql", "clusterIdentifier": "db"})]
    resources += [resource(INSTANCE, f"db-{i}", {"clusterIdentifier": "db", "availabilityZone": "us-east-1a"},
                           property_dependencies={"clusterIdentifier": [urn(CLUSTER, "db")]})
                  for i in range(1 + readers)]
    resources.append(resource(TARGET, "t", {"serviceNamespace": "rds", "resourceId": resource_id,
                                            "scalableDimension": "rds:cluster:ReadReplicaCount",
                                            "minCapacity": min_capacity, "maxCapacity": max_capacity}))
    if policy:
        resources.append(resource(POLICY, "p", {"serviceNamespace": "rds", "resourceId": resource_id,
                                                "scalableDimension": "rds:cluster:ReadReplicaCount",
                                                "policyType": "TargetTrackingScaling"}))
    return resources


def rule(resources):
    return check_stack("aurora-reader-autoscaling", resources)


def test_a_sound_target_passes():
    assert rule(stack()) == []


def test_min_below_the_stacks_readers_fails():
    found = rule(stack(min_capacity=1))
    assert len(found) == 1 and found[0].endswith(
        "has minCapacity 1 but Cluster 'db' has 2 reader(s) in this stack; scaling never removes those, so "
        "minCapacity must be at least 2.")


@pytest.mark.parametrize("resource_id", ["cluster:other", "db", "cluster:", "instance:db"])
def test_a_target_on_another_cluster_or_shape_fails(resource_id):
    found = rule(stack(resource_id=resource_id))
    assert len(found) == 1 and "which is not 'cluster:<identifier>' of a cluster of this stack" in found[0]


def test_the_cluster_is_matched_in_any_case():
    assert rule(stack(resource_id="cluster:DB")) == []


def test_a_target_without_a_policy_fails():
    found = rule(stack(policy=False))
    assert len(found) == 1 and found[0].endswith("has no scaling policy, so it never scales.")


@pytest.mark.parametrize(("low", "high"), [(2, 2), (3, 2), (2, 16)])
def test_a_max_that_cannot_add_or_exceeds_aurora_fails(low, high):
    found = rule(stack(min_capacity=low, max_capacity=high))
    assert found and all("maxCapacity" in message for message in found)
