"""snapshot (and its encrypted copy) against moto."""

from __future__ import annotations

import pytest


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
    assert tags == {
        "Project": "aurora-platform",
        "stack": "dev",
        "Environment": "development",
        "ManagedBy": "pulumi",
        "created-by": "aurora-platform-ops",
        "ticket": "OPS-1",
    }
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
    assert result.err == "ops: error: --tag 'novalue': expected KEY=VALUE\n"


def test_duplicate_snapshot_id_is_refused_before_any_call(stacks, run_ops):
    stack = stacks.build()
    assert run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "dup").code == 0
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "dup")
    assert (result.code, result.err) == (
        2,
        "ops: error: "
        "--snapshot-id dup: a cluster snapshot of that name already exists; choose another. Nothing changed\n",
    )


def snapshot_ids(stacks):
    """Manual snapshots (moto also makes an automated one per cluster)."""
    found = stacks.rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    return sorted(s["DBClusterSnapshotIdentifier"] for s in found)


def test_taken_copy_id_is_refused_before_the_snapshot_is_taken(stacks, run_ops):
    """Before, the snapshot was taken and the copy failed: an orphan snapshot and nothing said."""
    stack = stacks.build()
    key = stacks.key()
    assert run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "taken").code == 0
    result = run_ops(
        "snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s2", "--copy-kms-key", key, "--copy-id", "TAKEN"
    )
    assert (result.code, result.err) == (
        2,
        "ops: error: "
        "--copy-id taken: a cluster snapshot of that name already exists; choose another. Nothing changed\n",
    )
    assert snapshot_ids(stacks) == ["taken"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--snapshot-id", "1st"], "ops: error: --snapshot-id '1st': not a valid snapshot identifier"),
        (["--snapshot-id", "a--b"], "ops: error: --snapshot-id 'a--b': not a valid snapshot identifier"),
        (["--snapshot-id", "ends-"], "ops: error: --snapshot-id 'ends-': not a valid snapshot identifier"),
        (
            ["--snapshot-id", "s", "--copy-kms-key", "k", "--copy-id", "S"],
            "ops: error: --copy-id s: the same as the snapshot",
        ),
        (["--copy-kms-key", "k", "--copy-id", "1st"], "ops: error: --copy-id '1st': not a valid snapshot identifier"),
        (["--copy-id", "c"], "ops: error: --copy-id is only used with --copy-kms-key"),
        (["--copy-kms-key", "k", "--no-wait"],
         "ops: error: --no-wait with --copy-kms-key: the copy can only start once the snapshot is available; take the "
         "snapshot with --no-wait, then copy it later, or wait\n"),
    ],
    ids=["digit-first", "double-hyphen", "trailing-hyphen", "copy-same-id", "copy-digit-first", "copy-id-alone",
         "no-wait-copy"],
)
def test_bad_ids_are_refused_before_any_call(stacks, run_ops, argv, message):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, *argv)
    assert result.code == 2
    assert result.err.startswith(message)
    assert snapshot_ids(stacks) == []


def test_no_wait_returns_after_the_create_call(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "quick", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json()["waited"] is False
    assert snapshot_ids(stacks) == ["quick"]


def test_the_json_summary_of_a_snapshot_names_its_arn_encryption_key_and_tags(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    result = run_ops("snapshot", "--outputs", str(stack.outputs), "--snapshot-id", "s1", "--tag", "ticket=OPS-2",
                     "--json")
    assert result.code == 0, result.err
    snap = stacks.rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="s1")["DBClusterSnapshots"][0]
    summary = result.json()["snapshot"]
    assert summary == {"id": "s1", "arn": snap["DBClusterSnapshotArn"], "status": "available", "encrypted": True,
                       "kmsKeyId": stack.key_arn, "tags": summary["tags"]}
    assert summary["tags"]["ticket"] == "OPS-2"
    assert summary["tags"]["created-by"] == "aurora-platform-ops"


def test_a_snapshot_answer_without_a_tag_list_has_no_tags():
    from ops.commands.snapshot import summary

    assert summary({"DBClusterSnapshotIdentifier": "s1", "Status": "creating"}) == {
        "id": "s1", "arn": None, "status": "creating", "encrypted": None, "kmsKeyId": None, "tags": {}}
