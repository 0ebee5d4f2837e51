"""Fixtures for the ops tests: one moto server on 127.0.0.1 for the session, reset per test.

The commands reach moto exactly as a user would reach a local emulator: through
AWS_ENDPOINT_URL with fake credentials. Poll intervals are 0 and nothing sleeps.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

# Make `import ops` work however pytest is started (plain `pytest` does not put the repo root on
# sys.path; `python -m pytest` does).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ops.aws import boto3_client  # noqa: E402
from ops.cli import main  # noqa: E402
from ops.context import Context  # noqa: E402

REGION = "eu-west-1"
AMI = "ami-12c6146b"  # moto does not validate image ids; the default AMIs are not loaded
ROOT_DEVICE = "/dev/sda1"  # moto's root device name for an image it does not know


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
)
_clients: dict[tuple[Any, ...], Any] = {}


def reused_client(service: str, region: str | None) -> Any:
    """ops' own client maker, but one client per service, region and environment.

    Building a boto3 client costs more CPU than the moto calls a command makes; the client is
    still made by ops.aws.boto3_client from the environment (AWS_ENDPOINT_URL, credentials),
    and a test that changes that environment gets a new one.
    """
    key = (service, region, *(os.environ.get(name) for name in CLIENT_ENV))
    if key not in _clients:
        _clients[key] = boto3_client(service, region)
    return _clients[key]


def _no_sleep(seconds: float) -> None:
    assert seconds == 0, f"a test tried to sleep {seconds}s"


@pytest.fixture
def run_ops(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `python -m ops ARGV` in-process; stdin is absent (not a TTY) unless given."""

    def run(*argv: str, stdin: Any = None, **ctx_overrides: Any) -> Run:
        capsys.readouterr()
        ctx_overrides.setdefault("make_client", reused_client)
        ctx = Context(stdin=stdin, poll_interval=0, sleep=_no_sleep, **ctx_overrides)
        code = main(list(argv), ctx)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


# --------------------------------------------------------------------------- stacks in moto

COMPLIANT: dict[str, Any] = {
    # Parts of the stack; tests of commands other than verify leave out what they do not need,
    # because each service moto has to start up after a reset costs time.
    "network": True,  # VPC, subnets, DB subnet group, security groups
    "password": True,  # the SSM password parameter
    "encrypted": True,
    "key": "cmk",  # "cmk" | "aws"
    "rotation": True,
    "tls": "1",  # parameter value, or None for not set
    "retention": 7,
    "deletion_protection": True,
    "iam_auth": True,
    "copy_tags": True,
    "logs": None,  # None: the engine's required log
    "public": False,
    "zones": ("a", "b"),  # one instance per entry
    "tiers": None,  # promotion tiers, default 0, 1, 2...
    "password_type": "SecureString",
    "password_key": "cmk",  # "cmk" | "aws" (alias/aws/ssm)
    "open_ingress": False,
    "bastion": True,  # needs network
    "imds": "required",
    "bastion_encrypted": True,
    "backtrack": 0,
}
DEFAULT_LOGS = {"aurora-postgresql": ["postgresql"], "aurora-mysql": ["audit", "error"]}
TLS_PARAM = {"aurora-postgresql": "rds.force_ssl", "aurora-mysql": "require_secure_transport"}
FAMILY = {"aurora-postgresql": "aurora-postgresql15", "aurora-mysql": "aurora-mysql8.0"}
PORT = {"aurora-postgresql": 5432, "aurora-mysql": 3306}


@dataclass
class Stack:
    cluster_id: str
    engine: str
    key_arn: str
    security_group_id: str
    subnet_group: str
    parameter_group: str
    password_parameter: str
    bastion_id: str | None
    outputs: Path
    instances: list[str] = field(default_factory=list)


@functools.cache
def moto_client(service: str, endpoint: str) -> Any:
    """The tests' own clients, made once per session: everything that shapes them is explicit."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class StackBuilder:
    """Creates in moto what the Pulumi program would, one setting changeable per call."""

    def __init__(self, tmp_path: Path, **defaults: Any) -> None:
        self.tmp_path = tmp_path
        self.defaults = {**COMPLIANT, **defaults}
        self._keys: dict[bool, str] = {}
        endpoint = os.environ["AWS_ENDPOINT_URL"]
        self.rds = moto_client("rds", endpoint)
        self.kms = moto_client("kms", endpoint)
        self.ec2 = moto_client("ec2", endpoint)
        self.ssm = moto_client("ssm", endpoint)

    def key(self, rotation: bool = True) -> str:
        """A new CMK (moto spends ~60 ms of RSA key generation on each, even symmetric ones)."""
        meta = self.kms.create_key(Description="ops test CMK")["KeyMetadata"]
        if rotation:
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta["Arn"]

    def stack_key(self, rotation: bool) -> str:
        """The CMK for a stack: one per rotation setting per builder, shared by its stacks."""
        if rotation not in self._keys:
            self._keys[rotation] = self.key(rotation)
        return self._keys[rotation]

    def build(self, name: str = "aurora-dev", engine: str = "aurora-postgresql", **changes: Any) -> Stack:
        unknown = set(changes) - set(COMPLIANT)
        assert not unknown, f"unknown stack settings {unknown}"
        s = {**self.defaults, **changes}
        key_arn = self.stack_key(s["rotation"]) if s["encrypted"] or s["password"] else ""
        port = PORT[engine]

        subnets: list[str] = []
        subnet_group = db_sg_id = ""
        if s["network"]:
            subnets, subnet_group, db_sg_id = self.network(name, port, s["open_ingress"])

        parameter_group = f"{name}-cluster"
        self.rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=parameter_group,
            DBParameterGroupFamily=FAMILY[engine],
            Description="TLS only",
        )
        if s["tls"] is not None:
            self.rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=parameter_group,
                Parameters=[
                    {
                        "ParameterName": TLS_PARAM[engine],
                        "ParameterValue": s["tls"],
                        "ApplyMethod": "pending-reboot",
                    }
                ],
            )

        cluster: dict[str, Any] = {
            "DBClusterIdentifier": name,
            "Engine": engine,
            "MasterUsername": "platform",
            "MasterUserPassword": "not-a-real-password-1",
            "DBClusterParameterGroupName": parameter_group,
            "BackupRetentionPeriod": s["retention"],
            "DeletionProtection": s["deletion_protection"],
            "EnableIAMDatabaseAuthentication": s["iam_auth"],
            "CopyTagsToSnapshot": s["copy_tags"],
            "Tags": [{"Key": "stack", "Value": "dev"}],
        }
        if s["network"]:
            cluster.update(DBSubnetGroupName=subnet_group, VpcSecurityGroupIds=[db_sg_id])
        logs = DEFAULT_LOGS[engine] if s["logs"] is None else s["logs"]
        if logs:
            cluster["EnableCloudwatchLogsExports"] = logs
        if s["encrypted"]:
            cluster["StorageEncrypted"] = True
            cluster["KmsKeyId"] = key_arn if s["key"] == "cmk" else "alias/aws/rds"
        if s["backtrack"]:
            cluster["BacktrackWindow"] = s["backtrack"]
        self.rds.create_db_cluster(**cluster)

        tiers = s["tiers"] or list(range(len(s["zones"])))
        instances = []
        for index, (zone, tier) in enumerate(zip(s["zones"], tiers, strict=True)):
            instance = f"{name}-{index + 1}"
            self.rds.create_db_instance(
                DBInstanceIdentifier=instance,
                DBClusterIdentifier=name,
                Engine=engine,
                DBInstanceClass="db.r6g.large",
                AvailabilityZone=f"{REGION}{zone}",
                PromotionTier=tier,
                PubliclyAccessible=s["public"] and index == len(s["zones"]) - 1,
            )
            instances.append(instance)

        password_parameter = f"/{name}/db/master-password"
        if s["password"]:
            put: dict[str, Any] = {"Name": password_parameter, "Value": "x", "Type": s["password_type"]}
            if s["password_type"] == "SecureString":
                put["KeyId"] = key_arn if s["password_key"] == "cmk" else "alias/aws/ssm"
            self.ssm.put_parameter(**put)

        bastion_id = None
        if s["bastion"] and subnets:
            bastion_id = self.bastion(subnets[0], s["imds"], s["bastion_encrypted"])

        described = self.rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        outputs = self.tmp_path / f"{name}-outputs.json"
        outputs.write_text(
            json.dumps(
                {
                    "region": REGION,
                    "engine": engine,
                    "clusterIdentifier": name,
                    "clusterArn": described["DBClusterArn"],
                    "writerEndpoint": described["Endpoint"],
                    "readerEndpoint": described["ReaderEndpoint"],
                    "port": port,
                    "databaseSecurityGroupId": db_sg_id,
                    "passwordParameterName": password_parameter,
                    "passwordParameterArn": f"arn:aws:ssm:{REGION}:123456789012:parameter{password_parameter}",
                    "kmsKeyArn": key_arn,
                    "snsTopicArn": f"arn:aws:sns:{REGION}:123456789012:{name}-alarms",
                    "bastionInstanceId": bastion_id,
                    "bastionSecurityGroupId": None,
                }
            )
        )
        return Stack(
            cluster_id=name,
            engine=engine,
            key_arn=key_arn,
            security_group_id=db_sg_id,
            subnet_group=subnet_group,
            parameter_group=parameter_group,
            password_parameter=password_parameter,
            bastion_id=bastion_id,
            outputs=outputs,
            instances=instances,
        )

    def network(self, name: str, port: int, open_ingress: bool) -> tuple[list[str], str, str]:
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
                "SubnetId"
            ]
            for i, zone in enumerate("abc")
        ]
        subnet_group = f"{name}-isolated"
        self.rds.create_db_subnet_group(
            DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="isolated", SubnetIds=subnets
        )
        app_sg = self.ec2.create_security_group(GroupName=f"{name}-app", Description="app", VpcId=vpc)
        db_sg = self.ec2.create_security_group(GroupName=f"{name}-db", Description="db", VpcId=vpc)
        db_sg_id = db_sg["GroupId"]
        source: dict[str, Any] = {"UserIdGroupPairs": [{"GroupId": app_sg["GroupId"]}]}
        if open_ingress:
            source = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        self.ec2.authorize_security_group_ingress(
            GroupId=db_sg_id,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **source}],
        )
        return subnets, subnet_group, db_sg_id

    def bastion(self, subnet: str, imds: str, encrypted: bool) -> str:
        instance = self.ec2.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            SubnetId=subnet,
            MetadataOptions={"HttpTokens": imds, "HttpEndpoint": "enabled"},
            BlockDeviceMappings=[{"DeviceName": ROOT_DEVICE, "Ebs": {"VolumeSize": 8, "Encrypted": encrypted}}],
        )["Instances"][0]
        return instance["InstanceId"]

    def writer(self, cluster_id: str) -> str:
        cluster = self.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        return next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])


@pytest.fixture
def stacks(moto: str, tmp_path: Path) -> StackBuilder:
    """Builds lean stacks by default (an unencrypted cluster and its instances); pass
    network=True, encrypted=True... for what a test looks at."""
    return StackBuilder(tmp_path, network=False, password=False, bastion=False, encrypted=False)


class SharedStacks:
    """Stacks for read-only tests (verify), built once per module and per moto state.

    Building a stack costs more than verifying it; verify never writes, so tests may share one.
    Each variant has its own name, so variants never collide; if any test reset moto since a
    stack was built, it is built again, so test order does not matter.
    """

    def __init__(self, server: MotoServer, directory: Path) -> None:
        self.server = server
        self.directory = directory
        self.generation = -1
        self.cache: dict[str, Stack] = {}
        self.builder: StackBuilder | None = None

    def get(self, engine: str = "aurora-postgresql", **changes: Any) -> Stack:
        if self.generation != self.server.generation or self.builder is None:
            self.cache.clear()
            self.generation = self.server.generation
            self.builder = StackBuilder(self.directory)
        key = f"{engine}:{sorted(changes.items())!r}"
        if key not in self.cache:
            name = f"shared-{len(self.cache) + 1}-{self.generation}"
            self.cache[key] = self.builder.build(name=name, engine=engine, **changes)
        return self.cache[key]


@pytest.fixture(scope="module")
def shared_stacks(moto_server: MotoServer, aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> SharedStacks:
    return SharedStacks(moto_server, tmp_path_factory.mktemp("shared-stacks"))


@pytest.fixture
def tty() -> Callable[[str], Tty]:
    return Tty
