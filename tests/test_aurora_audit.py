"""Audit logging (`aurora-platform:database.audit`): settings, the cluster parameter group under mocks for dev and
prod, the gate's aurora-audit-logging rule (with the spellings that try to get past it) and verify's check."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from preflight.policy_eval import Analyzer, load_policy_config
from tests.conftest import REPO_ROOT
from tests.policies.policy_helpers import check_stack, resource, urn

KEY = "aurora-platform:database"
CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
CLUSTER = "aws:rds/cluster:Cluster"


def audit(values: dict, environment: str = "development", engine: str = "aurora-postgresql"):
    database = {"engine": engine, **values}
    return load_settings({"environment": environment, "database": database}, "dev", "us-east-1").database.audit


def problems(values: dict, engine: str = "aurora-postgresql") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"engine": engine, **values}}, "dev", "us-east-1")
    return caught.value.problems


# ---- settings -----------------------------------------------------------------------------------------------------

def test_pgaudit_is_on_in_production_and_off_in_development_by_default():
    assert audit({}, "production").enabled is True
    assert audit({}, "development").enabled is False
    assert audit({"audit": {"enabled": False}}, "production").enabled is False


def test_mysql_server_audit_stays_on_by_default_everywhere():
    assert audit({}, "development", "aurora-mysql").enabled is True


def test_defaults_log_schema_and_privilege_changes():
    settings = audit({"audit": {"enabled": True}})
    assert settings.pgaudit_log == ("ddl", "role") and settings.pgaudit_role == "rds_pgaudit"
    assert audit({}, engine="aurora-mysql").server_audit_events == ("CONNECT", "QUERY_DCL", "QUERY_DDL")


def test_the_classes_and_role_given_are_the_ones_used():
    settings = audit({"audit": {"enabled": True, "pgauditLog": ["all", "-misc"], "pgauditRole": "auditor"}})
    assert settings.pgaudit_log == ("all", "-misc") and settings.pgaudit_role == "auditor"


def test_an_unknown_pgaudit_class_is_named():
    assert problems({"audit": {"pgauditLog": ["ddl", "writes"]}}) == [
        f'{KEY}.audit.pgauditLog[1]: got "writes"; allowed: a pgaudit class in lower case, read, write, function, '
        f"role, ddl, misc, misc_set, all (a leading - excludes one, e.g. -misc)"]


@pytest.mark.parametrize("spelling", ["DDL", " ddl", "none", "--ddl"])
def test_other_spellings_of_a_class_are_refused(spelling):
    assert len(problems({"audit": {"pgauditLog": [spelling]}})) == 1


def test_only_exclusions_log_nothing_and_are_refused():
    assert problems({"audit": {"pgauditLog": ["-misc"]}}) == [
        f"{KEY}.audit.pgauditLog: only excludes classes, so nothing would be logged; allowed: at least one class to "
        f"log, e.g. [all, -misc]"]


def test_an_empty_list_and_a_repeated_class_are_refused():
    assert problems({"audit": {"pgauditLog": []}}) == [
        f"{KEY}.audit.pgauditLog: is empty; allowed: at least one item (audit.enabled: false turns auditing off)"]
    assert problems({"audit": {"pgauditLog": ["ddl", "-ddl"]}}) == [
        f"{KEY}.audit.pgauditLog: names an item twice; allowed: each item once"]


def test_engine_specific_keys_on_the_other_engine_are_refused():
    assert problems({"audit": {"serverAuditEvents": ["CONNECT"]}}) == [
        f'{KEY}.audit.serverAuditEvents: applies to engine aurora-mysql only; engine is "aurora-postgresql"']
    assert problems({"audit": {"pgauditLog": ["ddl"]}}, "aurora-mysql") == [
        f'{KEY}.audit.pgauditLog: applies to engine aurora-postgresql only; engine is "aurora-mysql"']


@pytest.mark.parametrize(("name", "value", "engine", "wanted"), [
    ("pgauditLog", ["ddl"], "aurora-mysql", "aurora-postgresql"),
    ("pgauditRole", "rds_pgaudit", "aurora-mysql", "aurora-postgresql"),
    ("serverAuditEvents", ["CONNECT"], "aurora-postgresql", "aurora-mysql"),
])
def test_each_engine_specific_key_names_its_engine_when_set_on_the_other(name, value, engine, wanted):
    assert problems({"audit": {name: value}}, engine) == [
        f'{KEY}.audit.{name}: applies to engine {wanted} only; engine is "{engine}"']


@pytest.mark.parametrize(("name", "engine", "item"), [("pgauditLog", "aurora-postgresql", "a pgaudit class"),
                                                      ("serverAuditEvents", "aurora-mysql", "a server audit event")])
def test_a_list_setting_given_a_word_or_a_number_says_what_its_items_are(name, engine, item):
    assert problems({"audit": {name: "ddl"}}, engine) == [
        f'{KEY}.audit.{name}: got "ddl"; allowed: a list, each item {item}']
    assert problems({"audit": {name: [5]}}, engine) == [f"{KEY}.audit.{name}[0]: got 5; allowed: {item}"]


def test_an_empty_and_a_repeated_mysql_event_list_are_refused():
    assert problems({"audit": {"serverAuditEvents": []}}, "aurora-mysql") == [
        f"{KEY}.audit.serverAuditEvents: is empty; allowed: at least one item (audit.enabled: false turns auditing "
        f"off)"]
    assert problems({"audit": {"serverAuditEvents": ["CONNECT", "QUERY", "CONNECT"]}}, "aurora-mysql") == [
        f"{KEY}.audit.serverAuditEvents: names an item twice; allowed: each item once"]


def test_an_unknown_mysql_event_is_named():
    assert problems({"audit": {"serverAuditEvents": ["connect"]}}, "aurora-mysql") == [
        f'{KEY}.audit.serverAuditEvents[0]: got "connect"; allowed: one of CONNECT, QUERY, QUERY_DCL, QUERY_DDL, '
        f"QUERY_DML, QUERY_DML_NO_SELECT, TABLE"]


def test_a_bad_role_name_is_named():
    assert problems({"audit": {"pgauditRole": "Audit-Role"}}) == [
        f'{KEY}.audit.pgauditRole: got "Audit-Role"; allowed: a PostgreSQL role name: a lower-case letter or _, then '
        f"up to 62 lower-case letters, digits or _ (the role is created once in the database, see docs/database.md)"]


@pytest.mark.parametrize(("engine", "name"), [("aurora-postgresql", "pgaudit.log"),
                                              ("aurora-postgresql", "PGAUDIT.LOG"),
                                              ("aurora-mysql", "server_audit_logging"),
                                              ("aurora-mysql", "Server_Audit_Events")])
def test_audit_parameters_cannot_be_set_a_second_way(engine, name):
    found = problems({"parameters": {name: "0"}}, engine)
    assert len(found) == 1 and found[0].startswith(f"{KEY}.parameters.{name}: is set through {KEY}.audit (enabled, ")


@pytest.mark.parametrize(("engine", "name", "owner_keys"), [
    ("aurora-postgresql", "pgaudit.role", "pgauditLog, pgauditRole"),
    ("aurora-mysql", "server_audit_events", "serverAuditEvents"),
])
def test_an_audit_parameter_set_a_second_way_names_the_audit_keys_that_set_it(engine, name, owner_keys):
    assert problems({"parameters": {name: "x"}}, engine) == [
        f"{KEY}.parameters.{name}: is set through {KEY}.audit (enabled, {owner_keys}); allowed: remove it from "
        f"parameters"]


def test_a_bad_preload_list_is_refused():
    assert problems({"parameters": {"shared_preload_libraries": "pg_stat_statements;pgaudit"}}) == [
        f'{KEY}.parameters.shared_preload_libraries: got "pg_stat_statements;pgaudit"; allowed: a comma-separated '
        f"list of library names (pgaudit is added by audit.enabled)"]


def test_junk_in_audit_is_an_error_not_a_traceback():
    assert problems({"audit": "on"}) == [f'{KEY}.audit: got "on"; allowed: an object (a YAML mapping of settings)']
    assert problems({"audit": {"enabled": "yes"}}) == [f'{KEY}.audit.enabled: got "yes"; allowed: true or false']


# ---- the program under mocks ----------------------------------------------------------------------------------------

def group_parameters(run) -> dict[str, str]:
    group = run.one(CPG)
    return {p["name"]: p["value"] for p in group.inputs["parameters"]}


def test_prod_preloads_pgaudit_beside_the_default_library_and_logs_ddl_and_role(prod):
    values = group_parameters(prod)
    assert values["shared_preload_libraries"] == "pg_stat_statements,pgaudit"
    assert values["pgaudit.log"] == "ddl,role" and values["pgaudit.role"] == "rds_pgaudit"
    assert values["rds.force_ssl"] == "1"


def test_dev_has_no_audit_parameters(dev):
    values = group_parameters(dev)
    assert not {"shared_preload_libraries", "pgaudit.log", "pgaudit.role"} & set(values)


def stack_database(stack: str) -> dict:
    config = read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, stack)
    return dict(config[KEY])


def test_a_users_preload_list_keeps_its_libraries_and_gains_pgaudit_once(evaluate):
    database = {**stack_database("prod"), "parameters": {"shared_preload_libraries": "pg_cron, pgaudit"}}
    values = group_parameters(evaluate("prod", {KEY: database, "aurora-platform:app": None}))
    assert values["shared_preload_libraries"] == "pg_cron,pgaudit"


@pytest.mark.parametrize("spelling", ["Shared_Preload_Libraries", "SHARED_PRELOAD_LIBRARIES"])
def test_a_preload_list_under_another_spelling_of_its_name_is_the_one_extended(spelling):
    # PostgreSQL parameter names are case-insensitive: the user's list, however spelt, is the one pgaudit joins, and
    # the group never holds two spellings of one parameter (RDS would take either).
    from components.aurora_audit import cluster_parameters

    settings = load_settings({"database": {"engine": "aurora-postgresql", "audit": {"enabled": True},
                                           "parameters": {spelling: "pg_cron"}}}, "dev", "us-east-1").database
    values = cluster_parameters(settings)
    assert values["shared_preload_libraries"] == "pg_cron,pgaudit"
    assert [name for name in values if name.lower() == "shared_preload_libraries"] == ["shared_preload_libraries"]


def test_mysql_with_audit_off_drops_the_server_audit_parameters(evaluate):
    database = {"engine": "aurora-mysql", "databaseName": "blog", "masterUsername": "blog_admin",
                "audit": {"enabled": False}, "deletionProtection": False}
    values = group_parameters(evaluate("dev", {KEY: database, "aurora-platform:app": None}))
    assert "server_audit_logging" not in values and "server_audit_events" not in values
    assert values["slow_query_log"] == "1" and values["require_secure_transport"] == "ON"


def test_mysql_events_follow_the_setting(evaluate):
    database = {"engine": "aurora-mysql", "databaseName": "blog", "masterUsername": "blog_admin",
                "audit": {"serverAuditEvents": ["CONNECT", "QUERY_DML_NO_SELECT"]}}
    values = group_parameters(evaluate("prod", {KEY: database, "aurora-platform:app": None}))
    assert values["server_audit_logging"] == "1" and values["server_audit_events"] == "CONNECT,QUERY_DML_NO_SELECT"


def test_prod_passes_the_audit_rule_and_dev_is_told_it_audits_nothing(dev, prod):
    prod_level = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "prod.json")).evaluate(prod.resources)
    assert [v for v in prod_level.violations if v.policy == "aurora-audit-logging"] == []
    dev_level = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "dev.json")).evaluate(dev.resources)
    found = [v for v in dev_level.violations if v.policy == "aurora-audit-logging"]
    assert len(found) == 2 and all(v not in dev_level.mandatory for v in found)


# ---- the rule -----------------------------------------------------------------------------------------------------

PG_OK = [{"name": "rds.force_ssl", "value": "1"}, {"name": "shared_preload_libraries",
                                                   "value": "pg_stat_statements,pgaudit"},
         {"name": "pgaudit.log", "value": "ddl,role"}]


def pg_stack(parameters, engine="aurora-postgresql", group="db-group"):
    return [resource(CPG, "g", {"name": "db-group", "family": "aurora-postgresql16", "parameters": parameters}),
            resource(CLUSTER, "db", {"engine": engine, "dbClusterParameterGroupName": group},
                     property_dependencies={"dbClusterParameterGroupName": [urn(CPG, "g")]})]


def rule(resources):
    return check_stack("aurora-audit-logging", resources)


def test_the_rule_passes_pgaudit_loaded_and_logging():
    assert rule(pg_stack(PG_OK)) == []


def test_the_rule_reads_parameter_names_in_any_case():
    assert rule(pg_stack([{"name": "Shared_Preload_Libraries", "value": " pgaudit "},
                          {"name": "PGAUDIT.LOG", "value": "DDL"}])) == []


@pytest.mark.parametrize("libraries", ["pg_stat_statements", "PGAUDIT", "pgaudit_x", "pg_stat_statements pgaudit", ""])
def test_pgaudit_not_loaded_in_another_spelling_fails(libraries):
    parameters = [{"name": "shared_preload_libraries", "value": libraries}, {"name": "pgaudit.log", "value": "ddl"}]
    assert rule(pg_stack(parameters)) == [
        f"ClusterParameterGroup 'g' (used by Cluster 'db') must load pgaudit (shared_preload_libraries including "
        f"pgaudit); it sets {libraries!r}."]


@pytest.mark.parametrize("log", ["none", "-all", "", " , ", "ddl;role"])
def test_pgaudit_log_that_audits_nothing_fails(log):
    parameters = [{"name": "shared_preload_libraries", "value": "pgaudit"}, {"name": "pgaudit.log", "value": log}]
    assert rule(pg_stack(parameters)) == [
        f"ClusterParameterGroup 'g' (used by Cluster 'db') must set pgaudit.log to at least one class to audit "
        f"(e.g. ddl,role); it sets {log.strip()!r}."]


def test_two_disagreeing_entries_fail():
    parameters = [*PG_OK, {"name": "pgaudit.log", "value": "none"}]
    assert rule(pg_stack(parameters)) == [
        "ClusterParameterGroup 'g' (used by Cluster 'db') must set pgaudit.log to the classes to audit (e.g. "
        "ddl,role); it sets it 2 times with different values."]


def test_a_default_group_cannot_be_verified():
    assert rule(pg_stack(PG_OK, group="default.aurora-postgresql16")) == [
        "Cluster 'db': the cluster parameter group it uses is not one of this stack's (none), so audit logging "
        "cannot be verified; name the stack's group directly."]


@pytest.mark.parametrize(("value", "messages"), [
    ("1", []), ("ON", []), ("on", []),
    ("0", ["ClusterParameterGroup 'g' (used by Cluster 'db') must set server_audit_logging=1; it sets 0."]),
    ("OFF", ["ClusterParameterGroup 'g' (used by Cluster 'db') must set server_audit_logging=1; it sets OFF."]),
])
def test_mysql_server_audit_logging(value, messages):
    resources = [resource(CPG, "g", {"name": "db-group", "family": "aurora-mysql8.0",
                                     "parameters": [{"name": "server_audit_logging", "value": value}]}),
                 resource(CLUSTER, "db", {"engine": "aurora-mysql", "dbClusterParameterGroupName": "db-group"})]
    assert rule(resources) == messages


# ---- verify -------------------------------------------------------------------------------------------------------

class FakeRds:
    def __init__(self, parameters: dict[str, str]):
        self.parameters = parameters

    def get_paginator(self, _name):
        return self

    def paginate(self, **_kwargs):
        return [{"Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in self.parameters.items()]}]


def verify(engine: str, parameters: dict[str, str], group: str = "g"):
    from ops.checks.audit import audit_logging
    from ops.checks.base import Facts

    class Clients:
        rds = FakeRds(parameters)

    return audit_logging(Facts(Clients(), {"Engine": engine, "DBClusterParameterGroup": group}, [], 7, None, None))


def test_verify_passes_a_loaded_pgaudit_and_fails_drift():
    assert verify("aurora-postgresql", {"shared_preload_libraries": "pgaudit", "pgaudit.log": "ddl"}) == (
        "pass", "pgaudit loaded, pgaudit.log=ddl in g")
    assert verify("aurora-postgresql", {"shared_preload_libraries": "pg_stat_statements", "pgaudit.log": "ddl"}) == (
        "fail", "shared_preload_libraries in g does not load pgaudit (pg_stat_statements)")
    assert verify("aurora-postgresql", {"shared_preload_libraries": "pgaudit", "pgaudit.log": "none"}) == (
        "fail", "pgaudit.log in g audits no class (none)")
    assert verify("aurora-mysql", {"server_audit_logging": "0"}) == (
        "fail", "server_audit_logging is 0 in g; expected 1")
    assert verify("aurora-mysql", {}, group="default.aurora-mysql8.0")[0] == "fail"


def test_a_preload_list_of_lower_case_names_is_taken_as_written():
    values = {"parameters": {"shared_preload_libraries": "pg_stat_statements, pg_cron"}}
    settings = load_settings({"database": values}, "dev", "us-east-1").database
    assert settings.parameters == {"shared_preload_libraries": "pg_stat_statements, pg_cron"}


# PostgreSQL loads each preloaded library by its file name ("interpreted as for the LOAD command", PostgreSQL docs,
# shared_preload_libraries), and the libraries Aurora PostgreSQL preloads are all named in lower case (Aurora User
# Guide, "Working with extensions and foreign data wrappers"): "PGAUDIT" would load no audit.
@pytest.mark.parametrize(("given", "lower"), [("PGAUDIT", "pgaudit"),
                                              ("pg_stat_statements, PG_Cron", "pg_stat_statements, pg_cron")])
def test_a_preload_library_in_upper_case_is_refused_with_its_lower_case_spelling(given, lower):
    assert problems({"parameters": {"shared_preload_libraries": given}}) == [
        f'{KEY}.parameters.shared_preload_libraries: got "{given}"; allowed: library names in lower case (PostgreSQL '
        f"loads a library by its file name, and Aurora PostgreSQL's are in lower case). Did you mean \"{lower}\"?"]


@pytest.mark.parametrize(("given", "allowed"), [
    ("PGAUDIT", "library names in lower case (PostgreSQL loads a library by its file name, and Aurora PostgreSQL's are "
                "in lower case)."),
    ("pg_stat_statements;pgaudit", "a comma-separated list of library names (pgaudit is added by audit.enabled)"),
], ids=["upper-case", "bad-shape"])
def test_a_secret_preload_list_is_refused_without_showing_it(given, allowed):
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"parameters": {"shared_preload_libraries": given}}}, "dev", "us-east-1",
                      secret_keys=[KEY])
    # The first problem says the database key holds a secret at all; this one must not spell the value either.
    assert caught.value.problems[1:] == [f"{KEY}.parameters.shared_preload_libraries: got [secret]; allowed: {allowed}"]
