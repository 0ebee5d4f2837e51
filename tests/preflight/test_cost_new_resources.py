"""Prices for the resources other branches add (load balancer, ECR, AWS Backup, Route 53, ACM, network ACLs, another
interface endpoint), on hand-built stacks priced with literal test prices: every expected figure is arithmetic done by
hand from the requirement, not from the estimator."""

from __future__ import annotations

import math

import pytest

from policies.rules._cost import CostInputError, PriceTable, estimate, expected_unit, usage_assumptions
from tests.preflight.test_cost import REGION, cost_of, res, table

ALB = "aws:lb/loadBalancer:LoadBalancer"
ECR = "aws:ecr/repository:Repository"
VAULT = "aws:backup/vault:Vault"
ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
CERT = "aws:acm/certificate:Certificate"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
PRICES = {"ecr__storage": 0.10, "backup__aurora": 0.021, "route53__hostedZone": 0.50, "s3__standard": 0.023}


def priced(**overrides):
    return table(**{**PRICES, **overrides})


# --- the figures the requirement names ------------------------------------------------------------------------------
def test_one_internal_alb_for_a_month_at_three_lcus():
    alb = res(ALB, "web", loadBalancerType="application", internal=True, subnets=["a", "b", "c"])
    result = estimate([alb], REGION, {"albLcuAverage": 3}, priced())
    # 730 h x $0.0225 = $16.425 fixed; 3 LCU x 730 h x $0.008 = $17.52 usage; internal: no public addresses.
    assert math.isclose(result.fixed, 16.425)
    assert math.isclose(result.usage, 17.52)
    assert math.isclose(result.total, 33.945)


def test_an_internet_facing_alb_pays_a_public_address_per_zone():
    alb = res(ALB, "web", subnets=["a", "b", "c"])  # loadBalancerType defaults to application, internal to false
    result = estimate([alb], REGION, {"albLcuAverage": 0}, priced())
    # 730 x $0.0225 + 3 zones x 730 h x $0.005 = 16.425 + 10.95
    assert math.isclose(result.total, 27.375)


def test_the_alb_lcu_assumption_is_settable_and_checked():
    assert usage_assumptions({"albLcuAverage": 2.5})["albLcuAverage"] == 2.5
    with pytest.raises(CostInputError, match=r"usage.albLcuAverage: -1 is not allowed"):
        usage_assumptions({"albLcuAverage": -1})


def test_five_gb_in_ecr():
    result = estimate([res(ECR, "app")], REGION, {"ecrStorageGb": 5}, priced())
    assert math.isclose(result.total, 0.50)  # 5 GB-months x $0.10
    assert result.fixed == 0  # an empty repository costs nothing: all of it is usage


def test_the_pushed_image_is_not_a_second_charge_nor_unpriced():
    image = res("docker-build:index:Image", "app", push=True, tags=["123.dkr.ecr.us-east-1.amazonaws.com/app:1"])
    result = estimate([res(ECR, "app"), image], REGION, {"ecrStorageGb": 5}, priced())
    assert math.isclose(result.total, 0.50) and result.unpriced_types == {}


def test_a_backup_vault_prices_its_aurora_snapshots_from_the_assumption():
    plan = res("aws:backup/plan:Plan", "daily", rules=[{"ruleName": "daily", "targetVaultName": "v"}])
    selection = res("aws:backup/selection:Selection", "aurora", planId="p", resources=["arn:aws:rds:...:cluster:db"])
    result = estimate([res(VAULT, "v"), plan, selection], REGION, {"backupVaultGb": 40}, priced())
    assert math.isclose(result.total, 40 * 0.021)  # $0.84
    assert result.unpriced_types == {} and math.isclose(cost_of(result, "v"), 0.84)


def test_backup_copies_to_another_vault_are_named_not_priced():
    plan = res("aws:backup/plan:Plan", "daily",
               rules=[{"ruleName": "d", "copyActions": [{"destinationVaultArn": "x"}]}])
    result = estimate([plan], REGION, None, priced())
    [cost] = result.resources
    assert result.total == 0 and any("copies to another vault" in note for note in cost.notes)


def test_a_hosted_zone_the_program_creates_costs_fifty_cents_and_records_are_free():
    zone = res(ZONE, "example", name="example.com")
    alias = res(RECORD, "www", name="www.example.com", type="A", aliases=[{"name": "alb", "zoneId": "Z"}])
    result = estimate([zone, alias], REGION, None, priced())
    assert math.isclose(result.total, 0.50) and result.unpriced_types == {}


def test_a_record_in_a_zone_the_program_only_reads_costs_nothing():
    record = res(RECORD, "www", zoneId="Z123", name="www.example.com", type="CNAME", records=["a.example.net"])
    result = estimate([record], REGION, None, priced())
    assert result.total == 0 and result.unpriced_types == {}
    [cost] = result.resources  # not an alias: its queries are billed, which the estimate names
    assert any("DNS queries" in note for note in cost.notes)


def test_a_public_certificate_is_free_and_a_private_one_is_unpriced_not_free():
    public = res(CERT, "site", domainName="example.com", validationMethod="DNS")
    validation = res("aws:acm/certificateValidation:CertificateValidation", "site", certificateArn="arn")
    private = res(CERT, "internal", domainName="db.internal", certificateAuthorityArn="arn:aws:acm-pca:...:ca/1")
    result = estimate([public, validation], REGION, None, priced())
    assert result.total == 0 and result.resources == [] and result.unpriced_types == {}
    result = estimate([private], REGION, None, priced())
    assert result.total == 0 and [line.item for _r, line in result.unpriced_lines] == ["acm.privateCertificate"]


def test_network_acls_and_s3_log_bucket_settings_are_free_and_the_bucket_is_priced():
    resources = [res("aws:ec2/networkAcl:NetworkAcl", "private"),
                 res("aws:ec2/networkAclRule:NetworkAclRule", "in-443"),
                 res("aws:ec2/networkAclAssociation:NetworkAclAssociation", "a"),
                 res("aws:s3/bucket:Bucket", "alb-logs"),
                 res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "alb-logs"),
                 res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "alb-logs"),
                 res("aws:lb/targetGroup:TargetGroup", "app"), res("aws:lb/listener:Listener", "https")]
    result = estimate(resources, REGION, {"s3StorageGb": 20}, priced())
    assert result.unpriced_types == {}
    assert math.isclose(result.total, 20 * 0.023)  # $0.46, the bucket's Standard storage


def test_a_lambda_interface_endpoint_bills_per_zone_and_a_zone_added_later_too():
    endpoint = res(ENDPOINT, "lambda", vpcEndpointType="Interface", serviceName="com.amazonaws.us-east-1.lambda",
                   subnetIds=["a", "b"])
    added = res("aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation", "lambda-c",
                vpcEndpointId="vpce-1", subnetId="c")
    result = estimate([endpoint, added], REGION, {"vpcEndpointGbPerMonth": 0}, priced())
    # 3 zones x 730 h x $0.01 = $21.90
    assert math.isclose(result.fixed, 21.90)


# --- other spellings that must not get past as free -----------------------------------------------------------------
@pytest.mark.parametrize("token", ["aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
                                   "aws:route53/healthCheck:HealthCheck",
                                   "aws:acmpca/certificateAuthority:CertificateAuthority",
                                   "aws:backup/vault:vault", "aws:lb/loadbalancer:LoadBalancer"])
def test_neighbouring_types_and_misspelled_tokens_are_unpriced_not_free(token):
    result = estimate([res(token, "x")], REGION, None, priced())
    assert result.unpriced_types == {token: 1}


def test_a_network_load_balancer_is_unpriced_not_priced_as_an_alb():
    result = estimate([res(ALB, "nlb", loadBalancerType="network")], REGION, None, priced())
    assert result.total == 0 and [line.item for _r, line in result.unpriced_lines] == ["elb.network"]


def test_the_new_items_exist_in_the_repository_table_for_every_region():
    real = PriceTable.load()
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        for item in ("alb.hour", "alb.lcu", "ecr.storage", "backup.aurora", "route53.hostedZone", "s3.standard",
                     "vpcEndpoint.azHour", "vpcEndpoint.gb"):
            assert real.get(region, item) is not None, (region, item)
    assert real.get("us-east-1", "route53.hostedZone").price == 0.5


# --- the table's provenance cannot be overstated --------------------------------------------------------------------
BASE = {"item": "nat.hour", "region": REGION, "unit": "hour", "price": 0.045}


@pytest.mark.parametrize("entry, fragment", [
    ({**BASE, "basis": "recalled", "verified": True, "read": None}, "verified: True with basis 'recalled'"),
    ({**BASE, "basis": "third-party", "verified": True, "source": "https://x", "read": "2026-12-02"},
     "verified: True with basis 'third-party'"),
    ({**BASE, "basis": "aws-page", "verified": False, "source": "https://aws.amazon.com/x", "read": "2026-12-02"},
     "verified: False with basis 'aws-page'"),
    ({**BASE, "basis": "aws-page", "verified": "true", "source": "https://aws.amazon.com/x", "read": "2026-12-02"},
     "verified: 'true' with basis 'aws-page'"),
    ({**BASE, "basis": "aws-page", "verified": True, "source": None, "read": "2026-12-02"}, "source: None"),
    ({**BASE, "basis": "aws-page", "verified": True, "source": "aws.amazon.com/x", "read": "2026-12-02"},
     "source: 'aws.amazon.com/x'"),
    ({**BASE, "basis": "price-list-api", "verified": True, "source": "https://x", "read": "2026-12-02"},
     "a price-list-api figure names where it was read (AWS Price List API: ...)"),
    ({**BASE, "basis": "third-party", "source": "https://x", "read": "yesterday"}, "read: 'yesterday'"),
    ({**BASE, "basis": "recalled", "read": "2026-12-02"}, "a recalled figure was not read on any page: null"),
    ({**BASE, "basis": "memory", "read": None}, "basis: 'memory' is not allowed"),
    ({**BASE, "basis": "recalled", "price": None, "read": None}, "null exactly when its basis is not-found"),
    ({**BASE, "basis": "not-found", "read": None}, "null exactly when its basis is not-found"),
])
def test_a_table_that_overstates_where_a_figure_comes_from_is_refused(entry, fragment):
    with pytest.raises(CostInputError, match=r"prices\[0\] \(nat.hour in us-east-1\)") as error:
        PriceTable.from_document({"prices": [entry]})
    assert fragment in str(error.value)


# --- python -m preflight cost --prices-report -------------------------------------------------------------------------
def _entry(item, region, basis, price=1.0):
    read = {"aws-page": "2026-12-02", "third-party": "2026-12-02"}.get(basis)
    source = "https://aws.amazon.com/x" if basis == "aws-page" else "https://example.com/x" if read else None
    return {"item": item, "region": region, "unit": expected_unit(item) or "hour",
            "price": None if basis == "not-found" else price,
            "basis": basis, "verified": basis == "aws-page", "source": source, "read": read}


def test_the_prices_report_counts_by_basis_and_region(tmp_path, capsys):
    import json

    from preflight.cost import main
    document = {"prices": [_entry("kms.key", "us-east-1", "aws-page"), _entry("kms.key", "eu-west-1", "aws-page"),
                           _entry("nat.hour", "us-east-1", "third-party"), _entry("nat.hour", "eu-west-1", "recalled"),
                           _entry("pi", "us-east-1", "not-found"), _entry("pi", "eu-west-1", "not-found")]}
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(document))
    assert main(["--prices-report", "--price-table", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["entries"] == 6 and report["verified"] == 2 and report["unverified"] == 4
    assert report["byBasis"] == {"aws-page": {"eu-west-1": 1, "us-east-1": 1},
                                 "third-party": {"eu-west-1": 0, "us-east-1": 1},
                                 "recalled": {"eu-west-1": 1, "us-east-1": 0},
                                 "not-found": {"eu-west-1": 1, "us-east-1": 1}}
    assert report["verifiedItems"] == {"kms.key": ["eu-west-1", "us-east-1"]}
    assert report["notFoundItems"] == {"pi": ["eu-west-1", "us-east-1"]}
    assert main(["--prices-report", "--price-table", str(path)]) == 0
    text = capsys.readouterr().out
    assert "6 figures (3 items x 2 regions); verified 2, unverified 4." in text
    assert "verified: kms.key\n" in text  # in every region: no region list


def test_the_prices_report_refuses_a_table_that_overstates_and_cost_needs_a_stack_otherwise(tmp_path, capsys):
    import json

    from preflight.cost import main
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"prices": [{**_entry("nat.hour", "us-east-1", "recalled"), "verified": True}]}))
    assert main(["--prices-report", "--price-table", str(path)]) == 2
    assert "verified: True with basis 'recalled'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2 and "--stack is required" in capsys.readouterr().err


def test_the_estimate_says_how_much_of_it_rests_on_verified_figures():
    document = {"prices": [
        {"item": "kms.key", "region": REGION, "unit": "key-month", "price": 1.0, "basis": "aws-page", "verified": True,
         "source": "https://aws.amazon.com/kms/pricing/", "read": "2026-12-02"},
        {"item": "kms.requests", "region": REGION, "unit": "10,000 requests", "price": 0.03, "basis": "recalled",
         "read": None}]}
    result = estimate([res("aws:kms/key:Key", "k")], REGION, {"kmsRequestsPerKeyPerMonth": 20000},
                      PriceTable.from_document(document))
    # $1 key (verified) + 2 x $0.03 requests (recalled) = $1.06, of which $1.00 verified
    assert math.isclose(result.total, 1.06) and math.isclose(result.verified_total, 1.0)
    assert result.as_json()["verifiedMonthly"] == 1.0 and result.unverified_items == ["kms.requests"]
    from preflight.cost import markdown_lines, text_lines
    assert "  Priced with verified figures: $1.00 of $1.06." in text_lines(result)
    assert "Priced with verified figures: $1.00 of $1.06." in markdown_lines(result)


# --- docs/cost.md quotes figures the repository's table must still give -------------------------------------------
@pytest.mark.parametrize("subnets, internal, expected", [
    (3, False, 16.425 + 10.95),  # 730 h x $0.0225 + 3 x 730 h x $0.005: the idle ALB dev would add
    (3, True, 16.425),           # internal: no public addresses
    (2, False, 16.425 + 7.30),   # two subnets: two addresses
])
def test_the_idle_alb_figures_docs_quote_from_the_repository_table(subnets, internal, expected):
    alb = res(ALB, "web", subnets=[f"s{i}" for i in range(subnets)], internal=internal)
    result = estimate([alb], "us-east-1", {"albLcuAverage": 0})
    assert math.isclose(result.total, expected)


def test_docs_cost_md_holds_the_current_prices_report():
    from pathlib import Path

    from preflight.cost import prices_report, render_prices_report
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cost.md").read_text()
    block = render_prices_report(prices_report(PriceTable.load()), "markdown", "policies/rules/prices.json")
    counts = block.split("\n\nVerified:")[0]  # the headline and the table; the item lists are summarised in prose
    assert counts in docs, ("docs/cost.md's price table counts are stale: paste the output of `python -m preflight "
                            "cost --prices-report --format markdown` (headline and table) into its price table section")


def test_native_provider_resources_are_resources_to_price_not_components():
    from policies.rules._cost import is_custom_type
    # The budget rule skips components; a native provider's resource taken for one would be silently free there.
    assert is_custom_type("docker-build:index:Image") and is_custom_type("aws-native:rds:DbCluster")
    assert is_custom_type("command:local:Command")
    assert not is_custom_type("awsx:ec2:Vpc") and not is_custom_type("aurora-platform:app:AppService")
    result = estimate([res("aws-native:rds:DbCluster", "db")], REGION, None, priced())
    assert result.unpriced_types == {"aws-native:rds:DbCluster": 1}


# --- figures that would be silently wrong ---------------------------------------------------------------------------
@pytest.mark.parametrize("entry, fragment", [
    ({**BASE, "unit": "second"}, "unit: 'second' for nat.hour; the estimate reads it per 'hour'"),
    ({**BASE, "item": "kms.requests", "unit": "request", "price": 0.000003},
     "unit: 'request' for kms.requests; the estimate reads it per '10,000 requests'"),
    ({**BASE, "item": "backup.aurora", "unit": "GB-hour"}, "per 'GB-month'"),
    ({**BASE, "currency": "EUR"}, "currency: 'EUR'; every figure is in USD"),
    ({**BASE, "price": float("nan")}, "price: nan is not a number >= 0 or null"),
    ({**BASE, "price": float("inf")}, "price: inf is not a number >= 0 or null"),
    ({**BASE, "basis": "aws-page", "verified": True, "source": "https://example.com/aws-pricing", "read": "2026-12-02"},
     "'https://example.com/aws-pricing' is not an AWS page"),
    ({**BASE, "basis": "aws-page", "verified": True, "source": "https://aws.amazon.com.example.net/kms/pricing/",
      "read": "2026-12-02"}, "is not an AWS page"),
])
def test_a_figure_in_another_unit_currency_or_from_a_lookalike_page_is_refused(entry, fragment):
    entry = {"basis": "recalled", "read": None, **entry}
    with pytest.raises(CostInputError) as error:
        PriceTable.from_document({"prices": [entry]})
    assert fragment in str(error.value)


def test_an_aws_documentation_page_counts_as_an_aws_page():
    entry = {**BASE, "basis": "aws-page", "verified": True, "read": "2026-12-02",
             "source": "https://docs.aws.amazon.com/vpc/latest/privatelink/pricing.html: \"...\""}
    assert PriceTable.from_document({"prices": [entry]}).get(REGION, "nat.hour").verified is True


@pytest.mark.parametrize("text, fragment", [
    ('{"prices": [{"item": "nat.hour", "region": "us-east-1", "unit": "hour", "price": 0.045, "basis": "recalled", '
     '"verified": false, "read": null, "verified": true}]}', "the key 'verified' appears twice in one object"),
    ('{"prices": [{"item": "nat.hour", "region": "us-east-1", "unit": "hour", "price": NaN, "basis": "recalled", '
     '"read": null}]}', "NaN is not a price"),
])
def test_a_table_file_with_a_repeated_key_or_nan_is_refused(tmp_path, text, fragment):
    path = tmp_path / "prices.json"
    path.write_text(text)
    with pytest.raises(CostInputError, match="cannot be read as JSON") as error:
        PriceTable.load(path)
    assert fragment in str(error.value)


def test_the_backup_assumption_is_settable_per_stack_like_the_others():
    from policies.rules.budget import POLICIES
    assert usage_assumptions({"backupVaultGb": 40})["backupVaultGb"] == 40
    assert usage_assumptions(None)["backupVaultGb"] == 10  # the default when a stack says nothing
    with pytest.raises(CostInputError, match=r"usage.backupVaultGb: -5 is not allowed"):
        usage_assumptions({"backupVaultGb": -5})
    [budget] = [p for p in POLICIES if p.info.name == "stack-monthly-budget"]
    properties = budget.info.config["usage"]["properties"]
    assert {"backupVaultGb", "albLcuAverage", "ecrStorageGb"} <= set(properties)


@pytest.mark.parametrize("ip_type, addresses", [(None, 3), ("ipv4", 3), ("dualstack", 3),
                                                ("dualstack-without-public-ipv4", 0)])
def test_an_alb_without_public_ipv4_pays_no_addresses(ip_type, addresses):
    inputs = {"subnets": ["a", "b", "c"], **({"ipAddressType": ip_type} if ip_type else {})}
    result = estimate([res(ALB, "web", **inputs)], REGION, {"albLcuAverage": 0}, priced())
    assert math.isclose(result.total, 16.425 + addresses * 730 * 0.005)
