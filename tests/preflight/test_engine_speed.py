"""What the engine's speed-ups must not change: the `is_dry_run()` wrapper remembers which files are inside the
program (a cache), and still finds the program's own call wherever the program makes it, in each run of a process."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy import policy as sdk_policy
from pulumi_policy.deserialize import SPECIAL_ASSET_SIG as ASSET_SIG
from pulumi_policy.deserialize import SPECIAL_SIG_KEY as SIG_KEY

from preflight import cli, policy_eval
from preflight.engine import _is_inside, _is_machinery, run_stack
from preflight.policy_eval import Analyzer, EvaluationError, Resource

from .gate_helpers import run_gate, write_program

ASKS = "import pulumi\nimport pulumi_aws as aws\n\ndef build():\n    if not pulumi.runtime.is_dry_run():\n" \
       "        aws.sns.Topic('only-on-up')\n"


def dry_run_warnings(program: Path) -> list[str]:
    return [w for w in run_stack("test", program).warnings if "is_dry_run" in w]


def test_the_same_file_is_judged_per_directory(tmp_path):
    program, other = tmp_path / "program", tmp_path / "other"
    program.mkdir(), other.mkdir()
    name = str(program / "lib" / "helpers.py")
    assert _is_inside(name, program)
    assert not _is_inside(name, other)  # the first answer is not reused for another directory
    assert _is_inside(name, program)
    assert not _is_inside(None, program) and not _is_inside("", program)


def test_a_relative_name_is_judged_from_the_working_directory(tmp_path, monkeypatch):
    program, elsewhere = tmp_path / "program", tmp_path / "elsewhere"
    program.mkdir(), elsewhere.mkdir()
    monkeypatch.chdir(program)
    assert _is_inside("helpers.py", program)
    monkeypatch.chdir(elsewhere)
    assert not _is_inside("helpers.py", program)  # same name, another directory: not the cached answer


def test_machinery_is_judged_from_the_working_directory_too(tmp_path, monkeypatch):
    stdlib = Path(os.__file__).parent
    monkeypatch.chdir(stdlib)
    assert _is_machinery("json/decoder.py")  # the standard library's, seen from its directory
    monkeypatch.chdir(tmp_path)
    assert not _is_machinery("json/decoder.py")  # the same name elsewhere: not the cached answer
    assert _is_machinery(str(stdlib / "json" / "decoder.py"))
    assert not _is_machinery(str(tmp_path / "site-packages" / "requests" / "api.py"))
    assert _is_machinery(str(tmp_path / "site-packages" / "pulumi_aws" / "ec2" / "vpc.py"))


def test_a_call_in_a_module_of_the_program_is_found(tmp_path):
    program = write_program(tmp_path / "p", body="from lib.helpers import build\nbuild()\n")
    (program / "lib").mkdir()
    (program / "lib" / "__init__.py").write_text("")
    (program / "lib" / "helpers.py").write_text(ASKS)
    [warning] = dry_run_warnings(program)
    assert "lib/helpers.py:5" in warning and "judged as `pulumi up` runs it" in warning
    # `pulumi up` builds the topic the preview never shows.
    assert [r.name for r in run_stack("test", program).of_type("aws:sns/topic:Topic")] == ["only-on-up"]


def test_each_program_of_a_process_is_judged_on_its_own(tmp_path):
    asking = write_program(tmp_path / "asking", body=ASKS + "build()\n")
    quiet = write_program(tmp_path / "quiet", body="import pulumi_aws as aws\naws.sns.Topic('t')\n")
    for _ in range(2):  # the second round finds everything remembered from the first
        [warning] = dry_run_warnings(asking)
        assert "__main__.py:5" in warning
        assert dry_run_warnings(quiet) == []


def test_a_directory_changed_between_runs_is_seen(tmp_path):
    # What is inside the program is remembered for one run: a long-lived process (the test session) that runs the
    # program again after its directory changed judges the directory as it is now, as it did before the cache.
    program = write_program(tmp_path / "p", body="from lib.helpers import build\nbuild()\n")
    (program / "lib").mkdir()
    (program / "lib" / "__init__.py").write_text("")
    (program / "lib" / "helpers.py").write_text(ASKS)
    [warning] = dry_run_warnings(program)
    assert "lib/helpers.py:5" in warning
    outside = tmp_path / "outside-lib"
    shutil.move(program / "lib", outside)
    (program / "lib").symlink_to(outside, target_is_directory=True)
    # The same file name now resolves outside the program: still the program's call (not an SDK's), named by its
    # file name alone, as a file outside the program directory is.
    [warning] = dry_run_warnings(program)
    assert "helpers.py:5" in warning and "lib/helpers.py" not in warning
    # And the linked package is dropped after the run like the program's others, so the next program of the
    # process that has a `lib` imports its own.
    assert not {"lib", "lib.helpers"} & set(sys.modules)


def counting_freezes(monkeypatch) -> list[int]:
    calls: list[int] = []
    freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (calls.append(1), freeze())[1])
    return calls


def test_the_gate_in_its_own_process_freezes_its_imports_once(tmp_path, monkeypatch, capsys):
    program = write_program(tmp_path / "p", stack="a")
    shutil.copy(program / "Pulumi.a.yaml", program / "Pulumi.b.yaml")
    freezes = counting_freezes(monkeypatch)
    monkeypatch.setattr(cli, "FREEZE_IMPORTS", False)  # restored whatever the module entry point sets it to
    monkeypatch.setattr(sys, "argv", ["preflight", "--all-stacks", "--program", str(program)])
    threshold = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as done:
            runpy.run_module("preflight", run_name="__main__")
        assert gc.get_threshold() == (5000, 10, 10)
    finally:
        gc.set_threshold(*threshold)
    assert done.value.code == 0
    assert "a: PASS" in capsys.readouterr().out
    assert freezes == [1]  # two stacks, one freeze: a second would keep what the first stack left for good


def test_the_gate_called_in_process_leaves_the_collector_alone(tmp_path, monkeypatch):
    freezes = counting_freezes(monkeypatch)
    threshold = gc.get_threshold()
    code, _, err = run_gate("--stack", "test", "--program", str(write_program(tmp_path / "p")))
    assert (code, err) == (0, "")
    assert freezes == [] and gc.get_threshold() == threshold


# ---- the policy SDK converts each resource's properties once per RPC (preflight/policy_eval.py _ConvertedOnce) ----
BUCKET = "urn:pulumi:s::p::aws:s3/bucket:Bucket::"


def bucket(name: str, **inputs) -> Resource:
    return Resource(urn=BUCKET + name, type="aws:s3/bucket:Bucket", name=name, inputs=inputs, outputs=inputs)


def test_a_policy_that_changes_its_properties_changes_no_other_policys():
    seen: list[tuple] = []

    def vandal(args, report):
        args.props["tags"]["Owner"] = "vandal"
        args.props["tags"]["__target"]["Extra"] = "x"
        args.props["rules"]["__target"].append("added")
        args.props["acl"] = "public-read"

    def witness(args, report):
        seen.append((dict(args.props["tags"]), list(args.props["rules"]), args.props["acl"]))

    def stack_vandal(args, report):
        for r in args.resources:
            r.props["tags"]["Owner"] = "vandal"
            r.props["acl"] = "public-read"

    def stack_witness(args, report):
        seen.extend((dict(r.props["tags"]), list(r.props["rules"]), r.props["acl"]) for r in args.resources)

    policies = [ResourceValidationPolicy("a-vandal", "Changes.", vandal),
                ResourceValidationPolicy("b-witness", "Reads.", witness),
                StackValidationPolicy("c-vandal", "Changes.", stack_vandal),
                StackValidationPolicy("d-witness", "Reads.", stack_witness)]
    resources = [bucket(n, tags={"Owner": "team"}, rules=["r1"], acl="private") for n in ("one", "two")]
    analyzer = Analyzer(policies=policies)
    for _ in range(2):
        analyzer.evaluate(resources)
    assert seen == [({"Owner": "team"}, ["r1"], "private")] * 8
    assert resources[0].inputs == {"tags": {"Owner": "team"}, "rules": ["r1"], "acl": "private"}


def test_each_policy_gets_its_own_asset_object():
    # An asset is an object a rule could change: it is never shared between policies.
    got: list = []
    policies = [ResourceValidationPolicy(name, "Reads.", lambda args, report: got.append(args.props["code"]))
                for name in ("first", "second")]
    asset = {SIG_KEY: ASSET_SIG, "path": "index.zip"}
    Analyzer(policies=policies).evaluate([bucket("b", code=asset)])
    assert [type(a).__name__ for a in got] == ["FileAsset", "FileAsset"]
    assert got[0] is not got[1] and got[0].path == got[1].path == "index.zip"


def test_the_verdicts_on_dev_are_those_of_the_unchanged_sdk(dev, monkeypatch):
    def verdicts():
        evaluation = Analyzer(fail_closed=True).evaluate(dev.resources)
        return ([(v.policy, v.enforcement_level, v.urn, v.message) for v in evaluation.violations],
                evaluation.not_applicable, evaluation.cannot_verify)

    remembered = verdicts()
    monkeypatch.setattr(policy_eval, "_converted_once", contextlib.nullcontext)
    assert remembered == verdicts()
    assert remembered[0]  # dev has advisory findings: the comparison compares something


def test_the_sdk_is_restored_after_each_rpc_even_when_a_rule_raises():
    originals = sdk_policy.json_format, sdk_policy.deserialize_properties

    def boom(args, report):
        raise ValueError("broken rule")

    with pytest.raises(EvaluationError):
        Analyzer(policies=[ResourceValidationPolicy("boom", "Raises.", boom)]).evaluate([bucket("b", acl="private")])
    assert (sdk_policy.json_format, sdk_policy.deserialize_properties) == originals


def test_what_a_program_logs_at_info_and_above_is_kept(tmp_path):
    body = ("import pulumi\npulumi.log.debug('a debug line')\npulumi.log.info('an info line')\n"
            "pulumi.log.warn('a warning line')\n")
    run = run_stack("test", write_program(tmp_path, body=body))
    assert [entry for entry in run.logs if "line" in entry[1]] == [("info", "an info line"),
                                                                  ("warning", "a warning line")]


# ---- tools/bench.py eval: CPU of one evaluation -------------------------------------------------------------------
def test_bench_eval_prints_both_collectors_median(monkeypatch, capsys):
    from tools import bench

    asked = []

    def fake_run(command, **kwargs):
        asked.append(command[-3:])
        times = [0.5, 0.1, 0.3] if command[-1] == "default" else [0.2, 0.25, 0.9]
        return subprocess.CompletedProcess(command, 0, stdout=json.dumps(times), stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    assert bench.main(["--runs", "3", "eval-prod"]) == 0
    line = capsys.readouterr().out
    assert asked == [["prod", "3", "default"], ["prod", "3", "session"]]
    assert line.startswith("eval-prod: one evaluation 0.300 s CPU (min 0.100 s, max 0.500 s) with the default "
                           "collector; 0.250 s CPU (min 0.200 s, max 0.900 s) with the session collector, median of 3;")
    assert "load " in line and "run_stack('prod') in a warm process" in line


def test_bench_eval_that_fails_is_exit_2(monkeypatch, capsys):
    from tools import bench

    monkeypatch.setattr(bench.subprocess, "run",
                        lambda command, **kwargs: subprocess.CompletedProcess(command, 1, stdout="", stderr="boom"))
    assert bench.main(["eval"]) == 2
    assert capsys.readouterr().out == "eval: failed with exit code 1 (run_stack('dev'), default collector)\n"
