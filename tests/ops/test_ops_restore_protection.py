"""A restored cluster is as protected as its source: deletion protection and encryption carry over, whatever the
source had (both settings, so a restore that always turns protection off, or always on, fails one case)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("protected", [True, False])
def test_restore_keeps_the_sources_deletion_protection(stacks, run_ops, protected):
    stack = stacks.build(network=True, encrypted=True, deletion_protection=protected)
    source = stacks.rds.describe_db_clusters(DBClusterIdentifier=stack.cluster_id)["DBClusters"][0]
    assert source["DeletionProtection"] is protected
    result = run_ops("restore", "--outputs", str(stack.outputs), "--to-time",
                     source["EarliestRestorableTime"].isoformat(), "--new-cluster", "aurora-dev-restored",
                     "--instances", "1", "--yes", "--json")
    assert result.code == 0, result.err
    new = stacks.rds.describe_db_clusters(DBClusterIdentifier="aurora-dev-restored")["DBClusters"][0]
    assert (new["DeletionProtection"], new["StorageEncrypted"], new["KmsKeyId"]) == (protected, True, stack.key_arn)
