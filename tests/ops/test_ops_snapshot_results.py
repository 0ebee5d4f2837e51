"""What `ops snapshot` reports and leaves behind, against moto: the result (text and --json) with and without the
copy, the copy's tags, and the exact `status`/`wait` commands when it is interrupted.

Expected values come from docs/ops.md (`snapshot`: "copies it as --copy-id ... encrypted with that key, tags
copied"; "Every "continues in AWS" message names the exact `status` and `wait` command, with `--region`").
"""

from __future__ import annotations

from tests.ops.conftest import reused_client
from tests.ops.test_ops_results_pinned import InterruptedAt


def tags_of(stacks, snapshot_id: str) -> dict[str, str]:
    snap = stacks.rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)["DBClusterSnapshots"][0]
    listed = stacks.rds.list_tags_for_resource(ResourceName=snap["DBClusterSnapshotArn"])["TagList"]
    return {t["Key"]: t["Value"] for t in listed}


def test_the_copy_carries_the_snapshots_tags_and_is_in_the_json_result(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    other_key = stacks.key()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1", "--tag", "ticket=OPS-7",
                     "--copy-kms-key", other_key, "--json")
    assert result.code == 0, result.err
    copy_tags = tags_of(stacks, "s1-copy")
    assert copy_tags["created-by"] == "aurora-platform-ops"
    assert copy_tags["ticket"] == "OPS-7"
    data = result.json()
    assert data["cluster"] == "aurora-dev"
    assert data["snapshot"]["id"] == "s1"
    copy = data["copy"]
    assert (copy["id"], copy["status"], copy["encrypted"], copy["kmsKeyId"]) == ("s1-copy", "available", True,
                                                                                 other_key)
    assert copy["tags"]["ticket"] == "OPS-7"


def test_the_json_result_of_a_plain_snapshot_names_the_cluster(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1", "--json")
    assert result.code == 0, result.err
    assert result.json()["cluster"] == "aurora-dev"
    assert result.json()["copy"] is None


def test_no_wait_text_says_it_started_and_is_not_waiting(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "quick", "--no-wait")
    assert result.code == 0, result.err
    assert result.out == "snapshot quick: started; not waiting (--no-wait)\n"


def test_the_stacks_region_wins_over_the_environments(stacks, run_ops, monkeypatch):
    stack = stacks.build()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")  # no cluster there: it is in the stack's eu-west-1
    result = run_ops("snapshot", "--outputs", str(stack.outputs), "--snapshot-id", "s1")
    assert result.code == 0, result.err
    assert result.out == "snapshot s1: available\n"


def test_ctrl_c_during_the_create_request_says_it_may_or_may_not_have_started(stacks, run_ops):
    """Between sending the request and reading the answer nobody knows whether the snapshot was taken: the operator
    is told to check it by its id, never that it "continues in AWS"."""
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1",
                     make_client=lambda service, region, options=None: InterruptedAt(
                         reused_client(service, region, options), "create_db_cluster_snapshot"))
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        "ops: error: interrupted; snapshot s1 of aurora-dev may or may not have started in AWS; check with "
        "`python -m ops status --snapshot s1 --region eu-west-1` and, if it did, resume with "
        "`python -m ops wait --snapshot s1 --region eu-west-1`"
    )


class InterruptedCopyWait:
    """The emulator's client, except that reading a snapshot after the copy was requested is interrupted (Ctrl-C
    while waiting for the copy). The reads before the copy (is the id taken? the snapshot's own wait) go through."""

    def __init__(self, client):
        self.client, self.copied = client, False

    def copy_db_cluster_snapshot(self, **request):
        answer = self.client.copy_db_cluster_snapshot(**request)
        self.copied = True
        return answer

    def describe_db_cluster_snapshots(self, **request):
        if self.copied:
            raise KeyboardInterrupt
        return self.client.describe_db_cluster_snapshots(**request)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_ctrl_c_while_waiting_for_the_copy_says_the_copy_continues_and_how_to_follow_it(stacks, run_ops):
    stack = stacks.build()
    key = stacks.key()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1", "--copy-kms-key", key,
                     make_client=lambda service, region, options=None: InterruptedCopyWait(
                         reused_client(service, region, options)))
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        "ops: error: interrupted; copy s1-copy of snapshot s1 continues in AWS; check it with "
        "`python -m ops status --snapshot s1-copy --region eu-west-1`, resume with "
        "`python -m ops wait --snapshot s1-copy --region eu-west-1`"
    )
