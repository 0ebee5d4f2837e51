"""Fixtures for the ops tests: one moto server on 127.0.0.1 for the session, reset per test.

The commands reach moto exactly as a user would reach a local emulator: through
AWS_ENDPOINT_URL with fake credentials. Poll intervals are 0 and nothing sleeps.
"""

from __future__ import annotations

import io
import json
import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

# Make `import ops` work however pytest is started (plain `pytest` does not put the repo root on
# sys.path; `python -m pytest` does).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ops.aws import boto3_client  # noqa: E402
from ops.cli import main  # noqa: E402
from ops.context import Context  # noqa: E402

from .faultproxy import FaultProxy  # noqa: E402
from .stacks import REGION, SharedStacks, StackBuilder  # noqa: E402


class MotoServer:
    """One ThreadedMotoServer for the session; ``generation`` counts resets so a module-scoped
    set of read-only stacks knows when it has been wiped and must be rebuilt."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.generation = 0

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request).close()
        self.generation += 1

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Any:
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def aws_env(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Fake credentials and AWS_ENDPOINT_URL for this module only; nothing from the developer's
    own AWS config leaks in, and nothing of ours leaks into other test directories."""
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as env:
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
            env.delenv(var, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_CONFIG_FILE", str(home / "config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        # moto answers unimplemented calls with HTTP 500, which botocore would retry with backoff.
        env.setenv("AWS_MAX_ATTEMPTS", "1")
        env.setenv("AWS_ENDPOINT_URL", moto_server.url)
        # moto builds ~1300 default AMIs (each with a volume and snapshot) every time EC2 starts
        # after a reset: a quarter of a second per test. The bastion does not need them.
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        yield


@pytest.fixture
def moto(moto_server: MotoServer, aws_env: None) -> str:
    """A clean moto behind AWS_ENDPOINT_URL, for tests that change things."""
    moto_server.reset()
    return moto_server.url


class Tty(io.StringIO):
    """Typed answers on a stdin that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


# What shapes a client made the normal boto3 way (ops.aws.boto3_client).
CLIENT_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_MAX_ATTEMPTS",
    "AWS_PROFILE",
)
_clients: dict[tuple[Any, ...], Any] = {}


def reused_client(service: str, region: str | None, options: Any = None) -> Any:
    """ops' own client maker, but one client per service, region and environment.

    Building a boto3 client costs more CPU than the moto calls a command makes; the client is
    still made by ops.aws.boto3_client from the environment (AWS_ENDPOINT_URL, credentials),
    and a test that changes that environment gets a new one.
    """
    if options is not None and options.debug is not None:
        return boto3_client(service, region, options)  # --debug hooks a stream of this run into the client
    key = (service, region, options, *(os.environ.get(name) for name in CLIENT_ENV))
    if key not in _clients:
        _clients[key] = boto3_client(service, region, options)
    return _clients[key]


def _no_sleep(seconds: float) -> None:
    assert seconds == 0, f"a test tried to sleep {seconds}s"


@pytest.fixture
def run_ops(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `python -m ops ARGV` in-process; stdin is absent (not a TTY) unless given."""

    def run(*argv: str, stdin: Any = None, **ctx_overrides: Any) -> Run:
        capsys.readouterr()
        ctx_overrides.setdefault("make_client", reused_client)
        ctx_overrides.setdefault("sleep", _no_sleep)
        ctx = Context(stdin=stdin, poll_interval=0, **ctx_overrides)
        code = main(list(argv), ctx)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def stacks(moto: str, tmp_path: Path) -> StackBuilder:
    """Builds lean stacks by default (an unencrypted cluster and its instances); pass
    network=True, encrypted=True... for what a test looks at."""
    return StackBuilder(tmp_path, network=False, password=False, bastion=False, encrypted=False)


@pytest.fixture(scope="module")
def shared_stacks(moto_server: MotoServer, aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> SharedStacks:
    return SharedStacks(moto_server, tmp_path_factory.mktemp("shared-stacks"))


@pytest.fixture
def fault_proxy(moto: str) -> Any:
    """A fault-injecting proxy on 127.0.0.1 in front of the clean moto; commands reach it with
    --endpoint-url, the test's own clients (stacks) still talk to moto directly."""
    proxy = FaultProxy(moto)
    yield proxy
    proxy.stop()


@pytest.fixture
def tty() -> Callable[[str], Tty]:
    return Tty


@pytest.fixture
def stubbed_rds(aws_env):
    """An RDS client under botocore's Stubber, for the calls moto does not implement (backtrack, export progress):
    the test states the exact request and the response."""
    client = boto3.client("rds", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()
