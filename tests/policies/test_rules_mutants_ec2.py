"""ec2-ebs-encrypted: what the rule must let through as well as what it must stop (surviving mutants showed that
only the failing side was pinned). Expected messages are the rule's requirement: every EBS volume encrypted."""

from __future__ import annotations

import pytest

from .policy_helpers import check

INSTANCE = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
RULE = "ec2-ebs-encrypted"
ROOT = {"rootBlockDevice": {"encrypted": True}}


def test_instance_with_encrypted_extra_volumes_passes():
    props = {**ROOT, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True},
                                         {"deviceName": "/dev/sdg", "encrypted": "true"}]}
    assert check(RULE, INSTANCE, props) == []


def test_instance_second_extra_volume_unencrypted_is_named_by_index():
    props = {**ROOT, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True},
                                         {"deviceName": "/dev/sdg", "encrypted": False}]}
    assert check(RULE, INSTANCE, props) == ["ebsBlockDevices[1].encrypted must be true."]


def test_launch_template_with_encrypted_ebs_passes():
    props = {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": True, "volumeSize": 8.0}}]}
    assert check(RULE, LT, props) == []


def test_launch_template_instance_store_mapping_has_no_ebs_to_encrypt():
    # An instance-store (ephemeral) mapping has no `ebs` block: nothing for this rule to judge.
    props = {"blockDeviceMappings": [{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"},
                                     {"deviceName": "/dev/xvda", "ebs": {"encrypted": True}}]}
    assert check(RULE, LT, props) == []


def test_launch_template_second_mapping_unencrypted_is_named_by_index():
    props = {"blockDeviceMappings": [{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"},
                                     {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]}
    assert check(RULE, LT, props) == ["blockDeviceMappings[1].ebs.encrypted must be true."]


@pytest.mark.parametrize("encrypted", [True, "true", "TRUE"])
def test_standalone_volume_encrypted_passes(encrypted):
    assert check(RULE, VOLUME, {"availabilityZone": "eu-west-1a", "size": 10.0, "encrypted": encrypted}) == []


@pytest.mark.parametrize("encrypted", [False, "false", "0"])
def test_standalone_volume_explicitly_unencrypted(encrypted):
    assert check(RULE, VOLUME, {"availabilityZone": "eu-west-1a", "size": 10.0, "encrypted": encrypted}) == [
        "encrypted must be true."]
