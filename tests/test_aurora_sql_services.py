"""AWS services from SQL (`s3Export`, `s3Import`, `lambdaInvoke`): settings, the roles and the export bucket under
mocks, and the gate's aurora-sql-export-bucket-cmk rule with the shapes that try to get past it."""

from __future__ import annotations

import json

import pytest

from components.aurora_sql import trust_policy
from components.settings import SettingsError, load_settings
from components.settings.database_sql import LambdaAccess, S3Access
from preflight.engine import read_stack_config
from preflight.policy_eval import Analyzer, load_policy_config
from tests.conftest import REPO_ROOT, per_module_unless_collecting
from tests.policies.policy_helpers import check_stack, resource, urn

KEY = "aurora-platform:database"
ASSOCIATION = "aws:rds/clusterRoleAssociation:ClusterRoleAssociation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def problems(values: dict, engine: str = "aurora-postgresql") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"engine": engine, **values}}, "dev", "us-east-1")
    return caught.value.problems


def test_settings_default_off_and_parse():
    database = load_settings({"database": {"s3Export": {"enabled": True, "prefix": "reports/daily/"},
                                           "s3Import": {"enabled": True, "bucketName": "blog-imports"},
                                           "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}},
                             "dev", "us-east-1").database
    assert database.s3_export.prefix == "reports/daily/" and database.s3_import.prefix == "imports/"
    assert database.lambda_invoke.functions == ("notify",)
    assert not load_settings({"database": {}}, "dev", "us-east-1").database.s3_export.enabled


@pytest.mark.parametrize("prefix", ["exports", "*/", "exports/*", "../x/", "/exports/", "a//"])
def test_a_prefix_that_would_widen_the_role_is_refused(prefix):
    assert problems({"s3Export": {"enabled": True, "prefix": prefix}}) == [
        f'{KEY}.s3Export.prefix: got {json.dumps(prefix)}; allowed: a key prefix ending in /, e.g. "exports/" '
        f"(letters, digits, !_.'()- and /; no wildcards, no ..; at most 512 characters)"]


@pytest.mark.parametrize("function", ["arn:aws:lambda:us-east-1:123456789012:function:x", "*", "a b", "x" * 65])
def test_functions_are_plain_names(function):
    assert problems({"lambdaInvoke": {"enabled": True, "functions": [function]}}) == [
        f"{KEY}.lambdaInvoke.functions[0]: got {json.dumps(function)}; allowed: a Lambda function name of this "
        f"account and region: 1-64 letters, digits, - and _ (no ARN, no wildcard)"]


def test_required_and_engine_specific_values():
    assert problems({"s3Import": {"enabled": True}}) == [
        f"{KEY}.s3Import.bucketName: is required: the bucket the files to import are read from"]
    assert problems({"lambdaInvoke": {"enabled": True}}) == [
        f"{KEY}.lambdaInvoke.functions: is required: the names of the functions SQL may invoke"]
    assert problems({"s3Export": {"enabled": True}}, "aurora-mysql") == [
        f'{KEY}.s3Export.enabled: is built for engine aurora-postgresql (the aws_s3 extension); engine is '
        f'"aurora-mysql"']
    assert problems({"s3Export": {"enabled": True, "bucketName": "x-bucket"}}) == [
        f"{KEY}.s3Export.bucketName: unknown setting; known settings here: enabled, expirationDays, prefix. "
        f"bucketName is a setting of {KEY}.s3Import: move it there"]
    assert problems({"s3Import": {"enabled": True, "bucketName": "Not_A_Bucket"}})[0].startswith(
        f'{KEY}.s3Import.bucketName: got "Not_A_Bucket"; allowed: an S3 bucket name')
    assert problems({"s3Export": {"prefix": "x/"}}) == [f"{KEY}.s3Export: sets values but not enabled: true"]


def test_the_role_trusts_rds_for_this_cluster_only():
    trust = trust_policy("aws", "us-east-1", "123456789012", "aurora-platform-prod")
    assert trust["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnEquals": {"aws:SourceArn": "arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"}}


# ---- the program under mocks ----------------------------------------------------------------------------------------

@pytest.fixture(scope=per_module_unless_collecting)
def prod_sql():
    from preflight.engine import run_stack
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "s3Export": {"enabled": True, "expirationDays": 30},
                "s3Import": {"enabled": True, "bucketName": "blog-imports", "prefix": "csv/"},
                "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}
    return run_stack("prod", REPO_ROOT, {KEY: database})


def policy_of(run, name):
    return json.loads(next(r for r in run.of_type(ROLE_POLICY) if r.name == name).inputs["policy"])


def test_each_feature_is_associated_with_its_own_scoped_role(prod_sql):
    features = sorted(r.inputs["featureName"] for r in prod_sql.of_type(ASSOCIATION))
    assert features == ["Lambda", "s3Export", "s3Import"]
    bucket = prod_sql.named("database-exports").outputs["bucket"]
    export = policy_of(prod_sql, "database-s3Export")["Statement"]
    assert export[0]["Action"] == ["s3:PutObject", "s3:AbortMultipartUpload"]
    assert export[0]["Resource"] == f"arn:aws:s3:::{bucket}/exports/*"
    assert export[1]["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com",
                                                      "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}"}
    imports = policy_of(prod_sql, "database-s3Import")["Statement"]
    assert imports[0] == {"Sid": "ReadImports", "Effect": "Allow", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::blog-imports/csv/*"}
    assert imports[1]["Condition"] == {"StringLike": {"s3:prefix": ["csv/*"]}}
    assert policy_of(prod_sql, "database-lambdaInvoke")["Statement"][0]["Resource"] == [
        "arn:aws:lambda:us-east-1:123456789012:function:notify"]


def test_the_export_bucket_is_private_tls_only_under_the_database_key_and_protected(prod_sql):
    def one(token):  # the export bucket's own (prod's load balancer has a log bucket too)
        [found] = [r for r in prod_sql.of_type(token) if r.name == "database-exports"]
        return found

    block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                 "restrictPublicBuckets"))
    sse = one(SSE).inputs["rules"][0]
    key = prod_sql.named("database-key").outputs["arn"] if any(
        r.name == "database-key" for r in prod_sql.resources) else None
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert sse["bucketKeyEnabled"] is True
    if key is not None:
        assert sse["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key
    policy = json.loads(one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}
    assert one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"][0][
        "expiration"]["days"] == 30
    assert prod_sql.named("database-exports").protect is True


def test_the_isolated_subnets_s3_path_reaches_the_export_bucket_under_its_prefix_and_the_import_bucket(prod_sql):
    """The isolated subnets have no route out but the S3 gateway endpoint, whose policy is all the database's writes
    can pass: it must name this stack's export bucket (its generated name, under the export prefix), or exports
    fail with AccessDenied."""
    [bucket] = [r for r in prod_sql.of_type("aws:s3/bucket:Bucket") if r.name == "database-exports"]
    [endpoint] = [e for e in prod_sql.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.name == "isolated-s3"]
    assert endpoint.property_dependencies["policy"] == [bucket.urn]
    statements = {s["Sid"]: s for s in json.loads(endpoint.inputs["policy"])["Statement"]}
    assert statements["AuroraExports"]["Resource"] == f"arn:aws:s3:::{bucket.outputs['bucket']}/exports/*"
    assert statements["AuroraImports"]["Resource"] == "arn:aws:s3:::blog-imports/csv/*"
    [component] = prod_sql.of_type("aurora-platform:database:AuroraCluster")
    assert component.outputs["exportBucketName"] == bucket.outputs["bucket"]


def test_prod_with_every_feature_passes_the_gate(prod_sql):
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "prod.json")).evaluate(
        prod_sql.resources)
    assert [(v.policy, v.detail) for v in evaluation.violations] == []


def test_dev_and_prod_call_no_service_from_sql(dev, prod):
    assert dev.of_type(ASSOCIATION) == [] and prod.of_type(ASSOCIATION) == []


# ---- the rule -----------------------------------------------------------------------------------------------------

def sql_stack(resource_arn="arn:aws:s3:::exports-1/exports/*", sse=None, feature="s3Export", bucket="exports-1"):
    role_urn = urn(ROLE, "r")
    resources = [
        resource(ROLE, "r", {"assumeRolePolicy": "{}"}),
        resource(ROLE_POLICY, "p", {"role": "r", "policy": json.dumps({"Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": resource_arn}]})},
            property_dependencies={"role": [role_urn]}),
        resource(ASSOCIATION, "a", {"featureName": feature, "roleArn": "arn:aws:iam::1:role/r"},
                 property_dependencies={"roleArn": [role_urn]}),
        resource(BUCKET, "b", {"bucket": bucket}),
    ]
    if sse is not None:
        resources.append(resource(SSE, "e", {"bucket": bucket, "rules": [{"applyServerSideEncryptionByDefault": sse}]},
                                  property_dependencies={"bucket": [urn(BUCKET, "b")]}))
    return resources


def rule(resources):
    return check_stack("aurora-sql-export-bucket-cmk", resources)


CMK = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"}


def test_a_cmk_bucket_passes():
    assert rule(sql_stack(sse=CMK)) == []


def test_an_unencrypted_bucket_fails():
    assert rule(sql_stack()) == [
        "Bucket 'b' holds SQL exports (ClusterRoleAssociation 'a') but has no default encryption; add a "
        "BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed kmsMasterKeyId."]


@pytest.mark.parametrize("sse", [{"sseAlgorithm": "AES256"}, {"sseAlgorithm": "aws:kms"},
                                 {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}])
def test_s3_managed_or_aws_managed_keys_fail(sse):
    found = rule(sql_stack(sse=sse))
    assert len(found) == 1 and found[0].startswith("BucketServerSideEncryptionConfiguration 'e' rules[0] ")


@pytest.mark.parametrize("arn", ["arn:aws:s3:::*/exports/*", "arn:aws:s3:::exports-?/x/*", "*"])
def test_a_wildcard_or_unnamed_bucket_fails(arn):
    found = rule(sql_stack(resource_arn=arn, sse=CMK))
    assert len(found) == 1 and "must allow s3:PutObject on one named bucket" in found[0]


def test_a_bucket_outside_the_stack_fails():
    assert rule(sql_stack(resource_arn="arn:aws:s3:::elsewhere/x/*", sse=CMK)) == [
        "ClusterRoleAssociation 'a' exports to bucket 'elsewhere', which is not in this stack, so its encryption "
        "cannot be verified."]


def test_action_spelled_with_a_wildcard_is_still_read():
    resources = sql_stack(sse=None)
    resources[1] = resource(ROLE_POLICY, "p", {"role": "r", "policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Action": ["S3:Put*"], "Resource": "arn:aws:s3:::exports-1/exports/*"}]})},
        property_dependencies={"role": [urn(ROLE, "r")]})
    assert len(rule(resources)) == 1


def test_import_associations_are_not_export_buckets():
    assert rule(sql_stack(feature="s3Import")) == []


def test_a_prefix_of_at_most_512_characters_is_taken_and_a_longer_one_is_refused_naming_the_limit():
    # 512 of S3's 1024-byte key (Amazon S3 User Guide, "Naming Amazon S3 objects"); the rest is for the file names.
    longest = "a" * 510 + "b/"
    assert load_settings({"database": {"s3Export": {"enabled": True, "prefix": longest}}}, "dev",
                         "us-east-1").database.s3_export.prefix == longest
    too_long = "a" * 511 + "b/"
    assert problems({"s3Export": {"enabled": True, "prefix": too_long}}) == [
        f'{KEY}.s3Export.prefix: got "{too_long}"; allowed: a key prefix ending in /, e.g. "exports/" (letters, '
        f"digits, !_.'()- and /; no wildcards, no ..; at most 512 characters)"]


# ---- the settings as the program reads them ---------------------------------------------------------------------

def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


def test_each_enabled_feature_is_read_as_written_and_carries_only_its_own_values():
    # Exports always go to the stack's own bucket (no bucket name of their own); only exports expire.
    read = database({"s3Export": {"enabled": True, "prefix": "reports/daily/", "expirationDays": 30},
                     "s3Import": {"enabled": True, "bucketName": "blog-imports", "prefix": "csv/"},
                     "lambdaInvoke": {"enabled": True, "functions": ["notify", "resize"]}})
    assert read.s3_export == S3Access(enabled=True, bucket_name=None, prefix="reports/daily/", expiration_days=30)
    assert read.s3_import == S3Access(enabled=True, bucket_name="blog-imports", prefix="csv/", expiration_days=0)
    assert read.lambda_invoke == LambdaAccess(enabled=True, functions=("notify", "resize"))


def test_a_feature_enabled_without_a_prefix_uses_its_own_folder_and_exports_are_kept():
    read = database({"s3Export": {"enabled": True}, "s3Import": {"enabled": True, "bucketName": "blog-imports"}})
    assert (read.s3_export.prefix, read.s3_import.prefix) == ("exports/", "imports/")
    assert read.s3_export.expiration_days == 0


def test_features_left_out_are_off_with_their_default_folders():
    read = database({})
    assert read.s3_export == S3Access(enabled=False, bucket_name=None, prefix="exports/", expiration_days=0)
    assert read.s3_import == S3Access(enabled=False, bucket_name=None, prefix="imports/", expiration_days=0)
    assert read.lambda_invoke == LambdaAccess(enabled=False, functions=())


@pytest.mark.parametrize("days", [0, 1, 3650])
def test_an_export_expiry_of_0_to_3650_days_is_taken(days):
    assert database({"s3Export": {"enabled": True, "expirationDays": days}}).s3_export.expiration_days == days


@pytest.mark.parametrize("days", [-1, 3651])
def test_an_export_expiry_outside_0_to_3650_days_is_refused(days):
    assert problems({"s3Export": {"enabled": True, "expirationDays": days}}) == [
        f"{KEY}.s3Export.expirationDays: got {days}; allowed: 0 (keep exports) or 1 to 3650 days after which S3 "
        f"deletes an export"]


@pytest.mark.parametrize("bucket", ["Not_A_Bucket", "ab", "-imports", "192.168.5.4", "xn--imports",
                                    "imports-s3alias", "a" * 64])
def test_an_import_bucket_name_s3_would_refuse_is_one_problem_naming_the_rules(bucket):
    # Only the name's problem: the bucket was given, so it is not also reported missing.
    assert problems({"s3Import": {"enabled": True, "bucketName": bucket}}) == [
        f'{KEY}.s3Import.bucketName: got "{bucket}"; allowed: an S3 bucket name: 3-63 lowercase letters, digits, '
        f"dots and hyphens, starting and ending with a letter or digit"]


@pytest.mark.parametrize("bucket", ["abc", "blog.imports-2026", "a" * 63])
def test_an_import_bucket_name_s3_accepts_is_taken(bucket):
    assert database({"s3Import": {"enabled": True, "bucketName": bucket}}).s3_import.bucket_name == bucket


SQL_FEATURES = [("s3Export", {}, "aws_s3"), ("s3Import", {"bucketName": "blog-imports"}, "aws_s3"),
                ("lambdaInvoke", {"functions": ["notify"]}, "aws_lambda")]


@pytest.mark.parametrize(("feature", "values", "extension"), SQL_FEATURES)
def test_a_feature_on_aurora_mysql_is_refused_naming_the_extension_and_the_engine(feature, values, extension):
    assert problems({feature: {"enabled": True, **values}}, "aurora-mysql") == [
        f"{KEY}.{feature}.enabled: is built for engine aurora-postgresql (the {extension} extension); engine is "
        f'"aurora-mysql"']


@pytest.mark.parametrize(("feature", "values", "extension"), SQL_FEATURES)
def test_under_a_secret_database_key_the_refused_engine_is_masked(feature, values, extension):
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"engine": "aurora-mysql", feature: {"enabled": True, **values}}}, "dev",
                      "us-east-1", [KEY])
    assert (f"{KEY}.{feature}.enabled: is built for engine aurora-postgresql (the {extension} extension); engine is "
            f"[secret]") in caught.value.problems


def test_a_function_named_twice_is_refused():
    assert problems({"lambdaInvoke": {"enabled": True, "functions": ["notify", "resize", "notify"]}}) == [
        f"{KEY}.lambdaInvoke.functions: names a function twice; allowed: each once"]


def test_a_function_that_is_not_text_is_refused_as_not_a_function_name():
    assert problems({"lambdaInvoke": {"enabled": True, "functions": [5]}}) == [
        f"{KEY}.lambdaInvoke.functions[0]: got 5; allowed: a Lambda function name"]


def test_an_empty_function_list_is_refused():
    # Taken, it would give the role a policy naming no function, which IAM refuses at deploy.
    assert problems({"lambdaInvoke": {"enabled": True, "functions": []}}) == [
        f"{KEY}.lambdaInvoke.functions: is empty; allowed: at least one function name, or enabled: false"]
