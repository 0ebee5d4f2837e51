"""The application's image: an ECR repository of the stack, and the image built from this repository and pushed there.

- Repository: encrypted with a key of the stack (KMS, not ECR's default AES256), scan on push, IMMUTABLE tags (a tag
  names one image for ever, so a rollback to a tag brings back exactly that image), a lifecycle policy that expires
  untagged images after a day and keeps the newest `keepImages`; force-deleted with the stack only outside
  production (a dev stack is torn down with its images; a production repository is protected).
- Image: `pulumi_docker_build.Image` (BuildKit) builds the Dockerfile for the task's CPU architecture and pushes it,
  tagged `context-<hash>`: a hash of exactly the files the builder receives (the context after `.dockerignore`, and
  the Dockerfile). The same sources give the same tag, so an unchanged program pushes nothing; changed sources give a
  new tag, never one that moves. Registry credentials come from `aws.ecr.get_authorization_token` and stay secret.
- What the task runs is `<repository url>@<digest>`: the pushed image by content, not by tag
  (`AppImage.image_reference`). The digest is known only once the image is pushed: in a preview it is unknown.
- `AppImage.repository_arn` is what the task's execution role may pull from (components/app.py), nothing else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build
from docker.utils.build import exclude_paths

from .settings.app import ImageBuild

# The task's CPU architecture (aurora-platform:app.cpuArchitecture) -> the platform the image is built for: an image
# of the other architecture would start and fail with "exec format error".
PLATFORMS = {"X86_64": docker_build.Platform.LINUX_AMD64, "ARM64": docker_build.Platform.LINUX_ARM64}
TAG_PREFIX = "context-"
TAG_HEX = 24
# Untagged images are what a failed or superseded push leaves behind; nothing runs them by tag.
UNTAGGED_DAYS = 1


@dataclass
class AppImageArgs:
    build: ImageBuild
    # ECR repository names are account- and region-wide: "<project>/<stack>/<service>".
    repository_name: str
    # A key of the stack (the platform key): ECR creates a grant on it for the repository.
    kms_key_arn: pulumi.Input[str]
    cpu_architecture: str = "X86_64"
    tags: Mapping[str, str] = field(default_factory=dict)
    production: bool = False
    # The directory the build context and Dockerfile are relative to: the program's (the repository root), which is
    # the working directory Pulumi runs the program in.
    base_dir: Path | None = None


class AppImage(pulumi.ComponentResource):
    repository: aws.ecr.Repository
    lifecycle_policy: aws.ecr.LifecyclePolicy
    image: docker_build.Image

    def __init__(self, name: str, args: AppImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:app:AppImage", name, None, opts)
        build = args.build
        base = (args.base_dir or Path.cwd()).resolve()
        context, dockerfile = build_files(base, build)
        if args.cpu_architecture not in PLATFORMS:
            raise pulumi.RunError(f"aurora-platform:app.cpuArchitecture: got {json.dumps(args.cpu_architecture)}; "
                                  f"allowed: {', '.join(PLATFORMS)}")
        child = pulumi.ResourceOptions(parent=self)
        self.tag = TAG_PREFIX + context_hash(context, dockerfile)[:TAG_HEX]

        self.repository = aws.ecr.Repository(
            name, name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=args.kms_key_arn)],
            force_delete=not args.production,
            tags={**args.tags, "Name": name},
            opts=pulumi.ResourceOptions(parent=self, protect=args.production))
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            name, repository=self.repository.name, policy=json.dumps(lifecycle_policy(build.keep_images)),
            opts=child)

        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self))
        url = self.repository.repository_url
        self.image = docker_build.Image(
            name,
            context=docker_build.BuildContextArgs(location=build.context),
            dockerfile=docker_build.DockerfileArgs(location=build.dockerfile),
            platforms=[PLATFORMS[args.cpu_architecture]],
            push=True,
            # Built in a preview too (without pushing): a broken Dockerfile fails the preview, not the deployment.
            build_on_preview=True,
            tags=[pulumi.Output.concat(url, ":", self.tag)],
            registries=[docker_build.RegistryArgs(
                address=url, username=token.user_name,
                # The provider marks it sensitive; made secret here too, so no output path ever shows it.
                password=pulumi.Output.secret(token.password))],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.lifecycle_policy]))

        self.repository_arn = self.repository.arn
        self.repository_url = url
        # The pushed image by content: ECS resolves nothing, a later push under another tag changes nothing here.
        self.image_reference = pulumi.Output.all(url, self.image.digest).apply(
            lambda v: digest_reference(v[0], v[1]))
        self.register_outputs({"repositoryUrl": url, "repositoryArn": self.repository_arn, "tag": self.tag,
                               "imageReference": self.image_reference})


def digest_reference(repository_url: str, digest: str) -> str:
    """`<repository url>@sha256:<64 hex>`: what the task definition names (a digest pins the bytes, a tag does not)."""
    return f"{repository_url}@{digest}"


def lifecycle_policy(keep_images: int) -> dict:
    """Untagged images expire after a day; of the rest, the newest `keep_images` stay. A rule with tagStatus "any"
    must have the highest priority number (ECR evaluates it last)."""
    return {"rules": [
        {"rulePriority": 1, "description": f"Expire untagged images after {UNTAGGED_DAYS} day",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": UNTAGGED_DAYS},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"Keep the newest {keep_images} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
         "action": {"type": "expire"}},
    ]}


def build_files(base: Path, build: ImageBuild) -> tuple[Path, Path]:
    """The context directory and the Dockerfile under `base`; a missing one is a settings error, not a traceback."""
    context, dockerfile = base / build.context, base / build.dockerfile
    for path, key, kind, exists in ((context, "context", "directory", context.is_dir()),
                                    (dockerfile, "dockerfile", "file", dockerfile.is_file())):
        inside = path.resolve() == base or base in path.resolve().parents
        if not exists or not inside:
            value = build.context if key == "context" else build.dockerfile
            raise pulumi.RunError(f"aurora-platform:app.image.build.{key}: got {json.dumps(value)}; allowed: an "
                                  f"existing {kind} inside {base.name}/ (the repository root)")
    return context, dockerfile


def context_hash(context: Path, dockerfile: Path) -> str:
    """sha256 over the Dockerfile and every file the builder receives (relative path and content), after the
    context's `.dockerignore` (or `<Dockerfile>.dockerignore`) as Docker reads it."""
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.is_file():
        ignore = context / ".dockerignore"
    patterns = ignore.read_text().splitlines() if ignore.is_file() else []
    digest = hashlib.sha256()
    digest.update(b"Dockerfile\0" + hashlib.sha256(dockerfile.read_bytes()).hexdigest().encode() + b"\n")
    for relative in sorted(exclude_paths(str(context), patterns)):
        path = context / relative
        if path.is_file():
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            digest.update(Path(relative).as_posix().encode() + b"\0" + content.encode() + b"\n")
    return digest.hexdigest()


__all__ = ["AppImage", "AppImageArgs", "context_hash", "digest_reference", "lifecycle_policy"]
