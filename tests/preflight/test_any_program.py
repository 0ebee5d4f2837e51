"""The gate on programs written the way other teams write them (tests/preflight/programs/): lookups, applies that
build container definitions, resources passed as inputs, remote components, assets, failing programs. Each program
has the exact verdict it must get; expected values are literals from the requirement, not from the engine."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preflight.engine import REPO_ROOT, ProgramError, run_stack
from preflight.mock_invokes import Identity, load_identity
from preflight.mock_outputs import UNKNOWN, Context, references_as_ids, resource_outputs, shaped_string

from .gate_helpers import gate_json, run_gate

PROGRAMS = Path(__file__).parent / "programs"


def program(name: str) -> str:
    return str(PROGRAMS / name)


def violations(report: dict, level: str = "mandatory") -> list[tuple[str, str]]:
    return sorted((v["policy"], (v["urn"] or "").rsplit("::", 1)[-1]) for v in report["violations"]
                  if v["enforcementLevel"] == level)


def resource(report: dict, name: str) -> dict:
    [found] = [r for r in report["resources"] if r["name"] == name]
    return found


# ---- a password in a task's environment, built inside an apply ------------------------------------------------
def test_password_in_environment_built_in_an_apply_is_a_mandatory_violation():
    code, report = gate_json("--stack", "plaintext", "--program", program("task_env_apply"))
    assert code == 1
    # By name (DB_PASSWORD) and by value (the secure config value's plaintext in the environment).
    assert sorted(violations(report)) == [("ecs-secrets-not-in-environment", "web"),
                                          ("secret-value-not-in-plain-text", "web")]
    message = next(v["message"] for v in report["violations"] if v["policy"] == "ecs-secrets-not-in-environment")
    assert "container web passes DB_PASSWORD as an environment variable" in message
    # The placeholder standing for the secure config value never reaches the report.
    assert "preflight-placeholder-secret" not in json.dumps(report)


def test_same_task_with_the_password_in_secrets_passes():
    code, report = gate_json("--stack", "secrets", "--program", program("task_env_apply"))
    assert code == 0
    assert violations(report) == []
    assert violations(report, "advisory") == []


def test_the_apply_ran_on_shaped_addresses_of_types_nobody_wrote_a_fake_for():
    run = run_stack("secrets", program("task_env_apply"))
    task = run.one("aws:ecs/taskDefinition:TaskDefinition")
    definitions = task.input("containerDefinitions")
    [container] = json.loads(definitions)
    env = {e["name"]: e["value"] for e in container["environment"]}
    # aws.rds.Instance and aws.elasticache.Cluster have no per-type fake: their addresses come from the SDK class.
    assert re.fullmatch(r"db-[0-9a-f]{10}\.us-west-2\.rds\.amazonaws\.com", env["DB_HOST"]), env
    assert env["DB_PORT"] == "3306"  # mysql's port, not a made-up number
    assert re.fullmatch(r"cache-[0-9a-f]{10}\.us-west-2\.elasticache\.amazonaws\.com", env["REDIS_HOST"]), env
    assert container["secrets"][0]["valueFrom"].startswith("arn:aws:secretsmanager:us-west-2:123456789012:secret:")


def test_plaintext_password_stays_secret_in_the_recorded_inputs():
    run = run_stack("plaintext", program("task_env_apply"))
    from preflight.engine import Secret

    assert isinstance(run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"], Secret)


def test_a_task_built_from_a_computed_setting_still_shows_its_known_parts(tmp_path):
    """The real engine knows `engineVersionActual` only after creation; offline the apply still runs on the
    `[unknown]` text, so the rule sees the variable names and catches the password."""
    (tmp_path / "Pulumi.yaml").write_text("name: known-parts\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text("""
import json
import pulumi
import pulumi_aws as aws
db = aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                      username="app", password="hunter2-hunter2", skip_final_snapshot=True, storage_encrypted=True)
definitions = db.engine_version_actual.apply(lambda version: json.dumps([{
    "name": "app", "image": "app:1", "logConfiguration": {"logDriver": "awslogs"},
    "environment": [{"name": "PG_VERSION", "value": version}, {"name": "PGPASSWORD", "value": "hunter2-hunter2"}]}]))
aws.ecs.TaskDefinition("app", family="app", container_definitions=definitions)
aws.ec2.SecurityGroup("sg", description=db.engine_version_actual)
""")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path))
    assert code == 1
    assert ("ecs-secrets-not-in-environment", "app") in violations(report)
    message = next(v["message"] for v in report["violations"] if v["policy"] == "ecs-secrets-not-in-environment")
    assert "container app passes PGPASSWORD as an environment variable" in message  # judged, not "cannot verify"
    # The report never prints a property a secret leaked into (the hard-coded password is one).
    assert resource(report, "app")["inputs"]["containerDefinitions"] == "[secret]"
    assert resource(report, "sg")["inputs"]["description"] == "[unknown]"  # passed on as it is: unknown again
    run = run_stack("s", tmp_path)
    [container] = json.loads(run.named("app").input("containerDefinitions"))
    assert container["environment"][0] == {"name": "PG_VERSION", "value": "[unknown]"}
    # The record (what stack rules see) does not hold the made-up text.
    assert "engineVersionActual" not in run.named("db").outputs


SPELLINGS = {
    # How other teams build container definitions; each must reach the rule with the password visible.
    "json_dumps": 'pulumi.Output.json_dumps([{"name": "app", "image": "app:1", "environment": ['
                  '{"name": "DB_HOST", "value": db.address}, {"name": "DB_PASSWORD", "value": password}]}])',
    "all_apply": 'pulumi.Output.all(db.endpoint, db.port, password).apply(lambda a: json.dumps([{"name": "app", '
                 '"image": "app:1", "environment": [{"name": "DB_URL", "value": f"{a[0]}:{a[1]}"}, '
                 '{"name": "DB_PASSWORD", "value": a[2]}]}]))',
    "format": 'pulumi.Output.format(\'[{{"name": "app", "image": "app:1", "environment": [{{"name": "PGHOST", '
              '"value": "{0}"}}, {{"name": "PGPASSWORD", "value": "{1}"}}]}}]\', db.address, password)',
    "url_in_apply": 'db.address.apply(lambda host: json.dumps([{"name": "app", "image": "app:1", "environment": '
                    '[{"name": "DATABASE", "value": f"mysql://app:hunter2-hunter2@{host}/app"}]}]))',
    "cache_node": 'cache.cache_nodes.apply(lambda nodes: json.dumps([{"name": "app", "image": "app:1", '
                  '"environment": [{"name": "REDIS_HOST", "value": nodes[0]["address"]}, '
                  '{"name": "REDIS_PASSWORD", "value": "hunter2-hunter2"}]}]))',
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_password_in_the_environment_is_caught_whatever_the_spelling(tmp_path, spelling):
    (tmp_path / "Pulumi.yaml").write_text("name: spellings\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-1\n  spellings:password:\n"
                                            "    secure: AAABAnotdecryptable\n")
    (tmp_path / "__main__.py").write_text(f"""
import json
import pulumi
import pulumi_aws as aws
password = pulumi.Config().require_secret("password")
db = aws.rds.Instance("db", engine="mysql", instance_class="db.t3.micro", allocated_storage=20, username="app",
                      password=password, skip_final_snapshot=True, storage_encrypted=True)
cache = aws.elasticache.Cluster("cache", engine="redis", node_type="cache.t3.micro", num_cache_nodes=1)
aws.ecs.TaskDefinition("app", family="app", container_definitions={SPELLINGS[spelling]})
""")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path))
    assert ("ecs-secrets-not-in-environment", "app") in violations(report), report["violations"]
    assert code == 1


def test_a_task_built_from_a_computed_boolean_fails_closed(tmp_path):
    """Computed numbers and booleans are never invented (they may be security settings), so an apply over one is
    skipped as in a real preview; the task's definitions are unknown and the mandatory rule fails closed."""
    (tmp_path / "Pulumi.yaml").write_text("name: gap\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text("""
import json
import pulumi
import pulumi_aws as aws
db = aws.rds.Instance("db", engine="mysql", instance_class="db.t3.micro", allocated_storage=20, username="app",
                      password="hunter2-hunter2", skip_final_snapshot=True, storage_encrypted=True)
aws.ecs.TaskDefinition("app", family="app", container_definitions=db.multi_az.apply(lambda multi: json.dumps([{
    "name": "app", "image": "app:1", "environment": [{"name": "DB_PASSWORD", "value": "hunter2-hunter2"}]}])))
""")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path))
    assert code == 1
    assert ("ecs-secrets-not-in-environment", "app") in violations(report)
    message = next(v["message"] for v in report["violations"] if v["policy"] == "ecs-secrets-not-in-environment")
    assert "cannot verify: containerDefinitions is not known offline" in message


# ---- lookups and identity -------------------------------------------------------------------------------------
def test_lookups_answer_with_typed_values_and_the_identity_comes_from_the_command_line():
    code, report = gate_json("--stack", "imdsv2", "--program", program("ami_default_vpc"),
                             "--account-id", "210987654321")
    assert code == 0, report["violations"]
    assert violations(report) == []
    server = resource(report, "web")
    assert re.fullmatch(r"ami-[0-9a-f]{17}", server["inputs"]["ami"])
    assert re.fullmatch(r"subnet-[0-9a-f]{17}", server["inputs"]["subnetId"])
    # eu-west-1 has three zones, and a default VPC one subnet in each.
    assert report["exports"]["subnets"] == 3
    assert server["inputs"]["tags"] == {"Zone": "eu-west-1a"}
    assert re.fullmatch(r"203\.0\.113\.\d{1,3}", report["exports"]["publicIp"])
    assert report["exports"]["url"].startswith("http://ec2-203-0-113-")
    assert report["warnings"] == []  # every lookup here has a specific answer


def test_imdsv1_variant_fails_on_the_instance():
    code, report = gate_json("--stack", "imdsv1", "--program", program("ami_default_vpc"),
                             "--account-id", "210987654321")
    assert code == 1
    assert violations(report) == [("ec2-imdsv2-required", "web")]


def test_a_program_guarding_on_its_account_stops_with_the_default_identity():
    code, out, err = run_gate("--stack", "imdsv2", "--program", program("ami_default_vpc"))
    assert code == 2 and out == ""
    assert err == ("preflight: this stack deploys only to account 210987654321, not 123456789012 "
                   "(at __main__.py:9)\n")


def test_identity_from_a_file_and_flags_win(tmp_path):
    (tmp_path / "who.yaml").write_text('accountId: "210987654321"\norganization: acme\n')
    assert load_identity(tmp_path / "who.yaml") == Identity("210987654321", "acme")
    assert load_identity(tmp_path / "who.yaml", account_id="000000000001").account_id == "000000000001"
    code, report = gate_json("--stack", "imdsv2", "--program", program("ami_default_vpc"),
                             "--identity", str(tmp_path / "who.yaml"))
    assert code == 0


def test_organization_and_account_reach_the_program(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: who\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "pulumi.export('org', pulumi.get_organization())\n"
        "pulumi.export('account', aws.get_caller_identity().account_id)\n"
        "pulumi.export('keyArn', aws.kms.Key('k', enable_key_rotation=True).arn)\n")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path), "--organization", "acme-platform",
                             "--account-id", "000011112222")
    assert code == 0
    assert report["exports"]["org"] == "acme-platform"
    assert report["exports"]["account"] == "000011112222"
    assert report["exports"]["keyArn"].startswith("arn:aws:kms:us-east-1:000011112222:key/")
    # The next run, without flags, is back to the default account.
    assert run_stack("s", tmp_path).exports["account"] == "123456789012"


@pytest.mark.parametrize("text, message", [
    ("accountId: 2109876543\n", "identity accountId: 2109876543 is not an AWS account id; allowed: exactly 12"),
    ('accountId: "21098765432a"\n', "identity accountId: '21098765432a' is not an AWS account id"),
    ("account: '210987654321'\n", "unknown key account; allowed: accountId, arn, organization"),
    ("- accountId\n", "expected a mapping with keys accountId, arn, organization, got list"),
    ("organization: 'a b'\n", "identity organization: 'a b' is not an organization name"),
    ("arn: arn:aws:iam::999999999999:user/x\n", "is not an IAM or STS ARN of account 123456789012"),
])
def test_bad_identity_is_one_clear_error(tmp_path, text, message):
    (tmp_path / "who.yaml").write_text(text)
    code, out, err = run_gate("--stack", "imdsv2", "--program", program("ami_default_vpc"),
                              "--identity", str(tmp_path / "who.yaml"))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_account_flag_is_one_clear_error():
    code, _, err = run_gate("--stack", "imdsv2", "--program", program("ami_default_vpc"), "--account-id", "12")
    assert code == 2 and "identity accountId: '12' is not an AWS account id" in err


def test_an_invoke_without_an_answer_gets_a_typed_default_and_a_warning(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: lookups\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "lt = aws.ec2.get_launch_template(name='web')\n"
        "pulumi.export('types', [type(lt.id).__name__, type(lt.default_version).__name__,"
        " type(lt.block_device_mappings).__name__, type(lt.disable_api_stop).__name__])\n"
        "pulumi.export('name', lt.name)\n")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path))
    assert code == 0
    assert report["exports"]["types"] == ["str", "int", "list", "bool"]
    assert report["exports"]["name"] == "web"  # an argument is echoed under its own name
    assert report["warnings"] == [
        "invoke aws:ec2/getLaunchTemplate:getLaunchTemplate has no offline answer: the program got a typed default "
        "(arguments echoed, ids by name, other fields empty), so what it derived from the result is made up"]


def test_common_lookups_have_specific_answers(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: lookups\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: ap-southeast-2\n")
    (tmp_path / "__main__.py").write_text("""
import pulumi
import pulumi_aws as aws
pulumi.export("registry", aws.ecr.get_authorization_token().proxy_endpoint)
# The output form keeps what the answer marks secret (the plain form cannot: the SDK returns plain values).
pulumi.export("password", aws.ecr.get_authorization_token_output().password)
pulumi.export("policy", aws.iam.get_policy(name="ReadOnlyAccess").arn)
pulumi.export("version", aws.rds.get_engine_version(engine="aurora-postgresql").parameter_group_family)
pulumi.export("secret", aws.secretsmanager.get_secret_version_output(secret_id="db").secret_string)
pulumi.export("zone", aws.route53.get_zone(name="example.org.").zone_id)
pulumi.export("subnetZone", aws.ec2.get_subnet(id="subnet-0abc").availability_zone)
pulumi.export("partition", aws.get_partition().partition)
import base64
token = aws.ecr.get_authorization_token().authorization_token
pulumi.export("tokenUser", base64.b64decode(token).decode().split(":")[0])
pulumi.export("mostRecent", aws.ec2.get_ami(most_recent="true", owners=["amazon"]).most_recent)
""")
    code, report = gate_json("--stack", "s", "--program", str(tmp_path))
    exports = report["exports"]
    assert code == 0 and report["warnings"] == []
    assert exports["registry"] == "https://123456789012.dkr.ecr.ap-southeast-2.amazonaws.com"
    assert exports["password"] == "[secret]" and exports["secret"] == "[secret]"
    assert exports["policy"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert exports["version"] == "aurora-postgresql16"
    assert re.fullmatch(r"Z[0-9A-F]{13}", exports["zone"])
    assert exports["subnetZone"] == "[unknown]"  # where an existing subnet lives is AWS's fact
    assert exports["partition"] == "aws"
    assert exports["tokenUser"] == "AWS"  # ECR's token is base64 of "AWS:<password>"; programs decode it
    assert exports["mostRecent"] is True  # an echoed argument is typed as the provider types it


# ---- zones ------------------------------------------------------------------------------------------------------
def test_an_unpinned_reader_has_an_unknown_zone_and_the_rule_says_so():
    code, report = gate_json("--stack", "test", "--program", program("unpinned_readers"))
    assert report["exports"]["placedZone"] == "[unknown]"
    [message] = [v["message"] for v in report["violations"] if v["policy"] == "aurora-readers-multi-az"]
    assert message.endswith("Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); the zone of db-2 "
                            "is unknown until deployment (not counted); at least 2 are required.")
    assert "eu-west-1b" not in json.dumps(report) and "eu-west-1c" not in json.dumps(report)


def test_a_reader_pinned_to_a_looked_up_subnets_zone_is_not_counted_as_a_zone(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: lookup-zone\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text("""
import pulumi_aws as aws
subnet = aws.ec2.get_subnet(id="subnet-0abc")
cluster = aws.rds.Cluster("db", engine="aurora-postgresql", master_username="app", manage_master_user_password=True)
aws.rds.ClusterInstance("db-1", cluster_identifier=cluster.id, instance_class="db.r6g.large",
                        engine="aurora-postgresql", availability_zone="eu-west-1a")
aws.rds.ClusterInstance("db-2", cluster_identifier=cluster.id, instance_class="db.r6g.large",
                        engine="aurora-postgresql", availability_zone=subnet.availability_zone)
""")
    _, report = gate_json("--stack", "s", "--program", str(tmp_path))
    assert resource(report, "db-2")["inputs"]["availabilityZone"] == "[unknown]"
    [message] = [v["message"] for v in report["violations"] if v["policy"] == "aurora-readers-multi-az"]
    assert message.endswith("(eu-west-1a); the zone of db-2 is unknown until deployment (not counted); at least 2 "
                            "are required.")


def test_zone_rule_counts_known_zones_only():
    from tests.policies.policy_helpers import check_stack
    from tests.policies.policy_helpers import resource as policy_resource
    from tests.policies.test_policy_rds_stack import CLUSTER_RES, CLUSTER_URN, instance

    unknown = policy_resource(
        "aws:rds/clusterInstance:ClusterInstance", "db-2",
        {"clusterIdentifier": "db", "instanceClass": "db.r6g.large", "availabilityZone": UNKNOWN},
        property_dependencies={"clusterIdentifier": [CLUSTER_URN]})
    assert check_stack("aurora-readers-multi-az", [CLUSTER_RES, instance("db-1", "eu-west-1a"), unknown]) == [
        "Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); the zone of db-2 is unknown until "
        "deployment (not counted); at least 2 are required."]
    # Two known zones pass whatever the third instance's zone turns out to be.
    assert check_stack("aurora-readers-multi-az", [CLUSTER_RES, instance("db-1", "eu-west-1a"),
                                                   instance("db-3", "eu-west-1b"), unknown]) == []
    # An unknown zone is not a zone: two instances, one unknown, one unset, fail without a made-up zone.
    assert check_stack("aurora-readers-multi-az", [CLUSTER_RES, instance("db-1", None), unknown]) == [
        "Cluster 'db' has 2 instances in 0 Availability Zone(s) (no pinned zone); db-1 set no availabilityZone; "
        "the zone of db-2 is unknown until deployment (not counted); at least 2 are required."]


# ---- remote components ---------------------------------------------------------------------------------------
def test_a_remote_component_is_opaque_in_every_format():
    code, report = gate_json("--stack", "test", "--program", program("remote_components"))
    urn = "urn:pulumi:test::corpus-remote::corpusx:index:Platform::platform"
    assert code == 0
    assert report["summary"]["complete"] is False and report["summary"]["opaqueComponents"] == [urn]
    warning = ("component platform (corpusx:index:Platform) is a remote component: its provider plugin creates its "
               "children, which cannot run offline, so they are not evaluated (opaque)")
    assert report["warnings"] == [warning]
    assert resource(report, "app")["inputs"]["vpcId"] == "[unknown]"
    _, text, _ = run_gate("--stack", "test", "--program", program("remote_components"))
    assert f"  warning: {warning}" in text
    assert text.rstrip().endswith("PASS: 0 mandatory, 0 advisory policy violation(s). INCOMPLETE: 1 remote "
                                  "component(s) could not be expanded offline and were not evaluated (see warnings).")
    _, markdown, _ = run_gate("--stack", "test", "--program", program("remote_components"), "--format", "markdown")
    assert "INCOMPLETE: 1 remote component(s)" in markdown.splitlines()[2]
    [line] = [x for x in markdown.splitlines() if x.startswith("- warning: ")]
    assert "platform" in line and "remote component" in line and "opaque" in line


def test_a_stack_without_remote_components_is_complete():
    _, report = gate_json("--stack", "secrets", "--program", program("task_env_apply"))
    assert report["summary"]["complete"] is True and report["summary"]["opaqueComponents"] == []


# ---- resources as inputs, reads, assets ------------------------------------------------------------------------
def test_resources_passed_as_inputs_arrive_as_their_ids():
    run = run_stack("test", program("refs_and_reads"))
    vpc, group = run.named("main"), run.named("db")
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", vpc.id)
    assert group.inputs["vpcId"] == vpc.id
    # An exported resource is its outputs (as `pulumi stack output` shows them), never an object repr.
    assert run.exports["group"]["id"] == group.id and run.exports["group"]["vpc_id"] == vpc.id


def test_a_read_resource_has_shaped_outputs_and_feeds_others():
    run = run_stack("test", program("refs_and_reads"))
    shared = run.named("shared")
    assert shared.external and shared.id == "vpc-0123456789abcdef0"
    assert run.named("shared-a").inputs["vpcId"] == "vpc-0123456789abcdef0"
    assert run.exports["sharedVpcArn"].startswith("arn:aws:ec2:eu-central-1:123456789012:")
    assert run.exports["invokeArn"].startswith("arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/")


def test_assets_render_as_content_hashes(tmp_path):
    copy = tmp_path / "refs"
    shutil.copytree(PROGRAMS / "refs_and_reads", copy)
    first = run_stack("test", copy)
    code = first.named("api").inputs["code"]
    layer = first.named("deps").inputs["code"]
    assert re.fullmatch(r"\[archive sha256:[0-9a-f]{16}\]", code), code
    assert re.fullmatch(r"\[archive sha256:[0-9a-f]{16}\]", layer), layer
    (copy / "handler" / "index.py").write_text("def handler(event, context):\n    return 500\n")
    second = run_stack("test", copy)
    assert second.named("api").inputs["code"] != code and second.named("deps").inputs["code"] != layer


def test_two_runs_give_byte_identical_json_and_an_empty_diff(tmp_path):
    outputs = []
    for i in range(2):
        code, out, err = run_gate("--stack", "test", "--program", program("refs_and_reads"), "--format", "json")
        assert err == "" and code == 1
        (tmp_path / f"{i}.json").write_text(out)
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert " at 0x" not in outputs[0] and "object at" not in outputs[0]
    from preflight.diff import main as diff_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = diff_main([str(tmp_path / "0.json"), str(tmp_path / "1.json")])
    assert code == 0, out.getvalue()
    assert "0 to replace, 0 to delete, 0 to create, 0 to update, 7 unchanged" in out.getvalue()
    assert "0 new, 0 resolved since BASE" in out.getvalue()


# ---- failures -----------------------------------------------------------------------------------------------------
def test_an_exception_in_an_apply_names_the_root_cause_and_the_program_line():
    code, out, err = run_gate("--stack", "apply", "--program", program("failing_apply"))
    assert code == 2 and out == ""
    assert err == ("preflight: ValueError: invalid literal for int() with base 10: 'assets-"
                   f"{err.split('assets-')[1].split(chr(39))[0]}' (at __main__.py:18)\n")
    assert re.fullmatch(r"[0-9a-f]{7}", err.split("assets-")[1].split("'")[0])


def test_a_chained_exception_shows_the_first_exception_and_its_line():
    with pytest.raises(ProgramError) as caught:
        run_stack("chain", program("failing_apply"))
    assert str(caught.value) == "KeyError: 'dbName' (at __main__.py:11); reported as RuntimeError: invalid settings"


def test_a_failed_program_run_prints_one_line_and_no_asyncio_noise():
    result = subprocess.run([sys.executable, "-m", "preflight", "--stack", "apply", "--program",
                             program("failing_apply")],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("preflight: ValueError: invalid literal for int() with base 10: ")
    assert result.stderr.count("\n") == 1, result.stderr


def test_a_successful_program_run_prints_nothing_on_stderr():
    """The SDK leaves event loops open; before, the interpreter's exit printed "Exception ignored in:
    BaseEventLoop.__del__ ... Invalid file descriptor: -1"."""
    result = subprocess.run([sys.executable, "-m", "preflight", "--stack", "test", "--program",
                             program("refs_and_reads"), "--format", "json"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr == ""


# ---- the shapes themselves --------------------------------------------------------------------------------------
def test_settings_are_never_invented():
    ctx = Context("urn:x", "us-east-1", "123456789012", "rds", "db", own_only=True)
    made = resource_outputs("aws:rds/cluster:Cluster", {}, ctx)
    for setting in ("storageEncrypted", "kmsKeyId", "publiclyAccessible", "monitoringRoleArn", "iamRoles",
                    "masterUserSecrets", "backupRetentionPeriod", "dbSubnetGroupName", "engineVersion"):
        assert setting not in made, setting
    assert made["endpoint"].endswith(".us-east-1.rds.amazonaws.com")
    for key in ("kmsKeyId", "masterPassword", "secretArn", "authToken", "macAddress", "vpcId"):
        assert shaped_string(key, ctx) is None, key


def test_resource_references_in_nested_lists_become_ids():
    from google.protobuf import json_format, struct_pb2
    from pulumi.runtime import rpc

    struct = struct_pb2.Struct()
    reference = {rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:s::p::aws:iam/role:Role::r",
                 "id": "role-1"}
    component = {rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:s::p::my:x:Y::c"}
    struct.update({"iamRoles": [reference], "nested": {"parent": component}, "plain": "x"})
    replaced = references_as_ids(struct)
    assert json_format.MessageToDict(replaced) == {
        "iamRoles": ["role-1"], "nested": {"parent": "urn:pulumi:s::p::my:x:Y::c"}, "plain": "x"}
    assert json_format.MessageToDict(struct)["iamRoles"][0]["id"] == "role-1"  # the request itself is untouched


def test_auto_names_are_known_as_in_a_real_preview(tmp_path):
    """The provider auto-names in Check, before the preview ends: `bucket.bucket` and `queue.name` are known."""
    (tmp_path / "Pulumi.yaml").write_text("name: names\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "bucket = aws.s3.Bucket('assets')\nqueue = aws.sqs.Queue('jobs')\n"
        "pulumi.export('bucket', bucket.bucket)\npulumi.export('bucketId', bucket.id)\n"
        "pulumi.export('queue', queue.name)\npulumi.export('queueUrl', queue.url)\n")
    exports = run_stack("s", tmp_path).exports
    assert re.fullmatch(r"assets-[0-9a-f]{7}", exports["bucket"]) and exports["bucket"] == exports["bucketId"]
    assert re.fullmatch(r"jobs-[0-9a-f]{7}", exports["queue"])
    assert exports["queueUrl"].startswith("https://") and exports["queueUrl"].endswith(".sqs.us-east-1.amazonaws.com/")
