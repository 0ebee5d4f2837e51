"""The pack boots as the Pulumi CLI starts it: `__main__.py` run from policies/, serving gRPC on the port it prints."""

import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from policies.rules import RULES

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"


def test_pack_serves_every_rule_over_grpc():
    process = subprocess.Popen([sys.executable, "-u", "__main__.py"], cwd=POLICIES_DIR, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
        assert info.name == "aurora-platform-policies"
        assert sorted(p.name for p in info.policies) == sorted(RULES)
    finally:
        process.kill()
        process.communicate(timeout=10)
