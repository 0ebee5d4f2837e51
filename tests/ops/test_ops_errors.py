"""Errors come out as one line with an exit code by class, never a traceback; targets resolve as documented."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from botocore.exceptions import ParamValidationError, ReadTimeoutError, WaiterError

from ops.errors import one_line

ROOT = Path(__file__).resolve().parents[2]


def test_no_credentials(moto, run_ops, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run_ops("verify", "--cluster", "c1")
    assert (result.code, result.err) == (2, "ops: error: NoCredentialsError: Unable to locate credentials\n")


def test_endpoint_unreachable(aws_env, run_ops, monkeypatch):
    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    result = run_ops("failover", "--cluster", "c1", "--yes")
    assert result.code == 3
    assert result.err == (
        f'ops: error: EndpointConnectionError: Could not connect to the endpoint URL: "http://127.0.0.1:{port}/"\n'
    )


def test_no_region_anywhere(moto, run_ops, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = run_ops("verify", "--cluster", "c1")
    assert (result.code, result.err) == (2, "ops: error: NoRegionError: You must specify a region.\n")


def test_region_comes_from_the_outputs_file(shared_stacks, run_ops, monkeypatch):
    stack = shared_stacks.get()
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0, result.err
    assert result.json()["region"] == "eu-west-1"


def test_region_flag_overrides_the_outputs_file(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--outputs", str(stack.outputs), "--region", "us-west-2")
    assert result.code == 3
    assert re.fullmatch(
        rf"ops: error: DBClusterNotFoundFault in us-west-2 \(DescribeDBClusters, request id \w+\): "
        rf"DBCluster {stack.cluster_id} not found\.\n",
        result.err,
    )


def test_no_cluster_given(aws_env, run_ops):
    result = run_ops("snapshot")
    assert result.code == 2
    assert result.err == ("ops: error: "
                          "no cluster given: pass --cluster ID, or --outputs FILE with a clusterIdentifier\n")


def test_outputs_file_missing_or_not_json(aws_env, run_ops, tmp_path):
    missing = run_ops("verify", "--outputs", str(tmp_path / "nope.json"))
    assert missing.code == 2
    assert missing.err == f"ops: error: --outputs {tmp_path / 'nope.json'}: cannot read: No such file or directory\n"
    garbage = tmp_path / "garbage.json"
    garbage.write_text("Outputs:\n  region: x\n")
    result = run_ops("verify", "--outputs", str(garbage))
    assert result.code == 2
    assert result.err.startswith(f"ops: error: --outputs {garbage}: not JSON")


def test_outputs_value_of_wrong_type(aws_env, run_ops, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"clusterIdentifier": ["a"]}))
    result = run_ops("verify", "--outputs", str(outputs))
    assert result.err == f"ops: error: --outputs {outputs}: clusterIdentifier should be a string, got list\n"


def test_outputs_file_without_cluster_names_the_file(aws_env, run_ops, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "eu-west-1", "clusterIdentifier": None}))
    result = run_ops("failover", "--outputs", str(outputs), "--yes")
    assert (result.code, result.err) == (
        2,
        f"ops: error: --outputs {outputs}: no clusterIdentifier in it; pass --cluster ID\n",
    )


def test_usage_errors_exit_2(run_ops):
    assert run_ops().code == 2
    result = run_ops("verify", "--min-retention", "seven")
    assert result.code == 2
    assert "argument --min-retention: not a whole number of days: 'seven'" in result.err
    for days in ("0", "36"):
        result = run_ops("verify", "--min-retention", days)
        assert result.code == 2
        assert f"argument --min-retention: {days} is outside Aurora's backup retention range 1-35" in result.err


def test_client_side_errors_are_one_line():
    waiter = WaiterError("DBClusterAvailable", "Max attempts exceeded", {})
    assert one_line(waiter) == "WaiterError: Waiter DBClusterAvailable failed: Max attempts exceeded"
    invalid = ParamValidationError(report="Invalid length for parameter X\nand more")
    assert one_line(invalid) == (
        "ParamValidationError: Parameter validation failed: Invalid length for parameter X and more"
    )


def test_module_entry_point_in_a_subprocess(moto):
    """`python -m ops` as a user runs it: env endpoint, one-line error, no traceback."""
    completed = subprocess.run(
        [sys.executable, "-m", "ops", "verify", "--cluster", "ghost"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 3
    assert re.fullmatch(
        r"ops: error: DBClusterNotFoundFault in eu-west-1 \(DescribeDBClusters, request id \w+\): "
        r"DBCluster ghost not found\.\n",
        completed.stderr,
    )


def test_unknown_profile_is_one_line(aws_env, run_ops, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prdo")
    result = run_ops("verify", "--cluster", "c1")
    assert (result.code, result.err) == (2, "ops: error: "
                                            "ProfileNotFound: The config profile (prdo) could not be found\n")


def test_read_timeout_is_one_line():
    timeout = ReadTimeoutError(endpoint_url="https://rds.eu-west-1.amazonaws.com/", error="read timed out")
    assert one_line(timeout) == (
        'ReadTimeoutError: Read timeout on endpoint URL: "https://rds.eu-west-1.amazonaws.com/"'
    )


def test_ctrl_c_exits_130_without_traceback(run_ops):
    def interrupted(service, region):
        raise KeyboardInterrupt

    result = run_ops("failover", "--cluster", "c1", "--yes", make_client=interrupted)
    assert result.code == 130
    assert result.err == "ops: error: interrupted; nothing was started\n"
