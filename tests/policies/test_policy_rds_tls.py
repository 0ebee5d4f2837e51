"""aurora-tls-forced and rds-instance-tls-forced: the group a database uses is the one its value names.

Every expected message is written out from the requirement; each bypass spelling that used to pass has a test.
"""

import pytest

from preflight.policy_eval import UNKNOWN, Resource

from .policy_helpers import changed, check_stack, resource, urn

CLUSTER = "aws:rds/cluster:Cluster"
CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
INSTANCE = "aws:rds/instance:Instance"
PG = "aws:rds/parameterGroup:ParameterGroup"
PROVIDER = "pulumi:providers:aws"

TLS = {"name": "db-tls", "family": "aurora-postgresql16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]}
WEAK = {"name": "db-weak", "family": "aurora-postgresql16", "parameters": [{"name": "rds.force_ssl", "value": "0"}]}
CLUSTER_PROPS = {"engine": "aurora-postgresql", "clusterIdentifier": "db", "dbClusterParameterGroupName": "db-tls"}
TLS_URN = urn(CPG, "db-tls")
BOTH = [TLS_URN, urn(CPG, "db-weak")]

DEFAULT_GROUP = ("Cluster 'db' uses the default cluster parameter group 'default.aurora-postgresql16', which never "
                 "forces TLS; it must use a cluster parameter group of this stack that sets rds.force_ssl=1.")
CANNOT_TELL_UNKNOWN = (
    "Cluster 'db': dbClusterParameterGroupName is not known before deployment, so the rule cannot tell which "
    "cluster parameter group it uses; name the group directly (a literal or the group's name output).")
WEAK_GROUP = "ClusterParameterGroup 'db-weak' (used by Cluster 'db') must set rds.force_ssl=1; it sets 0."


def cluster(value, deps=(TLS_URN,), **props):
    values = changed(CLUSTER_PROPS, dbClusterParameterGroupName=value, **props)
    if value is None:
        values.pop("dbClusterParameterGroupName", None)
    return resource(CLUSTER, "db", values, property_dependencies={"dbClusterParameterGroupName": list(deps)})


def groups(*props):
    return [resource(CPG, p["name"], p) for p in props]


def tls(resources):
    return check_stack("aurora-tls-forced", resources)


# --- the value names the group -------------------------------------------------------------------------------------

def test_the_named_tls_group_passes():
    assert tls([*groups(TLS), cluster("db-tls")]) == []


def test_default_group_through_an_apply_on_the_tls_group_fails():
    # db_cluster_parameter_group_name=tls.name.apply(lambda _: "default.aurora-postgresql16"): depends on tls.
    assert tls([*groups(TLS), cluster("default.aurora-postgresql16")]) == [DEFAULT_GROUP]


@pytest.mark.parametrize("value", ["DEFAULT.aurora-postgresql16", " default.aurora-postgresql16 ",
                                   "Default.Aurora-PostgreSQL16"])
def test_default_group_in_another_spelling_fails(value):
    assert tls([*groups(TLS), cluster(value)]) == [
        f"Cluster 'db' uses the default cluster parameter group '{value}', which never forces TLS; it must use a "
        f"cluster parameter group of this stack that sets rds.force_ssl=1."]


def test_default_group_for_mysql_asks_for_require_secure_transport():
    assert tls([cluster("default.aurora-mysql8.0", deps=(), engine="aurora-mysql")]) == [
        "Cluster 'db' uses the default cluster parameter group 'default.aurora-mysql8.0', which never forces TLS; it "
        "must use a cluster parameter group of this stack that sets require_secure_transport=ON."]


def test_output_all_picking_the_weak_group_of_two_fails():
    # Output.all(tls.name, weak.name).apply(lambda n: n[1]): depends on both, names the weak one.
    assert tls([*groups(TLS, WEAK), cluster("db-weak", deps=BOTH)]) == [WEAK_GROUP]


def test_output_all_picking_the_tls_group_of_two_passes():
    assert tls([*groups(WEAK, TLS), cluster("db-tls", deps=BOTH)]) == []


def test_naming_the_weak_group_while_depending_only_on_the_tls_group_fails():
    assert tls([*groups(TLS, WEAK), cluster("db-weak")]) == [WEAK_GROUP]


def test_a_literal_name_without_dependency_resolves():
    assert tls([*groups(TLS), cluster("db-tls", deps=())]) == []


def test_the_name_in_upper_case_is_the_same_group():
    # RDS stores group names in lower case: DB-WEAK is db-weak.
    assert tls([*groups(TLS, WEAK), cluster("DB-WEAK", deps=BOTH)]) == [WEAK_GROUP]


def test_the_group_id_resolves_like_its_name():
    # A state file's outputs carry the id; for a parameter group it is the name.
    group = resource(CPG, "tls", {**changed(TLS, name="db-tls-abc1234"), "id": "db-tls-abc1234"})
    assert tls([group, cluster("db-tls-abc1234", deps=(group.urn,))]) == []


def test_a_name_that_matches_no_group_and_is_not_default_cannot_be_verified():
    # tls.name.apply(lambda n: n + "-old"): derived from the group, but names another one.
    assert tls([*groups(TLS), cluster("db-tls-old")]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]


def test_an_instance_parameter_group_of_the_same_name_is_not_a_cluster_parameter_group():
    instance_group = resource(PG, "db-tls", changed(TLS, family="postgres16"))
    assert tls([instance_group, cluster("db-tls", deps=(instance_group.urn,))]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]


# --- the rule cannot tell ------------------------------------------------------------------------------------------

def test_unknown_name_is_a_violation():
    assert tls([*groups(TLS), cluster(UNKNOWN)]) == [CANNOT_TELL_UNKNOWN]


def test_a_name_that_is_not_a_string_is_a_violation():
    assert tls([*groups(TLS), cluster(["db-tls"])]) == [
        "Cluster 'db': dbClusterParameterGroupName is a list, not a cluster parameter group name, so the rule "
        "cannot tell which cluster parameter group it uses; name the group directly."]


def test_same_named_groups_without_a_deciding_dependency_are_ambiguous():
    east = resource(CPG, "tls-a", TLS)
    west = resource(CPG, "tls-b", changed(TLS, parameters=[]))
    assert tls([east, west, cluster("db-tls", deps=())]) == [
        "Cluster 'db': dbClusterParameterGroupName 'db-tls' matches 2 cluster parameter groups of this stack "
        "(ClusterParameterGroup 'tls-a', ClusterParameterGroup 'tls-b'), so the rule cannot tell which one it "
        "uses; name the group directly."]


def test_same_named_groups_are_told_apart_by_the_dependency():
    good = resource(CPG, "tls-a", TLS)
    weak = resource(CPG, "tls-b", changed(TLS, parameters=[]))
    assert tls([good, weak, cluster("db-tls", deps=(weak.urn,))]) == [
        "ClusterParameterGroup 'tls-b' (used by Cluster 'db') must set rds.force_ssl=1; it does not set it."]
    assert tls([good, weak, cluster("db-tls", deps=(good.urn,))]) == []


def test_a_same_named_group_in_another_region_is_not_the_one_used():
    # A TLS group named db-tls in eu-west-1 says nothing about the db-tls the us-east-1 cluster uses.
    provider = Resource(urn=urn(PROVIDER, "west"), type=PROVIDER, name="west", inputs={"region": "eu-west-1"})
    west = resource(CPG, "tls-west", TLS, provider=f"{provider.urn}::id")
    east_cluster = cluster("db-tls", deps=(west.urn,), region="us-east-1")
    assert tls([provider, west, east_cluster]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]
    west_cluster = cluster("db-tls", deps=(west.urn,), region="EU-WEST-1")
    assert tls([provider, west, west_cluster]) == []
    # A cluster on the default provider (no region offline) cannot be shown to be in eu-west-1.
    assert tls([provider, west, cluster("db-tls", deps=(west.urn,))]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]


def test_unset_and_empty_names_are_the_engine_default():
    expected = ["Cluster 'db' uses the engine's default cluster parameter group, which does not set rds.force_ssl=1."]
    assert tls([*groups(TLS), cluster(None)]) == expected
    assert tls([*groups(TLS), cluster("  ")]) == expected


# --- what the group sets --------------------------------------------------------------------------------------------

def test_a_parameter_listed_twice_must_agree():
    group = changed(TLS, parameters=[{"name": "rds.force_ssl", "value": "1"}, {"name": "RDS.Force_SSL", "value": "0"}])
    assert tls([*groups(group), cluster("db-tls")]) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set rds.force_ssl=1; it sets 1, 0."]


def test_parameter_name_in_another_case_is_the_parameter():
    group = changed(TLS, parameters=[{"name": " RDS.FORCE_SSL", "value": " 1 "}])
    assert tls([*groups(group), cluster("db-tls")]) == []


def test_unknown_parameters_are_a_violation():
    group = changed(TLS, parameters=[{"name": "rds.force_ssl", "value": UNKNOWN}])
    assert tls([*groups(group), cluster("db-tls")]) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set rds.force_ssl=1; its parameters are not "
        "known before deployment, so this cannot be verified: set them as literals."]


@pytest.mark.parametrize("value", ["ON", "on", "1", 1.0])
def test_mysql_cluster_accepts_on_or_1(value):
    group = {"name": "db-tls", "family": "aurora-mysql8.0",
             "parameters": [{"name": "require_secure_transport", "value": value}]}
    assert tls([*groups(group), cluster("db-tls", engine="aurora-mysql")]) == []


# --- rds-instance-tls-forced ----------------------------------------------------------------------------------------

PG_TLS = {"name": "app-tls", "family": "postgres16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]}
MYSQL_TLS = {"name": "app-tls", "family": "mysql8.0", "parameters": [{"name": "require_secure_transport",
                                                                       "value": "1"}]}
INSTANCE_PROPS = {"engine": "postgres", "identifier": "app", "parameterGroupName": "app-tls"}


PG_URN = urn(PG, "app-tls")


def instance(name="app", deps=(PG_URN,), **props):
    values = changed(INSTANCE_PROPS, **props)
    return resource(INSTANCE, name, values, property_dependencies={"parameterGroupName": list(deps)})


def instance_tls(resources):
    return check_stack("rds-instance-tls-forced", resources)


def test_postgres_instance_with_force_ssl_passes():
    assert instance_tls([resource(PG, "app-tls", PG_TLS), instance()]) == []


@pytest.mark.parametrize("engine", ["mysql", "mariadb"])
def test_mysql_instance_with_require_secure_transport_passes(engine):
    assert instance_tls([resource(PG, "app-tls", MYSQL_TLS), instance(engine=engine)]) == []


def test_mysql_instance_without_require_secure_transport():
    group = changed(MYSQL_TLS, parameters=[{"name": "require_secure_transport", "value": "0"}])
    assert instance_tls([resource(PG, "app-tls", group), instance(engine="mysql")]) == [
        "ParameterGroup 'app-tls' (used by Instance 'app') must set require_secure_transport=1; it sets 0."]


def test_postgres_instance_on_the_engine_default_group():
    assert instance_tls([instance(parameterGroupName=None)]) == [
        "Instance 'app' uses the engine's default parameter group, which does not set rds.force_ssl=1."]


def test_postgres_instance_on_a_named_default_group_through_an_apply():
    assert instance_tls([resource(PG, "app-tls", PG_TLS), instance(parameterGroupName="default.postgres16")]) == [
        "Instance 'app' uses the default parameter group 'default.postgres16', which never forces TLS; it must use "
        "a parameter group of this stack that sets rds.force_ssl=1."]


def test_instance_naming_a_cluster_parameter_group_is_not_verified():
    group = resource(CPG, "app-tls", changed(TLS, name="app-tls"))
    assert instance_tls([group, instance(deps=(group.urn,))]) == [
        "Instance 'app' uses a parameter group that is not managed in this stack, so rds.force_ssl=1 cannot be "
        "verified."]


def test_instance_group_name_unknown():
    assert instance_tls([resource(PG, "app-tls", PG_TLS), instance(parameterGroupName=UNKNOWN)]) == [
        "Instance 'app': parameterGroupName is not known before deployment, so the rule cannot tell which parameter "
        "group it uses; name the group directly (a literal or the group's name output)."]


def test_replica_without_engine_takes_the_source_engine():
    source = instance(name="app")
    replica = resource(INSTANCE, "replica", {"replicateSourceDb": "app", "identifier": "app-replica"})
    assert instance_tls([resource(PG, "app-tls", PG_TLS), source, replica]) == [
        "Instance 'replica' uses the engine's default parameter group, which does not set rds.force_ssl=1."]


def test_replica_without_engine_takes_the_family_of_its_group():
    replica = resource(INSTANCE, "replica", {"replicateSourceDb": "arn:aws:rds:us-east-1:1:db:elsewhere",
                                             "parameterGroupName": "app-tls"})
    group = changed(PG_TLS, parameters=[])
    assert instance_tls([resource(PG, "app-tls", group), replica]) == [
        "ParameterGroup 'app-tls' (used by Instance 'replica') must set rds.force_ssl=1; it does not set it."]


def test_instance_without_any_engine_is_a_violation():
    restored = resource(INSTANCE, "restored", {"snapshotIdentifier": "snap-1"})
    assert instance_tls([restored]) == [
        "Instance 'restored': engine is not set, so the rule cannot tell whether it needs rds.force_ssl or "
        "require_secure_transport; set engine as a literal."]


@pytest.mark.parametrize("engine", ["sqlserver-se", "oracle-ee", "db2-se"])
def test_engines_without_these_parameters_are_out_of_scope(engine):
    assert instance_tls([instance(engine=engine, parameterGroupName=None)]) == []


def test_violation_is_mandatory_on_the_instance_urn():
    from .policy_helpers import analyzer

    [violation] = [v for v in analyzer().analyze_stack([instance(parameterGroupName=None)]).violations
                   if v.policy == "rds-instance-tls-forced"]
    assert (violation.enforcement_level, violation.urn) == ("mandatory", urn(INSTANCE, "app"))
