"""aurora-tls-forced and rds-instance-tls-forced: behaviours surviving mutants showed unpinned.

Each expected message is written out from the rule's meaning: the group a database uses is the one its value names
(by name or id), in its region (its own `region`, else its provider's); a replica without an engine is judged by the
engine of its in-stack source (named by identifier, id or ARN); one resource the rule skips or cannot judge never
stops it from judging the next; and a cluster whose engine the rule cannot read is a violation, not a pass.
"""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN, Resource

from .policy_helpers import changed, resource, urn
from .test_policy_rds_tls import (
    CLUSTER,
    CPG,
    INSTANCE,
    PG,
    PG_TLS,
    PROVIDER,
    TLS,
    WEAK_GROUP,
    cluster,
    groups,
    instance,
    instance_tls,
    tls,
)

WEST = Resource(urn=urn(PROVIDER, "west"), type=PROVIDER, name="west", inputs={"region": "eu-west-1"})
ON_WEST = f"{WEST.urn}::id"
NO_FORCE_SSL = "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set rds.force_ssl=1; it does not set it."
CLUSTER_ENGINE_UNKNOWN = (
    "Cluster 'db': engine is not known before deployment, so the rule cannot tell whether it needs rds.force_ssl or "
    "require_secure_transport; set engine as a literal.")
APP_ON_DEFAULT = "Instance 'app' uses the engine's default parameter group, which does not set rds.force_ssl=1."


# --- resolving the group: order, region, id --------------------------------------------------------------------------

def test_a_cluster_listed_before_its_group_still_finds_it():
    # The stack's order is the program's; a database created before its group (or a state file's order) must
    # not hide the group from the search.
    weak = changed(TLS, parameters=[])
    assert tls([cluster("db-tls"), *groups(weak)]) == [NO_FORCE_SSL]
    assert tls([cluster("db-tls"), *groups(TLS)]) == []


def test_a_same_named_group_in_another_region_listed_first_does_not_hide_the_stacks_group():
    # eu-west-1 has a TLS group named db-tls; the cluster (default provider) uses the db-tls of the stack's region,
    # which does not force TLS: that one is judged, not "not managed".
    west = resource(CPG, "tls-west", TLS, provider=ON_WEST)
    home = resource(CPG, "tls-home", changed(TLS, parameters=[]))
    assert tls([WEST, west, home, cluster("db-tls", deps=())]) == [
        "ClusterParameterGroup 'tls-home' (used by Cluster 'db') must set rds.force_ssl=1; it does not set it."]


def test_a_cluster_whose_region_is_not_known_yet_is_in_its_providers_region():
    west = resource(CPG, "db-tls", changed(TLS, parameters=[]), provider=ON_WEST)
    on_west = resource(CLUSTER, "db", cluster("db-tls", deps=()).inputs | {"region": UNKNOWN}, provider=ON_WEST)
    assert tls([WEST, west, on_west]) == [NO_FORCE_SSL]


def test_a_cluster_group_whose_name_is_not_known_yet_is_found_by_its_id():
    # For a parameter group the id is its name: a cluster naming the id names that group.
    group = resource(CPG, "tls", {**changed(TLS, parameters=[]), "name": UNKNOWN, "id": "db-tls-abc1234"})
    assert tls([group, cluster("db-tls-abc1234", deps=())]) == [
        "ClusterParameterGroup 'tls' (used by Cluster 'db') must set rds.force_ssl=1; it does not set it."]


def test_an_instance_group_whose_name_is_not_known_yet_is_found_by_its_id():
    group = resource(PG, "tls", {**changed(PG_TLS, parameters=[]), "name": UNKNOWN, "id": "app-tls-abc1234"})
    assert instance_tls([group, instance(deps=(), parameterGroupName="app-tls-abc1234")]) == [
        "ParameterGroup 'tls' (used by Instance 'app') must set rds.force_ssl=1; it does not set it."]


# --- replicas: the source named by identifier, id or ARN -------------------------------------------------------------

SOURCE = {"engine": "mysql", "identifier": "app", "id": "db-ABCDEFGHIJKLMNOP",
          "arn": "arn:aws:rds:us-east-1:123456789012:db:app", "parameterGroupName": "app-tls"}
REPLICA_ON_DEFAULT = ("Instance 'replica' uses the engine's default parameter group, which does not set "
                      "require_secure_transport=1.")


@pytest.mark.parametrize("source_key", ["identifier", "id", "arn"])
def test_a_replica_without_engine_takes_the_engine_of_the_source_it_names(source_key):
    # MySQL source: the replica on the engine's default group must be asked for require_secure_transport, which
    # only the source's engine can tell (never "sets no engine").
    mysql_tls = {"name": "app-tls", "parameters": [{"name": "require_secure_transport", "value": "1"}]}
    source = resource(INSTANCE, "app", SOURCE)
    replica = resource(INSTANCE, "replica", {"replicateSourceDb": SOURCE[source_key], "identifier": "app-replica"})
    assert instance_tls([resource(PG, "app-tls", mysql_tls), source, replica]) == [REPLICA_ON_DEFAULT]


# --- one skipped or unjudgeable resource does not end the check ------------------------------------------------------

def test_an_instance_without_engine_does_not_stop_the_check_of_the_next():
    restored = resource(INSTANCE, "restored", {"snapshotIdentifier": "snap-1"})
    assert instance_tls([restored, instance(parameterGroupName=None)]) == [
        "Instance 'restored': engine is not set, so the rule cannot tell whether it needs rds.force_ssl or "
        "require_secure_transport; set engine as a literal.", APP_ON_DEFAULT]


def test_an_out_of_scope_instance_engine_does_not_stop_the_check_of_the_next():
    oracle = instance(name="ledger", engine="oracle-ee", parameterGroupName=None, identifier="ledger")
    assert instance_tls([oracle, instance(parameterGroupName=None)]) == [APP_ON_DEFAULT]


def test_an_out_of_scope_cluster_engine_does_not_stop_the_check_of_the_next():
    # An RDS-API cluster of an engine without these parameters (Neptune) is skipped; the Aurora cluster after it
    # is still judged.
    other = resource(CLUSTER, "graph", {"engine": "neptune", "clusterIdentifier": "graph"})
    assert tls([other, cluster(None)]) == [
        "Cluster 'db' uses the engine's default cluster parameter group, which does not set rds.force_ssl=1."]


# --- an engine the rule cannot read -------------------------------------------------------------------------------

@pytest.mark.parametrize("group_name", [None, "default.aurora-postgresql16", "db-tls"])
def test_a_cluster_whose_engine_is_not_known_is_a_violation(group_name):
    # Unknown engine: the engine's default group, a named default group, or a group whose family is not known
    # either: the rule cannot tell which parameter to ask for, so it must not pass the cluster unseen.
    unknown_family = changed(TLS, family=UNKNOWN)
    assert tls([*groups(unknown_family), cluster(group_name, engine=UNKNOWN)]) == [CLUSTER_ENGINE_UNKNOWN]


def test_a_cluster_whose_engine_is_not_known_passes_on_a_tls_group_of_a_known_family():
    assert tls([*groups(TLS), cluster("db-tls", engine=UNKNOWN)]) == []
    assert tls([*groups(changed(TLS, name="db-weak", parameters=[{"name": "rds.force_ssl", "value": "0"}])),
                cluster("db-weak", deps=(), engine=UNKNOWN)]) == [WEAK_GROUP]


def test_an_instance_whose_engine_and_group_family_are_not_known_is_a_violation():
    group = resource(PG, "app-tls", changed(PG_TLS, family=UNKNOWN))
    assert instance_tls([group, instance(engine=UNKNOWN)]) == [
        "Instance 'app': engine is not known before deployment, so the rule cannot tell whether it needs "
        "rds.force_ssl or require_secure_transport; set engine as a literal."]


@pytest.mark.parametrize(("engine", "said"), [
    (UNKNOWN, "is not known before deployment"),  # set, but to a value known only after deployment
    (None, "is not set"),
    (16.0, "is a number, not an engine name"),
    (True, "is a boolean, not an engine name"),
    (["postgres"], "is a list, not an engine name"),
    ({"name": "postgres"}, "is an object, not an engine name"),
])
def test_an_instance_engine_the_rule_cannot_read_is_named_as_given(engine, said):
    # On the engine's default group nothing else tells the engine: the message says what the engine is, never
    # "sets no engine" for one that is set.
    assert instance_tls([instance(engine=engine, parameterGroupName=None)]) == [
        f"Instance 'app': engine {said}, so the rule cannot tell whether it needs rds.force_ssl or "
        f"require_secure_transport; set engine as a literal."]


@pytest.mark.parametrize("engine", [UNKNOWN, 16.0, ["mysql"]])
def test_a_replica_whose_engine_is_unreadable_takes_the_engine_of_its_source(engine):
    # A replica runs its source's engine whatever it writes: the MySQL source tells the parameter to ask for.
    source = resource(INSTANCE, "app", changed(SOURCE, parameterGroupName=None))
    replica = resource(INSTANCE, "replica", {"replicateSourceDb": "app", "identifier": "app-replica",
                                             "engine": engine})
    assert instance_tls([source, replica]) == [
        "Instance 'app' uses the engine's default parameter group, which does not set require_secure_transport=1.",
        REPLICA_ON_DEFAULT]


@pytest.mark.parametrize("engine", [UNKNOWN, 16.0])
def test_an_instance_whose_engine_is_unreadable_is_judged_by_its_groups_family(engine):
    # The group's family tells the engine: a MySQL group without require_secure_transport fails as MySQL.
    group = resource(PG, "app-tls", {"name": "app-tls", "family": "mysql8.0", "parameters": []})
    assert instance_tls([group, instance(engine=engine)]) == [
        "ParameterGroup 'app-tls' (used by Instance 'app') must set require_secure_transport=1; it does not set it."]


@pytest.mark.parametrize(("engine", "said"), [
    (None, "is not set"),
    (16.0, "is a number, not an engine name"),
    (["aurora-postgresql"], "is a list, not an engine name"),
    ({"name": "aurora-postgresql"}, "is an object, not an engine name"),
])
def test_a_cluster_engine_the_rule_cannot_read_is_named_as_given(engine, said):
    # On the engine's default group, whatever the engine: the rule cannot tell the parameter, so it fails.
    props = {"clusterIdentifier": "db"} if engine is None else {"clusterIdentifier": "db", "engine": engine}
    assert tls([resource(CLUSTER, "db", props)]) == [
        f"Cluster 'db': engine {said}, so the rule cannot tell whether it needs rds.force_ssl or "
        f"require_secure_transport; set engine as a literal."]


@pytest.mark.parametrize("engine", ["", "   "])
def test_a_blank_instance_engine_is_not_set(engine):
    # The provider reads an empty optional string as unset (the engine then comes from the snapshot or the
    # source): a blank engine must not pass as an engine the rule does not check.
    assert instance_tls([instance(engine=engine, parameterGroupName=None)]) == [
        "Instance 'app': engine is not set, so the rule cannot tell whether it needs rds.force_ssl or "
        "require_secure_transport; set engine as a literal."]


@pytest.mark.parametrize("engine", ["", "   "])
def test_a_blank_cluster_engine_is_not_set(engine):
    assert tls([resource(CLUSTER, "db", {"clusterIdentifier": "db", "engine": engine})]) == [
        "Cluster 'db': engine is not set, so the rule cannot tell whether it needs rds.force_ssl or "
        "require_secure_transport; set engine as a literal."]
