"""The cost estimator (policies/rules/_cost.py) on small hand-built stacks, priced with a test table of literal prices,
so every expected figure below is arithmetic done by hand: a wrong unit or a missed resource changes it."""

from __future__ import annotations

import json
import math
import re

import pytest

from policies.rules._cost import (
    PRICES_FILE,
    CostInputError,
    PriceTable,
    Resource,
    estimate,
    expected_unit,
    is_custom_type,
    usage_assumptions,
)

REGION = "us-east-1"
PRICES = {  # item -> (price, unit)
    "nat.hour": (0.045, "hour"), "nat.gb": (0.045, "GB"), "publicIpv4.hour": (0.005, "hour"),
    "aurora.instance.db.r6g.large": (0.26, "hour"), "aurora.instance.iopt.db.r6g.large": (0.338, "hour"),
    "aurora.acu": (0.12, "ACU-hour"), "aurora.acu.iopt": (0.156, "ACU-hour"),
    "aurora.storage": (0.10, "GB-month"), "aurora.storage.iopt": (0.225, "GB-month"),
    "aurora.io": (0.20, "million requests"), "aurora.backup": (0.021, "GB-month"),
    "aurora.performanceInsights.retention": (None, "vCPU-month"),
    "rdsProxy.vcpu": (0.015, "vCPU-hour"), "rdsProxy.acu": (0.015, "ACU-hour"),
    "fargate.x86.vcpu": (0.04048, "vCPU-hour"), "fargate.x86.gb": (0.004445, "GB-hour"),
    "fargate.arm.vcpu": (0.03238, "vCPU-hour"), "fargate.arm.gb": (0.00356, "GB-hour"),
    "kms.key": (1.0, "key-month"), "kms.requests": (0.03, "10,000 requests"),
    "logs.ingest": (0.50, "GB"), "logs.storage": (0.03, "GB-month"),
    "cloudwatch.alarm": (0.10, "alarm metric-month"), "cloudwatch.alarm.highResolution": (0.30, "alarm metric-month"),
    "ec2.t4g.micro": (0.0084, "hour"), "ebs.gp3": (0.08, "GB-month"),
    "vpcEndpoint.azHour": (0.01, "AZ-hour"), "vpcEndpoint.gb": (0.01, "GB"),
    "alb.hour": (0.0225, "hour"), "alb.lcu": (0.008, "LCU-hour"), "sns.requests": (0.50, "million requests"),
    "secretsManager.secret": (0.40, "secret-month"), "ssm.advancedParameter": (0.05, "parameter-month"),
}


def table(region: str = REGION, **overrides: float | None) -> PriceTable:
    prices = dict(PRICES)
    for item, price in overrides.items():
        item = item.replace("__", ".")
        prices[item] = (price, prices.get(item, (0, expected_unit(item) or "unit"))[1])
    return PriceTable.from_document({"prices": [
        {"item": item, "region": region, "unit": unit, "price": price,
         "basis": "recalled" if price is not None else "not-found", "read": None}
        for item, (price, unit) in prices.items()]})


def res(type_: str, resource_name: str, deps: tuple[str, ...] = (), **inputs) -> Resource:
    return Resource(urn=f"urn:pulumi:t::p::{type_}::{resource_name}", type=type_, name=resource_name, inputs=inputs,
                    dependencies=deps)


NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def cost_of(result, name: str, type_: str | None = None) -> float:
    [r] = [r for r in result.resources if r.name == name and (type_ is None or r.type == type_)]
    return round(r.total(), 6)


# --- the three programs the requirement names -----------------------------------------------------------------------
def test_one_nat_gateway_for_a_month():
    result = estimate([res(EIP, "nat", domain="vpc"), res(NAT, "nat", allocationId="eipalloc-1", subnetId="s-1")],
                      REGION, {"natGbPerMonth": 100}, table())
    # 730 h x $0.045 = $32.85 fixed; 100 GB x $0.045 = $4.50 usage; the EIP's address 730 h x $0.005 = $3.65.
    assert math.isclose(result.fixed, 32.85 + 3.65)
    assert math.isclose(result.usage, 4.50)
    assert math.isclose(result.total, 41.00)
    assert cost_of(result, "nat", NAT) == 37.35 and cost_of(result, "nat", EIP) == 3.65


def test_two_nat_gateways_split_the_traffic():
    result = estimate([res(NAT, "a"), res(NAT, "b")], REGION, {"natGbPerMonth": 100}, table())
    assert math.isclose(result.usage, 4.50)  # 50 GB each, not 100 GB each
    assert math.isclose(result.fixed, 65.70)


def _provisioned(storage_type: str | None = None) -> list[Resource]:
    cluster = res(CLUSTER, "db", clusterIdentifier="app-db", engine="aurora-postgresql",
                  **({"storageType": storage_type} if storage_type else {}))
    return [cluster] + [res(INSTANCE, f"db-{i}", (cluster.urn,), clusterIdentifier="app-db",
                            instanceClass="db.r6g.large") for i in range(3)]


def test_a_provisioned_writer_and_two_readers():
    result = estimate(_provisioned(), REGION, {"auroraStorageGb": 50, "auroraIoMillionsPerMonth": 10}, table())
    # 3 x 730 h x $0.26 = $569.40; 50 GB x $0.10 = $5.00; 10 M I/O x $0.20 = $2.00.
    assert math.isclose(result.fixed, 569.40)
    assert math.isclose(result.usage, 7.00)
    assert math.isclose(result.total, 576.40)


def test_io_optimized_prices_instances_and_storage_higher_and_has_no_io_line():
    result = estimate(_provisioned("aurora-iopt1"), REGION, {"auroraStorageGb": 50, "auroraIoMillionsPerMonth": 10},
                      table())
    # 3 x 730 x $0.338 = $740.22; 50 x $0.225 = $11.25; no I/O charge.
    assert math.isclose(result.fixed, 740.22)
    assert math.isclose(result.usage, 11.25)
    assert not [line for r in result.resources for line in r.lines if line.item == "aurora.io"]


def _serverless(minimum: float, maximum: float = 8) -> list[Resource]:
    cluster = res(CLUSTER, "db", clusterIdentifier="dev-db",
                  serverlessv2ScalingConfiguration={"minCapacity": minimum, "maxCapacity": maximum})
    return [cluster, res(INSTANCE, "db-1", (cluster.urn,), clusterIdentifier="dev-db", instanceClass="db.serverless")]


def test_serverless_v2_that_pauses_costs_only_its_active_hours():
    result = estimate(_serverless(0), REGION, {"serverlessAverageAcu": 2, "serverlessActiveHoursPerMonth": 200,
                                              "auroraStorageGb": 0, "auroraIoMillionsPerMonth": 0}, table())
    # 2 ACU x 200 h x $0.12 = $48.00, nothing while paused.
    assert cost_of(result, "db-1") == 48.00
    assert result.fixed == 0


def test_serverless_v2_with_a_minimum_pays_the_minimum_every_hour():
    result = estimate(_serverless(0.5), REGION, {"serverlessAverageAcu": 2, "serverlessActiveHoursPerMonth": 200},
                      table())
    [instance] = [r for r in result.resources if r.name == "db-1"]
    # Fixed 0.5 ACU x 730 h x $0.12 = $43.80; usage (2 - 0.5) ACU x 200 h x $0.12 = $36.00.
    assert math.isclose(instance.total("fixed"), 43.80)
    assert math.isclose(instance.total("usage"), 36.00)


def test_serverless_average_is_held_inside_the_configured_range():
    result = estimate(_serverless(0, maximum=1), REGION, {"serverlessAverageAcu": 10,
                                                         "serverlessActiveHoursPerMonth": 100}, table())
    assert cost_of(result, "db-1") == 12.00  # 1 ACU (the maximum) x 100 h x $0.12, not 10 ACU


# --- other types ----------------------------------------------------------------------------------------------------
def test_fargate_service_prices_its_task_definition_size():
    task = res(TASK, "app", family="app", cpu="512", memory="1024")
    service = res(SERVICE, "app", (task.urn,), launchType="FARGATE", desiredCount=3,
                  taskDefinition="arn:aws:ecs:us-east-1:1:task-definition/app:1")
    result = estimate([task, service], REGION, None, table())
    # 3 tasks x 0.5 vCPU x 730 h x $0.04048 = $44.3256; 3 x 1 GB x 730 h x $0.004445 = $9.73455.
    assert math.isclose(result.fixed, 44.3256 + 9.73455)


def test_fargate_arm_uses_the_arm_price_and_finds_the_task_definition_by_family():
    task = res(TASK, "app", family="web", cpu="1024", memory="2048",
               runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})
    service = res(SERVICE, "app", launchType="FARGATE", desiredCount=1,
                  taskDefinition="arn:aws:ecs:us-east-1:1:task-definition/web:7")
    result = estimate([task, service], REGION, None, table())
    assert math.isclose(result.fixed, 730 * 0.03238 + 2 * 730 * 0.00356)


def test_service_without_desired_count_runs_one_task_and_public_ip_is_priced():
    task = res(TASK, "app", family="app", cpu="256", memory="512")
    service = res(SERVICE, "app", (task.urn,), launchType="FARGATE",
                  networkConfiguration={"assignPublicIp": True})
    result = estimate([task, service], REGION, None, table())
    assert math.isclose(result.fixed, 0.25 * 730 * 0.04048 + 0.5 * 730 * 0.004445 + 730 * 0.005)


def test_kms_log_group_alarm_and_bastion():
    resources = [
        res("aws:kms/key:Key", "key"),
        res("aws:cloudwatch/logGroup:LogGroup", "logs", name="/app", retentionInDays=30),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", period=300),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "fast", period=10),
        res("aws:ec2/instance:Instance", "bastion", instanceType="t4g.micro",
            rootBlockDevice={"volumeSize": 20, "volumeType": "gp3"}),
    ]
    result = estimate(resources, REGION, {"kmsRequestsPerKeyPerMonth": 20000, "logGbIngestedPerGroupPerMonth": 2},
                      table())
    assert cost_of(result, "key") == round(1.0 + 0.06, 6)  # $1 + 2 x $0.03 per 10,000
    assert math.isclose(cost_of(result, "logs"), round(2 * 0.50 + 2 * 30 / (365 / 12) * 0.03, 6))
    assert cost_of(result, "cpu") == 0.10 and cost_of(result, "fast") == 0.30
    assert math.isclose(cost_of(result, "bastion"), round(730 * 0.0084 + 20 * 0.08, 6))


def test_flow_log_group_uses_the_flow_log_volume():
    group = res("aws:cloudwatch/logGroup:LogGroup", "flow", name="/vpc/flow", retentionInDays=365)
    flow = res("aws:ec2/flowLog:FlowLog", "flow", logDestination="arn:aws:logs:us-east-1:1:log-group:/vpc/flow")
    result = estimate([group, flow], REGION, {"flowLogGbPerMonth": 10, "logGbIngestedPerGroupPerMonth": 1}, table())
    [line] = [line for r in result.resources for line in r.lines if line.component == "log ingestion"]
    assert line.quantity == 10 and math.isclose(line.monthly, 5.0)


def test_interface_endpoints_bill_per_zone_and_gateway_endpoints_are_free():
    resources = [res("aws:ec2/vpcEndpoint:VpcEndpoint", "ssm", vpcEndpointType="Interface",
                     serviceName="com.amazonaws.us-east-1.ssm", subnetIds=["a", "b", "c"]),
                 res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", vpcEndpointType="Gateway")]
    result = estimate(resources, REGION, {"vpcEndpointGbPerMonth": 0}, table())
    assert math.isclose(result.total, 3 * 730 * 0.01)
    assert [r.name for r in result.resources] == ["ssm"]


def test_proxy_bills_the_minimum_vcpus():
    resources = _provisioned()[:2] + [res("aws:rds/proxy:Proxy", "proxy")]
    result = estimate(resources, REGION, None, table())
    assert math.isclose(cost_of(result, "proxy"), 2 * 730 * 0.015)  # one db.r6g.large: 2 vCPUs, the minimum


def test_proxy_for_serverless_bills_at_least_eight_acus():
    result = estimate(_serverless(0.5) + [res("aws:rds/proxy:Proxy", "proxy")], REGION, None, table())
    assert math.isclose(cost_of(result, "proxy"), 8 * 730 * 0.015)


def test_application_load_balancer_hours_lcus_and_public_addresses():
    alb = res("aws:lb/loadBalancer:LoadBalancer", "web", loadBalancerType="application", subnets=["a", "b"])
    result = estimate([alb], REGION, {"albLcuAverage": 2}, table())
    assert math.isclose(result.fixed, 730 * 0.0225 + 2 * 730 * 0.005)
    assert math.isclose(result.usage, 2 * 730 * 0.008)


@pytest.mark.parametrize("inputs", [{}, {"launchType": "EC2"},
                                    {"capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT"}]}])
def test_a_service_not_on_fargate_on_demand_is_unpriced_not_assumed_fargate(inputs):
    task = res(TASK, "app", family="app", cpu="256", memory="512")
    result = estimate([task, res(SERVICE, "app", (task.urn,), desiredCount=2, **inputs)], REGION, None, table())
    assert result.total == 0 and [line.item for _r, line in result.unpriced_lines] == ["ecs.nonFargate"]


# --- never silently zero --------------------------------------------------------------------------------------------
def test_unknown_types_are_listed_unpriced_by_type():
    result = estimate([res("aws:dynamodb/table:Table", "t1"), res("aws:dynamodb/table:Table", "t2"),
                       res("aws:ec2/vpc:Vpc", "vpc")], REGION, None, table())
    assert result.unpriced_types == {"aws:dynamodb/table:Table": 2}
    assert result.total == 0 and result.as_json()["unpricedTypes"] == {"aws:dynamodb/table:Table": 2}


def test_an_item_without_a_price_is_an_unpriced_line_not_zero():
    instance = res(INSTANCE, "db", instanceClass="db.r6g.large", performanceInsightsEnabled=True,
                   performanceInsightsRetentionPeriod=31)
    result = estimate([instance], REGION, None, table())
    [(owner, line)] = result.unpriced_lines
    assert owner.name == "db" and line.item == "aurora.performanceInsights.retention" and line.monthly is None
    assert math.isclose(result.total, 730 * 0.26)


@pytest.mark.parametrize("spelling", ["DB.R6G.LARGE", "db.r6g.large2", "r6g.large", "db.r6g-large"])
def test_an_instance_class_in_another_spelling_is_unpriced_not_priced_as_another(spelling):
    result = estimate([res(INSTANCE, "db", instanceClass=spelling)], REGION, None, table())
    assert result.total == 0 and len(result.unpriced_lines) == 1


def test_an_unknown_instance_class_value_is_unpriced():
    result = estimate([res(INSTANCE, "db", instanceClass=None)], REGION, None, table())
    assert result.total == 0 and len(result.unpriced_lines) == 1


def test_a_region_without_prices_says_so():
    result = estimate([res(NAT, "nat")], "ap-south-1", None, table())
    assert result.no_prices
    assert result.as_json()["error"] == "no prices for ap-south-1"


def test_components_and_providers_are_not_resources_to_price():
    assert is_custom_type("aws:ec2/vpc:Vpc") and is_custom_type("random:index/randomId:RandomId")
    assert not is_custom_type("aurora-platform:app:AppService")
    assert not is_custom_type("pulumi:providers:aws") and not is_custom_type("pulumi:pulumi:Stack")


# --- assumptions and the table --------------------------------------------------------------------------------------
@pytest.mark.parametrize("usage, fragment", [
    ({"natGb": 5}, "usage.natGb: unknown assumption"),
    ({"natGbPerMonth": -1}, "usage.natGbPerMonth: -1 is not allowed"),
    ({"natGbPerMonth": "5"}, "usage.natGbPerMonth: '5' is not allowed"),
    ({"natGbPerMonth": True}, "usage.natGbPerMonth: True is not allowed"),
    ({"natGbPerMonth": float("nan")}, "usage.natGbPerMonth: nan is not allowed"),
    ({"serverlessActiveHoursPerMonth": 800}, "usage.serverlessActiveHoursPerMonth: 800 is more than the 730 hours"),
])
def test_bad_usage_assumptions_name_the_key(usage, fragment):
    with pytest.raises(CostInputError, match=re.escape(fragment)):
        usage_assumptions(usage)


def test_a_malformed_table_is_refused_with_the_entry_named():
    entry = {"item": "nat.hour", "region": REGION, "unit": "hour", "price": 0.045, "basis": "recalled", "read": None}
    with pytest.raises(CostInputError, match=r"prices\[1\]: nat.hour in us-east-1 is listed twice"):
        PriceTable.from_document({"prices": [entry, entry]})
    with pytest.raises(CostInputError, match=r"prices\[0\].price: -1 is not a number >= 0 or null"):
        PriceTable.from_document({"prices": [{**entry, "price": -1}]})
    with pytest.raises(CostInputError, match=r"prices\[0\]: missing read"):
        PriceTable.from_document({"prices": [{k: v for k, v in entry.items() if k != "read"}]})


def test_the_repository_table_records_source_and_date_for_every_figure():
    document = json.loads(PRICES_FILE.read_text())
    real = PriceTable.load()
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(real.regions())
    for entry in document["prices"]:
        # A date read only for a figure some page (or the API) was read for; a recalled one was read nowhere.
        if entry["basis"] in {"aws-page", "price-list-api", "price-list-copy", "third-party"}:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["read"]), entry
        else:
            assert entry["read"] is None, entry
        assert entry["basis"] in {"aws-page", "price-list-api", "price-list-copy", "third-party", "recalled",
                                  "not-found"}, entry
        # Verified only when read on an AWS page or from the Price List API, and then the source is named. A copy
        # of Price List data in someone's repository is not verified: the copy can be edited.
        assert entry["verified"] == (entry["basis"] in {"aws-page", "price-list-api"}), entry
        if entry["basis"] in {"aws-page", "third-party"}:
            assert str(entry["source"]).startswith("https://"), entry
        if entry["basis"] == "price-list-copy":
            assert re.match(r"https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{40}/", entry["source"]), entry
        if entry["basis"] == "not-found":
            assert entry["price"] is None, entry
    # Every item is asked for in every region, so a region never silently lacks one.
    items = {region: {e["item"] for e in document["prices"] if e["region"] == region} for region in real.regions()}
    assert len({frozenset(v) for v in items.values()}) == 1


def test_names_from_the_program_cannot_break_the_cost_table_markdown():
    from preflight.cost import markdown_lines
    result = estimate([res(NAT, "a`b|c @team #12 <b>")], REGION, None, table())
    [row] = [line for line in markdown_lines(result) if "NatGateway" in line and line.startswith("| ")]
    assert "``a`b\\|c @team #12 <b>``" in row  # a code span longer than the backtick inside; `|` escaped for tables
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # still five cells
