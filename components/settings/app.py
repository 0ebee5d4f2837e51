"""`aurora-platform:app`: the application task (image, size, user, environment, secrets) and its Fargate service.

The connection settings (host, port, database, user, TLS) come from the database, not from here: this section only
says what to run and what the application adds on top (non-secret `environment`, SSM-backed `secrets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .app_load_balancer import LoadBalancerSettings, parse_load_balancer
from .reader import Problems, Section, as_int, show

# Valid task-level CPU units and memory (MiB) on Fargate (Linux), from the ECS Developer Guide table
# https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html and the RegisterTaskDefinition
# API's `memory` parameter: 8192 and 16384 CPU need Linux platform version 1.4.0 or later (LATEST is).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
FARGATE_MEMORY_TEXT = {
    256: "512, 1024 or 2048",
    512: "1024 to 4096 in steps of 1024",
    1024: "2048 to 8192 in steps of 1024",
    2048: "4096 to 16384 in steps of 1024",
    4096: "8192 to 30720 in steps of 1024",
    8192: "16384 to 61440 in steps of 4096",
    16384: "32768 to 122880 in steps of 8192",
}

# Connection settings the platform sets itself, per engine (components/app_container.py fills them in).
POSTGRES_NAMES = ("PGHOST", "PGHOST_READER", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT",
                  "PGPASSWORD")
MYSQL_NAMES = ("DB_HOST", "DB_HOST_READER", "DB_PORT", "DB_NAME", "DB_USER", "DB_SSL_MODE", "DB_SSL_CA",
               "DB_PASSWORD")
# Reserved whatever the engine (the engine can change under an existing app config), plus every TLS variable of
# libpq and of our MySQL convention, so no `environment` entry can weaken certificate verification.
RESERVED_NAMES = frozenset(POSTGRES_NAMES + MYSQL_NAMES)
RESERVED_PREFIXES = ("PGSSL", "DB_SSL")

ENV_NAME = r"[A-Z_][A-Z0-9_]*"
ENV_NAME_TEXT = "an environment variable name matching [A-Z_][A-Z0-9_]*"
# Exactly what the policy pack's `ecs-secrets-not-in-environment` rule (policies/rules/ecs.py) treats as a secret: a
# secret-looking name, or a URL with a password in it. Such a value belongs under `secrets`, never in plain text
# under `environment`. The pack must stay importable on its own (the CLI runs it from policies/), so the patterns
# are repeated here; tests/test_app_settings.py fails if the two ever differ.
SECRET_LOOKING = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|PGPASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                            r"CREDENTIAL|(^|_)(PASS|PWD)(_|$)|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|"
                            r"ECS_ENGINE_AUTH_DATA", re.IGNORECASE)
CREDENTIALS_IN_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#@\s:]*:[^/?#@\s]+@", re.IGNORECASE)

# [registry[:port]/]path[:tag][@sha256:digest], lower-case path components as the OCI distribution spec requires.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_PATTERN = (rf"(?:(?P<registry>[a-zA-Z0-9.-]+(?::\d+)?)/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
                 r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?")
IMAGE_TEXT = ("a container image reference with a tag or digest, e.g. "
              "\"123456789012.dkr.ecr.us-east-1.amazonaws.com/blog:1.4.2\" or \"ghcr.io/org/blog@sha256:<64 hex>\"")
# SSM parameter names: letters, digits and . - _ / ; a fully qualified (hierarchical) name starts with "/".
# Names may not begin with aws or ssm (any case): https://docs.aws.amazon.com/systems-manager/latest/userguide/
# sysman-paramstore-su-create.html#sysman-parameter-name-constraints
SSM_NAME = r"/(?!(?i:aws|ssm))[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*"
SSM_NAME_TEXT = ("an absolute SSM parameter name starting with \"/\" (letters, digits, . _ - and / only, not under "
                 "/aws or /ssm), e.g. \"/blog/prod/session-key\"")
KMS_KEY_ARN = r"arn:aws(?:-[a-z]+)*:kms:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):\d{12}:key/[A-Za-z0-9-]+"
USER_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?"
DB_USER_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,62}"
CONTAINER_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}"
PATH_PATTERN = r"/[A-Za-z0-9_.@+-]+(?:/[A-Za-z0-9_.@+-]+)*"
# A build context or Dockerfile: a path relative to the program's directory (the repository root), forward slashes,
# never leaving it (no "..", not absolute): what is sent to the builder must be this repository's files.
RELATIVE_PATH = r"(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9_.@+-]+(?:/[A-Za-z0-9_.@+-]+)*/?"
RELATIVE_PATH_TEXT = ("a path relative to the repository root, with forward slashes and no \"..\" (it must stay "
                      "inside the repository), e.g. \".\" or \"Dockerfile\"")
IMAGE_CHOICES_TEXT = ("exactly one of build (build the image from this repository's Dockerfile and push it to the "
                      "stack's ECR repository) or reference (run this existing image)")
# How many pushed images the ECR lifecycle policy keeps (the newest). ECR takes any positive count; the bound only
# catches a typo (a stack keeping thousands of releases pays for them and never rolls back that far).
MAX_KEEP_IMAGES = 1000
MAX_DESIRED_COUNT = 100
MAX_WRITABLE_PATHS = 10
CPU_ARCHITECTURES = ("X86_64", "ARM64")
CONTAINER_INSIGHTS = ("enabled", "enhanced")


@dataclass(frozen=True)
class ImageBuild:
    """`app.image.build`: build the image from this repository and push it to the stack's ECR repository."""

    # The build context and the Dockerfile, relative to the program's directory (the repository root).
    context: str = "."
    dockerfile: str = "Dockerfile"
    # The lifecycle policy keeps this many of the newest images; untagged ones expire after a day.
    keep_images: int = 10


@dataclass(frozen=True)
class AppSettings:
    # An existing image to run (`image` or `image.reference`). None when the stack builds it (`image_build`) or when
    # the setting is missing (a problem is recorded): exactly one of the two is set in valid settings.
    image: str | None = None
    image_build: ImageBuild | None = None
    container_name: str = "app"
    cpu: int = 256
    memory: int = 512
    cpu_architecture: str = "X86_64"
    container_port: int = 3000
    desired_count: int = 1
    create_service: bool = True
    readonly_root_filesystem: bool = True
    # Ephemeral task-storage bind mounts that stay writable under a read-only root filesystem.
    writable_paths: tuple[str, ...] = ("/tmp",)
    user: str = "1000"
    environment: dict[str, str] = field(default_factory=dict)
    # Container variable name -> absolute SSM parameter name (SecureString); read by the ECS agent at task start.
    secrets: dict[str, str] = field(default_factory=dict)
    # The key the `secrets` parameters are encrypted with; None -> the database key (see docs/app.md).
    secrets_kms_key_arn: str | None = None
    ca_bundle_path: str = "/etc/ssl/certs/rds-global-bundle.pem"
    log_retention_days: int = 30
    container_insights: str = "enabled"
    enable_execute_command: bool = False
    iam_database_auth: bool = False
    iam_database_user: str | None = None
    # A custom endpoint of the database (aurora-platform:database.customEndpoints) for PGHOST_READER / DB_HOST_READER;
    # None: the cluster's reader endpoint (or the proxy's).
    reader_endpoint: str | None = None
    # The public HTTPS entry (components/settings/app_load_balancer.py); off unless the sub-section is written.
    load_balancer: LoadBalancerSettings = field(default_factory=LoadBalancerSettings)


def is_reserved(name: str) -> bool:
    return name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES)


def volume_name(path: str) -> str:
    """A task volume name for a writable path: "/app/.next/cache" -> "app-next-cache" (letters, digits, - and _)."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-") or "root"


def valid_image(value: str) -> bool:
    match = re.fullmatch(IMAGE_PATTERN, value)
    return bool(match and (match["tag"] or match["digest"]))


def parse_app(section: Section, problems: Problems, region: str | None, production: bool,
              database: Any = None) -> AppSettings:
    """`database`: the parsed `aurora-platform:database` settings, for the checks that span both sections."""
    defaults = AppSettings()
    image, image_build = _image(section, problems, production)
    container_name = section.string("containerName", defaults.container_name, pattern=CONTAINER_NAME,
                                    allowed="1-255 letters, digits, hyphens and underscores, starting with a letter "
                                            "or digit")
    cpu, memory = _cpu_memory(section, problems, defaults)
    architecture = section.string("cpuArchitecture", defaults.cpu_architecture, choices=CPU_ARCHITECTURES)
    port = section.integer("containerPort", defaults.container_port, minimum=1, maximum=65535)
    desired = section.integer("desiredCount", defaults.desired_count, minimum=0, maximum=MAX_DESIRED_COUNT)
    create_service = section.boolean("createService", defaults.create_service)
    readonly = section.boolean("readonlyRootFilesystem", defaults.readonly_root_filesystem)
    writable = _writable_paths(section, problems, defaults)
    user = _user(section, problems, defaults)

    environment = section.string_map(
        "environment", key_pattern=ENV_NAME, key_allowed=ENV_NAME_TEXT, item_allowed="a string (quote numbers)")
    secrets = section.string_map(
        "secrets", key_pattern=ENV_NAME, key_allowed=ENV_NAME_TEXT, item_allowed=SSM_NAME_TEXT,
        check=lambda v: None if re.fullmatch(SSM_NAME, v) and len(v) <= 2048 else SSM_NAME_TEXT)
    environment, secrets = _names(section, problems, environment, secrets)

    key_arn = section.string("secretsKmsKeyArn", None, allowed=_kms_text(region),
                             check=lambda v: _kms_key_in_region(v, region))
    if key_arn and not secrets:
        problems.add_text(f"{section.key}.secretsKmsKeyArn",
                          "is set but there are no secrets; remove it or add entries under "
                          f"{section.key}.secrets")

    ca_bundle = section.string("caBundlePath", defaults.ca_bundle_path, pattern=PATH_PATTERN,
                               allowed="an absolute file path inside the image, e.g. "
                                       "\"/etc/ssl/certs/rds-global-bundle.pem\"")
    retention = section.log_retention_days("logRetentionDays", defaults.log_retention_days)
    insights = section.string("containerInsights", defaults.container_insights, choices=CONTAINER_INSIGHTS)
    execute_command = section.boolean("enableExecuteCommand", defaults.enable_execute_command)
    if execute_command and readonly:
        # The SSM agent ECS Exec starts inside the container writes to the container's root file system; AWS documents
        # a read-only root as unsupported with ECS Exec (ECS developer guide, ECS Exec considerations;
        # aws-containers/amazon-ecs-exec-checker#21; support is still a request, aws/containers-roadmap#1359).
        # Writable bind mounts for the agent's directories are a community workaround, not documented by AWS.
        problems.add_text(f"{section.key}.enableExecuteCommand",
                          f"true with {section.key}.readonlyRootFilesystem true (the default); ECS Exec's agent must "
                          "write to the container's root file system, which AWS does not support read-only; "
                          "allowed: enableExecuteCommand false (the default), or readonlyRootFilesystem: false set "
                          "with it (the container's root then becomes writable)")
    iam_auth = section.boolean("iamDatabaseAuth", defaults.iam_database_auth)
    iam_user = section.string("iamDatabaseUser", None, pattern=DB_USER_PATTERN,
                              allowed="a database user name (letters, digits, underscore; 1-63 characters, not "
                                      "starting with a digit)")
    if iam_auth and iam_user is None and not section.has("iamDatabaseUser"):
        problems.add_text(f"{section.key}.iamDatabaseUser",
                          f"is required when {section.key}.iamDatabaseAuth is true: the database user the task "
                          "connects as with an IAM token (created with GRANT rds_iam / AWSAuthenticationPlugin)")
    if iam_user is not None and not iam_auth:
        problems.add_text(f"{section.key}.iamDatabaseUser",
                          f"is only used when {section.key}.iamDatabaseAuth is true; set that too or remove it")

    _against_database(section, problems, database, iam_auth, iam_user)
    reader_endpoint = _reader_endpoint(section, problems, database)
    load_balancer = parse_load_balancer(section, problems, production)
    section.finish()
    return AppSettings(
        image=image, image_build=image_build, container_name=container_name, cpu=cpu, memory=memory,
        cpu_architecture=architecture, container_port=port, desired_count=desired, create_service=create_service,
        readonly_root_filesystem=readonly,
        writable_paths=writable, user=user, environment=environment, secrets=secrets, secrets_kms_key_arn=key_arn,
        ca_bundle_path=ca_bundle, log_retention_days=retention, container_insights=insights,
        enable_execute_command=execute_command, iam_database_auth=iam_auth, iam_database_user=iam_user,
        reader_endpoint=reader_endpoint, load_balancer=load_balancer)


def _reader_endpoint(section: Section, problems: Problems, database: Any) -> str | None:
    """The custom endpoint the application reads through, by its name under the database's customEndpoints."""
    names = [e.name for e in getattr(database, "custom_endpoints", ())]
    choices = ", ".join(names) or "none: the database defines no customEndpoints"
    value = section.string("readerEndpoint", None, allowed=f"the name of one of aurora-platform:database."
                                                            f"customEndpoints ({choices})",
                           check=lambda v: v in names)
    proxy = getattr(database, "proxy", None)
    if value is not None and proxy is not None and proxy.enabled:
        # With the proxy on, the application's security group may reach the proxy only, not the cluster's instances.
        problems.add_text(f"{section.key}.readerEndpoint",
                          "cannot be used with aurora-platform:database.proxy.enabled: the application reaches the "
                          "database only through the proxy (its reader endpoint is PGHOST_READER then); allowed: "
                          "remove readerEndpoint, or turn the proxy off")
        return None
    return value


def _against_database(section: Section, problems: Problems, database: Any, iam_auth: bool,
                      iam_user: str | None) -> None:
    if database is None:
        return
    proxy = getattr(database, "proxy", None)
    if proxy is not None and proxy.enabled and proxy.iam_auth and not iam_auth:
        problems.add_text(f"{section.key}.iamDatabaseAuth",
                          "must be true: the database's RDS Proxy (aurora-platform:database.proxy) accepts only IAM "
                          "authentication tokens, so a task connecting with the password would be refused")
    if getattr(database, "is_secondary", False) and not iam_auth:
        problems.add_text(f"{section.key}.iamDatabaseAuth",
                          "must be true: the database is a global database secondary "
                          "(aurora-platform:database.global.role: secondary), which has no master password of its "
                          "own here, so the task can only connect with IAM authentication (set iamDatabaseUser too)")
    if iam_auth and iam_user is not None and iam_user == getattr(database, "master_username", None):
        problems.add(f"{section.key}.iamDatabaseUser", iam_user,
                     "an application user other than the master user (aurora-platform:database.masterUsername)")


def _image(section: Section, problems: Problems, production: bool) -> tuple[str | None, ImageBuild | None]:
    """`image`: a reference (a string, or `{reference: ...}`), or `{build: {...}}`; exactly one of the two."""
    key = f"{section.key}.image"
    if not section.has("image"):
        section.raw_value("image")  # mark as known, so `finish` does not call a null image unknown
        problems.add_text(key, f"is required: {IMAGE_CHOICES_TEXT}; a reference is {IMAGE_TEXT}, build is e.g. "
                               "{build: {context: \".\", dockerfile: Dockerfile}}")
        return None, None
    raw = section.raw.get("image")
    if not isinstance(raw, dict):
        return _image_reference(section, "image", problems, production), None
    sub = section.section("image")
    given = sorted(name for name in ("build", "reference") if sub.has(name))
    if len(given) != 1:
        sub.raw_value("build")
        sub.raw_value("reference")
        sub.finish()
        shown = "both build and reference" if given else "neither build nor reference"
        problems.add_text(key, f"has {shown}; allowed: {IMAGE_CHOICES_TEXT}")
        return None, None
    if given == ["reference"]:
        reference = _image_reference(sub, "reference", problems, production)
        sub.finish()
        return reference, None
    build = _image_build(sub.section("build"), problems)
    sub.finish()
    return None, build


def _image_reference(section: Section, name: str, problems: Problems, production: bool) -> str | None:
    image = section.string(name, None, allowed=IMAGE_TEXT, check=valid_image)
    if image and production and re.fullmatch(IMAGE_PATTERN, image)["tag"] == "latest" \
            and not re.fullmatch(IMAGE_PATTERN, image)["digest"]:
        problems.add(f"{section.key}.{name}", image, "in production, a pinned tag or a digest (\"latest\" changes "
                                                     "under a running service, and a rollback would not bring the "
                                                     "old image back)")
        return None
    return image


def _image_build(section: Section, problems: Problems) -> ImageBuild | None:
    defaults = ImageBuild()
    context = section.string("context", defaults.context, pattern=RELATIVE_PATH, allowed=RELATIVE_PATH_TEXT)
    dockerfile = section.string("dockerfile", defaults.dockerfile, pattern=RELATIVE_PATH,
                                allowed=RELATIVE_PATH_TEXT)
    keep = section.integer("keepImages", defaults.keep_images, minimum=1, maximum=MAX_KEEP_IMAGES,
                           allowed=f"a whole number of images from 1 to {MAX_KEEP_IMAGES} (the newest are kept, "
                                   "older ones expire)")
    section.finish()
    context = str(PurePosixPath(context))
    dockerfile = str(PurePosixPath(dockerfile))
    return ImageBuild(context=context, dockerfile=dockerfile, keep_images=keep)


def _cpu_memory(section: Section, problems: Problems, defaults: AppSettings) -> tuple[int, int]:
    cpu_text = "one of the Fargate task CPU units: " + ", ".join(map(str, FARGATE_MEMORY))
    cpu = section.integer("cpu", defaults.cpu, one_of=FARGATE_MEMORY, allowed=cpu_text)
    cpu_given_ok = not section.has("cpu") or cpu == as_int(section.raw.get("cpu"))
    memory_value = section.raw_value("memory")
    if memory_value is None:
        memory = FARGATE_MEMORY[cpu][0] if section.has("cpu") else defaults.memory
        return cpu, memory
    memory = as_int(memory_value)
    if memory is None or memory <= 0:
        problems.add(f"{section.key}.memory", memory_value, "a whole number of MiB valid for the task's cpu on Fargate")
        return cpu, FARGATE_MEMORY[cpu][0]
    if cpu_given_ok and memory not in FARGATE_MEMORY[cpu]:
        problems.add(f"{section.key}.memory", memory_value,
                     f"with cpu {cpu} on Fargate: {FARGATE_MEMORY_TEXT[cpu]} (MiB)")
        return cpu, FARGATE_MEMORY[cpu][0]
    return cpu, memory


def _writable_paths(section: Section, problems: Problems, defaults: AppSettings) -> tuple[str, ...]:
    allowed = "an absolute directory path, e.g. \"/tmp\" or \"/app/.next/cache\" (not \"/\", no \".\" or \"..\" parts)"
    # "/.." and "/tmp/.." are "/" again: a writable volume there would undo the read-only root filesystem.
    paths = section.string_list("writablePaths", list(defaults.writable_paths), item_allowed=allowed,
                                check=lambda p: None if re.fullmatch(PATH_PATTERN, p)
                                and not {".", ".."} & set(p.split("/")) else allowed)
    key = f"{section.key}.writablePaths"
    if len({volume_name(p) for p in paths}) != len(paths):
        problems.add(key, paths, "distinct paths (each becomes a task volume named after it, e.g. "
                                 "\"/app/.next/cache\" -> \"app-next-cache\")")
    if len(paths) > MAX_WRITABLE_PATHS:
        problems.add(key, paths, f"at most {MAX_WRITABLE_PATHS} paths")
    return tuple(dict.fromkeys(paths))[:MAX_WRITABLE_PATHS]


def _user(section: Section, problems: Problems, defaults: AppSettings) -> str:
    allowed = ("a non-root user for the container: \"uid\", \"uid:gid\", \"user\" or \"user:group\" "
               "(not root, not uid 0), e.g. \"1000\" or \"node\"")
    user = section.string("user", defaults.user, pattern=USER_PATTERN, allowed=allowed)
    name = user.split(":")[0]
    # "00" and "0000" are uid 0 too: the container runtime reads the number, not the text.
    if name == "root" or (name.isdigit() and int(name) == 0):
        problems.add(f"{section.key}.user", user, allowed)
        return defaults.user
    return user


def _names(section: Section, problems: Problems, environment: dict[str, str],
           secrets: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Names must not shadow the platform's connection settings, look like a secret in plain text, or repeat."""
    reserved_text = ("a name the platform does not set itself (reserved: " + ", ".join(sorted(RESERVED_NAMES))
                     + ", and every name starting with " + " or ".join(RESERVED_PREFIXES) + ")")
    good_env: dict[str, str] = {}
    for name, value in environment.items():
        key = f"{section.key}.environment.{name}"
        if is_reserved(name):
            problems.add_text(key, f"the name {show(name)} is not allowed; allowed: {reserved_text}")
        elif SECRET_LOOKING.search(name):
            problems.add_text(key, f"the name {show(name)} reads like a secret, and environment values are plain "
                                   f"text in the task definition; put it under {section.key}.secrets as an SSM "
                                   "parameter name instead")
        elif CREDENTIALS_IN_URL.search(value):
            # The value itself is never repeated: it holds the password.
            problems.add_text(key, "the value is a URL with a password in it, and environment values are plain text "
                                   f"in the task definition; put it under {section.key}.secrets as an SSM parameter "
                                   "name instead")
        else:
            good_env[name] = value
    good_secrets: dict[str, str] = {}
    for name, parameter in secrets.items():
        key = f"{section.key}.secrets.{name}"
        if is_reserved(name):
            problems.add_text(key, f"the name {show(name)} is not allowed; allowed: {reserved_text}")
        elif name in environment:
            problems.add_text(key, f"the name {show(name)} is also set under {section.key}.environment; a variable "
                                   "comes from one place only")
        else:
            good_secrets[name] = parameter
    return good_env, good_secrets


def _kms_text(region: str | None) -> str:
    where = f"in {region}" if region else "in the stack's region"
    return f"a KMS key ARN {where}, e.g. \"arn:aws:kms:{region or 'us-east-1'}:123456789012:key/<key id>\""


def _kms_key_in_region(value: str, region: str | None) -> bool:
    match = re.fullmatch(KMS_KEY_ARN, value)
    return bool(match) and (region is None or match["region"] == region)
