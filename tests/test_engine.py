"""The offline engine itself: what it records, and where it behaves as the real engine rather than stock mocks."""

import json
import os
import subprocess
import sys
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


def test_unanswered_invokes_do_not_stop_the_program_and_are_named_in_warnings(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: invoketest\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "pulumi.export('cluster', aws.ecs.get_cluster(cluster_name='apps').arn)\n")
    run = run_stack("s", tmp_path)
    assert any("aws:ecs/getCluster:getCluster" in w for w in run.warnings), run.warnings


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


# ---- helpers for the small programs below --------------------------------------------------------------------
def write_program(directory: Path, body: str, stack_config: str = "config: {}\n", project: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: probe\nruntime: python\n{project}")
    (directory / "Pulumi.s.yaml").write_text(stack_config)
    (directory / "__main__.py").write_text("import pulumi\nimport pulumi_aws as aws\n" + body)
    return directory


# ---- config as the CLI hands it to the program ----------------------------------------------------------------
def test_top_level_config_scalars_reach_the_program_as_written_and_objects_as_sorted_json(tmp_path):
    """The CLI unmarshals a top-level value into a string (its text) and marshals objects with Go's json."""
    body = ("c = pulumi.Config()\n"
            "pulumi.export('got', {k: c.get(k) for k in ('flag', 'ratio', 'hex', 'day', 'empty', 'obj')})\n"
            "pulumi.export('flagIsBool', c.get_bool('truth'))\n")
    stack = ("config:\n  flag: yes\n  ratio: 1.50\n  hex: 0x10\n  day: 2024-01-01\n  empty:\n  truth: true\n"
             "  obj:\n    zeta: 1\n    alpha: 04:00\n    when: 2024-01-01\n    list: [on, 2]\n")
    run = run_stack("s", write_program(tmp_path, body, stack))
    assert run.exports["got"] == {"flag": "yes", "ratio": "1.50", "hex": "0x10", "day": "2024-01-01", "empty": "",
                                  "obj": '{"alpha":"04:00","list":[true,2],"when":"2024-01-01","zeta":1}'}
    assert run.exports["flagIsBool"] is True


def test_config_of_the_calling_shell_is_not_read(tmp_path, monkeypatch):
    """Pulumi's SDK falls back to PULUMI_CONFIG* variables; the CLI replaces them, so must the offline engine."""
    monkeypatch.setenv("PULUMI_CONFIG", '{"probe:leak": "from the shell"}')
    monkeypatch.setenv("PULUMI_CONFIG_PROBE_OTHER", "from the shell too")
    run = run_stack("s", write_program(tmp_path, "c = pulumi.Config()\n"
                                                 "pulumi.export('seen', [c.get('leak'), c.get('other')])\n"))
    assert run.exports["seen"] == [None, None]
    assert os.environ["PULUMI_CONFIG"] == '{"probe:leak": "from the shell"}'  # and the shell gets it back


PROJECT_CONFIG = """config:
  size: small
  aws:region: eu-central-1
  replicas:
    type: integer
    default: 1
  token:
    type: string
    secret: true
  zones:
    type: array
    items:
      type: string
"""


def test_project_config_defaults_namespaces_and_declared_types_as_the_cli(tmp_path):
    body = "c = pulumi.Config()\npulumi.export('got', [c.get('size'), c.get_int('replicas'), c.get('zones')])\n"
    program = write_program(tmp_path, body, "config:\n  token:\n    secure: AAAB\n  zones: [a, b]\n", PROJECT_CONFIG)
    run = run_stack("s", program)
    assert run.exports["got"] == ["small", 1, '["a","b"]']
    assert run.region == "eu-central-1"  # a short value of another namespace is a value, not a default


def test_project_config_problems_are_one_config_error_listing_all(tmp_path):
    stack = "config:\n  replicas: three\n  token: plain\n  zones: [1, 2]\n"
    with pytest.raises(ProgramError) as caught:
        run_stack("s", write_program(tmp_path, "", stack, PROJECT_CONFIG))
    assert caught.value.kind == "config"
    message = str(caught.value)
    assert "Stack 's' with configuration key 'replicas' must be of type 'integer'" in message
    assert "Stack 's' with configuration key 'token' must be encrypted as it's secret" in message
    assert "Stack 's' with configuration key 'zones' must be of type 'array<string>'" in message
    with pytest.raises(ProgramError, match="Stack 's' is missing configuration values 'token' and 'zones'$"):
        run_stack("s", write_program(tmp_path, "", "config: {}\n", PROJECT_CONFIG))
    both = "config:\n  size:\n    default: a\n    value: b\n"
    with pytest.raises(ProgramError, match="'size' cannot have both a 'default' and 'value' attribute"):
        run_stack("s", write_program(tmp_path, "", "config: {}\n", both))


# ---- options the engine inherits, providers, reads --------------------------------------------------------------
COMPONENT = '''
class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None, child_opts=None):
        super().__init__("test:index:Box", name, None, opts)
        self.topic = aws.sns.Topic(f"{name}-topic", opts=pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(parent=self), child_opts))
        self.register_outputs({})
'''


def test_children_inherit_protect_retain_on_delete_and_deleted_with_unless_they_set_them(tmp_path):
    """resmon inheritFromParent: unset options come from the parent (the SDK itself only passes protect down)."""
    body = COMPONENT + (
        "anchor = aws.sns.Topic('anchor')\n"
        "Box('kept', pulumi.ResourceOptions(protect=True, retain_on_delete=True, deleted_with=anchor))\n"
        "Box('own', pulumi.ResourceOptions(protect=True, retain_on_delete=True),\n"
        "    pulumi.ResourceOptions(protect=False, retain_on_delete=False))\n")
    run = run_stack("s", write_program(tmp_path, body))
    kept, own = run.named("kept-topic"), run.named("own-topic")
    assert (kept.protect, kept.retain_on_delete, kept.deleted_with) == (True, True, run.named("anchor").urn)
    assert (own.protect, own.retain_on_delete, own.deleted_with) == (False, False, None)


def test_explicit_providers_are_referenced_by_urn_and_id_and_place_resources_in_their_region(tmp_path):
    body = ("east = aws.Provider('east', region='us-east-1')\n"
            "aws.sns.Topic('there', opts=pulumi.ResourceOptions(provider=east))\n"
            "aws.sns.Topic('argument', region='ap-southeast-2')\n"
            "aws.sns.Topic('here')\n"
            "zones = aws.get_availability_zones(opts=pulumi.InvokeOptions(provider=east))\n"
            "pulumi.export('zones', zones.names)\n")
    run = run_stack("s", write_program(tmp_path, body, "config:\n  aws:region: eu-west-1\n"))
    provider = run.named("east")
    assert provider.urn == "urn:pulumi:s::probe::pulumi:providers:aws::east" and provider.custom
    assert run.named("there").provider == f"{provider.urn}::{provider.id}"
    assert run.named("here").provider is None  # the engine's default provider is not recorded
    assert run.named("there").outputs["arn"].startswith("arn:aws:sns:us-east-1:")
    assert run.named("argument").outputs["arn"].startswith("arn:aws:sns:ap-southeast-2:")
    assert run.named("here").outputs["arn"].startswith("arn:aws:sns:eu-west-1:")
    assert run.exports["zones"] == [f"us-east-1{c}" for c in "abcdef"]


def test_reads_are_recorded_as_external_and_share_the_urn_space_with_registrations(tmp_path):
    body = COMPONENT + ("box = Box('box')\n"
                        "aws.sns.Topic.get('seen', 'arn:aws:sns:eu-west-1:1:seen', opts=pulumi.ResourceOptions("
                        "parent=box))\n"
                        "aws.sns.Topic('imported', opts=pulumi.ResourceOptions(import_='arn:aws:sns:x'))\n")
    run = run_stack("s", write_program(tmp_path, body))
    seen = run.named("seen")
    assert seen.urn == "urn:pulumi:s::probe::test:index:Box$aws:sns/topic:Topic::seen"
    assert (seen.external, seen.id, seen.custom) == (True, "arn:aws:sns:eu-west-1:1:seen", True)
    assert run.named("imported").id == "arn:aws:sns:x"  # an import keeps the id it was given
    clash = body + "aws.sns.Topic.get('box-topic', 'x', opts=pulumi.ResourceOptions(parent=box))\n"
    with pytest.raises(ProgramError, match=r"Duplicate resource URN 'urn:pulumi:s::probe::test:index:Box\$aws:sns/"
                                           r"topic:Topic::box-topic'"):
        run_stack("s", write_program(tmp_path, clash))


def test_secret_inputs_taint_only_their_own_part_of_an_object_output():
    """annotateSecrets: recursion into objects; a list holding a secret is secret as a whole."""
    from preflight.engine import _annotate_secrets

    outputs = {"tags": {"a": "x", "b": "y"}, "list": ["p", "q"], "plain": "z"}
    _annotate_secrets(outputs, {"tags": {"a": Secret("x"), "b": "y"}, "list": ["p", Secret("q")], "plain": "z"})
    assert isinstance(outputs["tags"]["a"], Secret) and outputs["tags"]["b"] == "y"
    assert isinstance(outputs["list"], Secret) and outputs["plain"] == "z"


# ---- determinism and isolation --------------------------------------------------------------------------------------
def test_resources_come_in_program_order_with_sorted_dependencies_whatever_the_hash_seed(program):
    """Registration order and dependency sets follow thread and hash-seed scheduling; the record must not."""
    here = run_stack("test", program)
    script = ("import json, sys; sys.path.insert(0, sys.argv[1])\n"
              "from preflight.engine import run_stack, unwrap_secrets\n"
              "run = run_stack('test', sys.argv[2])\n"
              "print(json.dumps([[r.urn, r.id, r.dependencies, r.property_dependencies, unwrap_secrets(r.outputs)]"
              " for r in run.resources]))\n")
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    other = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent.parent), str(program)],
                           env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True)
    from preflight.engine import unwrap_secrets
    mine = [[r.urn, r.id, r.dependencies, r.property_dependencies, unwrap_secrets(r.outputs)] for r in here.resources]
    assert json.loads(other.stdout) == json.loads(json.dumps(mine))
    assert [r.name for r in here.resources] == ["box", "box-inner", "box-inner", "pw", "key", "param"]
    assert all(r.dependencies == sorted(r.dependencies) for r in here.resources)


def test_nothing_of_a_run_survives_it_even_when_the_program_raised(program):
    import pulumi.runtime.config as runtime_config
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime import settings as runtime_settings

    get_stack_trace, cwd, path = runtime_resource._get_stack_trace, os.getcwd(), list(sys.path)
    for overrides in ({}, {"enginetest:fail": "raise"}):
        if overrides:
            with pytest.raises(ProgramError):
                run_stack("test", program, overrides)
        else:
            run_stack("test", program)
        assert runtime_config.CONFIG.get() == {} and runtime_settings.get_root_resource() is None
        assert runtime_settings.SETTINGS.monitor is None
        assert runtime_resource._get_stack_trace is get_stack_trace
        assert (os.getcwd(), sys.path) == (cwd, path)


def test_a_program_elsewhere_imports_its_own_modules_not_this_repositorys(tmp_path):
    import components

    first = write_program(tmp_path / "one", "import components\npulumi.export('mine', components.MINE)\n")
    (first / "components").mkdir()
    (first / "components" / "__init__.py").write_text("MINE = 'one'\n")
    second = write_program(tmp_path / "two", "import helper\npulumi.export('mine', helper.MINE)\n")
    (second / "helper.py").write_text("MINE = 'two'\n")
    assert run_stack("s", first).exports["mine"] == "one"
    assert run_stack("s", second).exports["mine"] == "two"
    assert sys.modules["components"] is components and "helper" not in sys.modules


# ---- invokes shaped as the provider returns them ----------------------------------------------------------------
def test_availability_zones_belong_to_the_region_with_its_zone_ids(tmp_path):
    body = ("z = aws.get_availability_zones(state='available')\n"
            "pulumi.export('z', [z.names, z.zone_ids, z.group_names, z.state])\n")
    run = run_stack("s", write_program(tmp_path, body, "config:\n  aws:region: eu-west-1\n"))
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert run.exports["z"] == [names, ["euw1-az1", "euw1-az2", "euw1-az3"], ["eu-west-1"] * 3, "available"]


def test_policy_documents_render_single_values_as_strings_as_the_provider_does(tmp_path):
    body = ("d = aws.iam.get_policy_document(statements=[aws.iam.GetPolicyDocumentStatementArgs(\n"
            "    actions=['s3:GetObject'], resources=['arn:aws:s3:::b/*', 'arn:aws:s3:::c/*'],\n"
            "    principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type='Service',"
            " identifiers=['ecs.amazonaws.com'])])])\n"
            "pulumi.export('d', d.json)\n")
    run = run_stack("s", write_program(tmp_path, body))
    assert json.loads(run.exports["d"]) == {"Version": "2012-10-17", "Statement": [{
        # resources are a set in the provider's schema: written sorted in reverse.
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::c/*", "arn:aws:s3:::b/*"],
        "Principal": {"Service": "ecs.amazonaws.com"}}]}


def test_a_program_with_its_own_preflight_package_does_not_replace_the_engine(tmp_path):
    """Evaluating an older checkout of this repository (--program) must use this engine, not the checkout's."""
    (tmp_path / "Pulumi.yaml").write_text("name: oldcopy\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\naws.sns.Topic('t')\n")
    (tmp_path / "preflight").mkdir()
    (tmp_path / "preflight" / "__init__.py").write_text("raise RuntimeError('the program copy was imported')\n")
    (tmp_path / "preflight" / "mock_cloud.py").write_text("raise RuntimeError('the program copy was imported')\n")
    run = run_stack("s", tmp_path)
    assert [r.type for r in run.resources] == ["aws:sns/topic:Topic"]


# ---- what the run knows to be secret, by value -------------------------------------------------------------------
def origins(run) -> dict[str, tuple[str, bool, bool]]:
    """plaintext -> (origin, source, secret) of everything the run knows."""
    return {s.plaintext: (s.origin, s.source, s.secret) for s in run.secrets}


def test_each_secure_config_value_gets_its_own_traceable_placeholder(tmp_path):
    body = ("c = pulumi.Config()\n"
            "pulumi.export('values', pulumi.Output.unsecret(pulumi.Output.all(\n"
            "    c.require_secret('first'), c.require_secret('second'), c.require_secret_object('nested'))))\n")
    stack = ("config:\n  probe:first:\n    secure: AAAB1\n  probe:second:\n    secure: AAAB2\n"
             "  probe:nested:\n    user: app\n    password:\n      secure: AAAB3\n")
    run = run_stack("s", write_program(tmp_path, body, stack))
    first, second, nested = run.exports["values"]
    assert nested["user"] == "app"
    placeholders = [first, second, nested["password"]]
    assert len(set(placeholders)) == 3
    assert all(p.startswith("preflight-placeholder-secret-") for p in placeholders)
    assert [origins(run)[p] for p in placeholders] == [
        ("secure config probe:first", True, True), ("secure config probe:second", True, True),
        ("secure config probe:nested.password", True, True)]


def test_generated_values_are_sources_and_only_secret_outputs_are_secrets(program):
    run = run_stack("test", program)
    result = run.named("pw").outputs["result"].value
    bcrypt = run.named("pw").outputs["bcryptHash"].value
    known = origins(run)
    assert known[result] == ("RandomPassword 'pw' result", True, True)
    assert known[bcrypt] == ("RandomPassword 'pw' bcryptHash", True, True)


def test_a_random_string_is_a_source_but_no_secret_and_an_echoed_secret_output_is_no_source(tmp_path):
    body = ("import pulumi_random as random\n"
            "suffix = random.RandomString('suffix', length=10, special=False)\n"
            "aws.rds.Cluster('db', engine='aurora-postgresql', master_password='typed-in-the-program')\n")
    run = run_stack("s", write_program(tmp_path, body))
    suffix = run.named("suffix").outputs["result"]
    assert origins(run)[suffix] == ("RandomString 'suffix' result", True, False)
    # The SDK declares masterPassword secret and wraps the input itself (as it wraps an SSM String parameter's
    # value): the engine leaves judging such properties to the policy pack.
    assert isinstance(run.named("db").outputs["masterPassword"], Secret)
    assert "typed-in-the-program" not in origins(run)


def test_output_secret_calls_are_recorded_with_the_program_line(tmp_path):
    body = ("token = pulumi.Output.secret('sk-live-0123456789')\n"
            "pulumi.export('token', token)\n"
            "pulumi.export('derived', pulumi.Output.secret(token.apply(lambda t: t + '-v2')))\n")
    run = run_stack("s", write_program(tmp_path, body))
    # write_program adds two import lines before the body.
    assert origins(run)["sk-live-0123456789"] == ("Output.secret at __main__.py:3", False, True)
    assert origins(run)["sk-live-0123456789-v2"] == ("Output.secret at __main__.py:5", False, True)
    import pulumi

    assert pulumi.Output.secret.__qualname__ == "Output.secret"  # the SDK's own, once the run is over


def test_a_source_keeps_its_name_when_the_program_wraps_it_again(tmp_path):
    body = ("c = pulumi.Config()\n"
            "pulumi.export('again', pulumi.Output.secret(c.require_secret('token')))\n")
    run = run_stack("s", write_program(tmp_path, body, "config:\n  probe:token:\n    secure: AAAB\n"))
    [token] = [s for s in run.secrets if s.plaintext == run.exports["again"].value]
    assert (token.origin, token.source) == ("secure config probe:token", True)


def test_secret_invoke_results_are_secret_and_recorded(tmp_path):
    body = ("own = aws.ssm.get_parameter_output(name='/app/db/password', with_decryption=True)\n"
            "public = aws.ssm.get_parameter_output(name='/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-"
            "default-arm64')\n"
            "version = aws.secretsmanager.get_secret_version_output(secret_id='app/token')\n"
            "pulumi.export('own', own.value)\n"
            "pulumi.export('public', public.value)\n"
            "pulumi.export('token', version.secret_string)\n")
    run = run_stack("s", write_program(tmp_path, body))
    assert isinstance(run.exports["own"], Secret) and isinstance(run.exports["token"], Secret)
    assert run.exports["public"].startswith("ami-")
    known = origins(run)
    assert known[run.exports["own"].value] == ("invoke getParameter(/app/db/password) value", True, True)
    assert known[run.exports["token"].value] == ("invoke getSecretVersion(app/token) secretString", True, True)
    assert run.exports["public"] not in known


def test_conceal_masks_plain_strings_that_leak_and_leaves_the_rest():
    from preflight.engine import conceal

    value = {"env": [{"name": "A", "value": "x=hunter2hunter2"}, {"name": "B", "value": "fine"}], "n": 3,
             "s": Secret("already")}
    concealed = conceal(value, lambda text: "hunter2hunter2" in text)
    assert mask_secrets(concealed) == {"env": [{"name": "A", "value": "[secret]"}, {"name": "B", "value": "fine"}],
                                       "n": 3, "s": "[secret]"}
    assert value["env"][0]["value"] == "x=hunter2hunter2"  # a copy: the run's record is unchanged


def test_a_program_error_never_repeats_a_secret(tmp_path):
    body = ("import pulumi_random as random\n"
            "c = pulumi.Config()\n"
            "pw = random.RandomPassword('pw', length=20, special=False)\n"
            "def fail(values):\n"
            "    raise ValueError(f'password {values[0]} or {values[1]} is not allowed')\n"
            "pulumi.Output.all(c.require_secret('token'), pw.result).apply(fail)\n")
    with pytest.raises(ProgramError) as caught:
        run_stack("s", write_program(tmp_path, body, "config:\n  probe:token:\n    secure: AAAB\n"))
    assert str(caught.value) == "ValueError: password [secret] or [secret] is not allowed (at __main__.py:7)"
    assert caught.value.kind == "program"


def test_a_logged_error_never_repeats_a_secret(tmp_path):
    body = ("c = pulumi.Config()\n"
            "c.require_secret('token').apply(lambda t: pulumi.log.error(f'token {t} was refused'))\n")
    with pytest.raises(ProgramError) as caught:
        run_stack("s", write_program(tmp_path, body, "config:\n  probe:token:\n    secure: AAAB\n"))
    assert str(caught.value) == "the program logged errors:\ntoken [secret] was refused"
