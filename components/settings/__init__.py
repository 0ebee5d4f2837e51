"""Typed stack settings: read once from `Pulumi.<stack>.yaml`, validated all at once.

Every section lives under the project namespace (`aurora-platform:<section>`) and is parsed by its own module into a
frozen dataclass. Problems from every section are collected and raised together in one `SettingsError` before any
resource is registered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .app import AppSettings, parse_app
from .bastion import BastionSettings, parse_bastion
from .database import DatabaseSettings, parse_database
from .known import close_matches, did_you_mean, regions, regions_checked
from .network import NetworkSettings, parse_network
from .reader import Problems, Section, SettingsError, string_leaves

PROJECT = "aurora-platform"
ENVIRONMENTS = ("development", "production")
# The sections this project reads. Other issues add theirs here; unknown top-level keys are reported as typos.
SECTIONS = ("network", "database", "bastion", "app")
TOP_LEVEL_KEYS = ("environment",) + SECTIONS
# No setting takes a secret value today, so a `secure:` value under any of these keys is refused, each key saying
# where the secret belongs instead. Pulumi marks a whole top-level key secret when any value under it is `secure:`, so
# the program cannot tell which value was: a setting that takes a secret needs a top-level key of its own.
SECRET_HOMES = {
    "environment": "is not a secret (it chooses the defaults and protections of the stack); write it in plain text",
    "network": "no network setting is a secret; write them in plain text",
    "database": ("no database setting is a secret: the platform generates the master password itself and keeps it in "
                 "SSM Parameter Store (raise passwordVersion for a new one), or RDS keeps it in Secrets Manager with "
                 "manageMasterUserPassword: true; write the database settings in plain text"),
    "bastion": ("no bastion setting is a secret (sshKeyName names an EC2 key pair; the private key stays with the "
                "administrator); write them in plain text"),
    "app": ("no app setting takes a secret value, and environment values are plain text in the task definition: put "
            "the secret in SSM Parameter Store as a SecureString and name the parameter under "
            f"{PROJECT}:app.secrets (e.g. API_KEY: /blog/prod/api-key); write every other app setting in plain text"),
}

# Config namespaces other than the project's that the program reads: the AWS provider's settings (aws:region) and the
# CLI's own (pulumi:tags). A key under any other namespace is read by nobody: a misspelt project name
# (`aurora-plattform:bastion`) would silently drop the whole section.
OTHER_NAMESPACES = ("aws", "pulumi")

__all__ = ["PROJECT", "StackSettings", "NetworkSettings", "SettingsError", "load_settings", "load_from_pulumi_config"]


@dataclass(frozen=True)
class StackSettings:
    project: str
    stack: str
    region: str
    environment: str
    network: NetworkSettings
    # Filled by their own modules (components/settings/database.py, bastion.py, app.py).
    database: Any = None
    bastion: Any = None
    app: Any = None
    # Sections not yet modelled are kept raw so their future parsers see exactly what the user wrote.
    raw_sections: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def tags(self, **extra: str) -> dict[str, str]:
        """Tags every taggable resource carries. `Environment` is what the policy pack reads to require `protect`."""
        return {"Project": self.project, "Stack": self.stack, "Environment": self.environment,
                "ManagedBy": "pulumi", **extra}


def load_settings(values: Mapping[str, Any], stack: str, region: str | None = None,
                  secret_keys: Iterable[str] = (), *, other_keys: Iterable[str] = (),
                  require_region: bool = False) -> StackSettings:
    """Parse `{"environment": ..., "network": {...}, ...}` (keys without the namespace). `secret_keys`: the config keys
    Pulumi marks secret (`aurora-platform:app`, `aws:region`, ...); their values never appear in a message.
    `other_keys`: the stack's config keys outside the project's namespace (`aws:region`, ...), checked for misspelt
    namespaces. `require_region`: a missing aws:region is an error (the program; unit tests may leave it out).
    Raises SettingsError."""
    secret = {key for key in secret_keys if key.startswith(f"{PROJECT}:") or key == "aws:region"}
    problems = Problems(stack, secret, [leaf for key in secret if key.startswith(f"{PROJECT}:")
                                        for leaf in string_leaves(values.get(key[len(PROJECT) + 1:]))]
                        + ([region] if "aws:region" in secret and region else []))
    for key in sorted(set(values) - set(TOP_LEVEL_KEYS)):
        problems.add_later(f"{PROJECT}:{key}", _top_level_unknown(problems, key))
    _check_namespaces(problems, other_keys)
    for key in TOP_LEVEL_KEYS:
        if f"{PROJECT}:{key}" in secret and values.get(key) is not None:
            problems.add_text(f"{PROJECT}:{key}", f"holds a secure: value (Pulumi then treats the whole key as "
                                                  f"secret); {SECRET_HOMES[key]}")
    if "aws:region" in secret:
        problems.add_text("aws:region", "is a secure: value; the region is not a secret and is shown in plans and "
                                        "resource names: write it in plain text")
        region = None  # never quoted in another message
    elif region:
        _check_region(problems, region)
    elif require_region:
        problems.add_text("aws:region", "is not set; every stack names its region (Pulumi would otherwise use the "
                                        "provider's default or the environment's, which differs by machine): "
                                        f"pulumi config set aws:region us-east-1 (or add `aws:region: <region>` under "
                                        f"config: in Pulumi.{stack}.yaml)")

    environment = values.get("environment") or "development"
    if environment not in ENVIRONMENTS:
        problems.add(f"{PROJECT}:environment", environment, " or ".join(ENVIRONMENTS))
        environment = "development"

    network = parse_network(Section(problems, f"{PROJECT}:network", values.get("network")), problems, region)
    database: DatabaseSettings = parse_database(Section(problems, f"{PROJECT}:database", values.get("database")),
                                                problems, production=environment == "production", project=PROJECT,
                                                stack=stack, region=region)
    bastion: BastionSettings = parse_bastion(Section(problems, f"{PROJECT}:bastion", values.get("bastion")), problems,
                                             production=environment == "production")
    # No `aurora-platform:app` section: a stack without an application tier (no AppService).
    app: AppSettings | None = None if values.get("app") is None else parse_app(
        Section(problems, f"{PROJECT}:app", values.get("app")), problems, region,
        production=environment == "production", database=database)

    _check_across_sections(problems, network, app)
    if app is None:
        # Learn the app section's keys anyway, so a misplaced app key under another section is named as one.
        scratch = Problems(stack)
        parse_app(Section(scratch, f"{PROJECT}:app", {}), scratch, region, production=environment == "production",
                  database=database)
        problems.known_keys.update(scratch.known_keys)

    problems.raise_if_any()
    return StackSettings(project=PROJECT, stack=stack, region=region or "us-east-1", environment=environment,
                         network=network, database=database, bastion=bastion, app=app,
                         raw_sections={k: values.get(k) for k in SECTIONS if k != "network"})


def _top_level_unknown(problems: Problems, key: str):
    known = ", ".join(f"{PROJECT}:{k}" for k in TOP_LEVEL_KEYS)

    def text() -> str:
        homes = sorted(section for section, keys in problems.known_keys.items()
                       if key.lower() in {k.lower() for k in keys})
        if homes:
            hint = f" {key} is a setting of {' and '.join(homes)}: move it there."
        else:
            hint = did_you_mean(key, TOP_LEVEL_KEYS).replace('"', "").replace("mean ", f"mean {PROJECT}:")
        return f"unknown setting; known settings: {known}{hint and '.' + hint}"
    return text


def _check_namespaces(problems: Problems, other_keys: Iterable[str]) -> None:
    sections = ", ".join(f"{PROJECT}:{k}" for k in TOP_LEVEL_KEYS)
    for key in sorted(other_keys):
        namespace, _, name = key.partition(":")
        if namespace in OTHER_NAMESPACES or namespace == PROJECT:
            if namespace == "aws" and name not in AWS_PROVIDER_KEYS:
                problems.add_text(key, f"not a setting of the AWS provider.{did_you_mean(name, AWS_PROVIDER_KEYS)} "
                                       f"Its settings: {', '.join(f'aws:{k}' for k in sorted(AWS_PROVIDER_KEYS))}")
            continue
        close = close_matches(namespace, [PROJECT], cutoff=0.7)
        guess = f" Did you mean {PROJECT}:{name}?" if close else ""
        problems.add_text(key, f"unknown namespace {namespace!r}: nothing reads it.{guess} This project reads "
                               f"{sections}, and aws:region")


def _check_region(problems: Problems, region: str) -> None:
    known = regions()
    if region in known:
        return
    problems.add_text("aws:region", f"got {problems.shown('aws:region', region)}; allowed: an AWS Region name "
                                    f"(components/settings/data/aws-regions.json, checked {regions_checked()}), "
                                    f"e.g. us-east-1 or eu-west-1.{did_you_mean(region, known)}")


def _aws_provider_keys() -> frozenset[str]:
    """The AWS provider's config keys (aws:region, aws:profile, ...), read from pulumi_aws's own config module, so
    they follow the pinned provider version."""
    import ast
    import inspect

    from pulumi_aws.config import vars as aws_config

    found = {node.args[0].value for node in ast.walk(ast.parse(inspect.getsource(aws_config)))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr.startswith("get") and isinstance(getattr(node.func.value, "id", None), str)
             and node.func.value.id == "__config__" and node.args and isinstance(node.args[0], ast.Constant)}
    return frozenset(found)


AWS_PROVIDER_KEYS = _aws_provider_keys()


def _check_across_sections(problems: Problems, network: NetworkSettings, app: AppSettings | None) -> None:
    """Combinations that are each valid alone but cannot work together."""
    if app is not None and app.create_service and app.desired_count > 0 and network.nat_gateways == "none":
        # Fargate tasks in private subnets pull the image and read SSM and CloudWatch Logs over the internet; without
        # NAT (and with no interface endpoints for ECR, SSM and Logs, which the app does not build) they never start.
        problems.add_text(f"{PROJECT}:network.natGateways",
                          f'"none" leaves the application tasks ({PROJECT}:app) no way to pull their image or read '
                          f"their secrets; use single or perAz, or set {PROJECT}:app.createService to false")


def load_from_pulumi_config() -> StackSettings:
    """Read the project's config namespace from the running Pulumi program."""
    import pulumi
    from pulumi.runtime.config import CONFIG

    # Pulumi has no public call that lists config keys; the runtime's map is the only way to see typos such as
    # `aurora-platform:netwrok`, which would otherwise be silently ignored.
    prefix = f"{PROJECT}:"
    keys = [key for key in CONFIG.get() if key.startswith(prefix)]
    values = {key[len(prefix):]: pulumi.Config(PROJECT).get(key[len(prefix):]) for key in keys}
    region = pulumi.Config("aws").get("region")
    # The CLI hands a secret key over decrypted and only marks it secret: the mark is all the program has.
    secret_keys = [key for key in [*keys, "aws:region"] if pulumi.runtime.is_config_secret(key)]
    other_keys = [key for key in CONFIG.get() if not key.startswith(prefix)]
    return load_settings(values, pulumi.get_stack(), region, secret_keys, other_keys=other_keys, require_region=True)
