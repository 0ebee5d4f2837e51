"""AWS CLI habits and "no traceback, ever": global flags anywhere, no abbreviations, honest
--timeout values, exit codes by class, JSON errors, odd outputs files, closed pipes, Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ops import __version__
from ops.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def ops_subprocess(*argv, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "ops", *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
        **kwargs,
    )


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.5", "1e999", "ten"])
def test_timeout_values_that_are_not_finite_seconds_are_usage_errors(run_ops, value):
    result = run_ops("failover", "--cluster", "c", "--yes", f"--timeout={value}")
    assert result.code == 2
    assert "argument --timeout:" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("value", ["0", "0.5", "nan", "-1"])
def test_poll_interval_below_one_second_is_a_usage_error(run_ops, value):
    result = run_ops("snapshot", "--cluster", "c", f"--poll-interval={value}")
    assert result.code == 2
    assert "argument --poll-interval:" in result.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("verify", "--output", "out.json"), "unrecognized arguments: --output out.json"),  # not --outputs
        (("verify", "--clu", "c"), "unrecognized arguments: --clu c"),
        (("restore", "--cluster", "c", "--late", "--new-cluster", "n"), "one of the arguments --to-time --latest"),
        (("--reg", "eu-west-1", "verify"), "invalid choice: 'eu-west-1'"),  # --reg is not taken for --region
    ],
    ids=["output-is-not-outputs", "clu", "late", "reg-before-command"],
)
def test_abbreviated_flags_are_refused(run_ops, argv, message):
    result = run_ops(*argv)
    assert result.code == 2
    assert message in result.err


def test_global_flags_before_and_after_the_command_after_wins():
    parser = build_parser()
    before = parser.parse_args(["--region", "us-east-1", "--json", "--cluster", "a", "status"])
    assert (before.region, before.json, before.cluster) == ("us-east-1", True, "a")
    after = parser.parse_args(["--region", "us-east-1", "status", "--region", "eu-west-1"])
    assert after.region == "eu-west-1"
    neither = parser.parse_args(["status"])
    assert (neither.region, neither.json, neither.profile, neither.endpoint_url) == (None, False, None, None)


def test_version_and_help_list_the_exit_codes(run_ops, capsys):
    result = run_ops("--version")
    assert (result.code, result.out) == (0, f"python -m ops {__version__}\n")
    result = run_ops("restore", "--help")
    assert result.code == 0
    for line in ("2    usage:", "3    AWS refused", "4    stopped waiting", "130  interrupted"):
        assert line in result.out


def test_profile_flag_selects_the_profile(aws_env, run_ops):
    result = run_ops("verify", "--cluster", "c1", "--profile", "prdo")
    assert (result.code, result.err) == (2, "ops: error: "
                                            "ProfileNotFound: The config profile (prdo) could not be found\n")


def test_json_errors_are_an_object_on_stdout_and_a_line_on_stderr(moto, run_ops):
    result = run_ops("--json", "status", "--cluster", "ghost")
    assert result.code == 3
    error = result.json()["error"]
    assert (error["code"], error["operation"], error["region"], error["exitCode"]) == (
        "DBClusterNotFoundFault",
        "DescribeDBClusters",
        "eu-west-1",
        3,
    )
    assert error["message"] == "DBCluster ghost not found."
    assert error["requestId"]
    assert result.err.startswith("ops: error: DBClusterNotFoundFault in eu-west-1 (DescribeDBClusters, request id ")


def test_json_usage_error_is_an_object_too(aws_env, run_ops):
    result = run_ops("restore", "--cluster", "c", "--latest", "--json")
    assert result.code == 2
    assert result.json() == {
        "error": {
            "code": "UsageError",
            "message": "--new-cluster NAME is required (or --resume NAME to finish an earlier restore)",
            "operation": None,
            "region": None,
            "requestId": None,
            "exitCode": 2,
        }
    }


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-32", b"")],
    ids=["utf16-bom", "utf8-bom", "utf16le-bom", "utf32-bom"],
)
def test_outputs_file_as_powershell_writes_it(shared_stacks, run_ops, tmp_path, encoding, bom):
    stack = shared_stacks.get()
    text = stack.outputs.read_text(encoding="utf-8")
    odd = tmp_path / "outputs.json"
    odd.write_bytes(bom + text.encode(encoding))
    result = run_ops("status", "--outputs", str(odd), "--json")
    assert result.code == 0, result.err
    assert result.json()["id"] == stack.cluster_id


def test_outputs_file_that_is_not_text_is_one_line(aws_env, run_ops, tmp_path):
    binary = tmp_path / "outputs.json"
    binary.write_bytes(b"\x80\x81\x82 not json")
    result = run_ops("status", "--outputs", str(binary))
    assert result.code == 2
    assert result.err.startswith(f"ops: error: --outputs {binary}: ")
    assert len(result.err.splitlines()) == 1


def test_ctrl_c_at_the_prompt_says_nothing_was_started(stacks, run_ops):
    stack = stacks.build()

    class CtrlC(io.StringIO):
        def isatty(self):
            return True

        def readline(self, *args):
            raise KeyboardInterrupt

    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=CtrlC())
    assert result.code == 130
    assert result.err.endswith("ops: error: interrupted at the confirmation prompt; nothing was started\n")
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_end_of_input_at_the_prompt_is_a_no(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty(""))
    assert result.code == 2
    assert result.err.endswith("ops: error: aborted at the confirmation prompt: nothing was changed\n")


def test_closed_stdout_is_not_a_traceback(shared_stacks):
    """`python -m ops verify ... | head -1`: the reader leaves after one line."""
    stack = shared_stacks.get()
    process = subprocess.Popen(
        [sys.executable, "-m", "ops", "verify", "--outputs", str(stack.outputs)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `head` exiting before we write
    err = process.stderr.read().decode()
    code = process.wait(timeout=60)
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert code == 141


def test_debug_logs_calls_without_secrets(moto, run_ops, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "very-secret-session-token")
    result = run_ops("status", "--cluster", "ghost", "--debug")
    assert result.code == 3
    assert re.search(r'debug: -> DescribeDBClusters in eu-west-1 \{"DBClusterIdentifier": "ghost"\}', result.err)
    assert re.search(r"debug: <- DescribeDBClusters HTTP 404 request id \w+ DBClusterNotFoundFault", result.err)
    assert "very-secret-session-token" not in result.err
    assert "testing" not in result.err  # the access key id and secret of the test environment


def test_a_bug_of_ours_is_one_line_with_exit_70(run_ops):
    def broken(service, region):
        raise TypeError("boom")

    result = run_ops("status", "--cluster", "c", make_client=broken)
    assert result.code == 70
    assert result.err == "ops: error: internal error (TypeError: boom); rerun with --debug and report it\n"


def test_subprocess_error_line_names_operation_and_region(moto):
    completed = ops_subprocess("status", "--cluster", "ghost", "--json", text=True)
    assert completed.returncode == 3
    assert json.loads(completed.stdout)["error"]["code"] == "DBClusterNotFoundFault"
    assert completed.stderr.startswith("ops: error: DBClusterNotFoundFault in eu-west-1 (DescribeDBClusters")


def test_debug_masks_secret_fields_at_any_depth():
    from ops.aws import masked

    params = {"MasterUserPassword": "p", "Tags": [{"Key": "k", "SecretValue": "s"}], "A": {"SessionToken": "t"}}
    assert masked(params) == {
        "MasterUserPassword": "***",
        "Tags": [{"Key": "k", "SecretValue": "***"}],
        "A": {"SessionToken": "***"},
    }
