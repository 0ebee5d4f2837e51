"""The shared helpers of policies/rules/_base.py where no rule test looked: `tags` on a resource whose only input
is `tags` (an `aws.kms.Key("k", tags=...)` with every other argument left to its default)."""

from __future__ import annotations

from .policy_helpers import check_stack, resource
from .test_policy_protection import CLUSTER, KEY

RULE = "production-protect"


def test_a_resource_whose_only_input_is_its_tags_declares_production():
    key = resource(KEY, "key", {"tags": {"Environment": "production"}}, protect=True)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"})
    assert check_stack(RULE, [key, db]) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


def test_a_resource_without_tags_declares_nothing():
    key = resource(KEY, "key", {"description": "production"}, protect=True)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"})
    assert check_stack(RULE, [key, db]) == []
