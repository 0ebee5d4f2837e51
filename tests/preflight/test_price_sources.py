"""The price table's figures name what was read where: every figure read on a page quotes the text it was read in, the
quoted text states that figure (or the entry says how it was computed from figures the text states), and
docs/cost.md lists by key every figure still recalled."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "policies" / "rules" / "prices.json"
DOCS = ROOT / "docs" / "cost.md"
READ_ON_A_PAGE = {"aws-page", "third-party"}
# A number as pages write it: 0.26, .045, 3, 10,000 (the thousands separator is dropped before matching).
NUMBER = re.compile(r"(?<![\w.])\d*\.?\d+")
COMPUTED = re.compile(r"Computed, not stated: ([\d.]+) x ([\d.]+) = ([\d.]+)")


def entries() -> list[dict]:
    return json.loads(TABLE.read_text())["prices"]


def quoted_text(source: str) -> str | None:
    """What the entry says it read: the text from the first double quote on. The address before it does not count,
    so a figure that only appears in a URL (or a file name) is not a figure read on the page."""
    start = source.find('"')
    return source[start:] if start > 0 and source.rfind('"') > start else None


def numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text.replace(",", ""))]


def provenance_problem(entry: dict) -> str | None:
    """Why an entry read on a page does not show the figure it claims to have read there (None: it does)."""
    source, price = entry.get("source") or "", entry["price"]
    quote = quoted_text(source)
    if not source.startswith("https://") or quote is None:
        return "no quoted text after the address"
    if any(math.isclose(n, price, rel_tol=1e-9) for n in numbers(quote)):
        return None
    computed = COMPUTED.search(entry.get("note") or "")
    if computed:
        a, b, product = (float(x) for x in computed.groups())
        stated = numbers(quote)
        if (math.isclose(product, price) and math.isclose(round(a * b, 4), price)
                and any(math.isclose(n, a) for n in stated) and any(math.isclose(n, b) for n in stated)):
            return None
        return "the computation in the note does not match the figure and the quoted factors"
    return f"the quoted text does not state {price}"


def test_every_figure_read_on_a_page_is_stated_in_the_text_it_quotes():
    problems = [f"{e['item']} ({e['region']}): {provenance_problem(e)}" for e in entries()
                if e["basis"] in READ_ON_A_PAGE and provenance_problem(e)]
    assert problems == []


@pytest.mark.parametrize("entry, problem", [
    # the address alone, no text read
    ({"price": 0.26, "source": "https://example.com/aurora-pricing"}, "no quoted text after the address"),
    # the figure appears only in the address, not in what was read
    ({"price": 0.26, "source": "https://example.com/r6g-0.26-an-hour: \"see the table\""},
     "the quoted text does not state 0.26"),
    # a quote that states another figure (the disagreeing page's $0.29)
    ({"price": 0.26, "source": "https://example.com/x: \"db.r6g.large (Medium) | $0.290 |\""},
     "the quoted text does not state 0.26"),
    # a prefix of the figure is not the figure: $0.225 does not state $0.2, nor $0.0252 state $0.025
    ({"price": 0.2, "source": "https://example.com/x: \"$0.225 per GB-month\""}, "the quoted text does not state 0.2"),
    ({"price": 0.025, "source": "https://example.com/x: \"| Europe (Ireland) | $0.0252 |\""},
     "the quoted text does not state 0.025"),
    # a computed figure whose factors are not both in the quote, or whose product is wrong
    ({"price": 0.6747, "source": "https://example.com/x: \"(4, 32, 0.519)\"",
      "note": "Computed, not stated: 0.519 x 1.30 = 0.6747"},
     "the computation in the note does not match the figure and the quoted factors"),
    ({"price": 0.7176, "source": "https://example.com/x: \"(4, 32, 0.553)\" \"MULTIPLIER = 1.30\"",
      "note": "Computed, not stated: 0.553 x 1.30 = 0.7176"},
     "the computation in the note does not match the figure and the quoted factors"),
])
def test_a_source_that_does_not_show_its_figure_is_caught(entry, problem):
    assert provenance_problem(entry) == problem


@pytest.mark.parametrize("entry", [
    {"price": 0.045, "source": "https://example.com/x: \"$.045 per hour per NAT Gateway\""},
    {"price": 0.03, "source": "https://example.com/x: \"$0.03 per 10,000 requests\""},
    {"price": 3.0, "source": "https://example.com/x: \"dashboards at $3 each\""},
    {"price": 0.6747, "source": "https://example.com/x: \"(4, 32, 0.519)\" and \"MULTIPLIER = 1.30\"",
     "note": "Computed, not stated: 0.519 x 1.30 = 0.6747 (the file states both factors)."},
])
def test_the_spellings_pages_use_are_accepted(entry):
    assert provenance_problem(entry) is None


def test_the_figures_the_prod_estimate_rests_on_most_are_the_ones_read():
    table = {(e["item"], e["region"]): e for e in entries()}
    r6g = table[("aurora.instance.db.r6g.large", "us-east-1")]  # 3 instances, two thirds of prod's total
    assert (r6g["price"], r6g["basis"], r6g["read"]) == (0.26, "third-party", "2026-12-02")
    assert '"db.r6g.large": (2, 16, 0.260)' in r6g["source"]
    # The recalled figure was 0.552; the toolkit's table says 0.553, and the I/O-Optimized figure follows it.
    assert table[("aurora.instance.db.r7g.xlarge", "us-east-1")]["price"] == 0.553
    assert table[("aurora.instance.iopt.db.r7g.xlarge", "us-east-1")]["price"] == 0.7189
    # A page that states a minimum but not the price is no source for the price.
    proxy = table[("rdsProxy.acu", "us-east-1")]
    assert (proxy["basis"], proxy["source"], proxy["read"]) == ("recalled", None, None)


def test_docs_list_every_recalled_figure_by_key():
    docs = DOCS.read_text()
    section = docs[docs.index("**No page found**"):]
    listed: dict[str, list[str]] = {}
    for region, count, keys in re.findall(r"^- ([a-z]+-[a-z]+-\d) \((\d+)\): (.+)\.$", section, re.MULTILINE):
        listed[region] = re.findall(r"`([^`]+)`", keys)
        assert int(count) == len(listed[region]), region
    recalled: dict[str, list[str]] = {}
    for e in entries():
        if e["basis"] == "recalled":
            recalled.setdefault(e["region"], []).append(e["item"])
    assert {r: sorted(k) for r, k in listed.items()} == {r: sorted(k) for r, k in recalled.items()}, (
        "docs/cost.md's 'No page found' list is stale: list every recalled entry by key under its region")
