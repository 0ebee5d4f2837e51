"""The price table refresh against recorded Price List API answers (botocore's Stubber: no network, no real
credentials): the exact usage type is taken, the first tier, converted to the table's unit; anything ambiguous or
missing is reported and left as it was."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from policies.rules._cost import PriceTable
from preflight.price_refresh import QUERIES, RefreshError, fetch, refresh


def product(sku: str, usagetype: str, usd: str, begin: str = "0", region: str = "us-west-2") -> str:
    """One PriceList element as the API returns it: a JSON string."""
    return json.dumps({
        "product": {"sku": sku, "productFamily": "NAT Gateway",
                    "attributes": {"usagetype": usagetype, "regionCode": region}},
        "serviceCode": "AmazonEC2",
        "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z",
            "priceDimensions": {f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                "unit": "Hrs", "beginRange": begin, "endRange": "Inf", "pricePerUnit": {"USD": usd}}}}}},
    })


@pytest.fixture
def client():
    pricing = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing")
    with Stubber(pricing) as stub:
        yield pricing, stub
        stub.assert_no_pending_responses()


def answer(stub: Stubber, *items: str, token: str | None = None) -> None:
    response = {"FormatVersion": "aws_v1", "PriceList": list(items)}
    if token:
        response["NextToken"] = token
    stub.add_response("get_products", response, {"ServiceCode": ANY, "Filters": ANY, "FormatVersion": "aws_v1"})


def test_the_exact_usage_type_with_its_region_prefix_is_taken(client):
    pricing, stub = client
    answer(stub, product("AAA", "USW2-NatGateway-Bytes", "0.0450000000"),
           product("BBB", "USW2-NatGateway-Hours", "0.0450000000"),
           product("CCC", "USW2-NatGateway-Hours-Extra", "9.0"))
    found = fetch(pricing, "nat.hour", "us-west-2")
    assert found.price == 0.045
    assert found.source == ("AWS Price List API: AmazonEC2 USW2-NatGateway-Hours SKU BBB (on-demand term JRTCKXETXF, "
                            "effective 2026-11-01)")


def test_the_query_filters_by_region_and_service(client):
    pricing, stub = client
    stub.add_response("get_products", {"FormatVersion": "aws_v1",
                                       "PriceList": [product("B", "EU-NatGateway-Hours", "0.048",
                                                             region="eu-west-1")]},
                      {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1",
                       "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]})
    assert fetch(pricing, "nat.hour", "eu-west-1").price == 0.048


def test_per_request_prices_are_scaled_to_the_table_unit(client):
    pricing, stub = client
    answer(stub, product("K", "USW2-KMS-Requests", "0.0000030000"))
    assert fetch(pricing, "kms.requests", "us-west-2").price == pytest.approx(0.03)  # per 10,000 requests


def test_tiers_after_the_first_are_ignored(client):
    pricing, stub = client
    answer(stub, json.dumps({
        "product": {"sku": "T", "attributes": {"usagetype": "USW2-VpcEndpoint-Bytes"}},
        "terms": {"OnDemand": {"T.X": {"offerTermCode": "X", "effectiveDate": "2026-11-01", "priceDimensions": {
            "T.X.2": {"beginRange": "1048576", "pricePerUnit": {"USD": "0.006"}},
            "T.X.1": {"beginRange": "0", "pricePerUnit": {"USD": "0.01"}}}}}}}))
    assert fetch(pricing, "vpcEndpoint.gb", "us-west-2").price == 0.01


def test_pages_are_followed(client):
    pricing, stub = client
    answer(stub, product("A", "USW2-NatGateway-Bytes", "0.045"), token="next")
    stub.add_response("get_products", {"FormatVersion": "aws_v1",
                                       "PriceList": [product("B", "USW2-NatGateway-Hours", "0.045")]},
                      {"ServiceCode": "AmazonEC2", "Filters": ANY, "FormatVersion": "aws_v1", "NextToken": "next"})
    assert fetch(pricing, "nat.hour", "us-west-2").price == 0.045


def test_nothing_matching_or_two_prices_is_an_error_not_a_figure(client):
    pricing, stub = client
    answer(stub, product("A", "USW2-NatGateway-Bytes", "0.045"))
    with pytest.raises(RefreshError, match=r"nat.hour in us-west-2: no AmazonEC2 product with usage type "
                                           r"\*NatGateway-Hours"):
        fetch(pricing, "nat.hour", "us-west-2")
    answer(stub, product("A", "USW2-NatGateway-Hours", "0.045"), product("B", "NatGateway-Hours", "0.05"))
    with pytest.raises(RefreshError, match=r"2 products match with different prices \(0.045, 0.05\)"):
        fetch(pricing, "nat.hour", "us-west-2")


def test_refresh_updates_only_what_the_api_answered_and_marks_it_verified(client):
    pricing, stub = client
    document = {"prices": [
        {"item": "nat.hour", "region": "us-west-2", "unit": "hour", "price": 0.05, "verified": False,
         "basis": "recalled", "source": None, "read": None, "note": "old"},
        {"item": "nat.gb", "region": "us-west-2", "unit": "GB", "price": 0.045, "verified": False,
         "basis": "recalled", "source": None, "read": None},
    ]}
    answer(stub, product("H", "USW2-NatGateway-Hours", "0.045"))
    answer(stub, product("X", "USW2-Something-Else", "1"))
    changes, problems = refresh(document, pricing, today="2027-01-05")
    assert changes == ["nat.hour us-west-2: 0.05 -> 0.045 hour"]
    assert problems == ["nat.gb in us-west-2: no AmazonEC2 product with usage type *NatGateway-Bytes"]
    hour, gb = document["prices"]
    assert hour["verified"] is True and hour["basis"] == "price-list-api" and hour["read"] == "2027-01-05"
    assert "note" not in hour and hour["source"].startswith("AWS Price List API: AmazonEC2")
    assert gb["verified"] is False and gb["read"] is None  # left as it was
    PriceTable.from_document(document)  # what refresh writes is a table the estimate loads


def test_every_table_item_has_a_query():
    from policies.rules._cost import PRICES_FILE
    items = {e["item"] for e in json.loads(PRICES_FILE.read_text())["prices"]}
    assert items == set(QUERIES)


def tiered(sku: str, usagetype: str, *dimensions: tuple[str, str, str]) -> str:
    """A product whose on-demand term has several (beginRange, endRange, USD) dimensions, listed in any order."""
    return json.dumps({
        "product": {"sku": sku, "attributes": {"usagetype": usagetype}},
        "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF", "effectiveDate": "2026-11-01T00:00:00Z",
            "priceDimensions": {f"{sku}.JRTCKXETXF.{i}": {"beginRange": begin, "endRange": end, "unit": "Requests",
                                                          "pricePerUnit": {"USD": usd}}
                                for i, (begin, end, usd) in enumerate(dimensions)}}}}})


def test_a_free_tier_is_skipped_for_the_first_paid_tier_and_said_in_the_source(client):
    pricing, stub = client
    # SNS-like: the first million requests free, then $0.50 per million ($0.0000005 each); listed paid-first.
    answer(stub, tiered("S", "USW2-Requests-Tier1", ("1000000", "Inf", "0.0000005000"), ("0", "1000000", "0.0")))
    found = fetch(pricing, "sns.requests", "us-west-2")
    assert found.price == pytest.approx(0.50)  # per million, the table's unit
    assert found.source.endswith("effective 2026-11-01, after a free tier up to 1000000)")


def test_a_tiered_price_takes_the_tier_from_zero_not_a_cheaper_later_one(client):
    pricing, stub = client
    answer(stub, tiered("B", "TimedStorage-ByteHrs", ("51200", "512000", "0.022"), ("0", "51200", "0.023")))
    assert fetch(pricing, "s3.standard", "us-east-1").price == 0.023


def test_a_figure_that_is_zero_in_every_tier_stays_zero(client):
    pricing, stub = client
    answer(stub, tiered("Z", "USW2-NatGateway-Hours", ("0", "Inf", "0.0")))
    assert fetch(pricing, "nat.hour", "us-west-2").price == 0


def test_a_usage_type_prefixed_with_the_region_code_matches_too(client):
    pricing, stub = client
    answer(stub, product("K", "us-west-2-KMS-Keys", "1.0"))
    assert fetch(pricing, "kms.key", "us-west-2").price == 1.0


def test_a_global_service_is_asked_without_a_region_filter(client):
    pricing, stub = client
    stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [product("H", "HostedZone", "0.5")]},
                      {"ServiceCode": "AmazonRoute53", "FormatVersion": "aws_v1", "Filters": []})
    assert fetch(pricing, "route53.hostedZone", "eu-west-1").price == 0.5


def test_every_aurora_class_query_filters_on_its_own_instance_type():
    classes = {"db." + item.split(".db.", 1)[1] for item in QUERIES if item.startswith("aurora.instance.")}
    assert {"db.t4g.medium", "db.r7g.xlarge", "db.r6g.4xlarge"} <= classes
    for item, query in QUERIES.items():
        if item.startswith("aurora.instance."):
            klass = "db." + item.split(".db.", 1)[1]
            assert query.attributes["instanceType"] == klass and query.usage_type.endswith(":" + klass), item
