"""Resources a program only reads are not the stack's to judge.

`Resource.get(...)` reads an existing resource into the state as external. The real engine runs no resource policy
for a read step, and hands stack policies only resources with a registration goal (a read has none), so a VPC someone
else owns must not fail `default-security-group-closed`, nor a shared bucket `s3-bucket-tls-only`. An invoke
(`aws.ec2.get_vpc`) is no resource at all. What the program creates next to them is still judged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.engine import run_stack
from preflight.policy_eval import Analyzer
from tests.conftest import per_module_unless_collecting

from .gate_helpers import gate_json, mandatory, write_program

PROGRAM = str(Path(__file__).parent / "programs" / "read_resources")


@pytest.fixture(scope=per_module_unless_collecting)
def report():
    return gate_json("--stack", "test", "--program", PROGRAM)


def test_only_the_created_vpc_is_judged(report):
    code, found = report
    assert code == 1
    assert mandatory(found) == [("default-security-group-closed", "own")]
    flagged = sorted((v["policy"], v["urn"].rsplit("::", 1)[-1]) for v in found["violations"])
    assert flagged == [("default-security-group-closed", "own"), ("vpc-flow-logs", "own")]


@pytest.mark.parametrize("name", ["shared", "other-vpc", "shared-logs", "legacy"])
def test_no_policy_names_a_read_resource(report, name):
    """Read directly, or inside a component: no resource policy (an unencrypted cluster) and no stack policy (a
    VPC without default security group or flow log, a bucket without a TLS-only policy, a cluster with one zone)."""
    _, found = report
    assert [v["policy"] for v in found["violations"] if v["urn"].endswith(f"::{name}")] == []


def test_reads_stay_in_the_report_as_what_the_stack_holds(report):
    _, found = report
    names = {r["name"] for r in found["resources"]}
    assert {"shared", "other-vpc", "shared-logs", "legacy", "own"} <= names


def test_read_resources_are_not_priced(report):
    """The read cluster is someone else's bill: the estimate names only resources the program creates."""
    _, found = report
    priced = {r["urn"].rsplit("::", 1)[-1] for r in found["cost"]["resources"]}
    assert "legacy" not in priced and "shared-logs" not in priced


def test_a_read_vpc_alone_passes(tmp_path):
    """The false result as reported: a program that only reads a VPC and places a subnet in it."""
    body = ("import pulumi_aws as aws\n"
            "vpc = aws.ec2.Vpc.get('shared', 'vpc-0123456789abcdef0')\n"
            "found = aws.ec2.get_vpc(id='vpc-0fedcba9876543210')\n"
            "aws.ec2.Subnet('a', vpc_id=vpc.id, cidr_block='10.0.1.0/24')\n"
            "aws.ec2.Subnet('b', vpc_id=found.id, cidr_block='10.0.2.0/24')\n")
    code, found = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, found["violations"]) == (0, [])


def test_a_created_vpc_spelled_through_a_component_is_still_judged(tmp_path):
    """Skipping reads must not skip a VPC created inside a component (parented, so its URN is qualified)."""
    body = ("import pulumi\nimport pulumi_aws as aws\n"
            "class Net(pulumi.ComponentResource):\n"
            "    def __init__(self, name):\n"
            "        super().__init__('test:index:Net', name)\n"
            "        aws.ec2.Vpc(f'{name}-vpc', cidr_block='10.0.0.0/16', opts=pulumi.ResourceOptions(parent=self))\n"
            "Net('n')\n")
    code, found = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(found)) == (1, [("default-security-group-closed", "n-vpc")])


def test_a_created_vpc_with_an_import_id_is_judged(tmp_path):
    """`import_` adopts an existing VPC: from then on the stack manages it, so it is judged (not a read)."""
    body = ("import pulumi\nimport pulumi_aws as aws\n"
            "aws.ec2.Vpc('adopted', cidr_block='10.0.0.0/16',\n"
            "            opts=pulumi.ResourceOptions(import_='vpc-0123456789abcdef0'))\n")
    code, found = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(found)) == (1, [("default-security-group-closed", "adopted")])


def test_the_analyzer_hands_stack_policies_only_managed_resources():
    """At the analyzer itself: the run records the reads (external), the evaluation never names them."""
    run = run_stack("test", PROGRAM)
    external = {r.urn for r in run.resources if r.external}
    assert {r.name for r in run.resources if r.external} == {"shared", "shared-logs", "legacy", "other-vpc"}
    evaluation = Analyzer(None, fail_closed=True).evaluate(run.resources)
    assert {v.urn for v in evaluation.violations} & external == set()
