"""The application's image (components/app_image.py, `aurora-platform:app.image`): the settings, the ECR repository,
the image built from this repository and pushed with docker-build, and the task running it by digest, under the
offline engine. Expected values are literals from the requirement, never recomputed with the code under test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.app_image import context_hash, digest_reference
from components.settings import SettingsError, load_settings
from components.settings.app import ImageBuild
from preflight.engine import ProgramError, Secret
from preflight.policy_eval import Analyzer

from .conftest import REPO_ROOT
from .test_app import app_task

KEY = "aurora-platform:app"
REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
IMAGE = "docker-build:index:Image"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNT, REGION = "123456789012", "us-east-1"
CHOICES = ("exactly one of build (build the image from this repository's Dockerfile and push it to the stack's ECR "
           "repository) or reference (run this existing image)")


def url(stack: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/aurora-platform/{stack}/app"


def app(image, environment: str = "development"):
    return load_settings({"environment": environment, "app": {"image": image}}, "dev", REGION).app


def problems(image, environment: str = "development") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        app(image, environment)
    return caught.value.problems


def with_app(run, **values) -> dict:
    return {KEY: {**run.config[KEY], **values}}


# ---- settings ------------------------------------------------------------------------------------------------------
def test_build_takes_its_defaults():
    settings = app({"build": {}})
    assert settings.image is None
    assert settings.image_build == ImageBuild(context=".", dockerfile="Dockerfile", keep_images=10)


def test_a_reference_as_text_or_under_reference_is_the_image_to_run():
    assert app("ghcr.io/org/blog:1.2.3").image == "ghcr.io/org/blog:1.2.3"
    settings = app({"reference": "ghcr.io/org/blog:1.2.3"})
    assert (settings.image, settings.image_build) == ("ghcr.io/org/blog:1.2.3", None)


@pytest.mark.parametrize(("image", "shown"), [
    ({}, "neither build nor reference"),
    ({"build": None}, "neither build nor reference"),
    ({"build": {}, "reference": "ghcr.io/org/blog:1"}, "both build and reference"),
])
def test_exactly_one_of_build_or_reference(image, shown):
    assert problems(image) == [f"{KEY}.image: has {shown}; allowed: {CHOICES}"]


def test_a_misspelt_choice_is_named_with_its_fix():
    assert problems({"biuld": {}}) == [
        f'{KEY}.image.biuld: unknown setting; known settings here: build, reference. Did you mean "build"?',
        f"{KEY}.image: has neither build nor reference; allowed: {CHOICES}"]


@pytest.mark.parametrize("path", ["../blog", "/work", "blog/../..", "..", "a//b", "C:\\blog", "blog dir", ""])
def test_a_context_outside_the_repository_is_refused(path):
    assert problems({"build": {"context": path}}) == [
        f'{KEY}.image.build.context: got {json.dumps(path)}; allowed: a path relative to the repository root, with '
        'forward slashes and no ".." (it must stay inside the repository), e.g. "." or "Dockerfile"']


def test_paths_are_normalised():
    assert app({"build": {"context": "./", "dockerfile": "./docker/Dockerfile"}}).image_build == ImageBuild(
        context=".", dockerfile="docker/Dockerfile")


@pytest.mark.parametrize("keep", [0, -1, 1001, 2.5, "ten", True])
def test_keep_images_is_a_bounded_count(keep):
    assert problems({"build": {"keepImages": keep}}) == [
        f"{KEY}.image.build.keepImages: got {json.dumps(keep)}; allowed: a whole number of images from 1 to 1000 "
        "(the newest are kept, older ones expire)"]


def test_an_unknown_build_setting_is_named():
    assert problems({"build": {"tag": "latest"}}) == [
        f"{KEY}.image.build.tag: unknown setting; known settings here: context, dockerfile, keepImages"]


def test_production_refuses_latest_under_reference_too():
    assert problems({"reference": "ghcr.io/org/blog:latest"}, "production") == [
        f'{KEY}.image.reference: got "ghcr.io/org/blog:latest"; allowed: in production, a pinned tag or a digest '
        '("latest" changes under a running service, and a rollback would not bring the old image back)']


# ---- the repository ------------------------------------------------------------------------------------------------
def test_the_repository_is_immutable_scanned_and_under_the_platform_key(any_stack):
    repository = any_stack.one(REPOSITORY)
    assert repository.inputs["name"] == f"aurora-platform/{any_stack.stack}/app"
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": any_stack.exports["platformKeyArn"]}]
    assert repository.property_dependencies["encryptionConfigurations"] == [
        f"urn:pulumi:{any_stack.stack}::aurora-platform::aurora-platform:security:EncryptionKey$aws:kms/key:Key::"
        "platform"]
    assert repository.outputs["repositoryUrl"] == url(any_stack.stack)
    assert any_stack.exports["imageRepositoryUrl"] == url(any_stack.stack)


def test_dev_repositories_go_with_the_stack_and_prod_ones_are_protected(dev, prod):
    assert dev.one(REPOSITORY).inputs["forceDelete"] is True and not dev.one(REPOSITORY).protect
    assert prod.one(REPOSITORY).inputs["forceDelete"] is False and prod.one(REPOSITORY).protect


@pytest.mark.parametrize(("stack", "keep"), [("dev", 10), ("prod", 30)])
def test_the_lifecycle_policy_expires_untagged_images_and_keeps_the_newest(evaluate, stack, keep):
    run = evaluate(stack)
    policy = run.one(LIFECYCLE)
    assert policy.inputs["repository"] == f"aurora-platform/{stack}/app"
    assert policy.property_dependencies["repository"] == [run.one(REPOSITORY).urn]
    assert json.loads(policy.inputs["policy"]) == {"rules": [
        {"rulePriority": 1, "description": "Expire untagged images after 1 day",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": 1},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"Keep the newest {keep} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
         "action": {"type": "expire"}}]}


# ---- the image -----------------------------------------------------------------------------------------------------
def test_the_image_is_built_from_the_repository_and_pushed_under_a_content_tag(any_stack):
    image = any_stack.one(IMAGE)
    assert image.custom and not image.remote
    assert image.parent.endswith("aurora-platform:app:AppImage::app-image")
    assert image.inputs["context"] == {"location": "."} and image.inputs["dockerfile"] == {"location": "Dockerfile"}
    assert image.inputs["push"] is True and image.inputs["platforms"] == ["linux/amd64"]
    [tag] = image.inputs["tags"]
    assert re.fullmatch(re.escape(url(any_stack.stack)) + r":context-[0-9a-f]{24}", tag), tag
    assert "latest" not in tag
    # the image has no ARN: only what the docker-build provider declares
    assert "arn" not in image.outputs


def test_registry_credentials_come_from_ecr_and_stay_secret(any_stack):
    image = any_stack.one(IMAGE)
    registries = image.inputs["registries"]
    assert isinstance(registries, Secret)
    [registry] = registries.value
    assert registry["address"] == url(any_stack.stack) and registry["username"] == "AWS"
    assert registry["password"] not in json.dumps(any_stack.exports, default=str)
    assert image.property_dependencies["registries"] == [any_stack.one(REPOSITORY).urn]


def test_the_migration_task_runs_the_same_pushed_image_and_pulls_from_the_same_repository(any_stack):
    [migrations] = [d for d in any_stack.of_type(TASK_DEFINITION) if d.name == "migrations"]
    [container] = json.loads(migrations.inputs["containerDefinitions"])
    assert container["image"] == f"{url(any_stack.stack)}@[unknown]"
    [policy] = [p for p in any_stack.of_type(ROLE_POLICY) if p.name == "migrations-execution"]
    [pull] = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s.get("Sid") == "PullTheImage"]
    assert pull["Resource"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/aurora-platform/{any_stack.stack}/app"


def test_the_task_runs_the_pushed_image_by_digest(any_stack):
    [container] = json.loads(app_task(any_stack).inputs["containerDefinitions"])
    # The digest exists once the image is pushed; offline (as in a real preview) it is unknown.
    assert container["image"] == f"{url(any_stack.stack)}@[unknown]"
    assert any_stack.exports["imageReference"] == f"{url(any_stack.stack)}@[unknown]"
    assert "digest" not in any_stack.one(IMAGE).outputs  # never invented


def test_a_digest_reference_names_the_repository_and_the_digest():
    digest = "sha256:" + "0123456789abcdef" * 4
    assert digest_reference("111122223333.dkr.ecr.eu-west-1.amazonaws.com/blog", digest) == (
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/blog@sha256:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")


def test_the_execution_role_pulls_from_exactly_the_stacks_repository(any_stack):
    [policy] = [p for p in any_stack.of_type(ROLE_POLICY) if p.name == "app-execution"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/aurora-platform/{any_stack.stack}/app"
    assert statements[:2] == [
        {"Sid": "EcrAuthorizationToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PullTheImage", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
         "Resource": repository}]
    assert not [s for s in statements if "ecr:PutImage" in json.dumps(s)]


def test_an_arm64_task_gets_an_arm64_image(evaluate, dev):
    run = evaluate("dev", with_app(dev, cpuArchitecture="ARM64"))
    assert run.one(IMAGE).inputs["platforms"] == ["linux/arm64"]


def test_a_stack_naming_an_image_builds_nothing(evaluate, dev):
    run = evaluate("dev", with_app(dev, image="ghcr.io/aurora-platform/blog:1.0.0"))
    assert not run.of_type(IMAGE) and not run.of_type(REPOSITORY) and not run.of_type(LIFECYCLE)
    [container] = json.loads(app_task(run).inputs["containerDefinitions"])
    assert container["image"] == "ghcr.io/aurora-platform/blog:1.0.0"
    assert "imageReference" not in run.exports


@pytest.mark.parametrize(("build", "key", "value", "kind"), [
    ({"dockerfile": "Missing.Dockerfile"}, "dockerfile", "Missing.Dockerfile", "file"),
    ({"context": "nowhere"}, "context", "nowhere", "directory"),
    ({"dockerfile": "blog"}, "dockerfile", "blog", "file"),
])
def test_a_missing_context_or_dockerfile_is_one_clear_error(evaluate, dev, build, key, value, kind):
    with pytest.raises(ProgramError) as caught:
        evaluate("dev", with_app(dev, image={"build": build}))
    assert f'aurora-platform:app.image.build.{key}: got "{value}"; allowed: an existing {kind} inside ' in str(
        caught.value)
    assert "Traceback" not in str(caught.value)


def test_the_pack_passes_the_image_and_its_repository(any_stack):
    urns = {r.urn for r in any_stack.resources if r.type in (REPOSITORY, LIFECYCLE, IMAGE)}
    assert len(urns) == 3
    evaluation = Analyzer({"all": "mandatory"}).evaluate(any_stack.resources)
    assert not [v for v in evaluation.violations if v.urn in urns or v.policy.startswith("ecr-")]


# ---- the content tag -----------------------------------------------------------------------------------------------
def make_context(root: Path) -> tuple[Path, Path]:
    (root / "blog").mkdir()
    (root / "blog" / "web.py").write_text("print('blog')\n")
    (root / "notes.txt").write_text("not sent\n")
    (root / ".dockerignore").write_text("*\n!blog/\nblog/**/__pycache__\n")
    (root / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY blog/ /app/blog/\n")
    return root, root / "Dockerfile"


def test_the_tag_follows_exactly_the_files_the_builder_receives(tmp_path):
    context, dockerfile = make_context(tmp_path)
    first = context_hash(context, dockerfile)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert context_hash(context, dockerfile) == first  # same sources, same tag: nothing is pushed again
    (tmp_path / "notes.txt").write_text("changed, but ignored\n")
    (tmp_path / "blog" / "__pycache__").mkdir()
    (tmp_path / "blog" / "__pycache__" / "web.cpython-311.pyc").write_bytes(b"\0")
    assert context_hash(context, dockerfile) == first
    (tmp_path / "blog" / "web.py").write_text("print('blog 2')\n")
    second = context_hash(context, dockerfile)
    assert second != first
    dockerfile.write_text("FROM python:3.12-slim\nCOPY blog/ /app/blog/\n")
    assert context_hash(context, dockerfile) not in (first, second)


def test_a_renamed_file_changes_the_tag(tmp_path):
    context, dockerfile = make_context(tmp_path)
    first = context_hash(context, dockerfile)
    (tmp_path / "blog" / "web.py").rename(tmp_path / "blog" / "app.py")
    assert context_hash(context, dockerfile) != first


def test_the_repositorys_own_context_sends_only_the_blog_and_its_migrations():
    # .dockerignore at the root lets blog/ and db/ (the migration task runs the same image) through only: the
    # program, state and .venv never reach a builder.
    from docker.utils.build import exclude_paths

    sent = exclude_paths(str(REPO_ROOT), (REPO_ROOT / ".dockerignore").read_text().splitlines())
    assert {p.split("/")[0] for p in sent} <= {"blog", "db", "Dockerfile", ".dockerignore"}
    assert "blog/web.py" in sent and "db/migrate.py" in sent and not [p for p in sent if "__pycache__" in p]


def test_the_stacks_run_the_image_as_its_dockerfile_says(any_stack):
    # The stack settings must match the blog's Dockerfile: its USER, its EXPOSE/PORT, and it writes only /tmp.
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert re.findall(r"^USER\s+(\S+)", dockerfile, re.M) == ["1000:1000"]
    assert re.findall(r"^EXPOSE\s+(\d+)", dockerfile, re.M) == ["3000"]
    [container] = json.loads(app_task(any_stack).inputs["containerDefinitions"])
    assert container["user"] == "1000:1000"
    assert container["portMappings"] == [{"containerPort": 3000, "protocol": "tcp"}]
    assert [m["containerPath"] for m in container["mountPoints"]] == ["/tmp"]


# ---- the offline engine: an ECR repository and a docker-build image in any program ---------------------------------
ENGINE_PROGRAM = '''
import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

repo = aws.ecr.Repository("images")
image = docker_build.Image("web", push=True, context=docker_build.BuildContextArgs(location="."),
                           tags=[repo.repository_url.apply(lambda u: f"{u}:v1")])
pulumi.export("url", repo.repository_url)
pulumi.export("registry", repo.registry_id)
pulumi.export("digest", image.digest)
pulumi.export("ref", image.ref)
'''


def test_the_engine_shapes_an_autonamed_repository_url_and_invents_no_digest(tmp_path):
    from preflight.engine import run_stack

    (tmp_path / "Pulumi.yaml").write_text("name: ecrtest\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(ENGINE_PROGRAM)
    run = run_stack("test", tmp_path)
    name = run.one(REPOSITORY).outputs["name"]
    assert re.fullmatch(r"images-[0-9a-f]{7}", name)
    assert run.exports["url"] == f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"
    assert run.exports["registry"] == "123456789012"
    assert run.one(IMAGE).inputs["tags"] == [f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}:v1"]
    # unknown, as in a real preview (an export of it is the engine's unknown), and never recorded as an output
    assert str(run.exports["digest"]) == "[unknown]" and str(run.exports["ref"]) == "[unknown]"
    assert not {"digest", "ref", "contextHash", "arn"} & set(run.one(IMAGE).outputs)


@pytest.mark.parametrize("path", ["../Dockerfile", "/work/Dockerfile", "docker/../../Dockerfile", "C:\\Dockerfile", ""])
def test_a_dockerfile_outside_the_repository_is_refused(path):
    assert problems({"build": {"dockerfile": path}}) == [
        f'{KEY}.image.build.dockerfile: got {json.dumps(path)}; allowed: a path relative to the repository root, '
        'with forward slashes and no ".." (it must stay inside the repository), e.g. "." or "Dockerfile"']


@pytest.mark.parametrize("keep", [1, 1000])
def test_keep_images_takes_both_ends_of_its_range(keep):
    assert app({"build": {"keepImages": keep}}).image_build.keep_images == keep
