"""The offline engine itself: what it records, and where it behaves as the real engine rather than stock mocks."""

from pathlib import Path

import pytest

from preflight.engine import ProgramError, Secret, mask_secrets, run_stack

PROGRAM = '''
import pulumi
import pulumi_aws as aws
import pulumi_random as random

class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Box", name, None, opts)
        inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self))
        self.register_outputs({"inner": inner.urn})

class Inner(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Inner", name, None, opts)
        aws.sns.Topic(name, opts=pulumi.ResourceOptions(parent=self))

config = pulumi.Config()
box = Box("box")
password = random.RandomPassword("pw", length=24, override_special="!#$%", min_special=2)
key = aws.kms.Key("key", enable_key_rotation=True, opts=pulumi.ResourceOptions(protect=True))
param = aws.ssm.Parameter("param", type="SecureString", value=password.result, key_id=key.arn,
                          opts=pulumi.ResourceOptions(depends_on=[box]))
if config.get_bool("duplicate"):
    aws.sns.Topic("box-inner", opts=pulumi.ResourceOptions(parent=box))
    aws.sns.Topic("box-inner", opts=pulumi.ResourceOptions(parent=box))
if config.get("fail") == "raise":
    raise ValueError("boom")
if config.get("fail") == "log":
    pulumi.log.error("the program says no")
pulumi.export("password", password.result)
pulumi.export("keyArn", key.arn)
pulumi.export("token", config.get_secret("token"))
pulumi.export("plain", config.get("plain"))
'''


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: enginetest\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  enginetest:plain: hello\n  enginetest:token:\n    secure: AAABAxyz\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def test_urns_carry_the_full_parent_type_chain_as_the_engine_forms_them(program):
    run = run_stack("test", program)
    topic = run.one("aws:sns/topic:Topic")
    assert topic.urn == "urn:pulumi:test::enginetest::test:index:Box$test:index:Inner$aws:sns/topic:Topic::box-inner"
    box = run.named("box")
    assert box.urn == "urn:pulumi:test::enginetest::test:index:Box::box"
    assert box.parent == "urn:pulumi:test::enginetest::pulumi:pulumi:Stack::enginetest-test"
    assert run.named("box-inner").parent == box.urn


def test_records_protect_dependencies_and_property_dependencies(program):
    run = run_stack("test", program)
    key, param = run.one("aws:kms/key:Key"), run.one("aws:ssm/parameter:Parameter")
    assert key.protect is True and param.protect is False
    assert param.property_dependencies["keyId"] == [key.urn]
    # depending on a component means depending on the resources inside it, as the SDK expands it
    assert run.one("aws:sns/topic:Topic").urn in param.dependencies
    assert param.property_dependencies["value"] == [run.named("pw").urn]


def test_additional_secret_outputs_and_secret_inputs_stay_secret(program):
    run = run_stack("test", program)
    password = run.named("pw")
    assert "result" in password.additional_secret_outputs
    assert isinstance(password.outputs["result"], Secret)
    value = password.outputs["result"].value
    assert len(value) == 24 and sum(c in "!#$%" for c in value) >= 2
    assert not set(value) & set("@/\" ")
    # the secret flows into the parameter's input and into the export, and is masked when rendered
    assert isinstance(run.one("aws:ssm/parameter:Parameter").inputs["value"], Secret)
    assert isinstance(run.exports["password"], Secret)
    assert mask_secrets(run.exports)["password"] == "[secret]"
    assert value not in repr(run.exports)


def test_config_from_the_stack_file_with_secure_values_kept_secret(program):
    run = run_stack("test", program)
    assert run.region == "eu-west-1"
    assert run.exports["plain"] == "hello"
    assert isinstance(run.exports["token"], Secret)
    assert run.one("aws:kms/key:Key").outputs["arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")


def test_outputs_are_deterministic_across_runs(program):
    first, second = run_stack("test", program), run_stack("test", program)
    assert [r.outputs for r in first.resources] == [r.outputs for r in second.resources]


def test_duplicate_urns_are_refused_as_the_engine_does(program):
    with pytest.raises(ProgramError) as caught:
        run_stack("test", program, {"enginetest:duplicate": "true"})
    assert caught.value.kind == "program"
    assert str(caught.value).startswith("Duplicate resource URN")
    assert ("Duplicate resource URN 'urn:pulumi:test::enginetest::test:index:Box$aws:sns/topic:Topic::box-inner'"
            in str(caught.value))


def test_program_exceptions_and_logged_errors_become_one_clear_error(program):
    with pytest.raises(ProgramError) as caught:
        run_stack("test", program, {"enginetest:fail": "raise"})
    assert caught.value.kind == "program"
    assert str(caught.value) == "ValueError: boom (at __main__.py:27)"
    with pytest.raises(ProgramError) as caught:
        run_stack("test", program, {"enginetest:fail": "log"})
    assert "the program says no" in str(caught.value)


def test_runs_are_isolated_from_each_other(program):
    """A failed run leaves nothing behind: the next run registers only its own resources."""
    with pytest.raises(ProgramError):
        run_stack("test", program, {"enginetest:duplicate": "true"})
    run = run_stack("test", program)
    assert len(run.resources) == len({r.urn for r in run.resources}) == 6
    assert {r.urn.split("::")[0] for r in run.resources} == {"urn:pulumi:test"}


def test_missing_stack_file_and_project_are_config_errors(program, tmp_path):
    with pytest.raises(ProgramError) as caught:
        run_stack("prod", program)
    assert caught.value.kind == "config"
    assert "stack 'prod' has no Pulumi.prod.yaml" in str(caught.value) and "(stacks here: test)" in str(caught.value)
    with pytest.raises(ProgramError, match="no Pulumi.yaml"):
        run_stack("test", tmp_path / "nowhere")


def test_unmocked_invokes_name_the_token(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: invoketest\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\naws.ec2.get_vpc(default=True)\n")
    with pytest.raises(ProgramError, match="no fake for the invoke 'aws:ec2/getVpc:getVpc'"):
        run_stack("s", tmp_path)


def test_unnamed_resources_of_one_type_get_distinct_auto_names(tmp_path):
    """Two parameter groups of one family must not share a name (the provider auto-names each one)."""
    (tmp_path / "Pulumi.yaml").write_text("name: names\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "for n in ('a', 'b'):\n"
        "    aws.rds.ClusterParameterGroup(n, family='aurora-postgresql16')\n")
    run = run_stack("s", tmp_path)
    names = [r.outputs["name"] for r in run.resources]
    assert len(set(names)) == 2 and all(n.startswith(("a-", "b-")) for n in names)
