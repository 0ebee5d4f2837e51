"""Transforms change a registration before the engine (and its policies) see it; the offline gate must judge what
the engine will deploy, not what the constructor was given.

`transformations=` runs in the SDK; `transforms=` and `pulumi.runtime.register_resource_transform` are run by the
engine through callbacks, which the stock mock monitor ignores: a transform that drops a topic's KMS key passed the
gate offline and deployed an unencrypted topic. The engine's order: the resource's own transforms, then each
ancestor's, then the stack's registered so far.
"""

from __future__ import annotations

import pytest

from preflight.engine import run_stack

from .gate_helpers import gate_json, mandatory, write_program

KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"

HEADER = f'''
import pulumi
import pulumi_aws as aws

KEY = "{KEY}"


def drop_key(args):
    if args.type_ == "aws:sns/topic:Topic":
        props = {{k: v for k, v in args.props.items() if k not in ("kmsMasterKeyId", "kms_master_key_id")}}
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)
    return None
'''


def gate(tmp_path, body: str):
    return gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=HEADER + body)))


@pytest.mark.parametrize("body", [
    'aws.sns.Topic("t", kms_master_key_id=KEY, opts=pulumi.ResourceOptions(transforms=[drop_key]))\n',
    'pulumi.runtime.register_resource_transform(drop_key)\naws.sns.Topic("t", kms_master_key_id=KEY)\n',
    # the lambda spelling, the async spelling
    'aws.sns.Topic("t", kms_master_key_id=KEY, opts=pulumi.ResourceOptions(transforms=[lambda a: drop_key(a)]))\n',
    'async def later(args):\n    return drop_key(args)\n'
    'aws.sns.Topic("t", kms_master_key_id=KEY, opts=pulumi.ResourceOptions(transforms=[later]))\n',
], ids=["resource-transform", "stack-transform", "lambda", "async"])
def test_a_transform_that_drops_the_key_fails_the_gate(tmp_path, body):
    code, report = gate(tmp_path, body)
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "t")])
    [topic] = [r for r in report["resources"] if r["name"] == "t"]
    assert "kmsMasterKeyId" not in topic["inputs"]


def test_a_components_transform_reaches_its_children(tmp_path):
    body = '''
class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Box", name, None, opts)
        aws.sns.Topic(f"{name}-t", kms_master_key_id=KEY, opts=pulumi.ResourceOptions(parent=self))


Box("box", opts=pulumi.ResourceOptions(transforms=[drop_key]))
'''
    code, report = gate(tmp_path, body)
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "box-t")])


def test_a_stack_transform_applies_only_to_later_resources(tmp_path):
    """As in the engine: a stack transform is collected when a resource registers."""
    body = ('aws.sns.Topic("before", kms_master_key_id=KEY)\n'
            'pulumi.runtime.register_resource_transform(drop_key)\n'
            'aws.sns.Topic("after", kms_master_key_id=KEY)\n')
    code, report = gate(tmp_path, body)
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "after")])


def test_a_transform_that_adds_the_key_passes(tmp_path):
    body = '''
def add_key(args):
    return pulumi.ResourceTransformResult(props={**args.props, "kmsMasterKeyId": KEY}, opts=args.opts)


aws.sns.Topic("t", opts=pulumi.ResourceOptions(transforms=[add_key]))
'''
    code, report = gate(tmp_path, body)
    assert (code, report["violations"]) == (0, [])


def test_a_transform_that_changes_nothing_leaves_inputs_and_options_alone(tmp_path):
    body = '''
def nothing(args):
    return None


aws.sns.Topic("t", kms_master_key_id=KEY, tags={"Environment": "development"},
              opts=pulumi.ResourceOptions(transforms=[nothing], protect=True, ignore_changes=["tags"]))
'''
    run = run_stack("test", write_program(tmp_path, body=HEADER + body))
    topic = run.named("t")
    assert topic.inputs["kmsMasterKeyId"] == KEY and topic.inputs["tags"] == {"Environment": "development"}
    assert topic.protect is True and topic.ignore_changes == ["tags"]


def test_a_transform_that_unprotects_a_production_resource_fails(tmp_path):
    body = '''
def unprotect(args):
    return pulumi.ResourceTransformResult(props=args.props, opts=pulumi.ResourceOptions.merge(
        args.opts, pulumi.ResourceOptions(protect=False)))


pulumi.runtime.register_resource_transform(unprotect)
aws.kms.Key("key", enable_key_rotation=True, tags={"Environment": "production"},
            opts=pulumi.ResourceOptions(protect=True))
'''
    run = run_stack("test", write_program(tmp_path, body=HEADER + body))
    assert run.named("key").protect is False
    code, report = gate(tmp_path / "gate", body)
    assert ("production-protect", "key") in mandatory(report)
