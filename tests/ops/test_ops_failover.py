"""failover against moto, which really moves the writer."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from ops.commands.failover import choose_target, size_of
from ops.errors import OpsError


def test_default_target_is_best_promotion_tier_and_writer_moves(stacks, run_ops):
    # Instance 1 (tier 0) is the writer; of the readers, instance 3 has the better tier.
    stack = stacks.build(zones=("a", "b", "c"), tiers=(0, 5, 1))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "cluster": stack.cluster_id,
        "oldWriter": "aurora-dev-1",
        "newWriter": "aurora-dev-3",
    }
    assert stacks.writer(stack.cluster_id) == "aurora-dev-3"
    last = json.loads(result.err.splitlines()[-1])  # --json: progress as JSON lines
    assert (last["what"], last["status"]) == ("writer of aurora-dev", "status available, writer aurora-dev-3")


def test_to_flag_picks_the_reader_and_text_names_old_and_new(stacks, run_ops):
    stack = stacks.build(zones=("a", "b", "c"))
    result = run_ops("failover", "--outputs", str(stack.outputs), "--to", "aurora-dev-2", "--yes")
    assert result.code == 0, result.err
    assert result.out == "aurora-dev: writer aurora-dev-1 -> aurora-dev-2\n"
    assert stacks.writer(stack.cluster_id) == "aurora-dev-2"


def test_confirmation_yes_on_a_terminal_proceeds(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty("y\n"))
    assert result.code == 0, result.err
    assert "Proceed? [y/N]" in result.err
    assert stacks.writer(stack.cluster_id) == "aurora-dev-2"


def test_confirmation_no_changes_nothing(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty("n\n"))
    assert result.code == 2
    assert result.err.endswith("ops: error: aborted at the confirmation prompt: nothing was changed\n")
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_no_terminal_and_no_yes_refuses(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id)
    assert result.code == 2
    assert "pass --yes to proceed" in result.err
    assert len(result.err.splitlines()) == 1
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_to_an_unknown_instance_is_refused(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--to", "nope", "--yes")
    assert result.code == 2
    assert result.err == ("ops: error: --to nope: not a reader of aurora-dev (readers: aurora-dev-2)\n")


def test_to_the_current_writer_is_refused(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--to", "aurora-dev-1", "--yes")
    assert result.code == 2
    assert "already the writer" in result.err


def test_single_instance_cluster_has_no_reader(stacks, run_ops):
    stack = stacks.build(zones=("a",))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes")
    assert result.code == 2
    assert result.err == "ops: error: cluster aurora-dev has no reader to fail over to\n"


def members(writer, tiers):
    return [
        {"DBInstanceIdentifier": name, "IsClusterWriter": name == writer, "PromotionTier": tier}
        for name, tier in tiers.items()
    ]


def test_equal_tiers_go_to_the_lowest_identifier():
    cluster = {"DBClusterIdentifier": "c", "DBClusterMembers": members("c-1", {"c-1": 0, "c-3": 1, "c-2": 1, "c-4": 2})}
    assert choose_target(cluster, None) == "c-2"


def instances(states, classes=None):
    return [
        {
            "DBInstanceIdentifier": name,
            "DBInstanceStatus": state,
            "DBInstanceClass": (classes or {}).get(name, "db.r6g.large"),
        }
        for name, state in states.items()
    ]


def test_waits_until_the_new_writer_is_available(aws_env, run_ops):
    """Stubber, because moto's failover is instantaneous: AWS reports `failing-over` first with
    the old writer, then with the new writer before the cluster is `available` again. The
    command must not return (and scripts must not reconnect) before the last state."""
    client = boto3.client("rds", region_name="eu-west-1")
    states = [
        ("available", "c-1"),  # read before the failover
        ("failing-over", "c-1"),
        ("failing-over", "c-2"),
        ("available", "c-2"),
    ]
    with Stubber(client) as stubber:
        for index, (status, writer) in enumerate(states):
            cluster = {
                "DBClusterIdentifier": "c",
                "Status": status,
                "DBClusterMembers": members(writer, {"c-1": 0, "c-2": 1}),
            }
            stubber.add_response("describe_db_clusters", {"DBClusters": [cluster]}, {"DBClusterIdentifier": "c"})
            if index == 0:
                ready = instances({"c-1": "available", "c-2": "available"})
                stubber.add_response("describe_db_instances", {"DBInstances": ready})
                stubber.add_response(
                    "failover_db_cluster",
                    {"DBCluster": cluster},
                    {"DBClusterIdentifier": "c", "TargetDBInstanceIdentifier": "c-2"},
                )
        result = run_ops("failover", "--cluster", "c", "--yes", make_client=lambda service, region: client)
        stubber.assert_no_pending_responses()
    assert result.code == 0, result.err
    assert result.out == "c: writer c-1 -> c-2\n"
    progress = [line.split("] ", 1)[1] for line in result.err.splitlines() if "Z [" in line]
    assert progress == [
        "writer of c: status failing-over, writer c-1",
        "writer of c: status failing-over, writer c-2",
        "writer of c: status available, writer c-2",
    ]


def test_same_tier_goes_to_the_largest_instance():
    cluster = {"DBClusterIdentifier": "c", "DBClusterMembers": members("c-1", {"c-1": 0, "c-2": 1, "c-3": 1, "c-4": 1})}
    described = instances(
        {"c-1": "available", "c-2": "available", "c-3": "available", "c-4": "available"},
        {"c-2": "db.r6g.large", "c-3": "db.r6g.4xlarge", "c-4": "db.r6g.2xlarge"},
    )
    assert choose_target(cluster, None, described) == "c-3"


def test_tier_wins_over_size():
    cluster = {"DBClusterIdentifier": "c", "DBClusterMembers": members("c-1", {"c-1": 0, "c-2": 2, "c-3": 1})}
    described = instances(
        {"c-1": "available", "c-2": "available", "c-3": "available"},
        {"c-2": "db.r6g.16xlarge", "c-3": "db.t4g.medium"},
    )
    assert choose_target(cluster, None, described) == "c-3"


def test_a_reader_that_is_not_available_is_skipped_and_refused_as_target():
    cluster = {"DBClusterIdentifier": "c", "DBClusterMembers": members("c-1", {"c-1": 0, "c-2": 1, "c-3": 2})}
    described = instances({"c-1": "available", "c-2": "rebooting", "c-3": "available"})
    assert choose_target(cluster, None, described) == "c-3"
    with pytest.raises(OpsError, match=r"^--to c-2: is rebooting, not available"):
        choose_target(cluster, "c-2", described)
    none_ready = instances({"c-1": "available", "c-2": "rebooting", "c-3": "modifying"})
    with pytest.raises(OpsError, match=r"no available reader to fail over to \(c-2 rebooting, c-3 modifying\)"):
        choose_target(cluster, None, none_ready)


@pytest.mark.parametrize(
    ("klass", "size"),
    [("db.t4g.medium", 0.5), ("db.r6g.large", 1.0), ("db.r6g.xlarge", 2.0), ("db.r6g.12xlarge", 24.0),
     ("db.serverless", 0.0), ("db.x2g.metal", 1000.0)],
)
def test_instance_sizes(klass, size):
    assert size_of(klass) == size


def test_prompt_names_the_target_with_tier_and_class(stacks, run_ops, tty):
    stack = stacks.build(zones=("a", "b", "c"), tiers=(0, 5, 1))
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty("n\n"))
    assert result.code == 2
    assert "Fail over aurora-dev: writer aurora-dev-1 -> aurora-dev-3 (tier 1, db.r6g.large)" in result.err
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_dry_run_prints_the_request_and_changes_nothing(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--dry-run", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "dryRun": True,
        "requests": [
            {
                "operation": "FailoverDBCluster",
                "request": {"DBClusterIdentifier": "aurora-dev", "TargetDBInstanceIdentifier": "aurora-dev-2"},
            }
        ],
    }
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_no_wait_returns_after_the_call(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert result.out == "failover of aurora-dev to aurora-dev-2 started; not waiting (--no-wait)\n"
    waited = run_ops("wait", "--cluster", stack.cluster_id, "--writer", "aurora-dev-2", "--json")
    assert waited.code == 0, waited.err
    assert waited.json()["detail"]["writer"] == "aurora-dev-2"
