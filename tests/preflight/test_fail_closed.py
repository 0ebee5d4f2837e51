"""Fail closed on what cannot be seen: a mandatory rule that needs a value the gate cannot read (a state secret
without plaintext, an unknown value) reports a mandatory "cannot verify" finding and the gate exits 1 - whether the
rule let the SDK turn the read into its advisory "can't run during preview", or caught it itself (`has()` counts an
unknown as set)."""

from __future__ import annotations

import json

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy import proxy as sdk_proxy

from preflight.policy_eval import Analyzer, EvaluationError, Resource

from .gate_helpers import gate_json, mandatory, run_gate, write_program
from .test_preflight_state import CLUSTER_INPUTS, PG_INPUTS, SECRET_SIG, deployment, good_stack

CIPHERTEXT = {**SECRET_SIG, "ciphertext": "v1:AAAAopaque"}
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's sentinel for an unknown string
STORAGE = ("Aurora storage must be encrypted with a customer-managed KMS key (Security Hub RDS.27, Checkov "
           "CKV_AWS_327).")


TLS = ("Every Aurora cluster must use a cluster parameter group that sets rds.force_ssl=1 (PostgreSQL) or "
       "require_secure_transport=ON (MySQL) (aurora-platform).")


def cannot_verify(what: str) -> str:
    return (f"cannot verify: {what} is not known offline (a secret without plaintext, or an unknown value), so this "
            "mandatory policy cannot check it (a state file: export it with --show-secrets).")


def audit_cluster(tmp_path, **inputs):
    resources = good_stack()
    resources[1]["inputs"] = {**CLUSTER_INPUTS, **inputs}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*resources)))
    return gate_json("--state", str(path))


def findings(report, policy):
    return [(v["enforcementLevel"], v["urn"].rsplit("::", 1)[-1], v["message"]) for v in report["violations"]
            if v["policy"] == policy]


@pytest.mark.parametrize("key", ["storageEncrypted", "kmsKeyId"])
def test_ciphertext_in_a_mandatory_field_cannot_verify(tmp_path, key):
    code, report = audit_cluster(tmp_path, **{key: CIPHERTEXT})
    assert (code, mandatory(report)) == (1, [("aurora-storage-encrypted", "shop")])
    assert findings(report, "aurora-storage-encrypted") == [
        ("mandatory", "shop", f"{STORAGE}\n{cannot_verify(key)}")]
    assert report["summary"]["violations"]["mandatory"] == 1 and report["summary"]["exitCode"] == 1


def test_kms_key_read_through_has_is_still_charged(tmp_path):
    # `has()` catches the unknown and counts it as set: the rule alone would pass. The gate sees the read.
    code, report = audit_cluster(tmp_path, kmsKeyId=CIPHERTEXT)
    assert code == 1 and "kmsKeyId is not known offline" in findings(report, "aurora-storage-encrypted")[0][2]


def test_unknown_sentinel_in_a_state_cannot_verify(tmp_path):
    code, report = audit_cluster(tmp_path, storageEncrypted=UNKNOWN_STRING)
    assert (code, mandatory(report)) == (1, [("aurora-storage-encrypted", "shop")])


def test_parameter_group_parameters_in_ciphertext_cannot_verify_tls(tmp_path):
    resources = good_stack()
    resources[0]["inputs"] = resources[0]["outputs"] = {**PG_INPUTS, "parameters": CIPHERTEXT}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*resources)))
    code, report = gate_json("--state", str(path))
    assert code == 1
    # The rule now says so itself, on the cluster; the gate adds its finding on the resource whose value is unseen
    # (a stack rule's read names a path, not a resource, so the gate cannot tell that the two are one: it reports
    # both rather than drop one).
    assert findings(report, "aurora-tls-forced") == [
        ("mandatory", "shop", f"{TLS}\nClusterParameterGroup 'shop-tls' (used by Cluster 'shop') must set "
                              "rds.force_ssl=1; its parameters are not known before deployment, so this cannot be "
                              "verified: set them as literals."),
        ("mandatory", "shop-tls", f"{TLS}\n" + cannot_verify("parameters"))]


def test_a_readable_secret_is_judged_not_reported_unseen(tmp_path):
    shown = {**SECRET_SIG, "ciphertext": "v1:x", "plaintext": "true"}
    code, report = audit_cluster(tmp_path, storageEncrypted=shown)
    assert (code, mandatory(report)) == (0, [])
    hidden_false = {**SECRET_SIG, "ciphertext": "v1:x", "plaintext": "false"}
    code, report = audit_cluster(tmp_path, storageEncrypted=hidden_false)
    assert findings(report, "aurora-storage-encrypted") == [("mandatory", "shop", f"{STORAGE}\nstorageEncrypted "
                                                                                  "must be true.")]


def test_a_secret_no_rule_reads_does_not_fail(tmp_path):
    # masterPassword is ciphertext in every state: no rule needs its value, so nothing is unseen.
    code, report = audit_cluster(tmp_path)
    assert (code, mandatory(report)) == (0, [])


def test_an_advisory_rule_keeps_the_sdk_advisory(tmp_path):
    config = tmp_path / "advisory.json"
    config.write_text('{"aurora-storage-encrypted": "advisory"}')
    resources = good_stack()
    resources[1]["inputs"] = {**CLUSTER_INPUTS, "storageEncrypted": CIPHERTEXT}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*resources)))
    code, report = gate_json("--state", str(path), "--policy-config", str(config))
    assert (code, mandatory(report)) == (0, [])
    [(level, _, message)] = findings(report, "aurora-storage-encrypted")
    assert level == "advisory" and message.endswith(
        "during preview: string value at .storageEncrypted can't be known during preview")


def test_a_failing_rule_gets_no_second_finding(tmp_path):
    code, report = audit_cluster(tmp_path, storageEncrypted=False, kmsKeyId=CIPHERTEXT)
    assert code == 1
    assert findings(report, "aurora-storage-encrypted") == [("mandatory", "shop", f"{STORAGE}\nstorageEncrypted "
                                                                                  "must be true.")]


def test_a_program_cannot_pass_by_writing_the_unknown_sentinel(tmp_path):
    program = write_program(tmp_path, storage_encrypted=f'"{UNKNOWN_STRING}"')
    code, report = gate_json("--stack", "test", "--program", str(program))
    assert code == 1 and ("aurora-storage-encrypted", "db") in mandatory(report)


def test_the_sdk_is_restored_after_evaluation_even_when_a_rule_raises():
    original = sdk_proxy._raise_if_unknown

    def boom(args, report):
        raise ValueError("the value was hunter2")

    analyzer = Analyzer(policies=[ResourceValidationPolicy("boom", "Raises.", boom, EnforcementLevel.MANDATORY)],
                        fail_closed=True)
    resource = Resource(urn="urn:pulumi:s::p::aws:s3/bucket:Bucket::b", type="aws:s3/bucket:Bucket", name="b")
    with pytest.raises(EvaluationError) as error:
        analyzer.evaluate([resource])
    # The rule is named, the value it quoted is not (it could be a secret's plaintext).
    assert str(error.value) == ("policy boom failed on resource urn:pulumi:s::p::aws:s3/bucket:Bucket::b: "
                                "ValueError (a rule bug or an input of a type the rule does not expect)")
    assert sdk_proxy._raise_if_unknown is original


def test_a_raising_rule_is_exit_2_with_one_line(tmp_path, monkeypatch):
    def boom(args, report):
        raise KeyError("hunter2")

    policies = [ResourceValidationPolicy("boom", "Raises.", boom, EnforcementLevel.MANDATORY)]
    monkeypatch.setattr("preflight.policy_eval._default_policies", lambda: policies)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*good_stack())))
    code, out, err = run_gate("--state", str(path))
    assert (code, out) == (2, "")
    assert err == ("preflight: policy boom failed on resource urn:pulumi:prod::shop::pulumi:providers:aws::"
                   "default_7_51_1: KeyError (a rule bug or an input of a type the rule does not expect)\n")


def test_a_lone_delete_mark_does_not_hide_a_resource(tmp_path):
    # `delete: true` marks the old copy of a replaced resource; its live replacement has the same URN. Without one,
    # skipping it would let a state file hide its unencrypted cluster from the audit.
    resources = good_stack()
    resources[1]["inputs"] = {**CLUSTER_INPUTS, "storageEncrypted": False}
    resources[1]["delete"] = True
    path = tmp_path / "state.json"
    path.write_text(json.dumps(deployment(*resources)))
    code, report = gate_json("--state", str(path))
    assert (code, mandatory(report)) == (1, [("aurora-storage-encrypted", "shop")])


def test_the_analyzer_alone_keeps_the_engines_verdicts():
    # Live `pulumi preview` semantics stay available (tests/policies judge rules with them): an unknown read is
    # the SDK's advisory, a caught one passes. Only the gate turns fail-closed on.
    from preflight.policy_eval import UNKNOWN

    cluster = Resource(urn="urn:pulumi:s::p::aws:rds/cluster:Cluster::db", type="aws:rds/cluster:Cluster", name="db",
                       inputs={**CLUSTER_INPUTS, "masterPassword": "x", "storageEncrypted": UNKNOWN})
    engine = Analyzer().evaluate([cluster])
    assert [(v.enforcement_level, v.detail[:38]) for v in engine.violations
            if v.policy == "aurora-storage-encrypted"] == [("advisory", "can't run policy 'aurora-storage-encry")]
    gate = Analyzer(fail_closed=True).evaluate([cluster])
    assert [(v.enforcement_level, v.detail) for v in gate.violations if v.policy == "aurora-storage-encrypted"] == [
        ("mandatory", cannot_verify("storageEncrypted"))]
    assert gate.cannot_verify == [("aurora-storage-encrypted", cluster.urn, ("storageEncrypted",))]
