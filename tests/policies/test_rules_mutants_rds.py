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
