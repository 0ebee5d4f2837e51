"""The exit-code contract under junk: every `preflight` subcommand and every file it reads (`--state`,
`--policy-config`, the two `diff` reports) gives exit 2 and one line on stderr naming the file and what is wrong -
never a traceback, never the catch-all "internal error" - for deep nesting, wrong JSON types, 5,000-digit numbers,
non-finite numbers and invalid regexes. Hand-picked cases first (exact messages), then property-based fuzzing."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from preflight import diff as diff_cli
from preflight import graph as graph_cli
from tests.hypothesis_profiles import examples

from .gate_helpers import run_gate, write_program
from .test_preflight_state import CLUSTER_INPUTS, SECRET_SIG, deployment, good_stack

REPO_ROOT = Path(__file__).resolve().parents[2]
DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
BIG = "9" * 5_000


def state_text(**cluster_edits) -> str:
    resources = good_stack()
    resources[1].update(cluster_edits)
    return json.dumps(deployment(*resources))


def gate_error(*argv: str) -> str:
    code, out, err = run_gate(*argv)
    assert (code, out) == (2, ""), (code, out, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return err[:-1]


def subcommand_error(main, argv: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert (code, out.getvalue()) == (2, ""), (code, out.getvalue(), err.getvalue())
    text = err.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1 and "internal error" not in text, text
    return text[:-1]


# ---- --state ---------------------------------------------------------------------------------------------------
def _with_resource(**edits):
    resources = good_stack()
    resources[1].update(edits)
    return json.dumps(deployment(*resources))


R1 = "deployment.resources[3]"  # the cluster (after the stack and the provider)


@pytest.mark.parametrize(("text", "problem"), [
    (DEEP_ARRAY, "state file {path}: nested deeper than 100 levels"),
    (DEEP_OBJECT, "state file {path}: nested deeper than 100 levels"),
    ('{"version": 3, "deployment": {"resources": [], "n": ' + BIG + "}}",
     "state file {path}: a number with 5000 digits is out of range (JSON numbers here are 64-bit floats)"),
    ('{"version": 3, "deployment": {"resources": [], "n": 1e999}}',
     "state file {path}: the number 1e999 is out of range (JSON numbers here are 64-bit floats)"),
    ('{"version": 3, "deployment": {"resources": [], "n": -Infinity}}',
     "state file {path}: not valid JSON: -Infinity is not a JSON number"),
    ('{"version": 3, "deployment": {"resources": [], "n": NaN}}',
     "state file {path}: not valid JSON: NaN is not a JSON number"),
    ("", "state file {path}: not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    ('{"version": "3", "deployment": {}}', "{path} has deployment version '3'; preflight reads version 3"),
    ('{"version": true, "deployment": {}}', "{path} has deployment version True; preflight reads version 3"),
    ('{"version": 3, "deployment": []}', '{path} is not a `pulumi stack export` file (no "deployment" object)'),
    ('{"version": 3, "deployment": {"resources": {"urn": "x"}}}',
     "{path}: deployment.resources must be a list, got an object"),
    ('{"version": 3, "deployment": {"resources": ["urn:pulumi:a::b::c::d"]}}',
     "{path}: deployment.resources[0] must be an object, got a string"),
    (_with_resource(urn=5), f"{{path}}: {R1}.urn must be a non-empty string, got a number"),
    (_with_resource(urn=["x"]), f"{{path}}: {R1}.urn must be a non-empty string, got a list"),
    (_with_resource(urn="arn:aws:rds:x"),
     f"{{path}}: {R1}.urn is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME): 'arn:aws:rds:x'"),
    (_with_resource(urn="urn:pulumi:::::aws:rds/cluster:Cluster::x"),
     f"{{path}}: {R1}.urn is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME): "
     "'urn:pulumi:::::aws:rds/cluster:Cluster::x'"),
    (_with_resource(urn="urn:pulumi:dev::shop::aws:rds/cluster:Cluster::shop"),
     f"{{path}}: {R1}.urn is of stack shop/dev, the file's first resource of shop/prod"),
    (_with_resource(type=["aws:rds/cluster:Cluster"]), f"{{path}}: {R1}.type must be a non-empty string, got a list"),
    (_with_resource(inputs=[1, 2]), f"{{path}}: {R1}.inputs must be an object, got a list"),
    (_with_resource(outputs="{}"), f"{{path}}: {R1}.outputs must be an object, got a string"),
    (_with_resource(protect="false"), f"{{path}}: {R1}.protect must be true or false, got a string"),
    (_with_resource(custom=1), f"{{path}}: {R1}.custom must be true or false, got a number"),
    (_with_resource(parent=7), f"{{path}}: {R1}.parent must be a string, got a number"),
    (_with_resource(provider={"urn": "x"}), f"{{path}}: {R1}.provider must be a string, got an object"),
    (_with_resource(dependencies="urn:pulumi:prod::shop::x::y"),
     f"{{path}}: {R1}.dependencies must be a list of strings, got a string"),
    (_with_resource(dependencies=[1]), f"{{path}}: {R1}.dependencies must be a list of strings, got a list"),
    (_with_resource(propertyDependencies=["x"]),
     f"{{path}}: {R1}.propertyDependencies must be an object of lists of URNs, got a list"),
    (_with_resource(propertyDependencies={"kmsKeyId": "urn:x"}),
     f"{{path}}: {R1}.propertyDependencies.kmsKeyId must be a list of URN strings, got a string"),
    (_with_resource(inputs={**CLUSTER_INPUTS, "storageEncrypted": {**SECRET_SIG, "plaintext": "tru"}}),
     f"{{path}}: {R1}.inputs.storageEncrypted: a secret's plaintext is unusable: not valid JSON: Expecting value: "
     "line 1 column 1 (char 0)"),
    (_with_resource(inputs={**CLUSTER_INPUTS, "storageEncrypted": {**SECRET_SIG, "plaintext": True}}),
     f"{{path}}: {R1}.inputs.storageEncrypted: a secret's plaintext must be a string holding JSON, got a boolean"),
    (_with_resource(inputs={**CLUSTER_INPUTS, "tags": {**SECRET_SIG, "plaintext": DEEP_ARRAY}}),
     f"{{path}}: {R1}.inputs.tags: a secret's plaintext is unusable: nested deeper than 100 levels"),
    (_with_resource(inputs={**CLUSTER_INPUTS, "backupRetentionPeriod": {**SECRET_SIG, "plaintext": "1e999"}}),
     f"{{path}}: {R1}.inputs.backupRetentionPeriod: a secret's plaintext is unusable: the number 1e999 is out of "
     "range (JSON numbers here are 64-bit floats)"),
])
def test_junk_state_exits_2_naming_file_and_field(tmp_path, text, problem):
    path = tmp_path / "state.json"
    path.write_text(text)
    assert gate_error("--state", str(path)) == "preflight: " + problem.format(path=path)


def test_state_that_is_not_utf8_or_not_a_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{"version": 3, "deployment": {"resources": ["\xff"]}}')
    assert gate_error("--state", str(path)) == (f"preflight: state file {path}: not valid JSON: not UTF-8 text "
                                                "(invalid start byte at byte 45)")
    assert gate_error("--state", str(tmp_path)) == f"preflight: state file {tmp_path}: cannot read it: Is a directory"


def test_escaped_lone_surrogates_are_not_text(tmp_path):
    # "\\ud800" is valid JSON, but no UTF-8 output can hold it: refused on reading, not when printing.
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*good_stack())).replace("::shop-tls", "::shop\\ud800-tls"))
    assert gate_error("--state", str(path)) == (
        f"preflight: state file {path}: a string holds an unpaired surrogate ('\\ud800'), which is not text")


def test_a_program_value_the_sdk_cannot_read_is_one_line(tmp_path):
    program = write_program(tmp_path, body='import pulumi_aws as aws\n'
                                           'aws.s3.Bucket("b", tags={"a": float("nan")})\n')
    assert gate_error("--stack", "test", "--program", str(program)) == (
        "preflight: the policy SDK cannot read the properties of resource urn:pulumi:test::gate-test::aws:s3/bucket:"
        "Bucket::b: ValueError (a value no engine sends: NaN, infinity, an object with Pulumi's reserved signature "
        "key)")


def test_state_values_nested_up_to_the_limit_are_evaluated(tmp_path):
    # 100 levels in all: deployment, resources, the resource and inputs take 4, the tag value the other 96.
    tag: object = "x"
    for _ in range(100 - 5):
        tag = {"k": tag}
    path = tmp_path / "state.json"
    path.write_text(_with_resource(inputs={**CLUSTER_INPUTS, "tags": tag}))
    code, _, err = run_gate("--state", str(path))
    assert (code, err) == (0, "")


# ---- --policy-config -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_state():
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.json"
        path.write_text(json.dumps(deployment(*good_stack())))
        yield path


ECS = "ecs-secrets-not-in-environment"


@pytest.mark.parametrize(("text", "problem"), [
    (DEEP_ARRAY, "nested deeper than 100 levels"),
    ('{"aurora-backup-retention": {"minimumRetentionDays": ' + BIG + "}}",
     "a number with 5000 digits is out of range (JSON numbers here are 64-bit floats)"),
    ('{"aurora-backup-retention": {"minimumRetentionDays": 1e400}}',
     "the number 1e400 is out of range (JSON numbers here are 64-bit floats)"),
    (json.dumps({ECS: {"secretNamePattern": "(["}}),
     f"{ECS}: secretNamePattern: '([' is not a 'regex' (unterminated character set at position 1)"),
    (json.dumps({ECS: {"secretNamePattern": "a{99999999999}"}}),
     f"{ECS}: secretNamePattern: 'a{{99999999999}}' is not a 'regex' (the repetition number is too large)"),
    (json.dumps({ECS: {"secretNamePattern": 5}}), f"{ECS}: secretNamePattern: 5 is not of type 'string'"),
    (json.dumps({ECS: ["mandatory"]}), f"parsing \"{ECS}\": ['mandatory'] is not a valid value; must be a string or "
                                       "object"),
    (json.dumps({"all": {"enforcementLevel": 3}}),
     'parsing enforcement level for "all": "3" is not a valid enforcement level'),
])
def test_junk_policy_config_exits_2_before_evaluating(small_state, tmp_path, text, problem):
    config = tmp_path / "config.json"
    config.write_text(text)
    assert gate_error("--state", str(small_state), "--policy-config", str(config)) == (
        f"preflight: invalid policy pack config {config}: {problem}")


def test_a_regex_that_python_cannot_even_nest_is_a_config_error(small_state, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({ECS: {"secretNamePattern": "(" * 5_000}}))
    err = gate_error("--state", str(small_state), "--policy-config", str(config))
    # The value is cut in the message (it quotes what was given: 200 characters at most), the reason stays.
    assert err == (f"preflight: invalid policy pack config {config}: {ECS}: secretNamePattern: '" + "(" * 196
                   + "... (maximum recursion depth exceeded)")


def test_every_pattern_property_of_the_pack_is_checked_as_a_regex():
    from policies.rules import ALL_POLICIES

    patterns = {(p.name, key): schema.get("format") for p in ALL_POLICIES if p.config_schema
                for key, schema in p.config_schema.properties.items()
                if key.lower().endswith(("pattern", "regex"))}
    assert patterns == {(ECS, "secretNamePattern"): "regex"}


# ---- diff ------------------------------------------------------------------------------------------------------
def diff_report(**resource_edits) -> dict:
    resource = {"urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", "type": "aws:s3/bucket:Bucket", "name": "b",
                "protect": False, "dependencies": [], "inputs": {"bucket": "b"}}
    resource.update(resource_edits)
    return {"stack": "dev", "project": "p", "resources": [resource], "violations": []}


@pytest.mark.parametrize(("text", "problem"), [
    (DEEP_ARRAY, "nested deeper than 100 levels"),
    (DEEP_OBJECT, "nested deeper than 100 levels"),
    ('{"stack": "dev", "resources": [], "n": ' + BIG + "}",
     "a number with 5000 digits is out of range (JSON numbers here are 64-bit floats)"),
    ('{"stack": "dev", "resources": [], "n": Infinity}', "not valid JSON: Infinity is not a JSON number"),
    (json.dumps(diff_report(inputs=["bucket"])), "resources[0].inputs must be an object, got a list"),
    (json.dumps(diff_report(name=5)), "resources[0].name must be a string, got a number"),
    (json.dumps(diff_report(protect="no")), "resources[0].protect must be true or false, got a string"),
    (json.dumps(diff_report(dependencies="urn:x")), "resources[0].dependencies must be a list of URN strings, got "
                                                    "a string"),
    (json.dumps(diff_report(dependencies=[{}])), "resources[0].dependencies must be a list of URN strings"),
    (json.dumps(diff_report(urn=5)), "resources[0] has no 'urn' or 'type'"),
    (json.dumps({**diff_report(), "project": ["p"]}), "'project' must be a string, got a list"),
    (json.dumps({**diff_report(), "violations": {}}), "'violations' must be a list, got an object"),
    (json.dumps({**diff_report(), "violations": ["x"]}), "violations[0] must be an object, got a string"),
    (json.dumps({**diff_report(), "violations": [{"message": ["x"]}]}),
     "violations[0].message must be a string, got a list"),
])
def test_junk_diff_report_exits_2_naming_file_and_key(tmp_path, text, problem):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(diff_report()))
    junk = tmp_path / "junk.json"
    junk.write_text(text)
    assert subcommand_error(diff_cli.main, [str(good), str(junk)]) == f"preflight diff: {junk}: {problem}"
    assert subcommand_error(diff_cli.main, [str(junk), str(good)]) == f"preflight diff: {junk}: {problem}"


def test_diff_of_a_directory_is_not_a_missing_base(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(diff_report()))
    assert subcommand_error(diff_cli.main, [str(tmp_path), str(good), "--base-missing-ok"]) == (
        f"preflight diff: {tmp_path}: not a file")


def test_json_strings_inside_inputs_that_are_junk_are_compared_as_text(tmp_path):
    # Inputs holding JSON text are parsed to show the changed leaf; text too deep or with huge numbers is not an
    # error of the report, it is compared as the text it is.
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(diff_report(inputs={"policy": DEEP_ARRAY})))
    head.write_text(json.dumps(diff_report(inputs={"policy": "[" + BIG + "]"})))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = diff_cli.main([str(base), str(head)])
    assert (code, err.getvalue()) == (0, "")
    assert "policy: \"[[[[[[[[" in out.getvalue()


# ---- graph -----------------------------------------------------------------------------------------------------
def test_graph_errors_are_one_line(tmp_path):
    assert subcommand_error(graph_cli.main, ["--stack", "dev", "--program", str(tmp_path)]) == (
        f"preflight graph: no Pulumi.yaml in {tmp_path}: not a Pulumi project")


# ---- the real entry point ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["--state", "{junk}"],
    ["--state", "{state}", "--policy-config", "{junk}"],
    ["diff", "{junk}", "{junk}"],
])
def test_python_dash_m_preflight_prints_no_traceback(tmp_path, argv):
    junk = tmp_path / "junk.json"
    junk.write_text(DEEP_ARRAY)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(deployment(*good_stack())))
    argv = [a.format(junk=junk, state=state) for a in argv]
    result = subprocess.run([sys.executable, "-m", "preflight", *argv], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith(f"{junk}: nested deeper than 100 levels\n") and result.stderr.count("\n") == 1


# ---- fuzzing -----------------------------------------------------------------------------------------------------
JSON_LEAVES = (st.none() | st.booleans() | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
               | st.sampled_from(["urn:pulumi:prod::shop::aws:rds/cluster:Cluster::x", "04da6b54-80e4-46f7-96ec-"
                                  "b56ff0331ba9", "1b47061264138c4ac30d75fd1eb44270", "(["]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)
SPECIAL = st.one_of(JSON_VALUES, st.just({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}),
                    st.builds(lambda v: {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                         "plaintext": json.dumps(v)}, JSON_VALUES),
                    st.just({"4dabf18193072939515e22adb298388d": "garbage"}))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document, path, value):
    if not path:
        return value
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def _mutated(document, data):
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(document))
        path = data.draw(st.sampled_from(paths))
        document = _replace(document, path, copy.deepcopy(data.draw(SPECIAL)))
    return document


def _text_junk(text, data):
    """Raw text damage: a cut, a stray character, or a huge number spliced in."""
    at = data.draw(st.integers(min_value=0, max_value=len(text)))
    splice = data.draw(st.sampled_from(["", "}", "[", '"', "\\", BIG, "1e999", "NaN", "\x00", "\ud800"]))
    return text[:at] + splice + text[at + data.draw(st.integers(min_value=0, max_value=3)):]


def assert_contract(code: int, out: str, err: str, path: Path) -> None:
    event(f"exit {code}")  # `pytest --hypothesis-show-statistics`: the fuzz must reach evaluation, not only errors
    assert code in (0, 1, 2), code
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert out == "" and err.count("\n") == 1 and str(path) in err, err
    else:
        assert err == "" and json.loads(out)["summary"]["exitCode"] == code


# PREFLIGHT_FUZZ_EXAMPLES=600 for a longer local run; the suite keeps it short (the machine is shared).
FUZZ = settings(max_examples=int(os.environ.get("PREFLIGHT_FUZZ_EXAMPLES", examples(60))), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_fuzzed_state_files_keep_the_exit_code_contract(tmp_path, data):
    document = deployment(*good_stack())
    path = tmp_path / "state.json"
    if data.draw(st.booleans()):
        path.write_text(json.dumps(_mutated(document, data)), encoding="utf-8", errors="surrogatepass")
    else:
        path.write_text(_text_junk(json.dumps(document), data), encoding="utf-8", errors="surrogatepass")
    assert_contract(*run_gate("--state", str(path), "--format", "json"), path)


@FUZZ
@given(data=st.data())
def test_fuzzed_policy_configs_keep_the_exit_code_contract(small_state, tmp_path, data):
    config = {"all": "advisory", "aurora-backup-retention": {"minimumRetentionDays": 7},
              ECS: {"secretNamePattern": "password"}, "no-world-admin-ingress": {"ports": [22]}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(_mutated(config, data)), encoding="utf-8", errors="surrogatepass")
    assert_contract(*run_gate("--state", str(small_state), "--policy-config", str(path), "--format", "json"),
                    path)


@FUZZ
@given(data=st.data())
def test_fuzzed_diff_reports_keep_the_exit_code_contract(tmp_path, data):
    report = diff_report(inputs={"bucket": "b", "tags": {"Name": "b"}, "policy": '{"a": [1]}'})
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(report))
    if data.draw(st.booleans()):
        head.write_text(json.dumps(_mutated(report, data)), encoding="utf-8", errors="surrogatepass")
    else:
        head.write_text(_text_junk(json.dumps(report), data), encoding="utf-8", errors="surrogatepass")
    fmt = data.draw(st.sampled_from(["text", "markdown"]))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = diff_cli.main([str(base), str(head), "--format", fmt, "--fail-on-replace"])
    text = err.getvalue()
    assert code in (0, 1, 2) and "internal error" not in text and "Traceback" not in text, text
    if code == 2:
        assert out.getvalue() == "" and text.count("\n") == 1, text
    else:
        assert text == "" and out.getvalue()
