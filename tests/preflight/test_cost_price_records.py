"""price-list-copy figures: AWS Price List records read in a third party's public copy, pinned to a commit. The loader
(policies/rules/_cost.py) refuses one whose record disagrees with the entry or with itself; these tests try to get
a wrong or made-up figure past it in the spellings a hurried edit would use."""

from __future__ import annotations

import copy
import json
import re

import pytest

from policies.rules._cost import PRICES_FILE, CostInputError, PriceTable

COMMIT = "e90a838f3b68c8994cf41313624c0029f4c9068d"
ADDRESS = f"https://github.com/Elvis2131/preflight/blob/{COMMIT}/cmd/runnerd/internal/pricingfetch/testdata/x.json"
GOOD = {  # eu-west-1 NAT hours as the copy of the AmazonEC2 offer file shows them
    "item": "nat.hour", "region": "eu-west-1", "unit": "hour", "price": 0.048, "currency": "USD", "verified": False,
    "basis": "price-list-copy", "read": "2026-12-02",
    "source": f'{ADDRESS}: "usagetype" : "EU-NatGateway-Hours" ... "USD" : "0.0480000000"',
    "record": {"service": "AmazonEC2", "sku": "KFNSSCHWD43WZK2R", "rateCode": "KFNSSCHWD43WZK2R.JRTCKXETXF.6YS6EN2CT7",
               "usagetype": "EU-NatGateway-Hours", "location": "EU (Ireland)", "regionCode": "eu-west-1",
               "unit": "Hrs", "beginRange": "0", "USD": "0.0480000000",
               "description": "$0.048 per NAT Gateway Hour", "effective": "2026-09-01", "published": "2026-09-25",
               "retrieved": "2026-10-02",
               "origin": "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20260925174521/"
                         "eu-west-1/index.json"},
}


def load(*entries: dict) -> PriceTable:
    return PriceTable.from_document({"prices": list(entries)})


def changed(path: str, value, entry: dict = GOOD) -> dict:
    """GOOD with one key replaced (`record.usagetype`), or removed when value is ...; GOOD itself is untouched."""
    new = copy.deepcopy(entry)
    *parents, last = path.split(".")
    target = new
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return new


def test_the_copy_as_recorded_loads():
    price = load(GOOD).get("eu-west-1", "nat.hour")
    assert (price.price, price.verified, price.basis) == (0.048, False, "price-list-copy")


@pytest.mark.parametrize("path, value, message", [
    # Named by a branch, a shortened commit or a raw address: the file there can change after it was read.
    ("source", GOOD["source"].replace(f"/blob/{COMMIT}/", "/blob/main/"), "an address pinned to a commit"),
    ("source", GOOD["source"].replace(COMMIT, COMMIT[:39]), "an address pinned to a commit"),
    ("source", GOOD["source"].replace("https://github.com/Elvis2131/preflight/blob",
                                      "https://raw.githubusercontent.com/Elvis2131/preflight"),
     "an address pinned to a commit"),
    ("source", None, "an address pinned to a commit"),
    # No record, or not an object: nothing to check the figure against.
    ("record", ..., "carries the record it was read in"),
    ("record", "EU-NatGateway-Hours 0.048", "carries the record it was read in"),
    ("record.sku", ..., "record.sku: None; required"),
    ("record.origin", ..., "record.origin: None; required"),
    ("record.published", ..., "record.published: None; required"),
    # Another region's record under this region's key: each way the record names its region is checked.
    ("record.usagetype", "USW2-NatGateway-Hours", "another region's usage type"),
    ("record.usagetype", "NatGateway-Hours", "another region's usage type"),  # us-east-1's spelling
    ("record.location", "US West (Oregon)", "is not eu-west-1"),
    ("record.location", "Europe (Ireland)", "is not eu-west-1"),  # the console's name, not the Price List's
    ("record.regionCode", "us-west-2", "the entry is for eu-west-1"),
    # A price the record does not give.
    ("price", 0.045, "0.0480000000 x 1 is not the entry's price 0.045"),
    ("record.USD", "0.0450000000", "0.0450000000 x 1 is not the entry's price 0.048"),
    ("record.USD", 0.048, "record.USD: 0.048; required, a string"),
    ("record.USD", "4.8e-2", "a decimal string"),
    ("record.description", "$0.045 per NAT Gateway Hour", "states $0.045, not the price 0.048"),
    ("record.beginRange", "1048576", "the tier from 0"),
    # The wrong unit, or a scale that makes the numbers agree.
    ("record.unit", "GB", "'GB' for a figure per 'hour'"),
    ("record.unit", "Hrs-Seconds", "'Hrs-Seconds' for a figure per 'hour'"),
    ("record.scale", 1000, "'Hrs' to 'hour' is x1"),
    # Made-up identifiers and dates that cannot be.
    ("record.sku", "kfnsschwd43wzk2r", "16 capitals and digits"),
    ("record.sku", "KFNSSCHWD43WZK2", "16 capitals and digits"),
    ("record.rateCode", "DTH8595YVPFXV226.JRTCKXETXF.6YS6EN2CT7", "is not a rate of SKU KFNSSCHWD43WZK2R"),
    ("record.published", "2026-12-03", "no later than the date read 2026-12-02"),
    ("record.published", "25 Sep 2026", "a date (YYYY-MM-DD)"),
    ("record.published", "2026-10-03", "after the copy was retrieved (2026-10-02)"),
    ("record.effective", "2027-01-01", "no later than the date read"),
    # The copy must say it came from AWS's own price data, over https.
    ("record.origin", "https://ec2instances.info/rds/pricing.json", "the AWS address the copy was taken from"),
    ("record.origin", "http://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/index.json",
     "the AWS address the copy was taken from"),
    ("record.origin", "https://pricing.us-east-1.amazonaws.com.example.net/offers/v1.0/aws/AmazonEC2/current/x.json",
     "the AWS address the copy was taken from"),
    # A copy is not AWS: it never counts as verified.
    ("verified", True, "verified: True with basis 'price-list-copy'"),
    ("read", None, "a figure read on a page has the date read"),
])
def test_a_record_that_disagrees_is_refused_with_the_key_named(path, value, message):
    with pytest.raises(CostInputError, match=re.escape(message)):
        load(changed(path, value))


def test_a_record_edited_everywhere_but_in_the_quote_is_refused():
    # Price, record and description all say 0.045; the text quoted from the file still says 0.048.
    edited = changed("price", 0.045, changed("record.USD", "0.0450000000", changed(
        "record.description", "$0.045 per NAT Gateway Hour")))
    with pytest.raises(CostInputError, match=r"source: the quoted record does not show its USD '0.0450000000'"):
        load(edited)


def test_one_record_cannot_price_two_entries():
    # The same NAT-hour record pasted under nat.gb (same price, so only the SKU tells them apart).
    again = changed("item", "nat.gb", changed("unit", "GB", changed("record.unit", "GB")))
    with pytest.raises(CostInputError, match=r"record.sku: KFNSSCHWD43WZK2R already prices nat.hour in eu-west-1"):
        load(GOOD, again)


def test_a_record_on_another_basis_is_refused():
    third_party = changed("basis", "third-party")
    with pytest.raises(CostInputError, match=r"only a price-list-copy figure carries a record"):
        load(third_party)


@pytest.mark.parametrize("region, usagetype, location", [
    ("us-east-1", "LoadBalancerUsage", "US East (N. Virginia)"),  # us-east-1 has no prefix for most services
    ("us-east-1", "USE1-LoadBalancerUsage", "US East (N. Virginia)"),
    ("us-west-2", "USW2-LoadBalancerUsage", "US West (Oregon)"),
    ("us-west-2", "us-west-2-KMS-Requests", "US West (Oregon)"),  # KMS spells the region out
])
def test_each_regions_own_usage_type_spelling_is_accepted(region, usagetype, location):
    entry = changed("region", region, changed("record.regionCode", region, changed(
        "record.usagetype", usagetype, changed("record.location", location))))
    assert load(entry).get(region, "nat.hour").price == 0.048


def test_us_east_1_refuses_a_prefixed_usage_type_of_another_region():
    entry = changed("region", "us-east-1", changed("record.regionCode", "us-east-1", changed(
        "record.usagetype", "APN1-LoadBalancerUsage", changed("record.location", "US East (N. Virginia)"))))
    with pytest.raises(CostInputError, match="another region's usage type"):
        load(entry)


def test_a_per_request_record_is_scaled_to_the_tables_unit():
    kms = {**GOOD, "item": "kms.requests", "unit": "10,000 requests", "price": 0.03,
           "source": f'{ADDRESS}: "description": "$0.03 per 10000 KMS requests" ... "USD": "0.0000030000"',
           "record": {**GOOD["record"], "sku": "SE9KXT6M6JTP7E4W", "rateCode": "SE9KXT6M6JTP7E4W.JRTCKXETXF.6YS6EN2CT7",
                      "usagetype": "eu-west-1-KMS-Requests", "unit": "Requests", "USD": "0.0000030000",
                      "description": "$0.03 per 10000 KMS requests", "scale": 10000}}
    assert load(kms).get("eu-west-1", "kms.requests").price == 0.03
    # Read as if the record were already per 10,000 requests: refused, whatever scale is claimed.
    with pytest.raises(CostInputError, match=r"'Requests' to '10,000 requests' is x10000"):
        load(changed("record.scale", 1, kms))
    with pytest.raises(CostInputError, match=r"not the entry's price 3e-06"):
        load(changed("price", 0.000003, kms))


def test_the_repository_tables_copies():
    document = json.loads(PRICES_FILE.read_text())
    copies = {(e["region"], e["item"]): e for e in document["prices"] if e["basis"] == "price-list-copy"}
    # The figures this pass read in copies of AWS's Price List data (literal values from the records read).
    assert {key: e["price"] for key, e in copies.items()} == {
        ("us-east-1", "alb.hour"): 0.0225, ("us-east-1", "alb.lcu"): 0.008,
        ("us-west-2", "cloudwatch.alarm"): 0.1, ("us-west-2", "cloudwatch.metric"): 0.3,
        ("us-west-2", "ebs.gp3"): 0.08, ("us-west-2", "ec2.t4g.small"): 0.0168,
        ("us-west-2", "kms.requests"): 0.03, ("us-west-2", "logs.ingest"): 0.5,
        ("us-west-2", "logs.storage"): 0.03, ("us-west-2", "publicIpv4.hour"): 0.005,
        ("us-west-2", "s3.standard"): 0.023, ("us-west-2", "secretsManager.secret"): 0.4,
        ("eu-west-1", "nat.gb"): 0.048, ("eu-west-1", "nat.hour"): 0.048}
    nat = copies[("eu-west-1", "nat.hour")]["record"]
    assert (nat["sku"], nat["usagetype"], nat["published"]) == ("KFNSSCHWD43WZK2R", "EU-NatGateway-Hours", "2026-09-25")
    for entry in copies.values():
        assert entry["verified"] is False and entry["read"] == "2026-12-02"
        # Each names the file's commit, and says when AWS published what was copied.
        assert re.match(r"https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{40}/\S+\.json: \"", entry["source"])
        assert re.fullmatch(r"2026-\d{2}-\d{2}", entry["record"]["published"])
    PriceTable.load()  # and the loader accepts every one of them


# --- the refresh against real Price List records ----------------------------------------------------------------
# Products copied from the two public copies the table cites (attributes and on-demand terms as the files show them,
# trimmed to the keys the refresh reads). An offer file nests terms as OnDemand.<sku>.<term>; a GetProducts element
# holds one product, so its OnDemand is that product's <term> map: the only change made to the copies' records.
def offer_product(sku: str, usagetype: str, region: str, location: str, unit: str, usd: str, description: str,
                  effective: str, begin: str = "0", end: str = "Inf", rate: str = "6YS6EN2CT7") -> str:
    return json.dumps({
        "product": {"sku": sku, "attributes": {"usagetype": usagetype, "regionCode": region, "location": location}},
        "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": effective,
            "priceDimensions": {f"{sku}.JRTCKXETXF.{rate}": {
                "rateCode": f"{sku}.JRTCKXETXF.{rate}", "description": description, "beginRange": begin,
                "endRange": end, "unit": unit, "pricePerUnit": {"USD": usd}}}}}}})


IRELAND_NAT = [  # AmazonEC2 eu-west-1, offer 20260925174521: the zonal, regional and provisioned-bandwidth siblings
    offer_product("9F25CQRR8AA58QZS", "EU-NatGateway-Prvd-Bytes", "eu-west-1", "EU (Ireland)", "GB", "0.0000000000",
                  "$0.00 per GB Data Processed by NAT Gateways with Provisioned Bandwidth", "2026-09-01T00:00:00Z"),
    offer_product("DTH8595YVPFXV226", "EU-NatGateway-Bytes", "eu-west-1", "EU (Ireland)", "GB", "0.0480000000",
                  "$0.048 per GB Data Processed by NAT Gateways", "2026-09-01T00:00:00Z"),
    offer_product("EQKFCWWHPDRFVY6T", "EU-RegionalNatGateway-Hours", "eu-west-1", "EU (Ireland)", "Hrs",
                  "0.0480000000", "Hourly charge for Regional NAT Gateways", "2026-09-01T00:00:00Z"),
    offer_product("KFNSSCHWD43WZK2R", "EU-NatGateway-Hours", "eu-west-1", "EU (Ireland)", "Hrs", "0.0480000000",
                  "$0.048 per NAT Gateway Hour", "2026-09-01T00:00:00Z"),
]
OREGON_KMS = [  # awskms us-west-2, offer 20260911124601: the regional request and key products and the global free tier
    offer_product("SE9KXT6M6JTP7E4W", "us-west-2-KMS-Requests", "us-west-2", "US West (Oregon)", "Requests",
                  "0.0000030000", "$0.03 per 10000 KMS requests in US West (Oregon)", "2025-07-01T00:00:00Z"),
    offer_product("S8HBXBVJKWKDP9AS", "us-west-2-KMS-Keys", "us-west-2", "US West (Oregon)", "Keys", "1.0000000000",
                  "$1 per customer managed KMS key version in US West (Oregon)", "2025-07-01T00:00:00Z"),
    offer_product("VTFSAGP364M6QE4A", "Global-KMS-Requests", "", "Any", "Requests", "0.0000000000",
                  "$0.00 per request - Monthly Global Free Tier for KMS requests", "2025-07-01T00:00:00Z",
                  end="20000", rate="7K6Z2V4Y4Q"),
]


@pytest.fixture
def pricing():
    boto3 = pytest.importorskip("boto3")
    from botocore.stub import ANY, Stubber
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        def answer(*items: str) -> None:
            stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": list(items)},
                              {"ServiceCode": ANY, "Filters": ANY, "FormatVersion": "aws_v1"})
        yield client, answer
        stub.assert_no_pending_responses()


def test_the_refresh_reads_the_real_ireland_nat_records_as_the_table_does(pricing):
    from preflight.price_refresh import fetch
    client, answer = pricing
    answer(*IRELAND_NAT)
    hour = fetch(client, "nat.hour", "eu-west-1")
    assert hour.price == 0.048
    assert hour.source == ("AWS Price List API: AmazonEC2 EU-NatGateway-Hours SKU KFNSSCHWD43WZK2R (on-demand term "
                           "JRTCKXETXF, effective 2026-09-01)")
    answer(*IRELAND_NAT)  # the $0 provisioned-bandwidth bytes and the regional gateway's bytes are other products
    assert fetch(client, "nat.gb", "eu-west-1").source.startswith(
        "AWS Price List API: AmazonEC2 EU-NatGateway-Bytes SKU DTH8595YVPFXV226")


def test_the_global_free_tier_in_a_regional_offer_is_not_taken_for_the_regions_price(pricing):
    # `Global-KMS-Requests` ends like `us-west-2-KMS-Requests`; taken too, it would make two prices (0 and 0.03).
    from preflight.price_refresh import fetch
    client, answer = pricing
    answer(*OREGON_KMS)
    found = fetch(client, "kms.requests", "us-west-2")
    assert found.price == pytest.approx(0.03)
    assert "SKU SE9KXT6M6JTP7E4W" in found.source


def test_an_aurora_xlarge_class_is_found_under_the_shortened_usage_type(pricing):
    from preflight.price_refresh import fetch
    client, answer = pricing
    answer(offer_product("AAAAAAAAAAAAAAAA", "USW2-InstanceUsage:db.r6g.2xl", "us-west-2", "US West (Oregon)", "Hrs",
                         "1.0000000000", "2xl", "2026-09-01T00:00:00Z"),
           offer_product("BBBBBBBBBBBBBBBB", "USW2-InstanceUsageIOOptimized:db.r6g.xl", "us-west-2", "US West (Oregon)",
                         "Hrs", "0.7000000000", "iopt xl", "2026-09-01T00:00:00Z"),
           offer_product("CCCCCCCCCCCCCCCC", "USW2-InstanceUsage:db.r6g.xl", "us-west-2", "US West (Oregon)", "Hrs",
                         "0.5000000000", "xl", "2026-09-01T00:00:00Z"))
    # Neither the 2xl nor the I/O-Optimized xl is taken for the Standard xlarge.
    assert fetch(client, "aurora.instance.db.r6g.xlarge", "us-west-2").price == 0.5


def test_docs_name_every_copy_the_table_reads():
    # A copy added to the table without its row in docs/cost.md (repository, file and commit) fails here, so a new
    # record shows up in review twice: in the table's diff and in the docs' list of copies read.
    from pathlib import Path
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cost.md").read_text()
    section = docs[docs.index("### AWS Price List records read in public copies"):docs.index("### Sources read on")]
    for entry in json.loads(PRICES_FILE.read_text())["prices"]:
        if entry["basis"] != "price-list-copy":
            continue
        owner, repo, commit, path = re.match(r"https://github\.com/([^/]+)/([^/]+)/blob/([0-9a-f]{40})/(\S+?):",
                                             entry["source"]).groups()
        assert f"@ {commit[:7]}" in section and path.rsplit("/", 1)[-1] in section, entry["item"]
        assert f"{owner}/{repo}" in section, entry["item"]
        assert f"`{entry['item']}`" in section, entry["item"]


def test_units_not_read_in_a_record_yet_are_refused_and_per_io_records_are_scaled_to_millions():
    io = {**GOOD, "item": "aurora.io", "unit": "million requests", "price": 0.22,
          "source": f'{ADDRESS}: "unit" : "IOs" ... "USD" : "0.0000002200"',
          "record": {**GOOD["record"], "sku": "IOIOIOIOIOIOIOIO", "rateCode": "IOIOIOIOIOIOIOIO.JRTCKXETXF.6YS6EN2CT7",
                     "usagetype": "EU-Aurora:StorageIOUsage", "unit": "IOs", "USD": "0.0000002200",
                     "description": "$0.22 per 1 million I/O requests", "scale": 1000000}}
    assert load(io).get("eu-west-1", "aurora.io").price == 0.22
    # Fargate's Price List unit was not read in any record here: refused rather than guessed.
    fargate = {**GOOD, "item": "fargate.x86.vcpu", "unit": "vCPU-hour", "price": 0.04048,
               "source": f'{ADDRESS}: "USD" : "0.0404800000"',
               "record": {**GOOD["record"], "usagetype": "EU-Fargate-vCPU-Hours:perCPU", "unit": "hours",
                          "USD": "0.0404800000", "description": "$0.04048 per hour"}}
    with pytest.raises(CostInputError, match=r"record.unit: 'hours' for a figure per 'vCPU-hour'; allowed: none"):
        load(fargate)
