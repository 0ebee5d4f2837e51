"""aurora-tls-forced, the cases surviving mutants showed unpinned: a group name of the wrong JSON type is named by
its type, and a cluster whose engine is not known yet is judged by its parameter group's family (MySQL families:
aurora-mysql*, aurora5.6 (Aurora MySQL 1), mysql*, mariadb*; AWS's TLS switch there is require_secure_transport)."""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import resource
from .test_policy_rds_tls import PG, cluster, groups, instance, instance_tls, tls


@pytest.mark.parametrize(("value", "kind"), [(True, "a boolean"), (5.0, "a number"), ({"name": "db-tls"},
                                                                                       "an object")])
def test_a_group_name_of_another_type_is_named_by_its_type(value, kind):
    assert tls([*groups({"name": "db-tls", "family": "aurora-postgresql16",
                         "parameters": [{"name": "rds.force_ssl", "value": "1"}]}), cluster(value)]) == [
        f"Cluster 'db': dbClusterParameterGroupName is {kind}, not a cluster parameter group name, so the rule "
        f"cannot tell which cluster parameter group it uses; name the group directly."]


@pytest.mark.parametrize("family", ["aurora-mysql8.0", "aurora5.6", "Aurora-MySQL5.7", "mysql8.0", "mariadb10.6"])
def test_an_unknown_engine_is_judged_by_the_mysql_family_of_its_group(family):
    weak = {"name": "db-tls", "family": family, "parameters": [{"name": "require_secure_transport", "value": "OFF"}]}
    assert tls([*groups(weak), cluster("db-tls", engine=UNKNOWN)]) == [
        "ClusterParameterGroup 'db-tls' (used by Cluster 'db') must set require_secure_transport=ON; it sets OFF."]


@pytest.mark.parametrize("family", ["aurora-mysql8.0", "mariadb10.6"])
def test_a_mysql_family_group_that_requires_tls_passes_for_an_unknown_engine(family):
    good = {"name": "db-tls", "family": family, "parameters": [{"name": "require_secure_transport", "value": "ON"}]}
    assert tls([*groups(good), cluster("db-tls", engine=UNKNOWN)]) == []


# --- rds-instance-tls-forced: the engine alone names the MySQL family (mysql, mariadb) -------------------------------

@pytest.mark.parametrize("engine", ["mysql", "mariadb", "MySQL"])
def test_a_mysql_family_engine_is_judged_on_require_secure_transport_without_the_groups_family(engine):
    weak = {"name": "app-tls", "parameters": [{"name": "require_secure_transport", "value": "0"}]}
    assert instance_tls([resource(PG, "app-tls", weak), instance(engine=engine)]) == [
        "ParameterGroup 'app-tls' (used by Instance 'app') must set require_secure_transport=1; it sets 0."]
    good = {"name": "app-tls", "parameters": [{"name": "require_secure_transport", "value": "1"}]}
    assert instance_tls([resource(PG, "app-tls", good), instance(engine=engine)]) == []
