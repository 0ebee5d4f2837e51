"""Contract with pulumi_policy's private analyzer servicer, which preflight drives (preflight/policy_eval.py).

If pulumi-policy is upgraded and any of this changes, these tests fail before the gate silently drifts from the
real engine's verdicts: re-read pulumi_policy/policy.py, adapt policy_eval.py, then update the pin here and in
policies/requirements.txt.
"""

import inspect

import pulumi_policy
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.version import VERSION

PINNED = "1.21.0"


def test_pulumi_policy_version_is_the_pinned_one():
    assert VERSION == PINNED
    assert pulumi_policy.__name__ == "pulumi_policy"


def test_servicer_constructor_shape():
    params = list(inspect.signature(_PolicyAnalyzerServicer.__init__).parameters)
    assert params[:5] == ["self", "name", "version", "policies", "enforcement_level"]
    assert "initial_config" in params


def test_servicer_rpc_methods_take_request_and_context():
    for method in ("Analyze", "AnalyzeStack", "Configure", "ConfigureStack", "GetAnalyzerInfo"):
        params = list(inspect.signature(getattr(_PolicyAnalyzerServicer, method)).parameters)
        assert len(params) == 3 and params[0] == "self", (method, params)


def _servicer(policies):
    return _PolicyAnalyzerServicer("contract", "0.0.1", policies, EnforcementLevel.ADVISORY)


def test_analyze_reports_through_diagnostics_with_description_prefix():
    def validate(args, report):
        if args.props.get("secret") == "plain":  # secrets arrive unwrapped
            report("saw the secret", None)

    servicer = _servicer([ResourceValidationPolicy("contract-rule", "A description.", validate,
                                                   EnforcementLevel.MANDATORY)])
    props = struct_pb2.Struct()
    props.update({"secret": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                             "value": "plain"}})
    response = servicer.Analyze(analyzer_pb2.AnalyzeRequest(urn="urn:x", type="t", name="n", properties=props,
                                                            options=analyzer_pb2.AnalyzerResourceOptions()), None)
    [d] = response.diagnostics
    assert (d.policyName, d.message, d.description, d.enforcementLevel, d.urn) == (
        "contract-rule", "A description.\nsaw the secret", "A description.", analyzer_pb2.MANDATORY, "")


def test_configure_sets_levels_and_properties_seen_by_get_config():
    seen = {}

    def validate(args, report):
        seen.update(args.get_config())
        report("x", None)

    servicer = _servicer([ResourceValidationPolicy("contract-rule", "A description.", validate)])
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    config = struct_pb2.Struct()
    config.update({"limit": 3})
    request.policyConfig["contract-rule"].CopyFrom(
        analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED, properties=config))
    servicer.Configure(request, None)
    analyze = analyzer_pb2.AnalyzeRequest(urn="u", type="t", name="n", properties=struct_pb2.Struct(),
                                          options=analyzer_pb2.AnalyzerResourceOptions())
    assert list(servicer.Analyze(analyze, None).diagnostics) == []
    request.policyConfig["contract-rule"].enforcementLevel = analyzer_pb2.MANDATORY
    servicer.Configure(request, None)
    [d] = servicer.Analyze(analyze, None).diagnostics
    assert d.enforcementLevel == analyzer_pb2.MANDATORY and seen == {"limit": 3.0}


def test_analyze_stack_resolves_property_dependencies_to_resources():
    seen = {}

    def validate(args, report):
        for r in args.resources:
            seen[r.name] = [d.name for d in r.property_dependencies.get("vpcId", [])]
            if r.opts.protect:
                report("protected", r.urn)

    servicer = _servicer([StackValidationPolicy("contract-stack", "A description.", validate)])
    request = analyzer_pb2.AnalyzeStackRequest()
    request.resources.add(urn="urn:vpc", type="aws:ec2/vpc:Vpc", name="vpc")
    flow = request.resources.add(urn="urn:flow", type="aws:ec2/flowLog:FlowLog", name="flow",
                                 options=analyzer_pb2.AnalyzerResourceOptions(protect=True))
    flow.propertyDependencies["vpcId"].urns.extend(["urn:vpc"])
    [d] = servicer.AnalyzeStack(request, None).diagnostics
    assert seen == {"vpc": [], "flow": ["vpc"]}
    assert d.urn == "urn:flow"


def test_get_analyzer_info_carries_schema_and_level():
    from pulumi_policy import PolicyConfigSchema

    policy = ResourceValidationPolicy("contract-rule", "A description.", lambda a, r: None,
                                      EnforcementLevel.MANDATORY,
                                      PolicyConfigSchema({"limit": {"type": "integer", "default": 7}}))
    [info] = _servicer([policy]).GetAnalyzerInfo(None, None).policies
    assert info.name == "contract-rule" and info.enforcementLevel == analyzer_pb2.MANDATORY
    assert dict(info.configSchema.properties)["limit"]["default"] == 7.0
