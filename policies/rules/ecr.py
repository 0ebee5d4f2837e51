"""ECR private repositories: images scanned on push, tags that cannot move, a lifecycle policy, a customer key.

A repository (`aws.ecr.Repository`) says how it scans (`imageScanningConfiguration.scanOnPush`), whether tags move
(`imageTagMutability`) and how it is encrypted (`encryptionConfigurations`); the registry of the account and region
can scan instead (`aws.ecr.RegistryScanningConfiguration`, repository filters); the lifecycle policy is a separate
resource (`aws.ecr.LifecyclePolicy`) naming the repository by name. AWS's enum values are upper case and the
provider refuses any other spelling at Check, so `immutable` or `kms` is a violation here too, named as such.
Tag-mutability exclusions (ECR's only exclusion filter) are judged by their shape and against the tags the stack
pushes (docker-build images) or runs (task definitions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    depends_on,
    flag,
    has,
    has_dependency,
    known,
    label,
)
from .encryption import customer_key_problem

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"

IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
SCANNING_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")  # MANUAL scans nothing by itself
KMS_TYPES = ("KMS", "KMS_DSSE")



def _region(resource: PolicyResource) -> Any:
    return known(resource.props, "region")


def _name(repository: PolicyResource) -> str | None:
    """A repository's name: its `name` (the program's, or the auto-name), else its id (ECR's id is the name)."""
    for key in ("name", "id"):
        value = known(repository.props, key)
        if isinstance(value, str) and value:
            return value
    return None


# ---- ECR.1: scan on push, by the repository or by the registry --------------------------------------------------

def filter_matches(pattern: str, repository: str) -> bool:
    """ECR's repository filter (filterType WILDCARD): without `*` it matches every name that contains it; with `*`
    the whole name must match, each `*` standing for zero or more characters (ECR user guide, "Filter wildcards")."""
    if "*" not in pattern:
        return pattern in repository
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), repository) is not None


def _registry_covers(config: PolicyResource, repository: str | None) -> bool:
    """A registry configuration scans the repository on push or continuously: a rule of such a frequency with a
    WILDCARD filter matching its name (an unnamed repository only by a filter of wildcards alone)."""
    for rule in as_list(known(config.props, "rules")):
        if not isinstance(rule, Mapping) or known(rule, "scanFrequency") not in SCANNING_FREQUENCIES:
            continue
        for repository_filter in as_list(known(rule, "repositoryFilters")):
            if not isinstance(repository_filter, Mapping) or known(repository_filter, "filterType") != "WILDCARD":
                continue
            pattern = known(repository_filter, "filter")
            if not isinstance(pattern, str) or not pattern:
                continue
            if repository is None:
                if not pattern.strip("*"):
                    return True
            elif filter_matches(pattern, repository):
                return True
    return False


def _scanning(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    configs = [r for r in resources if r.resource_type == REGISTRY_SCANNING]
    for repository in resources:
        if repository.resource_type != REPOSITORY:
            continue
        name = _name(repository)
        # The registry of the same region (never another region's; a resource on the default provider has none).
        registry = [c for c in configs if _region(c) == _region(repository)]
        if any(_registry_covers(c, name) for c in registry):
            continue
        # With enhanced scanning (Amazon Inspector) the registry's filters alone decide what is scanned; the
        # repository's own scanOnPush counts under basic scanning (or no registry configuration in the stack).
        enhanced = [c for c in registry if known(c.props, "scanType") == "ENHANCED"]
        scan = known(repository.props, "imageScanningConfiguration")
        on_push = isinstance(scan, Mapping) and flag(scan, "scanOnPush") is True
        if on_push and not enhanced:
            continue
        if on_push:
            yield (f"{label(repository)} sets scanOnPush, but the stack's registry scanning configuration "
                   f"'{enhanced[0].name}' is ENHANCED, which ignores it and has no SCAN_ON_PUSH or CONTINUOUS_SCAN "
                   f"rule with a filter matching {json.dumps(name) if name else 'the repository'}; add one.",
                   repository.urn)
        else:
            yield (f"{label(repository)} is not scanned on push: set imageScanningConfiguration.scanOnPush true, "
                   "or add a RegistryScanningConfiguration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) whose filter "
                   "matches its name.", repository.urn)


# ---- ECR.2: tags that cannot move ------------------------------------------------------------------------------

def _immutability(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not has(props, "imageTagMutability"):
        yield ("imageTagMutability must be IMMUTABLE (or IMMUTABLE_WITH_EXCLUSION); unset, ECR makes tags "
               "MUTABLE, so a push can move a tag a running service or a rollback names.")
        return
    value = props["imageTagMutability"]
    if value not in IMMUTABLE:
        text = json.dumps(value)
        if isinstance(value, str) and value.strip().upper() in IMMUTABLE:
            yield (f"imageTagMutability {text} is not an ECR value (they are upper case, and the provider refuses "
                   f"any other spelling); write {value.strip().upper()}.")
        else:
            yield (f"imageTagMutability {text} lets a push move a tag; set IMMUTABLE (or IMMUTABLE_WITH_EXCLUSION "
                   "for a few named tags).")
        return
    if value == "IMMUTABLE_WITH_EXCLUSION":
        for pattern in _exclusions(props):
            if not pattern.strip("*"):
                yield (f"imageTagMutabilityExclusionFilters {json.dumps(pattern)} exempts every tag, which makes the "
                       "repository mutable; exclude named tags only (e.g. latest).")
            elif _broad(pattern):
                yield (f"imageTagMutabilityExclusionFilters {json.dumps(pattern)} can match release tags, which a "
                       "push could then move: a wildcard exclusion needs a literal prefix of at least 3 characters "
                       "ending in -, _ or . before its first * (dev-*, pr-*), and no exclusion may look like a "
                       "version (v1*, 1.2.*); exclude the few moving tags by name (latest, dev-*).")


def _exclusions(props: Mapping[str, Any]) -> list[str]:
    items = as_list(known(props, "imageTagMutabilityExclusionFilters"))
    return [p for p in (known(i, "filter") if isinstance(i, Mapping) else None for i in items) if isinstance(p, str)]


# Which tags an exclusion may name: ECR's filter (`^[0-9a-zA-Z._*-]{1,128}$`, `*` = any characters) cannot be read
# against tags pushed outside the stack, so the shape decides. AWS's own examples (`latest`, `dev-*`, `test-*`) name
# moving tags or a family under a separated prefix; a short or absent prefix (`*-rc`, `v*`, `re*`) or anything that
# reads like a version (`v1.*`, `1.0.0`) covers the release tags a rollback names.
_VERSION_LIKE = re.compile(r"[vV]?\d")
_SEPARATED_PREFIX = re.compile(r"[^*]{2,}[-_.]")


def _broad(pattern: str) -> bool:
    if _VERSION_LIKE.match(pattern):
        return True
    if "*" not in pattern:
        return False
    return not _SEPARATED_PREFIX.fullmatch(pattern.split("*", 1)[0])


# ---- ECR.2 for what the stack deploys: no exclusion matches a tag the stack pushes or runs --------------------

IMAGE = "docker-build:index:Image"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def _split_reference(reference: str) -> tuple[str, str | None]:
    """`<repository url>:<tag>` -> (url, tag); a digest reference (`@sha256:...`) or no tag -> (url, None). A port
    in the registry host (`host:5000/repo`) is not a tag: the tag is after the last `/`."""
    head, _, last = reference.rpartition("/")
    if "@" in last:
        return reference.split("@", 1)[0], None
    if ":" in last:
        name, tag = last.split(":", 1)
        return f"{head}/{name}" if head else name, tag
    return reference, None


def _deployed(resources: list[PolicyResource]) -> Iterator[tuple[PolicyResource, str, str, str]]:
    """(resource, verb, repository url, tag) of each tag a docker-build image pushes or a task definition runs."""
    for resource in resources:
        if resource.resource_type == IMAGE:
            for reference in as_list(known(resource.props, "tags")):
                if isinstance(reference, str):
                    url, tag = _split_reference(reference.strip())
                    if tag:
                        yield resource, "pushes", url, tag
        elif resource.resource_type == TASK_DEFINITION:
            text = known(resource.props, "containerDefinitions")
            try:
                containers = json.loads(text) if isinstance(text, str) else []
            except json.JSONDecodeError:
                continue  # ecs rules name a task definition that is not JSON
            for container in containers if isinstance(containers, list) else []:
                reference = container.get("image") if isinstance(container, dict) else None
                if isinstance(reference, str):
                    url, tag = _split_reference(reference.strip())
                    if tag:
                        yield resource, "runs", url, tag


def _deployed_tags(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    deployed: list[tuple[PolicyResource, str, str, str]] | None = None
    for repository in resources:
        if repository.resource_type != REPOSITORY or known(repository.props, "imageTagMutability") != \
                "IMMUTABLE_WITH_EXCLUSION":
            continue
        url = known(repository.props, "repositoryUrl")
        if not isinstance(url, str) or not url:
            continue  # unknown before deployment: the shape check of ecr-tag-immutability still applies
        if deployed is None:
            # Read only when a repository has exclusions: a task definition whose containers are a secret without
            # plaintext is then "cannot verify", never otherwise.
            deployed = list(_deployed(resources))
        for pattern in _exclusions(repository.props):
            for user, verb, image_url, tag in deployed:
                if image_url == url and filter_matches(pattern, tag):
                    yield (f"{label(repository)} imageTagMutabilityExclusionFilters {json.dumps(pattern)} matches "
                           f"tag {tag} that {label(user)} {verb}: a later push can move it.", repository.urn)


# ---- ECR.3: a lifecycle policy per repository --------------------------------------------------------------------

def _names_repository(policy: PolicyResource, repository: PolicyResource) -> bool:
    """The policy belongs to the repository: `repository` computed from it (the property dependency), or, with no
    dependency recorded (an old state file), the same name."""
    if has_dependency(policy, "repository"):
        return depends_on(policy, "repository", repository)
    value = known(policy.props, "repository")
    return isinstance(value, str) and value == _name(repository)


def _policy_problem(policy: PolicyResource, repository: PolicyResource) -> str | None:
    """What is wrong with a policy that belongs to the repository; None when it expires something."""
    value = known(policy.props, "repository")
    name = _name(repository)
    if isinstance(value, str) and name is not None and value != name:
        # Computed from the repository but not its name (its URL, its ARN): ECR takes the name only.
        return (f"{label(policy)} names the repository as {json.dumps(value)}, not by its name "
                f"{json.dumps(name)}; pass the repository's name (repository=<repository>.name).")
    try:
        text = policy.props["policy"] if has(policy.props, "policy") else None
    except UnknownValueError:
        return None  # computed from another resource: judged once known
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return f"{label(policy)} has a policy that is not JSON; ECR refuses it."
    rules = document.get("rules") if isinstance(document, Mapping) else None
    if not isinstance(rules, list) or not rules:
        return f"{label(policy)} has no rules; add at least one rule that expires images."
    return None


def _lifecycle(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    policies = [r for r in resources if r.resource_type == LIFECYCLE_POLICY]
    for repository in resources:
        if repository.resource_type != REPOSITORY:
            continue
        mine = [p for p in policies if _names_repository(p, repository)]
        if not mine:
            yield (f"{label(repository)} has no lifecycle policy; add an aws.ecr.LifecyclePolicy "
                   "(repository=<this repository>.name) that expires untagged and old images.", repository.urn)
            continue
        problems = [_policy_problem(p, repository) for p in mine]
        if all(problems):
            for problem, policy in zip(problems, mine, strict=True):
                yield problem, policy.urn


# ---- encryption under a customer key ---------------------------------------------------------------------------

def _encryption(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    configurations = [c for c in as_list(known(props, "encryptionConfigurations")) if isinstance(c, Mapping)]
    if not configurations:
        yield ("encryptionConfigurations must set encryptionType KMS with a customer-managed kmsKey; without it "
               "ECR encrypts with AES256 under a key AWS owns.")
        return
    for configuration in configurations:
        kind = known(configuration, "encryptionType")
        if kind not in KMS_TYPES:
            text = json.dumps(kind) if kind is not None else "unset (AES256)"
            hint = (" (ECR's values are upper case; the provider refuses any other spelling)"
                    if isinstance(kind, str) and kind.strip().upper() in KMS_TYPES else "")
            yield f"encryptionType {text} is not KMS or KMS_DSSE{hint}; set KMS with a customer-managed kmsKey."
            continue
        problem = customer_key_problem(configuration, "kmsKey", "ECR uses the AWS-managed key aws/ecr")
        if problem:
            yield problem


POLICIES = [
    StackRule(
        "ecr-image-scanning", "ECR repositories must scan images on push, themselves or through the registry",
        ("Security Hub ECR.1", "Checkov CKV_AWS_163"), MANDATORY, (REPOSITORY, REGISTRY_SCANNING), _scanning),
    ResourceRule(
        "ecr-tag-immutability", "ECR repositories must have immutable image tags",
        ("Security Hub ECR.2", "Checkov CKV_AWS_51"), MANDATORY, (REPOSITORY,), _immutability),
    StackRule(
        "ecr-deployed-tags-immutable",
        "ECR tag-mutability exclusions must not match a tag the stack pushes or a task definition runs",
        # It reads docker-build images too; the pack declares aws: types only.
        ("Security Hub ECR.2",), MANDATORY, (REPOSITORY, TASK_DEFINITION), _deployed_tags),
    StackRule(
        "ecr-lifecycle-policy", "ECR repositories must have a lifecycle policy",
        ("Security Hub ECR.3",), ADVISORY, (REPOSITORY, LIFECYCLE_POLICY), _lifecycle),
    ResourceRule(
        "ecr-repository-cmk", "ECR repositories must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_136",), MANDATORY, (REPOSITORY,), _encryption),
]
