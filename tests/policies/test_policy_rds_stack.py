"""Stack rules over Aurora: TLS through the cluster parameter group, reader placement, event subscriptions."""

from preflight.policy_eval import UNKNOWN

from .policy_helpers import changed, check_stack, resource, urn

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SUB = "aws:rds/eventSubscription:EventSubscription"

PG_URN = urn(PG, "db-tls")
CLUSTER_URN = urn(CLUSTER, "db")

GOOD_PG = {"name": "db-tls", "family": "aurora-postgresql16",
           "parameters": [{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
                          {"name": "log_min_duration_statement", "value": "500"}]}
MYSQL_PG = {"name": "db-tls", "family": "aurora-mysql8.0",
            "parameters": [{"name": "require_secure_transport", "value": "ON"}]}
CLUSTER_PROPS = {"engine": "aurora-postgresql", "clusterIdentifier": "db", "dbClusterParameterGroupName": "db-tls"}


def tls_stack(pg=GOOD_PG, cluster=CLUSTER_PROPS, deps=True):
    property_dependencies = {"dbClusterParameterGroupName": [PG_URN]} if deps else {}
    return [resource(PG, "db-tls", pg),
            resource(CLUSTER, "db", cluster, property_dependencies=property_dependencies)]


# --- aurora-tls-forced --------------------------------------------------------------------------------------------

def test_postgres_cluster_with_force_ssl_passes():
    assert check_stack("aurora-tls-forced", tls_stack()) == []


def test_force_ssl_missing():
    pg = changed(GOOD_PG, parameters=[{"name": "log_min_duration_statement", "value": "500"}])
    assert check_stack("aurora-tls-forced", tls_stack(pg)) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set rds.force_ssl=1; it does not set it."]


def test_force_ssl_zero():
    pg = changed(GOOD_PG, parameters=[{"name": "rds.force_ssl", "value": "0"}])
    assert check_stack("aurora-tls-forced", tls_stack(pg)) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set rds.force_ssl=1; it sets 0."]


def test_force_ssl_as_a_number_is_tolerated():
    pg = changed(GOOD_PG, parameters=[{"name": "rds.force_ssl", "value": 1.0}])
    assert check_stack("aurora-tls-forced", tls_stack(pg)) == []


def test_mysql_require_secure_transport_passes():
    assert check_stack("aurora-tls-forced", tls_stack(MYSQL_PG, changed(CLUSTER_PROPS, engine="aurora-mysql"))) == []


def test_mysql_require_secure_transport_off():
    pg = changed(MYSQL_PG, parameters=[{"name": "require_secure_transport", "value": "OFF"}])
    assert check_stack("aurora-tls-forced", tls_stack(pg, changed(CLUSTER_PROPS, engine="aurora-mysql"))) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set require_secure_transport=ON; it sets OFF."]


def test_engine_default_parameter_group():
    cluster = changed(CLUSTER_PROPS, dbClusterParameterGroupName=None)
    assert check_stack("aurora-tls-forced", tls_stack(cluster=cluster, deps=False)) == [
        "Cluster 'db' uses the engine's default cluster parameter group, which does not set rds.force_ssl=1."]


def test_parameter_group_outside_the_stack():
    cluster = changed(CLUSTER_PROPS, dbClusterParameterGroupName="shared-group")
    assert check_stack("aurora-tls-forced", [resource(CLUSTER, "db", cluster)]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]


def test_group_name_from_another_stack_is_outside_the_stack():
    # The name comes from a StackReference output: recorded as a dependency, but not on a parameter group.
    ref_urn = urn("pulumi:pulumi:StackReference", "shared")
    cluster = resource(CLUSTER, "db", CLUSTER_PROPS, property_dependencies={"dbClusterParameterGroupName": [ref_urn]})
    shared = resource("pulumi:pulumi:StackReference", "shared", {"name": "org/shared/prod"})
    assert check_stack("aurora-tls-forced", [shared, cluster]) == [
        "Cluster 'db' uses a cluster parameter group that is not managed in this stack, "
        "so rds.force_ssl=1 cannot be verified."]


def test_falls_back_to_the_group_name_without_a_dependency():
    assert check_stack("aurora-tls-forced", tls_stack(deps=False)) == []


def test_an_unknown_group_name_is_a_violation_even_with_a_dependency():
    # A dependency says the value was computed from the group, not that it is the group's name: an apply on it
    # could return default.aurora-postgresql16. Unknown during a preview means the rule cannot tell.
    cluster = changed(CLUSTER_PROPS, dbClusterParameterGroupName=UNKNOWN)
    pg = changed(GOOD_PG, name=UNKNOWN)
    assert check_stack("aurora-tls-forced", tls_stack(pg, cluster)) == [
        "Cluster 'db': dbClusterParameterGroupName is not known before deployment, so the rule cannot tell which "
        "cluster parameter group it uses; name the group directly (a literal or the group's name output)."]


def test_violation_names_the_cluster_urn():
    from .policy_helpers import analyzer

    pg = changed(GOOD_PG, parameters=[])
    [violation] = [v for v in analyzer().analyze_stack(tls_stack(pg)).violations if v.policy == "aurora-tls-forced"]
    assert (violation.policy, violation.enforcement_level, violation.urn) == (
        "aurora-tls-forced", "mandatory", CLUSTER_URN)


# --- aurora-readers-multi-az --------------------------------------------------------------------------------------

def instance(name, zone, cluster_urn=CLUSTER_URN):
    props = {"clusterIdentifier": "db", "instanceClass": "db.r6g.large"}
    if zone:
        props["availabilityZone"] = zone
    return resource(INSTANCE, name, props, property_dependencies={"clusterIdentifier": [cluster_urn]})


CLUSTER_RES = resource(CLUSTER, "db", CLUSTER_PROPS)


def test_writer_and_reader_in_two_zones_pass():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-2", "eu-west-1b")]
    assert check_stack("aurora-readers-multi-az", resources) == []


def test_writer_only():
    assert check_stack("aurora-readers-multi-az", [CLUSTER_RES, instance("db-1", "eu-west-1a")]) == [
        "Cluster 'db' has 1 instance(s); add readers so instances span at least 2 Availability Zones."]


def test_all_instances_in_one_zone():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-2", "eu-west-1a")]
    assert check_stack("aurora-readers-multi-az", resources) == [
        "Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); at least 2 are required."]


def test_unpinned_reader_does_not_count():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-2", None)]
    assert check_stack("aurora-readers-multi-az", resources) == [
        "Cluster 'db' has 2 instances in 1 Availability Zone(s) (eu-west-1a); db-2 set no availabilityZone; "
        "at least 2 are required."]


def test_instances_of_another_cluster_do_not_count():
    other = resource(CLUSTER, "other", changed(CLUSTER_PROPS, clusterIdentifier="db"))  # same id, other cluster
    resources = [CLUSTER_RES, other, instance("db-1", "eu-west-1a"), instance("x-2", "eu-west-1b", other.urn)]
    assert check_stack("aurora-readers-multi-az", resources) == [
        "Cluster 'db' has 1 instance(s); add readers so instances span at least 2 Availability Zones.",
        "Cluster 'other' has 1 instance(s); add readers so instances span at least 2 Availability Zones."]


def test_minimum_zones_from_config():
    resources = [CLUSTER_RES, instance("db-1", "eu-west-1a"), instance("db-2", "eu-west-1b")]
    assert check_stack("aurora-readers-multi-az", resources,
                       {"aurora-readers-multi-az": {"minimumAvailabilityZones": 3}}) == [
        "Cluster 'db' has 2 instances in 2 Availability Zone(s) (eu-west-1a, eu-west-1b); at least 3 are required."]


# --- aurora-event-subscription ------------------------------------------------------------------------------------

GOOD_SUB = {"snsTopic": "arn:sns", "sourceType": "db-cluster", "sourceIds": ["db"],
            "eventCategories": ["failure", "maintenance", "failover"]}


def subscription(props=GOOD_SUB, deps=True):
    return resource(SUB, "db-events", props,
                    property_dependencies={"sourceIds": [CLUSTER_URN]} if deps else {})


def test_cluster_with_subscription_passes():
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, subscription()]) == []


def test_cluster_without_subscription():
    assert check_stack("aurora-event-subscription", [CLUSTER_RES]) == [
        "Cluster 'db' has no RDS event subscription with sourceType db-cluster."]


def test_subscription_for_instances_does_not_cover_the_cluster():
    sub = subscription(changed(GOOD_SUB, sourceType="db-instance"))
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, sub]) == [
        "Cluster 'db' has no RDS event subscription with sourceType db-cluster."]


def test_disabled_subscription():
    sub = subscription(changed(GOOD_SUB, enabled=False))
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, sub]) == [
        "every event subscription for Cluster 'db' has enabled set to false."]


def test_subscription_missing_failure_category():
    sub = subscription(changed(GOOD_SUB, eventCategories=["maintenance"]))
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, sub]) == [
        "the event subscriptions for Cluster 'db' must include the categories failure and maintenance."]


def test_subscription_without_source_ids_covers_every_cluster():
    sub = subscription(changed(GOOD_SUB, sourceIds=None, eventCategories=None), deps=False)
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, sub]) == []


def test_subscription_matched_by_identifier_without_dependency():
    assert check_stack("aurora-event-subscription", [CLUSTER_RES, subscription(deps=False)]) == []
