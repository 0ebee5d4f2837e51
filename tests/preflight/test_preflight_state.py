"""`python -m preflight --state FILE`: audit a deployed stack from `pulumi stack export` (deployment version 3).

The tests write state files in the documented format: resource policies must read each resource's inputs, stack
policies its outputs, secrets come as ciphertext (or plaintext with --show-secrets), replaced resources pending
deletion are not part of the stack.
"""

import copy
import json

import pytest

from preflight.state import load_state

from .gate_helpers import gate_json, mandatory, run_gate

STACK_URN = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
PROVIDER_URN = "urn:pulumi:prod::shop::pulumi:providers:aws::default_7_51_1"
PROVIDER_REF = f"{PROVIDER_URN}::3b3f0e1e-6a5b-4c1d-9d4e-1f2a3b4c5d6e"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/9f8e7d6c"


def urn(type_, name):
    return f"urn:pulumi:prod::shop::{type_}::{name}"


def res(type_, name, inputs, outputs=None, deps=None, **extra):
    entry = {"urn": urn(type_, name), "custom": True, "id": f"{name}-id", "type": type_, "inputs": inputs,
             "outputs": {**inputs, "id": f"{name}-id"} if outputs is None else outputs, "parent": STACK_URN,
             "provider": PROVIDER_REF, "dependencies": sorted({u for us in (deps or {}).values() for u in us}),
             "propertyDependencies": deps or {}}
    entry.update(extra)
    return entry


CLUSTER = "aws:rds/cluster:Cluster"
PG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
CLUSTER_INPUTS = {
    "engine": "aurora-postgresql", "clusterIdentifier": "shop", "storageEncrypted": True, "kmsKeyId": KEY_ARN,
    "backupRetentionPeriod": 14, "dbClusterParameterGroupName": "shop-tls", "deletionProtection": True,
    "masterPassword": {**SECRET_SIG, "ciphertext": "v1:abcdEFGH"},
}
PG_INPUTS = {"name": "shop-tls", "family": "aurora-postgresql16",
             "parameters": [{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"}]}


def deployment(*resources, provider_tags=None, version=3):
    provider_inputs = {"region": "us-east-1", "version": "7.51.1"}
    if provider_tags:
        provider_inputs["defaultTags"] = {"tags": provider_tags}
    stack = {"urn": STACK_URN, "custom": False, "type": "pulumi:pulumi:Stack",
             "outputs": {"endpoint": "shop.cluster-abc.us-east-1.rds.amazonaws.com",
                         "password": {**SECRET_SIG, "ciphertext": "v1:zzzz"}}}
    provider = {"urn": PROVIDER_URN, "custom": True, "id": PROVIDER_REF.rsplit("::", 1)[-1],
                "type": "pulumi:providers:aws", "inputs": provider_inputs, "outputs": provider_inputs}
    return {"version": version, "deployment": {
        "manifest": {"time": "2026-11-27T04:00:00Z", "magic": "0f9a", "version": "v3.272.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:abc"}},
        "resources": [stack, provider, *resources]}}


def good_stack():
    pg_dep = {"dbClusterParameterGroupName": [urn(PG, "shop-tls")]}
    cluster_dep = {"clusterIdentifier": [urn(CLUSTER, "shop")]}
    return [
        res(PG, "shop-tls", PG_INPUTS),
        res(CLUSTER, "shop", CLUSTER_INPUTS, deps=pg_dep, protect=True),
        res("aws:rds/clusterInstance:ClusterInstance", "shop-1",
            {"clusterIdentifier": "shop", "instanceClass": "db.r6g.large", "availabilityZone": "us-east-1a"},
            deps=cluster_dep),
        res("aws:rds/clusterInstance:ClusterInstance", "shop-2",
            {"clusterIdentifier": "shop", "instanceClass": "db.r6g.large", "availabilityZone": "us-east-1b"},
            deps=cluster_dep),
    ]


def write(tmp_path, document, name="state.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def audit(tmp_path, document, *extra):
    return gate_json("--state", str(write(tmp_path, document)), *extra)


def mandatory_and_advisory(report):
    return sorted((v["enforcementLevel"], v["policy"], v["urn"].rsplit("::", 1)[-1]) for v in report["violations"])


def test_deployed_stack_passes_and_is_described(tmp_path):
    code, report = audit(tmp_path, deployment(*good_stack()))
    assert (code, mandatory(report)) == (0, [])
    assert (report["stack"], report["project"], report["source"]) == ("prod", "shop", "state")
    assert report["exports"] == {"endpoint": "shop.cluster-abc.us-east-1.rds.amazonaws.com", "password": "[secret]"}
    cluster = next(r for r in report["resources"] if r["name"] == "shop")
    assert cluster["inputs"]["masterPassword"] == "[secret]" and cluster["protect"] is True
    assert report["summary"]["byType"]["pulumi:providers:aws"] == 1


def test_resource_policies_read_inputs_not_outputs(tmp_path):
    resources = good_stack()
    resources[1]["inputs"] = {**CLUSTER_INPUTS, "storageEncrypted": False}  # outputs still say true
    code, report = audit(tmp_path, deployment(*resources))
    assert (code, mandatory(report)) == (1, [("aurora-storage-encrypted", "shop")])


def test_stack_policies_read_outputs_not_inputs(tmp_path):
    resources = good_stack()
    resources[0]["outputs"] = {**PG_INPUTS, "parameters": []}  # changed outside Pulumi, then refreshed
    code, report = audit(tmp_path, deployment(*resources))
    assert (code, mandatory(report)) == (1, [("aurora-tls-forced", "shop")])


def test_secret_without_plaintext_fails_closed(tmp_path):
    # A mandatory rule that needs a value it cannot see must not pass: "cannot verify" is a mandatory finding.
    task = res("aws:ecs/taskDefinition:TaskDefinition", "app",
               {"family": "app", "containerDefinitions": {**SECRET_SIG, "ciphertext": "v1:opaque"}})
    code, report = audit(tmp_path, deployment(*good_stack(), task))
    assert (code, mandatory(report)) == (1, [("ecs-secrets-not-in-environment", "app")])
    [message] = [v["message"] for v in report["violations"] if v["urn"].endswith("::app")
                 and v["policy"] == "ecs-secrets-not-in-environment"]
    assert message.endswith("\ncannot verify: containerDefinitions is not known offline (a secret without plaintext, "
                            "or an unknown value), so this mandatory policy cannot check it (a state file: export "
                            "it with --show-secrets).")


def test_secret_without_plaintext_stays_advisory_for_an_advisory_rule(tmp_path):
    config = tmp_path / "advisory.json"
    config.write_text('{"ecs-secrets-not-in-environment": "advisory"}')
    task = res("aws:ecs/taskDefinition:TaskDefinition", "app",
               {"family": "app", "containerDefinitions": {**SECRET_SIG, "ciphertext": "v1:opaque"}})
    code, report = audit(tmp_path, deployment(*good_stack(), task), "--policy-config", str(config))
    assert (code, mandatory(report)) == (0, [])
    messages = {v["policy"]: v["message"] for v in report["violations"] if v["urn"].endswith("::app")}
    assert messages["ecs-secrets-not-in-environment"].startswith(
        "can't run policy 'ecs-secrets-not-in-environment' from policy pack 'aurora-platform-policies@v0.0.1'")


def test_secret_exported_with_show_secrets_is_judged(tmp_path):
    containers = [{"name": "app", "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}],
                   "logConfiguration": {"logDriver": "awslogs"}}]
    plaintext = json.dumps(json.dumps(containers))  # the JSON encoding of the (string) value
    task = res("aws:ecs/taskDefinition:TaskDefinition", "app",
               {"family": "app", "containerDefinitions": {**SECRET_SIG, "ciphertext": "v1:x", "plaintext": plaintext}})
    code, report = audit(tmp_path, deployment(*good_stack(), task))
    assert (code, mandatory(report)) == (1, [("ecs-secrets-not-in-environment", "app")])
    task_report = next(r for r in report["resources"] if r["name"] == "app")
    assert task_report["inputs"]["containerDefinitions"] == "[secret]"


def test_resource_pending_deletion_is_not_audited(tmp_path):
    old = res(CLUSTER, "shop", {**CLUSTER_INPUTS, "storageEncrypted": False}, delete=True)
    code, report = audit(tmp_path, deployment(*good_stack(), old))
    assert (code, mandatory(report)) == (0, [])
    assert [r["name"] for r in report["resources"]].count("shop") == 1


def test_production_declared_by_provider_default_tags(tmp_path):
    resources = good_stack()
    resources[1]["protect"] = False
    code, report = audit(tmp_path, deployment(*resources, provider_tags={"Environment": "production"}))
    assert (code, mandatory(report)) == (1, [("production-protect", "shop")])


def test_policy_config_applies_to_state(tmp_path):
    config = tmp_path / "strict.json"
    config.write_text('{"aurora-backup-retention": {"minimumRetentionDays": 30}}')
    code, report = audit(tmp_path, deployment(*good_stack()), "--policy-config", str(config))
    assert (code, mandatory(report)) == (1, [("aurora-backup-retention", "shop")])


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ('{"version": 3}', 'is not a `pulumi stack export` file (no "deployment" object)'),
    (json.dumps(deployment(version=4)), "has deployment version 4; preflight reads version 3"),
    ('{"version": 3, "deployment": {"resources": [{"type": "x"}]}}', "deployment.resources[0] has no urn"),
])
def test_unreadable_state_exits_2(tmp_path, content, message):
    path = tmp_path / "state.json"
    path.write_text(content)
    code, out, err = run_gate("--state", str(path))
    assert (code, out) == (2, "")
    assert err.startswith("preflight: ") and message in err


def test_missing_state_file_exits_2(tmp_path):
    code, _, err = run_gate("--state", str(tmp_path / "nope.json"))
    missing = tmp_path / "nope.json"
    assert (code, err) == (2, f"preflight: state file {missing}: cannot read it: No such file or directory\n")


def test_loader_keeps_dependencies_and_provider(tmp_path):
    deployed = load_state(write(tmp_path, deployment(*good_stack())))
    cluster = next(r for r in deployed.resources if r.name == "shop")
    assert cluster.property_dependencies == {"dbClusterParameterGroupName": [urn(PG, "shop-tls")]}
    assert cluster.provider == PROVIDER_REF
    assert type(cluster.inputs["masterPassword"]).__name__ == "Secret"
    assert copy.deepcopy(deployed.exports)["endpoint"].startswith("shop.")


def test_state_of_this_project_uses_its_stack_policy_config(tmp_path):
    # policies/config/prod.json makes every rule mandatory: the advisory findings of a foreign project's
    # prod stack become mandatory for this project's prod stack.
    text = json.dumps(deployment(*good_stack())).replace("::shop::", "::aurora-platform::")
    code, report = gate_json("--state", str(write_text(tmp_path, text)))
    assert code == 1
    assert report["policyPack"]["config"].endswith("policies/config/prod.json")
    assert ("aurora-iam-auth", "shop") in mandatory(report)


def write_text(tmp_path, text):
    path = tmp_path / "own.json"
    path.write_text(text)
    return path
