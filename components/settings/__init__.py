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
                  secret_keys: Iterable[str] = ()) -> StackSettings:
    """Parse `{"environment": ..., "network": {...}, ...}` (keys without the namespace). `secret_keys`: the config keys
    Pulumi marks secret (`aurora-platform:app`, `aws:region`, ...); their values never appear in a message.
    Raises SettingsError."""
    secret = {key for key in secret_keys if key.startswith(f"{PROJECT}:") or key == "aws:region"}
    problems = Problems(stack, secret, [leaf for key in secret if key.startswith(f"{PROJECT}:")
                                        for leaf in string_leaves(values.get(key[len(PROJECT) + 1:]))]
                        + ([region] if "aws:region" in secret and region else []))
    for key in sorted(set(values) - set(TOP_LEVEL_KEYS)):
        problems.add_text(f"{PROJECT}:{key}", f"unknown setting; known settings: "
                                              f"{', '.join(f'{PROJECT}:{k}' for k in TOP_LEVEL_KEYS)}")
    for key in TOP_LEVEL_KEYS:
        if f"{PROJECT}:{key}" in secret and values.get(key) is not None:
            problems.add_text(f"{PROJECT}:{key}", f"holds a secure: value (Pulumi then treats the whole key as "
                                                  f"secret); {SECRET_HOMES[key]}")
    if "aws:region" in secret:
        problems.add_text("aws:region", "is a secure: value; the region is not a secret and is shown in plans and "
                                        "resource names: write it in plain text")
        region = None  # never quoted in another message

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

    problems.raise_if_any()
    return StackSettings(project=PROJECT, stack=stack, region=region or "us-east-1", environment=environment,
                         network=network, database=database, bastion=bastion, app=app,
                         raw_sections={k: values.get(k) for k in SECTIONS if k != "network"})


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
    return load_settings(values, pulumi.get_stack(), region, secret_keys)
