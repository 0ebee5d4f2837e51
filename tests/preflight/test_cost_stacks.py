"""`python -m preflight cost`, the report's cost section and the diff's cost change, on the real dev and prod stacks
and on small programs."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
import yaml

from preflight.cost import apply_sets, cost_delta, delta_text, main
from preflight.engine import REPO_ROOT

from .gate_helpers import gate_json, write_program


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cost_json(*argv: str) -> dict:
    code, out, err = run(*argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)["cost"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_real_stacks_are_priced_without_unknown_types(stack):
    cost = cost_json("--stack", stack)
    assert cost["region"] == "us-east-1"
    assert cost["unpricedTypes"] == {}  # every type the program creates has a cost model or is known to be free
    assert cost["monthly"]["total"] == pytest.approx(cost["monthly"]["fixed"] + cost["monthly"]["usage"], abs=0.02)
    # The stack's own usage assumptions are the ones used (the report prints them all, defaults included).
    usage = json.loads((REPO_ROOT / "policies/config" / f"{stack}.json").read_text())["stack-monthly-budget"]["usage"]
    assert {k: cost["assumptions"][k] for k in usage} == usage


def test_prod_prices_three_nat_gateways_three_instances_and_no_serverless():
    cost = cost_json("--stack", "prod")
    by_type: dict[str, list[dict]] = {}
    for r in cost["resources"]:
        by_type.setdefault(r["type"], []).append(r)
    assert len(by_type["aws:ec2/natGateway:NatGateway"]) == 3
    instances = by_type["aws:rds/clusterInstance:ClusterInstance"]
    assert [line["item"] for r in instances for line in r["lines"] if line["kind"] == "fixed"].count(
        "aurora.instance.db.r6g.large") == 3
    # Performance Insights beyond 7 days has no price in the table: listed, not zero, not in the total.
    assert {c["item"] for c in cost["unpricedComponents"]} == {"aurora.performanceInsights.retention"}


def test_dev_serverless_costs_only_its_active_hours():
    cost = cost_json("--stack", "dev")
    [instance] = [r for r in cost["resources"] if r["type"] == "aws:rds/clusterInstance:ClusterInstance"]
    usage = json.loads((REPO_ROOT / "policies/config/dev.json").read_text())["stack-monthly-budget"]["usage"]
    [line] = instance["lines"]
    assert line["kind"] == "usage" and line["item"] == "aurora.acu"
    assert line["quantity"] == usage["serverlessAverageAcu"] * usage["serverlessActiveHoursPerMonth"]
    assert instance["fixed"] == 0  # minCapacity 0: paused, nothing while idle


def test_set_tries_a_cheaper_choice_without_editing_the_stack():
    before = cost_json("--stack", "dev")
    after = cost_json("--stack", "dev", "--set", "aurora-platform:bastion.enabled=false")
    [bastion] = [r for r in before["resources"] if r["type"] == "aws:ec2/instance:Instance"]
    assert not [r for r in after["resources"] if r["type"] == "aws:ec2/instance:Instance"]
    assert after["monthly"]["fixed"] == pytest.approx(before["monthly"]["fixed"] - bastion["fixed"], abs=0.01)


@pytest.mark.parametrize("bad, message", [
    ("bastion.enabled=false", "expected NAMESPACE:KEY[.PATH]=VALUE"),
    ("aurora-platform:bastion.enabled", "expected NAMESPACE:KEY[.PATH]=VALUE"),
    ("aurora-platform:bastion.enabled=[", "the value is not valid YAML"),
])
def test_a_bad_set_is_one_line_not_a_traceback(bad, message):
    code, out, err = run("--stack", "dev", "--set", bad)
    assert code == 2 and out == ""
    assert err.startswith("preflight cost: --set") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_apply_sets_merges_into_the_existing_object():
    config = {"aurora-platform:bastion": {"enabled": True, "instanceType": "t4g.micro"}}
    assert apply_sets(config, ["aurora-platform:bastion.enabled=false"]) == {
        "aurora-platform:bastion": {"enabled": False, "instanceType": "t4g.micro"}}
    assert config["aurora-platform:bastion"]["enabled"] is True  # the stack's own config is untouched


def test_a_region_without_prices_is_a_clear_line(tmp_path):
    program = write_program(tmp_path)
    stack_file = program / "Pulumi.test.yaml"
    stack_file.write_text(stack_file.read_text().replace("us-east-1", "ap-south-1")
                          if "us-east-1" in stack_file.read_text()
                          else stack_file.read_text() + "  aws:region: ap-south-1\n")
    code, out, _ = run("--stack", "test", "--program", str(program))
    assert code == 0
    assert "Monthly cost: no prices for ap-south-1." in out
    assert "$" not in out  # no other region's numbers


def test_a_bad_usage_assumption_in_the_policy_config_is_one_line(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"stack-monthly-budget": {"usage": {"natGbPerMonth": -5}}}))
    code, _, err = run("--stack", "dev", "--policy-config", str(config))
    assert code == 2 and "Traceback" not in err and "natGbPerMonth" in err and len(err.strip().splitlines()) == 1


def test_the_gate_json_report_carries_the_cost_section(tmp_path):
    _, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path)))
    cost = report["cost"]
    # The small program: 2 x db.r6g.large, one KMS key, one SNS topic, alarms none: the instances dominate.
    assert cost["monthly"]["fixed"] == pytest.approx(2 * 730 * 0.26 + 1.00, abs=0.01)
    assert set(cost) >= {"region", "monthly", "assumptions", "resources", "unpricedTypes", "unverifiedPrices"}


def test_the_policy_configs_name_the_stack_region():
    for path in sorted((REPO_ROOT / "policies/config").glob("*.json")):
        stack = path.stem
        region = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]["aws:region"]
        budget = json.loads(path.read_text()).get("stack-monthly-budget", {})
        assert budget.get("region") == region, f"{path.name}: region must match Pulumi.{stack}.yaml"


# --- the diff's cost change -----------------------------------------------------------------------------------------
def _report(total: float, resources: list[tuple[str, float]], **assumptions: float) -> dict:
    return {"stack": "dev", "project": "p", "cost": {
        "region": "us-east-1", "monthly": {"total": total}, "assumptions": assumptions,
        "resources": [{"urn": f"urn:{name}", "name": name, "type": "aws:x/y:Z", "total": value}
                      for name, value in resources]}}


def test_cost_delta_by_resource_biggest_first():
    base = _report(50.0, [("nat", 36.5), ("bastion", 6.77), ("key", 1.0), ("same", 5.73)], natGbPerMonth=5)
    head = _report(80.0, [("nat", 36.5), ("key", 1.0), ("same", 5.73), ("proxy", 36.77)], natGbPerMonth=10)
    delta = cost_delta(base, head)
    assert delta.delta == pytest.approx(30.0)
    assert [(name, action) for name, _t, action, _a, _b in delta.rows] == [("proxy", "create"),
                                                                         ("bastion", "delete")]
    text = "\n".join(delta_text(delta))
    assert text.splitlines()[0].startswith("Monthly cost change: +$30.00 ($50.00 -> $80.00, us-east-1")
    assert "usage assumption natGbPerMonth: 5 -> 10" in text


def test_cost_delta_for_a_new_stack_starts_from_zero_and_an_old_base_is_named():
    head = _report(12.5, [("nat", 12.5)])
    assert cost_delta(None, head).delta == pytest.approx(12.5)
    old = {"stack": "dev", "project": "p"}  # a report from before cost sections existed
    delta = cost_delta(old, head)
    assert delta.delta is None
    assert re.search(r"not known \(the BASE report has no cost section", delta_text(delta)[0])
    assert cost_delta(old, old) is None  # neither side has estimates: the diff says nothing about cost


def test_the_diff_command_puts_the_total_first_in_markdown(tmp_path):
    from preflight.diff import main as diff_main
    base = _report(50.0, [("nat", 50.0)])
    head = _report(20.0, [("nat", 20.0)])
    for name, doc in (("base", base), ("head", head)):
        doc.update(formatVersion=1, resources=[], violations=[], exports={})
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert diff_main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--format", "markdown"]) == 0
    lines = out.getvalue().splitlines()
    # `->` is written as an HTML entity (preflight/markdown.py escapes prose); GitHub shows "->".
    assert lines[2].startswith("**Monthly cost change: -$30.00 ($50.00 -&gt; $20.00")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_readme_quotes_each_stacks_estimate_as_the_command_prints_it(stack):
    """The README's estimates are the first two lines of `python -m preflight cost --stack S`, word for word: a price
    or a default that changes the total makes this fail until the README is updated."""
    code, out, err = run("--stack", stack)
    assert code == 0, err
    first_two = "\n".join(out.splitlines()[:2])
    assert first_two.startswith(f"Stack aurora-platform/{stack}\nMonthly cost (us-east-1, ")
    assert first_two in (REPO_ROOT / "README.md").read_text()
