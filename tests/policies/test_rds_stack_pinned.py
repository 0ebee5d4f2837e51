"""aurora-readers-multi-az (Security Hub RDS.15) and aurora-event-subscription (RDS.19) where no other test looked:
a stack whose first resources are not clusters (a real stack starts with its Stack resource, keys, networks), several
clusters each judged whatever the one before it did, and a subscription that names its clusters by value (a list of
identifiers) or through a dependency whose value is unknown during a preview; and readers whose zone is unknown
(a looked-up subnet's zone), which are named and not counted."""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import changed, check_stack, resource, urn
from .test_policy_rds_stack import CLUSTER, CLUSTER_PROPS, CLUSTER_RES, GOOD_SUB, INSTANCE, SUB, instance

MULTI_AZ = "aurora-readers-multi-az"
EVENTS = "aurora-event-subscription"
KEY = resource("aws:kms/key:Key", "db-key", {"enableKeyRotation": True})

OTHER_URN = urn(CLUSTER, "other")
OTHER = resource(CLUSTER, "other", changed(CLUSTER_PROPS, clusterIdentifier="other"))

NO_SUBSCRIPTION = "Cluster 'db' has no RDS event subscription with sourceType db-cluster."
OTHER_NO_SUBSCRIPTION = "Cluster 'other' has no RDS event subscription with sourceType db-cluster."


def sub(name, props=GOOD_SUB, depends_on=()):
    deps = {"sourceIds": [urn(CLUSTER, c) for c in depends_on]} if depends_on else {}
    return resource(SUB, name, props, property_dependencies=deps)


# --- aurora-readers-multi-az --------------------------------------------------------------------------------------

def test_a_cluster_listed_after_other_resources_is_judged():
    assert check_stack(MULTI_AZ, [KEY, instance("db-1", "eu-west-1a"), CLUSTER_RES]) == [
        "Cluster 'db' has 1 instance(s); add readers so instances span at least 2 Availability Zones."]


def zone_from_a_lookup(name):
    # availability_zone=subnet.availability_zone of a looked-up subnet: unknown until AWS answers the lookup.
    return resource(INSTANCE, name, {"clusterIdentifier": "db", "instanceClass": "db.r6g.large",
                                     "availabilityZone": UNKNOWN},
                    property_dependencies={"clusterIdentifier": [urn(CLUSTER, "db")]})


def test_unknown_zones_are_named_and_not_counted():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), zone_from_a_lookup("db-3"), zone_from_a_lookup("db-2")]
    assert check_stack(MULTI_AZ, resources) == [
        "Cluster 'db' has 3 instances in 1 Availability Zone(s) (eu-west-1a); the zone of db-2, db-3 is unknown "
        "until deployment (not counted); at least 2 are required."]


def test_unpinned_and_unknown_zones_are_both_named():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-4", None), zone_from_a_lookup("db-2")]
    assert check_stack(MULTI_AZ, resources) == [
        "Cluster 'db' has 3 instances in 1 Availability Zone(s) (eu-west-1a); db-4 set no availabilityZone; the zone "
        "of db-2 is unknown until deployment (not counted); at least 2 are required."]


# --- aurora-event-subscription: which clusters a subscription covers --------------------------------------------

def test_a_subscription_naming_another_cluster_by_value_does_not_cover_this_one():
    # No dependency recorded (literal identifiers, or an old state file): sourceIds lists the clusters covered.
    other_only = sub("other-events", changed(GOOD_SUB, sourceIds=["other"]))
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, other_only]) == [NO_SUBSCRIPTION]


def test_a_subscription_naming_several_clusters_by_value_covers_each():
    both = sub("events", changed(GOOD_SUB, sourceIds=["other", "db"]))
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, both]) == []


def test_a_subscription_naming_a_cluster_by_a_bare_string_covers_it():
    bare = sub("events", changed(GOOD_SUB, sourceIds="db"))
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, bare]) == [OTHER_NO_SUBSCRIPTION]


def test_a_cluster_without_an_identifier_is_not_covered_by_a_list_of_identifiers():
    bare = resource(CLUSTER, "db", {k: v for k, v in CLUSTER_PROPS.items() if k != "clusterIdentifier"})
    assert check_stack(EVENTS, [bare, sub("events", changed(GOOD_SUB, sourceIds=["db"]))]) == [NO_SUBSCRIPTION]


def test_a_subscription_computed_from_the_cluster_covers_it_while_the_ids_are_unknown():
    # A preview: sourceIds=[cluster.id] is unknown until the cluster exists; the dependency says which cluster.
    preview = sub("events", changed(GOOD_SUB, sourceIds=[UNKNOWN]), depends_on=["db"])
    assert check_stack(EVENTS, [CLUSTER_RES, preview]) == []
    whole = sub("events", changed(GOOD_SUB, sourceIds=UNKNOWN), depends_on=["db"])
    assert check_stack(EVENTS, [CLUSTER_RES, whole]) == []


def test_a_subscription_computed_from_another_cluster_does_not_cover_this_one():
    # The dependency decides, not the value: the ids came from 'other' even though they read "db" here.
    from_other = sub("events", GOOD_SUB, depends_on=["other"])
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, from_other]) == [NO_SUBSCRIPTION]


# --- aurora-event-subscription: every cluster is judged -----------------------------------------------------------

def test_a_cluster_listed_after_other_resources_is_judged_for_its_subscription():
    resources = [KEY, OTHER, sub("other-events", depends_on=["other"]), CLUSTER_RES]
    assert check_stack(EVENTS, resources) == [NO_SUBSCRIPTION]


def test_a_cluster_after_one_without_a_subscription_is_judged():
    disabled = sub("other-events", changed(GOOD_SUB, enabled=False), depends_on=["other"])
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, disabled]) == [
        NO_SUBSCRIPTION, "every event subscription for Cluster 'other' has enabled set to false."]


def test_a_cluster_after_one_with_only_disabled_subscriptions_is_judged():
    disabled = sub("events", changed(GOOD_SUB, enabled=False), depends_on=["db"])
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, disabled]) == [
        "every event subscription for Cluster 'db' has enabled set to false.", OTHER_NO_SUBSCRIPTION]


def test_a_cluster_after_one_with_the_categories_is_judged():
    good = sub("events", depends_on=["db"])
    partial = sub("other-events", changed(GOOD_SUB, eventCategories=["failure"]), depends_on=["other"])
    assert check_stack(EVENTS, [CLUSTER_RES, OTHER, good, partial]) == [
        "the event subscriptions for Cluster 'other' must include the categories failure and maintenance."]


# --- other spellings (adversarial) ----------------------------------------------------------------------------------

def for_db(**changes):
    return check_stack(EVENTS, [CLUSTER_RES, sub("events", changed(GOOD_SUB, **changes), depends_on=["db"])])


@pytest.mark.parametrize("source_type", ["DB-CLUSTER", " db-cluster ", "db-instance", "db-cluster-snapshot"])
def test_a_source_type_other_than_db_cluster_covers_no_cluster(source_type):
    # RDS takes the lower-case source types only; anything else is no cluster subscription.
    assert for_db(sourceType=source_type) == [NO_SUBSCRIPTION]


@pytest.mark.parametrize("enabled", [False, "false", "0", "f", "False"])
def test_a_subscription_disabled_in_any_spelling_is_disabled(enabled):
    assert for_db(enabled=enabled) == ["every event subscription for Cluster 'db' has enabled set to false."]


def test_an_enabled_flag_that_is_not_a_boolean_is_reported_and_covers_nothing():
    assert for_db(enabled="yes") == [
        'enabled is "yes", which is not a boolean: the provider refuses it or reads it otherwise than intended (give '
        'true or false; of strings only "true", "1", "t", "TRUE", "True", "false", "0", "f", "FALSE", "False" are read '
        'as booleans).',
        NO_SUBSCRIPTION]


@pytest.mark.parametrize("categories", [["Failure", "Maintenance"], "failure", ["failure"], ["maintenance"]])
def test_categories_in_another_spelling_or_missing_one_are_refused(categories):
    assert for_db(eventCategories=categories) == [
        "the event subscriptions for Cluster 'db' must include the categories failure and maintenance."]


def test_a_disabled_subscription_with_every_category_does_not_complete_an_enabled_one():
    disabled = sub("all", changed(GOOD_SUB, enabled=False), depends_on=["db"])
    partial = sub("failure-only", changed(GOOD_SUB, eventCategories=["failure"]), depends_on=["db"])
    assert check_stack(EVENTS, [CLUSTER_RES, disabled, partial]) == [
        "the event subscriptions for Cluster 'db' must include the categories failure and maintenance."]


# --- what counts as a pinned zone -----------------------------------------------------------------------------------

def test_a_blank_zone_is_no_pinned_zone():
    # The provider sends no zone for an empty string (as for an unset one), so RDS picks it: maybe the writer's.
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), resource(
        INSTANCE, "db-2", {"clusterIdentifier": "db", "instanceClass": "db.r6g.large", "availabilityZone": ""},
        property_dependencies={"clusterIdentifier": [urn(CLUSTER, "db")]})]
    assert check_stack(MULTI_AZ, resources) == [
        "Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); db-2 set no availabilityZone; at least "
        "2 are required."]


@pytest.mark.parametrize("spelling", ["EU-WEST-1A", " eu-west-1a", "eu-west-1A "])
def test_one_zone_in_two_spellings_is_one_zone(spelling):
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-2", spelling)]
    assert check_stack(MULTI_AZ, resources) == [
        "Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); at least 2 are required."]
