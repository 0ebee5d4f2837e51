"""Typed stack settings: read once from `Pulumi.<stack>.yaml`, validated all at once.

Every section lives under the project namespace (`aurora-platform:<section>`) and is parsed by its own module into a
frozen dataclass. Problems from every section are collected and raised together in one `SettingsError` before any
resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .app import AppSettings, parse_app
from .bastion import BastionSettings, parse_bastion
from .database import DatabaseSettings, parse_database
from .network import NetworkSettings, parse_network
from .reader import Problems, Section, SettingsError

PROJECT = "aurora-platform"
ENVIRONMENTS = ("development", "production")
# The sections this project reads. Other issues add theirs here; unknown top-level keys are reported as typos.
SECTIONS = ("network", "database", "bastion", "app")
TOP_LEVEL_KEYS = ("environment",) + SECTIONS

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


def load_settings(values: Mapping[str, Any], stack: str, region: str | None = None) -> StackSettings:
    """Parse `{"environment": ..., "network": {...}, ...}` (keys without the namespace). Raises SettingsError."""
    problems = Problems(stack)
    for key in sorted(set(values) - set(TOP_LEVEL_KEYS)):
        problems.add_text(f"{PROJECT}:{key}", f"unknown setting; known settings: "
                                              f"{', '.join(f'{PROJECT}:{k}' for k in TOP_LEVEL_KEYS)}")

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
    values = {key[len(prefix):]: pulumi.Config(PROJECT).get(key[len(prefix):])
              for key in CONFIG.get() if key.startswith(prefix)}
    region = pulumi.Config("aws").get("region")
    return load_settings(values, pulumi.get_stack(), region)
