"""An AWS-managed key named by its key id or key ARN looks like any customer key (aws/ecr's key has an id and ARN of
the same form), so `customer-key-provable` accepts for an ECR repository's and a Backup vault's key only what the
offline program shows to be customer-managed: a KMS key or alias of the stack (CreateAlias: "You can associate the
alias with any customer managed key"), by dependency or by value in any spelling (ARN, key id, alias name, alias
ARN, an ARN built from the key id), or a key the policy config lists as customer-managed."""

import pytest

from .policy_helpers import check_stack, resource

RULE = "customer-key-provable"
REPOSITORY = "aws:ecr/repository:Repository"
VAULT = "aws:backup/vault:Vault"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_ID = "95b85ad2-7b14-96fd-ab6f-99dc9b937fc2"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
ALIAS_NAME = "alias/aurora-platform-dev-platform"
ALIAS_ARN = f"arn:aws:kms:us-east-1:123456789012:{ALIAS_NAME}"
# An AWS-managed key (aws/ecr's, aws/backup's) as a lookup or a console page shows it: an id and ARN like any other.
MANAGED_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
MANAGED_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{MANAGED_ID}"


def key(name="platform"):
    return resource(KEY, name, {"enableKeyRotation": True, "arn": KEY_ARN, "keyId": KEY_ID})


def alias(target):
    return resource(ALIAS, "platform", {"name": ALIAS_NAME, "arn": ALIAS_ARN, "targetKeyId": KEY_ID},
                    property_dependencies={"targetKeyId": [target.urn]})


def repository(value, depends_on=None):
    deps = {"encryptionConfigurations": [depends_on.urn]} if depends_on is not None else {}
    return resource(REPOSITORY, "app", {"name": "app", "encryptionConfigurations": [
        {"encryptionType": "KMS", "kmsKey": value}]}, property_dependencies=deps)


def vault(value, depends_on=None):
    deps = {"kmsKeyArn": [depends_on.urn]} if depends_on is not None else {}
    return resource(VAULT, "backups", {"name": "backups", "kmsKeyArn": value}, property_dependencies=deps)


def unprovable(label, prop, value):
    return (f"{label} {prop} {value} is not a KMS key or alias of this stack, so nothing shows it is "
            "customer-managed (an AWS-managed key's id and ARN look like any other); create the key in the stack "
            "and pass its arn, or list it in this policy's customerManagedKeys config.")


@pytest.mark.parametrize("value", [KEY_ARN, KEY_ID, ALIAS_NAME, ALIAS_ARN, KEY_ID.upper(),
                                   f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"])
@pytest.mark.parametrize("build", [repository, vault])
def test_a_key_of_the_stack_passes_in_every_spelling(build, value):
    k = key()
    assert check_stack(RULE, [k, alias(k), build(value, depends_on=k)]) == []


@pytest.mark.parametrize("value", [KEY_ARN, KEY_ID, ALIAS_NAME])
def test_a_key_of_the_stack_passes_by_value_without_a_recorded_dependency(value):
    # An old state file records no property dependencies: the value alone links it.
    k = key()
    assert check_stack(RULE, [k, alias(k), vault(value)]) == []


@pytest.mark.parametrize("value", [MANAGED_ID, MANAGED_ARN, f"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/"
                                                            f"{MANAGED_ID}", "mrk-1234abcd12ab34cd56ef1234567890ab"])
def test_a_key_id_or_arn_the_program_does_not_create_fails_on_a_repository(value):
    assert check_stack(RULE, [key(), repository(value)]) == [
        unprovable("Repository 'app'", "encryptionConfigurations[0].kmsKey", value)]


@pytest.mark.parametrize("value", [MANAGED_ID, MANAGED_ARN, "alias/app-backups",
                                   "arn:aws:kms:us-east-1:123456789012:alias/app-backups"])
def test_a_key_the_program_does_not_create_fails_on_a_vault(value):
    assert check_stack(RULE, [key(), vault(value)]) == [unprovable("Vault 'backups'", "kmsKeyArn", value)]


def test_a_value_computed_from_a_stack_key_but_naming_another_key_fails():
    # key.arn.apply(lambda _: MANAGED_ARN): the dependency is there, the value is not the key's.
    k = key()
    assert check_stack(RULE, [k, vault(MANAGED_ARN, depends_on=k)]) == [
        unprovable("Vault 'backups'", "kmsKeyArn", MANAGED_ARN)]


def test_an_alias_arn_of_another_region_with_the_same_name_is_still_the_alias_name():
    # Alias names are per region; offline the stack's region is the provider's, so the name decides.
    k = key()
    other = "arn:aws:kms:eu-west-1:123456789012:alias/aurora-platform-dev-platform"
    assert check_stack(RULE, [k, alias(k), vault(other)]) == []


def test_a_key_listed_in_the_config_passes():
    config = {RULE: {"customerManagedKeys": [MANAGED_ARN]}}
    assert check_stack(RULE, [vault(MANAGED_ARN), repository(MANAGED_ID)], config) == []


def test_the_aws_managed_alias_is_left_to_the_service_rules():
    # backup-vault-cmk and ecr-repository-cmk name alias/aws/* themselves; one finding per mistake.
    assert check_stack(RULE, [vault("alias/aws/backup"), repository("arn:aws:kms:us-east-1:1:alias/aws/ecr")]) == []


def test_an_unknown_key_computed_from_a_stack_key_passes_and_from_nothing_fails():
    from preflight.policy_eval import UNKNOWN

    k = key()
    assert check_stack(RULE, [k, vault(UNKNOWN, depends_on=k)]) == []
    assert check_stack(RULE, [k, vault(UNKNOWN)]) == [
        "Vault 'backups' kmsKeyArn is not known before deployment and is computed from no KMS key or alias of this "
        "stack (a lookup of an existing key, say), so nothing shows it is customer-managed; create the key in the "
        "stack and pass its arn, or list it in this policy's customerManagedKeys config."]


def test_aes256_or_no_key_is_left_to_the_service_rule():
    repo = resource(REPOSITORY, "app", {"name": "app", "encryptionConfigurations": [{"encryptionType": "AES256"}]})
    assert check_stack(RULE, [repo, vault(None)]) == []
