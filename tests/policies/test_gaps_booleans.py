"""A boolean input given as a string the provider does not read as a boolean ("yes", "on", " true", "") is not
silently false: the rule that reads it reports "not a boolean" at its own level. The provider's conversions: go-cty
(the bridge's SDKv2/Framework path) takes "true"/"1"/"false"/"0" and refuses anything else ("a bool is
required"); the older field readers use Go's strconv.ParseBool ("1", "t", "T", "TRUE", "true", "True" and the
same for false). Every spelling ParseBool accepts is read as it reads it; anything else is not a boolean."""

import pytest

from .policy_helpers import changed, check, check_stack, resource

CLUSTER = "aws:rds/cluster:Cluster"
KEY = "aws:kms/key:Key"
ALB = "aws:lb/loadBalancer:LoadBalancer"
REPOSITORY = "aws:ecr/repository:Repository"
SERVICE = "aws:ecs/service:Service"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"
GOOD_CLUSTER = {
    "engine": "aurora-postgresql", "engineVersion": "16.4", "storageEncrypted": True, "kmsKeyId": KEY_ARN,
    "backupRetentionPeriod": 7.0, "deletionProtection": True, "iamDatabaseAuthenticationEnabled": True,
    "copyTagsToSnapshot": True, "enabledCloudwatchLogsExports": ["postgresql"], "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY_ARN, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "db-final",
    "dbClusterParameterGroupName": "db-tls", "tags": {"Environment": "development"},
}
REFUSED = ["yes", "no", "on", "off", "Y", "enabled", "", " true", "true ", "tRUE", "FaLsE", "2", "-1", "1.0"]


def not_a_boolean(key, value):
    return (f'{key} is "{value}", which is not a boolean: the provider refuses it or reads it otherwise than '
            'intended (give true or false; of strings only "true", "1", "t", "TRUE", "True", "false", "0", "f", '
            '"FALSE", "False" are read as booleans).')


@pytest.mark.parametrize("value", REFUSED)
@pytest.mark.parametrize(("rule", "key"), [
    ("aurora-storage-encrypted", "storageEncrypted"),
    ("aurora-deletion-protection", "deletionProtection"),
    ("aurora-iam-auth", "iamDatabaseAuthenticationEnabled"),
])
def test_a_safety_flag_that_is_not_a_boolean_fails_its_rule(rule, key, value):
    assert check(rule, CLUSTER, changed(GOOD_CLUSTER, **{key: value})) == [not_a_boolean(key, value)]


@pytest.mark.parametrize("value", ["yes", "on", "Y"])
def test_a_dangerous_flag_that_is_not_a_boolean_is_not_read_as_false(value):
    # publiclyAccessible "yes" used to read as false, so the instance rule passed it.
    props = {"engine": "aurora-postgresql", "instanceClass": "db.r6g.large", "clusterIdentifier": "db",
             "publiclyAccessible": value}
    found = check("rds-not-publicly-accessible", "aws:rds/clusterInstance:ClusterInstance", props)
    assert found == [not_a_boolean("publiclyAccessible", value)]


@pytest.mark.parametrize("value", ["yes", "off"])
def test_skip_final_snapshot_that_is_not_a_boolean_fails(value):
    found = check("aurora-final-snapshot", CLUSTER, changed(GOOD_CLUSTER, skipFinalSnapshot=value))
    assert found == [not_a_boolean("skipFinalSnapshot", value)]


@pytest.mark.parametrize(("value", "passes"), [
    ("true", True), ("1", True), ("t", True), ("T", True), ("TRUE", True), ("True", True), (1.0, True),
    ("false", False), ("0", False), ("f", False), ("F", False), ("FALSE", False), ("False", False), (0.0, False),
])
def test_every_spelling_parse_bool_reads_is_read_as_it_reads_it(value, passes):
    found = check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, storageEncrypted=value))
    assert found == ([] if passes else ["storageEncrypted must be true."])


@pytest.mark.parametrize("value", [2.0, -1.0, 0.5, ["true"], {"value": True}])
def test_other_types_are_not_booleans(value):
    found = check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, storageEncrypted=value))
    assert len(found) == 1 and found[0].startswith("storageEncrypted is ") and "not a boolean" in found[0]


def test_kms_rotation_given_as_yes_fails():
    assert check("kms-key-rotation", KEY, {"enableKeyRotation": "yes"}) == [
        not_a_boolean("enableKeyRotation", "yes")]


def test_alb_header_flag_given_as_on_fails():
    props = {"loadBalancerType": "application", "dropInvalidHeaderFields": "on"}
    assert check("elb-drop-invalid-headers", ALB, props) == [not_a_boolean("dropInvalidHeaderFields", "on")]


def test_a_nested_flag_in_a_stack_rule_names_its_resource():
    repo = resource(REPOSITORY, "app", {"name": "app", "imageTagMutability": "IMMUTABLE",
                                         "imageScanningConfiguration": {"scanOnPush": "yes"}})
    found = check_stack("ecr-image-scanning", [repo])
    assert found == [not_a_boolean("scanOnPush", "yes")]


def test_a_stack_rule_reports_the_resource_whose_flag_is_not_a_boolean():
    from .policy_helpers import analyzer

    repo = resource(REPOSITORY, "app", {"name": "app", "imageTagMutability": "IMMUTABLE",
                                         "imageScanningConfiguration": {"scanOnPush": "on"}})
    evaluation = analyzer().analyze_stack([repo])
    [violation] = [v for v in evaluation.violations if v.policy == "ecr-image-scanning"]
    assert violation.urn == repo.urn and violation.enforcement_level == "mandatory"


def test_assign_public_ip_given_as_yes_is_not_read_as_false():
    props = {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "yes"}}
    found = check("ecs-no-public-ip", SERVICE, props)
    assert found == [not_a_boolean("assignPublicIp", "yes")]


@pytest.mark.parametrize("value", [False, "false", "0", "f", "FALSE"])
def test_rotation_turned_off_in_any_spelling_fails(value):
    props = {"secretId": "db", "rotationEnabled": value}
    assert check("secrets-rotation-schedule", "aws:secretsmanager/secretRotation:SecretRotation", props) == [
        "rotationEnabled is false; the secret is never rotated."]


def test_rotation_flag_that_is_not_a_boolean_fails():
    props = {"secretId": "db", "rotationEnabled": "off", "rotationRules": {"automaticallyAfterDays": 30.0}}
    assert check("secrets-rotation-schedule", "aws:secretsmanager/secretRotation:SecretRotation", props) == [
        not_a_boolean("rotationEnabled", "off")]


def test_a_stack_rule_still_judges_the_other_resources():
    odd = resource(REPOSITORY, "odd", {"name": "odd", "imageScanningConfiguration": {"scanOnPush": "yes"}})
    unscanned = resource(REPOSITORY, "plain", {"name": "plain"})
    scanned = resource(REPOSITORY, "good", {"name": "good", "imageScanningConfiguration": {"scanOnPush": True}})
    assert check_stack("ecr-image-scanning", [odd, unscanned, scanned]) == [
        not_a_boolean("scanOnPush", "yes"),
        "Repository 'plain' is not scanned on push: set imageScanningConfiguration.scanOnPush true, or add a "
        "RegistryScanningConfiguration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) whose filter matches its name."]
