"""Custom endpoints (`aurora-platform:database.customEndpoints`) and the application's pick for its reader host
(`aurora-platform:app.readerEndpoint`): settings, the program under mocks, the diff's replacement table."""

from __future__ import annotations

import json

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from preflight.replacements import TABLE
from tests.conftest import REPO_ROOT

KEY = "aurora-platform:database"
APP = "aurora-platform:app"
ENDPOINT = "aws:rds/clusterEndpoint:ClusterEndpoint"


def parse(database: dict, app: dict | None = None, environment: str = "production", stack: str = "prod"):
    values = {"environment": environment, "database": database}
    if app is not None:
        values["app"] = {"image": "ghcr.io/aurora-platform/blog:1.0.0", **app}
    return load_settings(values, stack, "us-east-1")


def problems(database: dict, app: dict | None = None) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse(database, app)
    return caught.value.problems


def test_a_reader_endpoint_of_chosen_readers():
    endpoints = parse({"readers": 2, "customEndpoints": {"reporting": {"staticMembers": ["reader-2"]}}}
                      ).database.custom_endpoints
    assert len(endpoints) == 1
    assert (endpoints[0].name, endpoints[0].endpoint_type, endpoints[0].static_members) == (
        "reporting", "READER", ("reader-2",))
    assert endpoints[0].identifier("aurora-platform-prod") == "aurora-platform-prod-reporting"


def test_both_member_lists_are_refused():
    assert problems({"readers": 2, "customEndpoints": {"x": {"staticMembers": ["reader-1"],
                                                             "excludedMembers": ["reader-2"]}}}) == [
        f"{KEY}.customEndpoints.x: sets both staticMembers and excludedMembers; allowed: one of them (AWS takes "
        f"either the members or the exclusions)"]


@pytest.mark.parametrize("member", ["reader-3", "Reader-1", "reader-0", "aurora-platform-prod-2", "writer "])
def test_a_member_that_is_not_an_instance_of_the_cluster_is_named(member):
    assert problems({"readers": 2, "customEndpoints": {"x": {"staticMembers": [member]}}}) == [
        f'{KEY}.customEndpoints.x.staticMembers[0]: got {json.dumps(member)}; allowed: an instance of this '
        f"cluster: writer, reader-1, reader-2"]


def test_a_reader_endpoint_without_readers_is_refused():
    assert problems({"readers": 0, "customEndpoints": {"x": {"type": "READER"}}}) == [
        f"{KEY}.customEndpoints.x: is a READER endpoint but the cluster has no readers ({KEY}.readers is 0); "
        f"allowed: readers of at least 1, or type ANY"]


def test_the_writer_alone_on_a_reader_endpoint_is_refused():
    assert problems({"readers": 1, "customEndpoints": {"x": {"staticMembers": ["writer"]}}}) == [
        f"{KEY}.customEndpoints.x.staticMembers: is only the writer on a READER endpoint, which serves readers only; "
        f"allowed: at least one reader, or type ANY"]


def test_excluding_every_instance_is_refused():
    assert problems({"readers": 1, "customEndpoints": {"x": {"type": "ANY",
                                                             "excludedMembers": ["writer", "reader-1"]}}}) == [
        f"{KEY}.customEndpoints.x.excludedMembers: excludes every instance, so the endpoint has no members; allowed: "
        f"leave at least one out"]


@pytest.mark.parametrize("name", ["Reporting", "1st", "a--b", "a-", "x" * 43])
def test_bad_endpoint_names_are_refused(name):
    found = problems({"readers": 1, "customEndpoints": {name: {}}})
    assert len(found) == 1 and found[0].startswith(f"{KEY}.customEndpoints.{name}: the name ")
    assert "at most 42 characters (the endpoint identifier is aurora-platform-prod-<name>, at most 63)" in found[0]


def test_a_bad_endpoint_name_is_quoted_with_the_rule_it_breaks():
    assert problems({"readers": 1, "customEndpoints": {"Reporting": {}}}) == [
        f'{KEY}.customEndpoints.Reporting: the name "Reporting" is not allowed; allowed: lowercase letters, digits and '
        f"single hyphens, starting with a letter, at most 42 characters (the endpoint identifier is "
        f"aurora-platform-prod-<name>, at most 63)"]


def test_a_bad_endpoint_name_under_a_secret_database_key_is_an_error_that_masks_it():
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": "production", "database": {"readers": 1, "customEndpoints": {"Reporting": {}}}},
                      "prod", "us-east-1", secret_keys=[KEY])
    # The first problem says the database key holds a secret at all.
    assert caught.value.problems[1:] == [
        f"{KEY}.customEndpoints.Reporting: the name [secret] is not allowed; allowed: lowercase letters, digits and "
        f"single hyphens, starting with a letter, at most 42 characters (the endpoint identifier is "
        f"aurora-platform-prod-<name>, at most 63)"]


def test_a_name_of_the_longest_length_is_taken():
    # aurora-platform-prod- is 21 characters; DBClusterEndpointIdentifier takes 63.
    [endpoint] = parse({"readers": 1, "customEndpoints": {"x" * 42: {}}}).database.custom_endpoints
    assert endpoint.name == "x" * 42 and len(endpoint.identifier("aurora-platform-prod")) == 63


@pytest.mark.parametrize(("stack", "identifier", "longest"), [
    ("Dev_EU.1", "aurora-platform-dev-eu-1", 38),  # lower case, each run of other characters one hyphen
    ("qa_", "aurora-platform-qa", 44),  # no hyphen at the end
    # The longest stack name the settings take (tests/test_aws_facts_names.py): a cluster identifier of 60.
    ("a" * 44, "aurora-platform-" + "a" * 44, 2),
], ids=["lower-case-and-hyphens", "no-hyphen-at-the-end", "longest-stack-name"])
def test_the_endpoint_identifier_is_counted_from_the_cluster_identifier_rds_is_given(stack, identifier, longest):
    # The cluster's identifier is the project and stack as an RDS identifier (components/aurora.py); an endpoint's
    # identifier is that, a hyphen and the endpoint's name, at most 63 characters in all.
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"readers": 1, "customEndpoints": {"Reporting": {}}}}, stack, "us-east-1")
    assert caught.value.problems == [
        f'{KEY}.customEndpoints.Reporting: the name "Reporting" is not allowed; allowed: lowercase letters, digits and '
        f"single hyphens, starting with a letter, at most {longest} characters (the endpoint identifier is "
        f"{identifier}-<name>, at most 63)"]


def test_five_endpoints_the_aurora_quota_are_taken():
    five = {f"e{i}": {"type": "ANY"} for i in range(5)}
    endpoints = parse({"readers": 1, "customEndpoints": five}).database.custom_endpoints
    assert [e.name for e in endpoints] == ["e0", "e1", "e2", "e3", "e4"]


def test_a_bad_endpoint_name_does_not_hide_the_next_endpoints_problem():
    assert problems({"readers": 1, "customEndpoints": {"Reporting": {}, "x": {"type": "reader"}}})[1:] == [
        f'{KEY}.customEndpoints.x.type: got "reader"; allowed: READER, ANY. Did you mean "READER"?']


@pytest.mark.parametrize("list_name", ["staticMembers", "excludedMembers"])
def test_a_member_of_either_list_that_is_not_an_instance_of_the_cluster_is_named(list_name):
    endpoints = {"x": {"type": "ANY", list_name: ["reader-3"]}}
    assert problems({"readers": 2, "customEndpoints": endpoints}) == [
        f'{KEY}.customEndpoints.x.{list_name}[0]: got "reader-3"; allowed: an instance of this cluster: writer, '
        f"reader-1, reader-2"]


def test_a_bad_type_repeated_members_and_too_many_endpoints():
    assert problems({"readers": 1, "customEndpoints": {"x": {"type": "reader"}}}) == [
        f'{KEY}.customEndpoints.x.type: got "reader"; allowed: READER, ANY. Did you mean "READER"?']
    assert problems({"readers": 2, "customEndpoints": {"x": {"staticMembers": ["reader-1", "reader-1"]}}}) == [
        f"{KEY}.customEndpoints.x.staticMembers: names an instance twice; allowed: each once"]
    six = {f"e{i}": {"type": "ANY"} for i in range(6)}
    assert problems({"readers": 1, "customEndpoints": six}) == [
        f"{KEY}.customEndpoints: names 6 endpoints; allowed: at most 5 per cluster (Aurora quota)"]


def test_junk_is_a_clear_error():
    assert problems({"customEndpoints": ["x"]}) == [
        f'{KEY}.customEndpoints: got ["x"]; allowed: a mapping of endpoint name to {{type, staticMembers or '
        f"excludedMembers}}"]
    assert problems({"customEndpoints": {"x": {"members": ["writer"]}}}) == [
        f"{KEY}.customEndpoints.x.members: unknown setting; known settings here: excludedMembers, staticMembers, type."
        ' Did you mean "staticMembers" or "excludedMembers"?']


def test_the_app_picks_an_endpoint_by_name_and_only_one_that_exists():
    database = {"readers": 2, "customEndpoints": {"online": {"excludedMembers": ["reader-2"]}}}
    assert parse(database, {"readerEndpoint": "online"}).app.reader_endpoint == "online"
    assert problems(database, {"readerEndpoint": "reporting"}) == [
        f'{APP}.readerEndpoint: got "reporting"; allowed: the name of one of {KEY}.customEndpoints (online)']
    assert problems({"readers": 2}, {"readerEndpoint": "online"}) == [
        f'{APP}.readerEndpoint: got "online"; allowed: the name of one of {KEY}.customEndpoints (none: the database '
        f"defines no customEndpoints)"]


def test_a_wrong_endpoint_name_lists_every_endpoint_the_database_defines():
    database = {"readers": 2, "customEndpoints": {"reporting": {"staticMembers": ["reader-2"]},
                                                  "online": {"excludedMembers": ["reader-2"]}}}
    assert problems(database, {"readerEndpoint": "batch"}) == [
        f'{APP}.readerEndpoint: got "batch"; allowed: the name of one of {KEY}.customEndpoints (reporting, online)']


def test_the_app_cannot_bypass_the_proxy_with_an_endpoint():
    database = {"readers": 2, "proxy": {"enabled": True}, "customEndpoints": {"online": {}}}
    found = problems(database, {"readerEndpoint": "online", "iamDatabaseAuth": True, "iamDatabaseUser": "blog_app"})
    assert found == [f"{APP}.readerEndpoint: cannot be used with {KEY}.proxy.enabled: the application reaches the "
                     f"database only through the proxy (its reader endpoint is PGHOST_READER then); allowed: remove "
                     f"readerEndpoint, or turn the proxy off"]


# ---- the program under mocks ----------------------------------------------------------------------------------------

def stack_section(stack: str, key: str) -> dict:
    return dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, stack)[key])


def environment_of(run) -> dict[str, str]:
    [definition] = [d for d in run.of_type("aws:ecs/taskDefinition:TaskDefinition") if d.name == "app"]
    return {e["name"]: e["value"] for e in json.loads(definition.inputs["containerDefinitions"])[0]["environment"]}


def test_prod_endpoints_name_instances_and_the_app_reads_through_one(evaluate):
    database = {**stack_section("prod", KEY), "customEndpoints": {
        "reporting": {"staticMembers": ["reader-2"]}, "online": {"excludedMembers": ["reader-2"]}}}
    app = {**stack_section("prod", APP), "readerEndpoint": "online"}
    run = evaluate("prod", {KEY: database, APP: app})
    endpoints = {r.inputs["clusterEndpointIdentifier"]: r for r in run.of_type(ENDPOINT)}
    assert sorted(endpoints) == ["aurora-platform-prod-online", "aurora-platform-prod-reporting"]
    reporting, online = endpoints["aurora-platform-prod-reporting"], endpoints["aurora-platform-prod-online"]
    assert reporting.inputs["customEndpointType"] == "READER"
    assert reporting.inputs["staticMembers"] == ["aurora-platform-prod-3"] and "excludedMembers" not in reporting.inputs
    assert online.inputs["excludedMembers"] == ["aurora-platform-prod-3"]
    assert online.inputs["clusterIdentifier"] == "aurora-platform-prod"
    env = environment_of(run)
    assert env["PGHOST_READER"].startswith("aurora-platform-prod-online.cluster-custom-")
    assert env["PGHOST"].startswith("aurora-platform-prod.cluster-")


def test_an_endpoint_is_a_tagged_child_of_the_database_that_waits_for_every_instance(evaluate):
    # RDS refuses a member that does not exist yet, so the endpoint waits for all instances; its URN names the
    # database component as parent (moved to the root it would be deleted and created again).
    database = {**stack_section("prod", KEY), "customEndpoints": {"reporting": {"staticMembers": ["reader-2"]}}}
    run = evaluate("prod", {KEY: database})
    [endpoint] = run.of_type(ENDPOINT)
    assert endpoint.urn == ("urn:pulumi:prod::aurora-platform::aurora-platform:database:AuroraCluster$"
                            "aws:rds/clusterEndpoint:ClusterEndpoint::database-endpoint-reporting")
    assert endpoint.inputs["tags"] == {"Environment": "production", "ManagedBy": "pulumi", "Project": "aurora-platform",
                                       "Stack": "prod", "Name": "aurora-platform-prod-reporting"}
    instances = sorted(r.urn for r in run.of_type("aws:rds/clusterInstance:ClusterInstance"))
    assert len(instances) == 3 and set(instances) <= set(endpoint.dependencies)


def test_an_any_endpoint_may_name_the_writer_which_is_instance_1(evaluate):
    """`writer` is the cluster's first instance (`<cluster>-1`), readers follow from 2: an ANY endpoint of the
    writer and reader-1 lists exactly those two identifiers."""
    database = {**stack_section("prod", KEY), "customEndpoints": {
        "primary-pair": {"type": "ANY", "staticMembers": ["writer", "reader-1"]}}}
    run = evaluate("prod", {KEY: database})
    [endpoint] = run.of_type(ENDPOINT)
    assert endpoint.inputs["customEndpointType"] == "ANY"
    assert endpoint.inputs["staticMembers"] == ["aurora-platform-prod-1", "aurora-platform-prod-2"]


def test_dev_and_prod_have_no_custom_endpoint_and_read_through_the_cluster_reader(dev, prod):
    for run in (dev, prod):
        assert run.of_type(ENDPOINT) == []
        assert ".cluster-ro-" in environment_of(run)["PGHOST_READER"]


def test_renaming_an_endpoint_is_a_replacement_in_the_diff():
    entry = TABLE[ENDPOINT]
    assert entry.forcing("clusterEndpointIdentifier") is not None and entry.forcing("clusterIdentifier") is not None
    assert entry.forcing("staticMembers") is None and entry.forcing("customEndpointType") is None


@pytest.mark.parametrize("list_name", ["staticMembers", "excludedMembers"])
def test_a_member_that_is_not_a_string_is_refused_as_no_instance_name(list_name):
    endpoints = {"analytics": {list_name: ["reader-1", 7]}}
    assert problems({"readers": 2, "customEndpoints": endpoints}) == [
        f"{KEY}.customEndpoints.analytics.{list_name}[1]: got 7; allowed: an instance name"]


def test_an_endpoint_that_is_no_mapping_does_not_hide_the_next_endpoints_problem():
    endpoints = {"first": "reader-1", "second": {"type": "READER", "staticMembers": ["writer"]}}
    assert problems({"readers": 1, "customEndpoints": endpoints}) == [
        f'{KEY}.customEndpoints.first: got "reader-1"; allowed: an object (a YAML mapping of settings)',
        f"{KEY}.customEndpoints.second.staticMembers: is only the writer on a READER endpoint, which serves readers "
        "only; allowed: at least one reader, or type ANY"]
