"""ECS task wiring: secrets through `secrets`, logs configured, no public IP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._base import ADVISORY, MANDATORY, ResourceRule, as_list, flag

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"

# ECS.8 names the AWS credential variables; we extend it to anything that reads like a secret: PASS and PWD as whole
# words (DB_PASS, MYSQL_PWD - the MySQL client's password variable) but not inside other words (PASSTHROUGH).
SECRET_VARIABLE = (r"PASSWORD|PASSWD|PASSPHRASE|PGPASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|"
                   r"(^|_)(PASS|PWD)(_|$)|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|ECS_ENGINE_AUTH_DATA")
# A URL with a password in its user info (postgres://user:password@host/db), whatever the variable is called.
CREDENTIALS_IN_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#@\s:]*:[^/?#@\s]+@", re.IGNORECASE)


def _containers(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = props.get("containerDefinitions")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [c for c in as_list(raw) if isinstance(c, Mapping)]


def _secrets_in_environment(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    pattern = re.compile(str(args.get_config().get("secretNamePattern") or SECRET_VARIABLE), re.IGNORECASE)
    for container in _containers(props):
        for variable in as_list(container.get("environment")):
            if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
                continue
            name, value = variable["name"], variable.get("value")
            if pattern.search(name):
                yield (f"container {container.get('name')} passes {name} as an environment variable; "
                       f"pass it through secrets (valueFrom) instead.")
            elif isinstance(value, str) and CREDENTIALS_IN_URL.match(value.strip()):
                # Never echo the value: it holds the password.
                yield (f"container {container.get('name')} passes {name}, a URL with a password in it, as an "
                       f"environment variable; pass it through secrets (valueFrom) instead.")


def _logging(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    for container in _containers(props):
        config = container.get("logConfiguration")
        if not isinstance(config, Mapping) or not config.get("logDriver"):
            yield f"container {container.get('name')} has no logConfiguration.logDriver."


def _no_public_ip(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    network = props.get("networkConfiguration")
    if isinstance(network, Mapping) and flag(network, "assignPublicIp") is True:
        yield "networkConfiguration.assignPublicIp must not be true."


POLICIES = [
    ResourceRule(
        "ecs-secrets-not-in-environment", "ECS task definitions must not pass secrets as environment variables",
        ("Security Hub ECS.8",), MANDATORY, (TASK_DEFINITION,), _secrets_in_environment,
        config={"secretNamePattern": {"type": "string", "format": "regex", "default": SECRET_VARIABLE,
                                      "description": "Case-insensitive regex for variable names that hold secrets."}}),
    ResourceRule(
        "ecs-logging-configured", "ECS containers must have a logging configuration",
        ("Security Hub ECS.9",), ADVISORY, (TASK_DEFINITION,), _logging),
    ResourceRule(
        "ecs-no-public-ip", "ECS services must not assign public IP addresses to tasks",
        ("Security Hub ECS.2",), MANDATORY, (SERVICE,), _no_public_ip),
]
