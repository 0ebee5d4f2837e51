"""aurora-backup-retention with values that are no number of days: the message quotes what was given (the shared
number/fmt helpers of policies/rules/_base.py, which surviving mutants showed unpinned)."""

from __future__ import annotations

import pytest

from .policy_helpers import changed, check
from .test_policy_rds import CLUSTER, GOOD_CLUSTER


@pytest.mark.parametrize(("given", "shown"), [("seven", "seven"), (True, "True"), (6.5, "6.5"), ("6", "6")])
def test_a_retention_that_is_not_enough_days_is_quoted_as_given(given, shown):
    assert check("aurora-backup-retention", CLUSTER, changed(GOOD_CLUSTER, backupRetentionPeriod=given)) == [
        f"backupRetentionPeriod is {shown} days; the minimum for this stack is 7 days."]


GLOBAL = "aws:rds/globalCluster:GlobalCluster"


@pytest.mark.parametrize("encrypted", [True, "true"])
def test_a_fresh_global_cluster_that_is_encrypted_passes(encrypted):
    assert check("aurora-storage-encrypted", GLOBAL, {"engine": "aurora-postgresql",
                                                       "storageEncrypted": encrypted}) == []


def test_a_fresh_global_cluster_explicitly_unencrypted():
    assert check("aurora-storage-encrypted", GLOBAL, {"engine": "aurora-postgresql", "storageEncrypted": False}) == [
        "storageEncrypted must be true."]


def test_backtrack_on_the_legacy_mysql_engine_passes():
    # "aurora" is Aurora MySQL 1 (5.6-compatible), where backtrack began.
    props = changed(GOOD_CLUSTER, engine="aurora", backtrackWindow=3600.0)
    assert check("aurora-backtrack-mysql-only", CLUSTER, props) == []
