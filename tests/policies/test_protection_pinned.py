"""production-protect where no other test looked: an `Environment` tag given twice in two spellings, the first
one unknown during a preview (computed from another resource) and the second one production."""

from __future__ import annotations

from preflight.policy_eval import UNKNOWN

from .policy_helpers import check_stack, resource
from .test_policy_protection import CLUSTER, DEV, KEY, UNPROTECTED_PROD, stack

RULE = "production-protect"


def test_a_production_tag_after_an_unknown_spelling_of_the_key_declares_production():
    # Every spelling of the key is read: one whose value is unknown is skipped, not the end of the tags.
    tags = {"ENVIRONMENT": UNKNOWN, "Environment": "production"}
    assert check_stack(RULE, stack(tags=tags, protect=False)) == UNPROTECTED_PROD


def test_an_unknown_environment_alone_declares_nothing():
    # Unknown is not production: the rule cannot read a value that does not exist yet (a preview), and the
    # other resources declare development.
    key = resource(KEY, "key", {"enableKeyRotation": True, "tags": {"Environment": UNKNOWN}})
    assert check_stack(RULE, stack(tags=DEV, protect=False, key=key)) == []


def test_a_production_tag_on_one_cluster_after_an_unknown_one_on_another():
    other = resource(CLUSTER, "other", {"engine": "aurora-postgresql", "tags": {"Environment": UNKNOWN}},
                     protect=True)
    prod = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "tags": {"environment": "PROD"}})
    assert check_stack(RULE, [other, prod]) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]
