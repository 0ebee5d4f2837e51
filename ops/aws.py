"""boto3 clients for one region.

Endpoints come from the normal boto3 configuration, so AWS_ENDPOINT_URL (or a profile's
endpoint_url) points every client at a local emulator without any flag of ours; `--profile`,
`--endpoint-url` and the `--cli-*-timeout` flags work as in the AWS CLI.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

ClientMaker = Callable[..., Any]

# Request fields never echoed by --debug, whatever the operation.
_SECRET_WORDS = ("password", "secret", "token", "credential")


@dataclass(frozen=True)
class ClientOptions:
    profile: str | None = None
    endpoint_url: str | None = None
    read_timeout: float | None = None
    connect_timeout: float | None = None
    debug: TextIO | None = None

    def is_default(self) -> bool:
        return self == ClientOptions()


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    # Parsing the service models is most of the cost of a client (~50-300 ms for EC2); the
    # loader caches them, so every session shares one. Credentials and endpoints are still
    # resolved per session, from the environment at that moment.
    return botocore.loaders.create_loader()


def boto3_client(service: str, region: str | None, options: ClientOptions | None = None) -> Any:
    options = options or ClientOptions()
    core = botocore.session.get_session()
    core.register_component("data_loader", _shared_loader())
    if options.profile:
        core.set_config_variable("profile", options.profile)
    session = boto3.session.Session(botocore_session=core, region_name=region)
    timeouts = {
        k: v
        for k, v in (("read_timeout", options.read_timeout), ("connect_timeout", options.connect_timeout))
        if v is not None
    }
    extra: dict[str, Any] = {"config": Config(**timeouts)} if timeouts else {}
    if options.endpoint_url:
        extra["endpoint_url"] = options.endpoint_url
    client = session.client(service, **extra)
    if options.debug is not None:
        trace_calls(client, options.debug)
    return client


def trace_calls(client: Any, out: TextIO = sys.stderr) -> None:
    """--debug: one line per API call and per answer (operation, region, HTTP status, request id).
    Parameters are shown with anything secret-looking masked; headers (signatures, session
    tokens) never are."""
    region = client.meta.region_name

    def before(params: dict[str, Any], model: Any, **_: Any) -> None:
        shown = masked(params)
        out.write(f"debug: -> {model.name} in {region} {json.dumps(shown, default=str, sort_keys=True)}\n")

    def after(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        meta = parsed.get("ResponseMetadata", {})
        code = parsed.get("Error", {}).get("Code", "")
        out.write(
            f"debug: <- {model.name} HTTP {http_response.status_code} request id {meta.get('RequestId', '-')}"
            f"{' ' + code if code else ''}\n"
        )

    client.meta.events.register("provide-client-params", before)
    client.meta.events.register("after-call", after)


def masked(value: Any) -> Any:
    """``value`` with every field named like a secret replaced by ``***``, at any depth."""
    if isinstance(value, dict):
        return {
            k: "***" if any(w in str(k).lower() for w in _SECRET_WORDS) else masked(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


class Clients:
    """Lazily made, cached clients: verify touches five services, failover only one."""

    def __init__(self, region: str | None, make: ClientMaker = boto3_client, options: ClientOptions | None = None):
        self._region = region
        self._make = make
        self._options = options or ClientOptions()
        self._cache: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._cache:
            # Test makers take (service, region); the options only matter when a flag set one.
            if self._options.is_default():
                self._cache[service] = self._make(service, self._region)
            else:
                self._cache[service] = self._make(service, self._region, self._options)
        return self._cache[service]

    @property
    def region(self) -> str | None:
        if self._region:
            return self._region
        if self._cache:
            return next(iter(self._cache.values())).meta.region_name
        return self.rds.meta.region_name
