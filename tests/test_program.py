"""The whole program, for every Pulumi.<stack>.yaml in the repository."""

import pytest

from preflight.engine import ProgramError, Secret, list_stacks

from .conftest import REPO_ROOT

# What `pulumi stack output --json` gives users and the ops tools (ops/ reads these names).
EXPECTED_EXPORTS = {
    "region", "environment", "vpcId", "availabilityZones", "publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds",
    "dbSubnetGroupName", "platformKeyArn",
    "engine", "clusterIdentifier", "clusterArn", "writerEndpoint", "readerEndpoint", "port", "databaseName",
    "masterUsername", "databaseSecurityGroupId", "passwordParameterName", "passwordParameterArn", "kmsKeyArn",
    "snsTopicArn",
    "bastionInstanceId", "bastionSecurityGroupId", "bastionSessionCommand",
    "ecsClusterName", "taskDefinitionArn", "serviceName", "taskSecurityGroupId",
}


def test_the_repository_has_dev_and_prod():
    assert {"dev", "prod"} <= set(list_stacks(REPO_ROOT))


def test_every_stack_runs_and_exports_what_users_need(any_stack):
    assert set(any_stack.exports) >= EXPECTED_EXPORTS
    assert any_stack.exports["vpcId"].startswith("vpc-")
    # numbers come back as the CLI prints them (the wire carries only floats)
    assert any_stack.exports["port"] == 5432 and isinstance(any_stack.exports["port"], int)
    assert all(len(any_stack.exports[k]) == 3 for k in ("publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds"))


def test_every_resource_is_parented_to_a_component(any_stack):
    components = {r.urn for r in any_stack.resources if not r.custom}
    assert all(r.parent in components for r in any_stack.resources if r.custom)


def test_every_taggable_resource_carries_the_stack_tags(any_stack):
    environment = any_stack.exports["environment"]
    # docker-build's `tags` are the image's names in its registry, not resource tags.
    tagged = [r for r in any_stack.resources if "tags" in r.inputs and not r.type.startswith("docker-build:")]
    assert len(tagged) > 20
    for resource in tagged:
        tags = resource.inputs["tags"]
        assert tags["Project"] == "aurora-platform" and tags["Stack"] == any_stack.stack, resource.urn
        assert tags["Environment"] == environment, resource.urn


def test_prod_protects_its_keys_and_dev_stays_disposable(dev, prod):
    assert all(k.protect for k in prod.of_type("aws:kms/key:Key"))
    assert not any(k.protect for k in dev.of_type("aws:kms/key:Key"))


def test_no_export_leaks_a_secret_in_plain_text(any_stack):
    secrets = [r.outputs[k].value for r in any_stack.resources for k in r.outputs
               if isinstance(r.outputs[k], Secret) and isinstance(r.outputs[k].value, str)]
    plain_exports = repr({k: v for k, v in any_stack.exports.items() if not isinstance(v, Secret)})
    assert not [s for s in secrets if s in plain_exports]


@pytest.mark.parametrize(("network", "expected"), [
    ({"natGateways": "two"}, 'aurora-platform:network.natGateways: got "two"; allowed: none, single, perAz'),
    ({"cidrBlock": "10.0.0.300/16"}, 'aurora-platform:network.cidrBlock: got "10.0.0.300/16"; allowed: a private'),
    ({"availabilityZones": 2}, "aurora-platform:network.availabilityZones: got 2; allowed: a number from 3 to 6"),
])
def test_a_bad_setting_stops_the_program_before_anything_is_registered(evaluate, network, expected):
    with pytest.raises(ProgramError) as caught:
        evaluate("dev", {"aurora-platform:network": network})
    assert caught.value.kind == "settings"
    assert expected in str(caught.value)
    assert caught.value.resources == []


def test_all_problems_of_a_stack_come_in_one_error(evaluate):
    with pytest.raises(ProgramError) as caught:
        evaluate("prod", {"aurora-platform:environment": "live",
                          "aurora-platform:network": {"natGateways": "two", "cidrBlock": "x"}})
    message = str(caught.value)
    assert message.startswith("Stack settings for 'prod' have 3 problems (Pulumi.prod.yaml):")
    assert caught.value.resources == []
