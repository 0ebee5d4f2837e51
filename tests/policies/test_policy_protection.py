"""production-protect: stateful resources are protected when the stack declares itself production."""

import pytest

from preflight.policy_eval import UNKNOWN, Resource

from .policy_helpers import check_stack, resource

CLUSTER = "aws:rds/cluster:Cluster"
KEY = "aws:kms/key:Key"
PARAM = "aws:ssm/parameter:Parameter"
PROD = {"Environment": "production"}
DEV = {"Environment": "development"}


def stack(tags=PROD, protect=True, **overrides):
    resources = {
        "db": resource(CLUSTER, "db", {"engine": "aurora-postgresql", "tags": tags}, protect=protect),
        "key": resource(KEY, "key", {"enableKeyRotation": True, "tags": tags}, protect=protect),
        "password": resource(PARAM, "password", {"type": "SecureString", "value": "x", "tags": tags},
                             protect=protect),
        "endpoint": resource(PARAM, "endpoint", {"type": "String", "value": "db.host", "tags": tags}),
    }
    resources.update(overrides)
    return list(resources.values())


def test_protected_production_stack_passes():
    assert check_stack("production-protect", stack()) == []


def test_development_stack_needs_no_protect():
    assert check_stack("production-protect", stack(tags=DEV, protect=False)) == []


def test_unprotected_cluster_in_production():
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "tags": PROD})
    assert check_stack("production-protect", stack(db=db)) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


def test_unprotected_key_without_its_own_tag_in_a_production_stack():
    key = resource(KEY, "key", {"enableKeyRotation": True})
    assert check_stack("production-protect", stack(key=key)) == [
        "Key 'key' must set protect=True (the stack is tagged Environment=production)."]


def test_unprotected_secure_string_in_production():
    password = resource(PARAM, "password", {"type": "SecureString", "tags": PROD})
    assert check_stack("production-protect", stack(password=password)) == [
        "Parameter 'password' must set protect=True (the stack is tagged Environment=production)."]


def test_required_by_config_without_a_production_tag():
    key = resource(KEY, "key", {"enableKeyRotation": True, "tags": DEV})
    assert check_stack("production-protect", stack(tags=DEV, key=key),
                       {"production-protect": {"requireProtect": True}}) == [
        "Key 'key' must set protect=True (policy config requireProtect is true)."]


def test_production_declared_through_provider_default_tags():
    provider = Resource(urn="urn:pulumi:prod::aurora-platform::pulumi:providers:aws::aws", type="pulumi:providers:aws",
                        name="aws", inputs={"region": "eu-west-1",
                                            "defaultTags": {"tags": PROD}})
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"}, provider=f"{provider.urn}::provider-id")
    resources = [provider, db]
    assert check_stack("production-protect", resources) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]
    assert check_stack("production-protect", [provider, changed_protect(db)]) == []


def changed_protect(r: Resource) -> Resource:
    return Resource(**{**r.__dict__, "protect": True})


UNPROTECTED_PROD = [
    "Cluster 'db' must set protect=True (the stack is tagged Environment=production).",
    "Key 'key' must set protect=True (the stack is tagged Environment=production).",
    "Parameter 'password' must set protect=True (the stack is tagged Environment=production).",
]


@pytest.mark.parametrize("tags", [
    {"Environment": "Production"}, {"Environment": " PRODUCTION "}, {"Environment": "production\n"},
    {"environment": "production"}, {"ENVIRONMENT": "production"}, {" Environment ": "production"},
    {"Environment": "prod"}, {"Environment": "PROD"},
    {"Environment": "development", "environment": "production"},
], ids=["Production", "blank-PRODUCTION", "trailing-newline", "key-lower", "key-upper", "key-blanks", "prod",
        "PROD", "two-spellings-one-production"])
def test_production_in_any_spelling_requires_protect(tags):
    assert check_stack("production-protect", stack(tags=tags, protect=False)) == UNPROTECTED_PROD


def test_production_default_tags_in_another_spelling():
    provider = Resource(urn="urn:pulumi:prod::aurora-platform::pulumi:providers:aws::aws", type="pulumi:providers:aws",
                        name="aws", inputs={"defaultTags": {"tags": {"ENVIRONMENT": " Production"}}})
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"}, provider=f"{provider.urn}::provider-id")
    assert check_stack("production-protect", [provider, db]) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


@pytest.mark.parametrize("tags", [
    {"Environment": "development"}, {"Environment": "preproduction"}, {"Environment": "non-production"},
    {"Environment": "staging"}, {"EnvironmentName": "production"}, {"Name": "production"}, {},
], ids=["development", "preproduction", "non-production", "staging", "other-key", "name-tag", "no-tags"])
def test_other_environments_need_no_protect(tags):
    assert check_stack("production-protect", stack(tags=tags, protect=False)) == []


def test_an_unknown_tag_value_elsewhere_does_not_stop_the_rule():
    # During a preview another tag's value may be unknown; the Environment tag is still read.
    tags = {"Name": UNKNOWN, "environment": "PRODUCTION"}
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "tags": tags})
    assert check_stack("production-protect", stack(db=db)) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


def test_unprotected_rds_instance_in_production():
    app = resource("aws:rds/instance:Instance", "app", {"engine": "postgres", "tags": {"Environment": "Production"}})
    assert check_stack("production-protect", [*stack(), app]) == [
        "Instance 'app' must set protect=True (the stack is tagged Environment=production)."]
    protected = resource("aws:rds/instance:Instance", "app", {"engine": "postgres"}, protect=True)
    assert check_stack("production-protect", [*stack(), protected]) == []
