"""snapshot (and its encrypted copy) against moto."""

from __future__ import annotations


def test_snapshot_is_tagged_and_available(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    result = run_ops(
        "snapshot",
        "--outputs",
        str(stack.outputs),
        "--snapshot-id",
        "before-upgrade",
        "--tag",
        "ticket=OPS-1",
        "--json",
    )
    assert result.code == 0, result.err
    rds = stacks.rds
    snap = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="before-upgrade")["DBClusterSnapshots"][0]
    assert snap["Status"] == "available"
    assert snap["DBClusterIdentifier"] == stack.cluster_id
    assert snap["KmsKeyId"] == stack.key_arn
    tags = {
        t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=snap["DBClusterSnapshotArn"])["TagList"]
    }
    # The cluster's own tag, ours, and the user's.
    assert tags == {"stack": "dev", "created-by": "aurora-platform-ops", "ticket": "OPS-1"}
    assert result.json()["snapshot"]["status"] == "available"
    assert result.json()["copy"] is None


def test_default_snapshot_id_is_cluster_and_time(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--json")
    assert result.code == 0, result.err
    assert result.json()["snapshot"]["id"].startswith("aurora-dev-ops-")


def test_copy_is_encrypted_with_the_given_key(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    other_key = stacks.key()
    result = run_ops(
        "snapshot",
        "--cluster",
        stack.cluster_id,
        "--snapshot-id",
        "s1",
        "--copy-kms-key",
        other_key,
    )
    assert result.code == 0, result.err
    rds = stacks.rds
    copy = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="s1-copy")["DBClusterSnapshots"][0]
    assert copy["Status"] == "available"
    assert copy["StorageEncrypted"] is True
    assert copy["KmsKeyId"] == other_key
    assert result.out.splitlines() == [
        "snapshot s1: available",
        f"copy s1-copy: available, encrypted with {other_key}",
    ]


def test_bad_tag_names_the_flag(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--tag", "novalue")
    assert result.code == 2
    assert result.err == "error: --tag 'novalue': expected KEY=VALUE\n"


def test_duplicate_snapshot_id_is_one_line_aws_error(stacks, run_ops):
    stack = stacks.build()
    assert run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "dup").code == 0
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "dup")
    assert result.code == 2
    assert result.err.startswith("error: DBClusterSnapshotAlreadyExistsFault: ")
    assert len(result.err.splitlines()) == 1
