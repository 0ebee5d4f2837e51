"""aurora-readers-multi-az when no dependency was recorded (an old state file): instances belong to a cluster by
their clusterIdentifier value; and an instance list that starts with another cluster's instances."""

from __future__ import annotations

from .policy_helpers import check_stack, resource
from .test_policy_rds_stack import CLUSTER, CLUSTER_PROPS, CLUSTER_RES, INSTANCE, instance

RULE = "aurora-readers-multi-az"
ONE = "Cluster 'db' has 1 instance(s); add readers so instances span at least 2 Availability Zones."


def by_value(name, zone, identifier="db"):
    props = {"instanceClass": "db.r6g.large", "availabilityZone": zone}
    if identifier is not None:
        props["clusterIdentifier"] = identifier
    return resource(INSTANCE, name, props)


def test_instances_named_by_the_clusters_identifier_count():
    assert check_stack(RULE, [CLUSTER_RES, by_value("db-1", "eu-west-1a"), by_value("db-2", "eu-west-1b")]) == []


def test_instances_of_another_identifier_do_not_count():
    assert check_stack(RULE, [CLUSTER_RES, by_value("db-1", "eu-west-1a"), by_value("x-2", "eu-west-1b", "x")]) \
        == [ONE]


def test_an_instance_without_an_identifier_does_not_count():
    assert check_stack(RULE, [CLUSTER_RES, by_value("db-1", "eu-west-1a"), by_value("x-2", "eu-west-1b", None)]) \
        == [ONE]


def test_a_cluster_without_an_identifier_is_not_matched_by_value():
    bare = resource(CLUSTER, "db", {k: v for k, v in CLUSTER_PROPS.items() if k != "clusterIdentifier"})
    assert check_stack(RULE, [bare, by_value("db-1", "eu-west-1a"), by_value("db-2", "eu-west-1b")]) == [
        "Cluster 'db' has 0 instance(s); add readers so instances span at least 2 Availability Zones."]


def test_the_unpinned_names_and_pinned_zones_are_listed():
    resources = [CLUSTER_RES, instance("db-1", None), instance("db-2", None)]
    assert check_stack(RULE, resources) == [
        "Cluster 'db' has 2 instances in 0 Availability Zone(s) (no pinned zone); db-1, db-2 set no "
        "availabilityZone; at least 2 are required."]
