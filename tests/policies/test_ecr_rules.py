"""ECR rules: a repository as the stack builds it passes; each weakened piece fails with the exact message, in every
spelling tried (lower-case enums, scanning through the registry, a lifecycle policy naming the repository by
another output). Separate resources belong to their repository through the `repository` property dependency."""

import json

import pytest

from .policy_helpers import changed, check, check_stack, resource

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REGISTRY = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
NAME = "aurora-platform/dev/app"
GOOD = {
    "name": NAME,
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY_ARN}],
}
RULES = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                                     "countUnit": "days", "countNumber": 1},
                    "action": {"type": "expire"}}]}
REPO_LABEL = "Repository 'app'"


def repository(props=None, name="app"):
    return resource(REPOSITORY, name, GOOD if props is None else props)


def lifecycle(target, value=NAME, policy=None, name="app", linked=True):
    props = {"repository": value, "policy": json.dumps(RULES) if policy is None else policy}
    extra = {"property_dependencies": {"repository": [target.urn]}} if linked and target is not None else {}
    return resource(LIFECYCLE, name, props, **extra)


def registry(scan_type="ENHANCED", frequency="SCAN_ON_PUSH", pattern="aurora-platform", **props):
    return resource(REGISTRY, "registry", {"scanType": scan_type, "rules": [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": pattern, "filterType": "WILDCARD"}]}],
        **props})


# --- ecr-tag-immutability (Security Hub ECR.2) -------------------------------------------------------------------
def test_an_immutable_repository_passes_every_resource_rule():
    for rule in ("ecr-tag-immutability", "ecr-repository-cmk"):
        assert check(rule, REPOSITORY, GOOD) == [], rule


def test_unset_mutability_is_mutable():
    assert check("ecr-tag-immutability", REPOSITORY, changed(GOOD, imageTagMutability=None)) == [
        "imageTagMutability must be IMMUTABLE (or IMMUTABLE_WITH_EXCLUSION); unset, ECR makes tags MUTABLE, so a "
        "push can move a tag a running service or a rollback names."]


@pytest.mark.parametrize("value", ["MUTABLE", "MUTABLE_WITH_EXCLUSION", ""])
def test_mutable_values_fail(value):
    assert check("ecr-tag-immutability", REPOSITORY, changed(GOOD, imageTagMutability=value)) == [
        f"imageTagMutability {json.dumps(value)} lets a push move a tag; set IMMUTABLE (or "
        "IMMUTABLE_WITH_EXCLUSION for a few named tags)."]


@pytest.mark.parametrize(("value", "fixed"), [("immutable", "IMMUTABLE"), ("Immutable", "IMMUTABLE"),
                                              (" IMMUTABLE", "IMMUTABLE"),
                                              ("immutable_with_exclusion", "IMMUTABLE_WITH_EXCLUSION")])
def test_other_spellings_of_immutable_are_named_not_accepted(value, fixed):
    assert check("ecr-tag-immutability", REPOSITORY, changed(GOOD, imageTagMutability=value)) == [
        f"imageTagMutability {json.dumps(value)} is not an ECR value (they are upper case, and the provider refuses "
        f"any other spelling); write {fixed}."]


def test_immutable_with_named_exclusions_passes():
    props = changed(GOOD, imageTagMutability="IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=[
        {"filter": "latest", "filterType": "WILDCARD"}, {"filter": "dev-*", "filterType": "WILDCARD"}])
    assert check("ecr-tag-immutability", REPOSITORY, props) == []


@pytest.mark.parametrize("pattern", ["*", "**"])
def test_an_exclusion_of_every_tag_is_mutable(pattern):
    props = changed(GOOD, imageTagMutability="IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=[
        {"filter": "latest", "filterType": "WILDCARD"}, {"filter": pattern, "filterType": "WILDCARD"}])
    assert check("ecr-tag-immutability", REPOSITORY, props) == [
        f"imageTagMutabilityExclusionFilters {json.dumps(pattern)} exempts every tag, which makes the repository "
        "mutable; exclude named tags only (e.g. latest)."]


# --- ecr-repository-cmk (Checkov CKV_AWS_136) ---------------------------------------------------------------------
def test_no_encryption_configuration_is_aes256():
    expected = ["encryptionConfigurations must set encryptionType KMS with a customer-managed kmsKey; without it "
                "ECR encrypts with AES256 under a key AWS owns."]
    assert check("ecr-repository-cmk", REPOSITORY, changed(GOOD, encryptionConfigurations=None)) == expected
    assert check("ecr-repository-cmk", REPOSITORY, changed(GOOD, encryptionConfigurations=[])) == expected


def test_aes256_fails_and_kms_dsse_passes():
    aes = changed(GOOD, encryptionConfigurations=[{"encryptionType": "AES256"}])
    assert check("ecr-repository-cmk", REPOSITORY, aes) == [
        'encryptionType "AES256" is not KMS or KMS_DSSE; set KMS with a customer-managed kmsKey.']
    dsse = changed(GOOD, encryptionConfigurations=[{"encryptionType": "KMS_DSSE", "kmsKey": KEY_ARN}])
    assert check("ecr-repository-cmk", REPOSITORY, dsse) == []


def test_a_lower_case_kms_is_named():
    props = changed(GOOD, encryptionConfigurations=[{"encryptionType": "kms", "kmsKey": KEY_ARN}])
    assert check("ecr-repository-cmk", REPOSITORY, props) == [
        'encryptionType "kms" is not KMS or KMS_DSSE (ECR\'s values are upper case; the provider refuses any other '
        'spelling); set KMS with a customer-managed kmsKey.']


@pytest.mark.parametrize("key", [None, "", "  "])
def test_kms_without_a_key_is_the_aws_managed_key(key):
    entry = {"encryptionType": "KMS", **({"kmsKey": key} if key is not None else {})}
    assert check("ecr-repository-cmk", REPOSITORY, changed(GOOD, encryptionConfigurations=[entry])) == [
        "kmsKey must name a customer-managed KMS key; without it ECR uses the AWS-managed key aws/ecr."]


@pytest.mark.parametrize("key", ["alias/aws/ecr", "ALIAS/AWS/ecr",
                                 "arn:aws:kms:us-east-1:123456789012:alias/aws/ecr",
                                 "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/ecr"])
def test_the_aws_managed_key_in_any_spelling_fails(key):
    entry = {"encryptionType": "KMS", "kmsKey": key}
    assert check("ecr-repository-cmk", REPOSITORY, changed(GOOD, encryptionConfigurations=[entry])) == [
        f"kmsKey {key} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or alias)."]


# --- ecr-image-scanning (Security Hub ECR.1) ----------------------------------------------------------------------
NOT_SCANNED = (f"{REPO_LABEL} is not scanned on push: set imageScanningConfiguration.scanOnPush true, or add a "
               "RegistryScanningConfiguration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) whose filter matches its name.")


def test_scan_on_push_passes():
    assert check_stack("ecr-image-scanning", [repository()]) == []


@pytest.mark.parametrize("scan", [None, {}, {"scanOnPush": False}, {"scanOnPush": "false"}])
def test_no_scan_on_push_fails(scan):
    repo = repository(changed(GOOD, imageScanningConfiguration=scan))
    assert check_stack("ecr-image-scanning", [repo]) == [NOT_SCANNED]


def test_scan_on_push_as_the_text_true_counts():
    repo = repository(changed(GOOD, imageScanningConfiguration={"scanOnPush": "true"}))
    assert check_stack("ecr-image-scanning", [repo]) == []


@pytest.mark.parametrize("pattern", ["aurora-platform", "dev/app", "*", "aurora-*/app", "*/dev/*", NAME])
@pytest.mark.parametrize(("scan_type", "frequency"), [("ENHANCED", "SCAN_ON_PUSH"), ("ENHANCED", "CONTINUOUS_SCAN"),
                                                      ("BASIC", "SCAN_ON_PUSH")])
def test_a_registry_rule_matching_the_name_scans_it(pattern, scan_type, frequency):
    repo = repository(changed(GOOD, imageScanningConfiguration=None))
    assert check_stack("ecr-image-scanning", [repo, registry(scan_type, frequency, pattern)]) == []


@pytest.mark.parametrize("pattern", ["aurora-platform/prod", "app*", "*/prod/*", "aurora-platform/dev/app/x",
                                     "AURORA-PLATFORM"])
def test_a_registry_rule_matching_another_name_does_not(pattern):
    repo = repository(changed(GOOD, imageScanningConfiguration=None))
    assert check_stack("ecr-image-scanning", [repo, registry("BASIC", "SCAN_ON_PUSH", pattern)]) == [NOT_SCANNED]


def test_a_manual_registry_rule_scans_nothing():
    repo = repository(changed(GOOD, imageScanningConfiguration=None))
    assert check_stack("ecr-image-scanning", [repo, registry("BASIC", "MANUAL", "*")]) == [NOT_SCANNED]


def test_a_registry_rule_in_another_region_does_not_count():
    repo = repository(changed(GOOD, imageScanningConfiguration=None))
    assert check_stack("ecr-image-scanning", [repo, registry(pattern="*", region="eu-west-1")]) == [NOT_SCANNED]


def test_enhanced_scanning_ignores_the_repositorys_own_setting():
    # The repository says scanOnPush, but an enhanced registry whose filters miss it decides: it is not scanned.
    assert check_stack("ecr-image-scanning", [repository(), registry("ENHANCED", "SCAN_ON_PUSH", "other")]) == [
        f"{REPO_LABEL} sets scanOnPush, but the stack's registry scanning configuration 'registry' is ENHANCED, "
        f"which ignores it and has no SCAN_ON_PUSH or CONTINUOUS_SCAN rule with a filter matching \"{NAME}\"; add "
        "one."]
    # Under basic scanning the repository's own setting still counts.
    assert check_stack("ecr-image-scanning", [repository(), registry("BASIC", "SCAN_ON_PUSH", "other")]) == []


def test_the_filter_semantics_are_ecrs():
    from policies.rules.ecr import filter_matches

    assert filter_matches("dev", "aurora-platform/dev/app")  # no wildcard: contains
    assert not filter_matches("dev*", "aurora-platform/dev/app")  # a wildcard: the whole name
    assert filter_matches("*dev*", "aurora-platform/dev/app")
    assert filter_matches("aurora-platform/dev/app*", "aurora-platform/dev/app")  # zero characters
    assert not filter_matches("a.b", "axb")  # "." is a character, not a pattern


# --- ecr-lifecycle-policy (Security Hub ECR.3) ---------------------------------------------------------------------
def test_a_lifecycle_policy_computed_from_the_repository_passes():
    repo = repository()
    assert check_stack("ecr-lifecycle-policy", [repo, lifecycle(repo)]) == []


def test_no_lifecycle_policy_fails():
    assert check_stack("ecr-lifecycle-policy", [repository()]) == [
        f"{REPO_LABEL} has no lifecycle policy; add an aws.ecr.LifecyclePolicy (repository=<this repository>.name) "
        "that expires untagged and old images."]


def test_a_policy_of_another_repository_does_not_count_even_with_the_same_text():
    repo, other = repository(), repository(changed(GOOD, name="other"), name="other")
    # Computed from the other repository (its dependency), whatever its value says.
    found = check_stack("ecr-lifecycle-policy", [repo, other, lifecycle(other, value=NAME)])
    assert found == [f"{REPO_LABEL} has no lifecycle policy; add an aws.ecr.LifecyclePolicy (repository=<this "
                     "repository>.name) that expires untagged and old images.",
                     # and for the other repository it names the wrong one
                     f"LifecyclePolicy 'app' names the repository as \"{NAME}\", not by its name \"other\"; pass the "
                     "repository's name (repository=<repository>.name)."]


def test_by_value_only_without_a_dependency():
    repo = repository()
    assert check_stack("ecr-lifecycle-policy", [repo, lifecycle(None, linked=False)]) == []
    assert len(check_stack("ecr-lifecycle-policy", [repo, lifecycle(None, value="other", linked=False)])) == 1


@pytest.mark.parametrize("value", [f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{NAME}",
                                   f"arn:aws:ecr:us-east-1:123456789012:repository/{NAME}"])
def test_a_policy_naming_the_repository_by_its_url_or_arn_is_named(value):
    repo = repository()
    assert check_stack("ecr-lifecycle-policy", [repo, lifecycle(repo, value=value)]) == [
        f"LifecyclePolicy 'app' names the repository as {json.dumps(value)}, not by its name \"{NAME}\"; pass the "
        "repository's name (repository=<repository>.name)."]


def test_a_policy_by_the_repositorys_id_counts():
    # The repository's id is its name: repository=repo.id records the same dependency and value.
    repo = resource(REPOSITORY, "app", {**GOOD, "id": NAME})
    assert check_stack("ecr-lifecycle-policy", [repo, lifecycle(repo, value=NAME)]) == []


@pytest.mark.parametrize(("policy", "problem"), [
    ("{}", "has no rules; add at least one rule that expires images."),
    ('{"rules": []}', "has no rules; add at least one rule that expires images."),
    ("not json", "has a policy that is not JSON; ECR refuses it."),
])
def test_an_empty_or_broken_policy_fails(policy, problem):
    repo = repository()
    assert check_stack("ecr-lifecycle-policy", [repo, lifecycle(repo, policy=policy)]) == [
        f"LifecyclePolicy 'app' {problem}"]


def test_one_good_policy_is_enough():
    repo = repository()
    found = check_stack("ecr-lifecycle-policy", [repo, lifecycle(repo, policy="{}", name="empty"), lifecycle(repo)])
    assert found == []


def test_lifecycle_is_advisory_by_default_and_the_others_mandatory():
    from policies.rules import RULES

    assert RULES["ecr-lifecycle-policy"].level.value == "advisory"
    for name in ("ecr-image-scanning", "ecr-tag-immutability", "ecr-repository-cmk"):
        assert RULES[name].level.value == "mandatory", name


def test_the_values_the_rules_accept_are_the_ecr_apis_and_the_providers():
    # The pinned botocore's ECR model holds the API's enums; pulumi-aws 7.51.1 documents the values it accepts.
    import gzip
    import importlib.util
    from pathlib import Path

    import botocore

    from policies.rules.ecr import IMMUTABLE, KMS_TYPES, SCANNING_FREQUENCIES

    [model] = (Path(botocore.__file__).parent / "data" / "ecr").glob("*/service-2.json*")
    opener = gzip.open if model.suffix == ".gz" else open
    with opener(model, "rt") as handle:
        shapes = json.load(handle)["shapes"]
    assert set(IMMUTABLE) == {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"} <= set(shapes["ImageTagMutability"]["enum"])
    assert set(KMS_TYPES) == {"KMS", "KMS_DSSE"} <= set(shapes["EncryptionType"]["enum"])
    assert set(SCANNING_FREQUENCIES) == {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}
    assert set(SCANNING_FREQUENCIES) < set(shapes["ScanFrequency"]["enum"]) == {*SCANNING_FREQUENCIES, "MANUAL"}
    # Read as a file: importing pulumi_aws.ecr.repository on its own leaves pulumi_aws.ecr without its lazily
    # loaded members (Repository ...), and every later program in the same process fails.
    provider = importlib.util.find_spec("pulumi_aws.ecr.repository").origin
    assert "`IMMUTABLE_WITH_EXCLUSION`" in Path(provider).read_text()
