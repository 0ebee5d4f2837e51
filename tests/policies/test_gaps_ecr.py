"""ECR tag-mutability exclusions that undo IMMUTABLE tags. ECR's only exclusion filter is the tag-mutability one
(ImageTagMutabilityExclusionFilter: filterType WILDCARD, filter `^[0-9a-zA-Z._*-]{1,128}$`, at most 5): every tag it
matches can be moved by a push. AWS's examples exclude `latest`, `dev-*`, `test-*`; a filter like `v*` or `*-rc`
makes release tags (what a rollback names) mutable while the repository still reads IMMUTABLE_WITH_EXCLUSION."""

import json

import pytest

from .policy_helpers import changed, check, check_stack, resource

RULE = "ecr-tag-immutability"
REPOSITORY = "aws:ecr/repository:Repository"
IMAGE = "docker-build:index:Image"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
NAME = "aurora-platform/dev/app"
URL = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{NAME}"
GOOD = {"name": NAME, "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageScanningConfiguration": {"scanOnPush": True}}


def excluding(*patterns):
    return changed(GOOD, imageTagMutabilityExclusionFilters=[{"filter": p, "filterType": "WILDCARD"}
                                                             for p in patterns])


def too_broad(pattern):
    return (f"imageTagMutabilityExclusionFilters {json.dumps(pattern)} can match release tags, which a push could "
            "then move: a wildcard exclusion needs a literal prefix of at least 3 characters ending in -, _ or . "
            "before its first * (dev-*, pr-*), and no exclusion may look like a version (v1*, 1.2.*); exclude the "
            "few moving tags by name (latest, dev-*).")


@pytest.mark.parametrize("pattern", ["v*", "1*", "*-rc", "*latest", "*.*", "re*", "v-*", "dev*", "a*b*", "-*",
                                     "v1.*", "1.2.*", "v2", "1.0.0", "V1-*", "v.*"])
def test_an_exclusion_that_can_match_release_tags_fails(pattern):
    assert check(RULE, REPOSITORY, excluding("latest", pattern)) == [too_broad(pattern)]


@pytest.mark.parametrize("patterns", [("latest",), ("dev-*", "test-*"), ("pr_*", "nightly"), ("feature.*",),
                                      ("latest", "dev-*", "main", "staging-*", "ci_*")])
def test_named_tags_and_separated_prefixes_pass(patterns):
    assert check(RULE, REPOSITORY, excluding(*patterns)) == []


def test_only_the_broad_one_of_several_is_named():
    assert check(RULE, REPOSITORY, excluding("latest", "dev-*", "v*", "*")) == [
        too_broad("v*"),
        'imageTagMutabilityExclusionFilters "*" exempts every tag, which makes the repository mutable; exclude '
        "named tags only (e.g. latest)."]


def test_exclusions_on_a_plain_immutable_repository_are_not_judged():
    # ECR applies exclusion filters only with a *_WITH_EXCLUSION setting.
    assert check(RULE, REPOSITORY, changed(excluding("v*"), imageTagMutability="IMMUTABLE")) == []


# --- the tags the stack itself pushes and runs ------------------------------------------------------------------
# A named exclusion that matches the tag the stack pushes (docker-build Image `tags`) or a task definition runs
# (`<repository url>:<tag>`) makes the deployed tag movable whatever it looks like.
DEPLOYED = "ecr-deployed-tags-immutable"


def repository(*patterns):
    return resource(REPOSITORY, "app", {**excluding(*patterns), "repositoryUrl": URL})


def image(tag, repo=None):
    deps = {"tags": [repo.urn]} if repo is not None else {}
    return resource(IMAGE, "app", {"tags": [f"{URL}:{tag}"], "push": True}, property_dependencies=deps)


def task(reference):
    return resource(TASK, "app", {"family": "app", "containerDefinitions": json.dumps(
        [{"name": "app", "image": reference, "essential": True}])})


def test_an_exclusion_matching_the_pushed_tag_fails():
    repo = repository("latest", "context-*")
    assert check_stack(DEPLOYED, [repo, image("context-0123456789abcdef01234567", repo)]) == [
        "Repository 'app' imageTagMutabilityExclusionFilters \"context-*\" matches tag "
        "context-0123456789abcdef01234567 that Image 'app' pushes: a later push can move it."]


def test_an_exclusion_matching_the_tag_a_task_runs_fails():
    repo = repository("stable")
    assert check_stack(DEPLOYED, [repo, task(f"{URL}:stable")]) == [
        "Repository 'app' imageTagMutabilityExclusionFilters \"stable\" matches tag stable that TaskDefinition "
        "'app' runs: a later push can move it."]


def test_a_task_pinned_by_digest_and_an_unmatched_tag_pass():
    repo = repository("latest", "dev-*")
    digest = "sha256:" + "a" * 64
    assert check_stack(DEPLOYED, [repo, image("context-0123", repo), task(f"{URL}@{digest}")]) == []


def test_a_plain_immutable_repository_is_not_judged():
    repo = resource(REPOSITORY, "app", {**changed(excluding("context-*"), imageTagMutability="IMMUTABLE"),
                                        "repositoryUrl": URL})
    assert check_stack(DEPLOYED, [repo, image("context-0123", repo)]) == []
