"""boto3 clients for one region.

Endpoints come from the normal boto3 configuration, so AWS_ENDPOINT_URL (or a profile's
endpoint_url) points every client at a local emulator without any flag of ours.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import boto3
import botocore.loaders
import botocore.session

ClientMaker = Callable[[str, "str | None"], Any]


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    # Parsing the service models is most of the cost of a client (~50-300 ms for EC2); the
    # loader caches them, so every session shares one. Credentials and endpoints are still
    # resolved per session, from the environment at that moment.
    return botocore.loaders.create_loader()


def boto3_client(service: str, region: str | None) -> Any:
    core = botocore.session.get_session()
    core.register_component("data_loader", _shared_loader())
    return boto3.session.Session(botocore_session=core, region_name=region).client(service)


class Clients:
    """Lazily made, cached clients: verify touches five services, failover only one."""

    def __init__(self, region: str | None, make: ClientMaker = boto3_client) -> None:
        self._region = region
        self._make = make
        self._cache: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._cache:
            self._cache[service] = self._make(service, self._region)
        return self._cache[service]

    @property
    def region(self) -> str | None:
        return self._region or self.rds.meta.region_name
