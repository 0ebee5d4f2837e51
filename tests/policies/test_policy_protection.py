"""production-protect: stateful resources are protected when the stack declares itself production."""

from preflight.policy_eval import Resource

from .policy_helpers import changed, check_stack, resource

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


def test_tag_value_is_exact():
    assert check_stack("production-protect", stack(tags=changed(PROD, Environment="prod"), protect=False)) == []
