"""What failover tells the operator: the prompt (target, tier, class), the dry-run text, --help, and the exact
`status`/`wait` commands when the failover is left running (interrupted or timed out).

Expected values are written by hand from docs/ops.md (`failover`, "Every "continues in AWS" message names the exact
`status` and `wait` command, with `--region`"). Where moto cannot produce a state (an instance that is not available,
a reader without a PromotionTier or not in describe-db-instances, a failover that takes time) the calls are pinned
with botocore's Stubber, as said in each test's docstring.
"""

from __future__ import annotations

from botocore.stub import Stubber

from tests.ops.test_ops_results_pinned import InterruptedAt


def members(writer: str, tiers: dict[str, int | None]) -> list[dict]:
    listed = []
    for name, tier in tiers.items():
        member: dict = {"DBInstanceIdentifier": name, "IsClusterWriter": name == writer}
        if tier is not None:
            member["PromotionTier"] = tier
        listed.append(member)
    return listed


def described(classes: dict[str, str], states: dict[str, str] | None = None) -> list[dict]:
    return [{"DBInstanceIdentifier": name, "DBInstanceClass": klass,
             "DBInstanceStatus": (states or {}).get(name, "available")} for name, klass in classes.items()]


def stub_start(stubber: Stubber, tiers: dict[str, int | None], instances: list[dict]) -> None:
    """The reads failover makes before it asks anything: the cluster (writer c-1) and its instances."""
    cluster = {"DBClusterIdentifier": "c", "Status": "available", "DBClusterMembers": members("c-1", tiers)}
    stubber.add_response("describe_db_clusters", {"DBClusters": [cluster]}, {"DBClusterIdentifier": "c"})
    stubber.add_response("describe_db_instances", {"DBInstances": instances},
                         {"Filters": [{"Name": "db-cluster-id", "Values": ["c"]}]})


def failover(run_ops, client, *argv, **kwargs):
    return run_ops("failover", "--cluster", "c", *argv, make_client=lambda service, region: client, **kwargs)


# ---- the prompt -------------------------------------------------------------------------------------------------


def test_the_prompt_shows_the_class_of_the_target_not_of_another_instance(stubbed_rds, run_ops, tty):
    """Stubber, so the writer and the reader have different classes (moto's stacks use one class)."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": 1}, described({"c-1": "db.r6g.2xlarge", "c-2": "db.t4g.medium"}))
    result = failover(run_ops, client, stdin=tty("n\n"))
    assert result.code == 2
    assert "Fail over c: writer c-1 -> c-2 (tier 1, db.t4g.medium); open connections drop." in result.err


def test_a_reader_missing_from_describe_instances_is_shown_as_class_unknown(stubbed_rds, run_ops, tty):
    """Stubber: the cluster lists a reader that describe-db-instances does not return (it is being deleted, or the
    answers raced). The prompt still shows the target, with its class unknown, instead of failing."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": 1}, described({"c-1": "db.r6g.large"}))
    result = failover(run_ops, client, stdin=tty("n\n"))
    assert result.code == 2
    assert "Fail over c: writer c-1 -> c-2 (tier 1, class unknown); open connections drop." in result.err


def test_a_reader_without_a_promotion_tier_is_shown_as_tier_unknown(stubbed_rds, run_ops, tty):
    """Stubber: PromotionTier is optional in the RDS model's DBClusterMember; the prompt says so plainly."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": None}, described({"c-1": "db.r6g.large", "c-2": "db.r6g.large"}))
    result = failover(run_ops, client, stdin=tty("n\n"))
    assert result.code == 2
    assert "Fail over c: writer c-1 -> c-2 (tier unknown, db.r6g.large); open connections drop." in result.err


# ---- the target is chosen from what describe-db-instances says ---------------------------------------------------


def test_the_command_skips_a_reader_that_is_not_available(stubbed_rds, run_ops):
    """Stubber, because moto's instances are always `available`: the better-tier reader is rebooting, so the
    request names the other one."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": 1, "c-3": 2},
               described({"c-1": "db.r6g.large", "c-2": "db.r6g.large", "c-3": "db.r6g.large"}, {"c-2": "rebooting"}))
    result = failover(run_ops, client, "--dry-run", "--json")
    assert result.code == 0, result.err
    assert result.json()["requests"][0]["request"] == {"DBClusterIdentifier": "c", "TargetDBInstanceIdentifier": "c-3"}


def test_the_command_prefers_the_largest_reader_of_a_tier(stubbed_rds, run_ops):
    """Stubber, so the readers have different classes: within tier 1 the 4xlarge wins over the lower-named large."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": 1, "c-3": 1},
               described({"c-1": "db.r6g.large", "c-2": "db.r6g.large", "c-3": "db.r6g.4xlarge"}))
    result = failover(run_ops, client, "--dry-run", "--json")
    assert result.code == 0, result.err
    assert result.json()["requests"][0]["request"]["TargetDBInstanceIdentifier"] == "c-3"


# ---- dry run and help --------------------------------------------------------------------------------------------


def test_dry_run_text_says_nothing_changed_and_prints_the_request_as_indented_json(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--dry-run")
    assert result.code == 0, result.err
    assert result.out == (
        "dry run, nothing changed; the request would be:\n"
        "[\n"
        "  {\n"
        '    "operation": "FailoverDBCluster",\n'
        '    "request": {\n'
        '      "DBClusterIdentifier": "aurora-dev",\n'
        '      "TargetDBInstanceIdentifier": "aurora-dev-2"\n'
        "    }\n"
        "  }\n"
        "]\n"
    )
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_help_names_the_flags_and_what_they_promise(run_ops):
    result = run_ops("failover", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())  # argparse wraps to the terminal's width
    assert "--to INSTANCE reader instance to promote (must be available)" in text
    assert "--dry-run check and print the exact request, change nothing" in text


# ---- what is left running, and how to pick it up ------------------------------------------------------------------


def test_ctrl_c_during_the_request_names_the_status_and_the_wait_for_the_new_writer(stacks, run_ops):
    """Between sending the request and reading the answer nobody knows whether the failover began: check it, and
    if it did, wait for *this* writer (`wait --writer`), not merely for the cluster to be available."""
    from tests.ops.conftest import reused_client

    stack = stacks.build(zones=("a", "b", "c"), tiers=(0, 5, 1))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes",
                     make_client=lambda service, region, options=None: InterruptedAt(
                         reused_client(service, region, options), "failover_db_cluster"))
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        "ops: error: interrupted; the failover of aurora-dev to aurora-dev-3 may or may not have started in AWS; "
        "check with `python -m ops status --cluster aurora-dev --region eu-west-1` and, if it did, resume with "
        "`python -m ops wait --cluster aurora-dev --writer aurora-dev-3 --region eu-west-1`"
    )
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_a_timeout_after_the_request_says_the_failover_continues_and_how_to_wait_for_it(stubbed_rds, run_ops):
    """Stubber, because moto's failover is instantaneous: AWS still reports the old writer when --timeout 0 ends
    the wait. The failover was accepted, so it "continues in AWS", with the commands to check it and wait on."""
    client, stubber = stubbed_rds
    stub_start(stubber, {"c-1": 0, "c-2": 1}, described({"c-1": "db.r6g.large", "c-2": "db.r6g.large"}))
    failing = {"DBClusterIdentifier": "c", "Status": "failing-over",
               "DBClusterMembers": members("c-1", {"c-1": 0, "c-2": 1})}
    stubber.add_response("failover_db_cluster", {"DBCluster": failing},
                         {"DBClusterIdentifier": "c", "TargetDBInstanceIdentifier": "c-2"})
    stubber.add_response("describe_db_clusters", {"DBClusters": [failing]}, {"DBClusterIdentifier": "c"})
    result = failover(run_ops, client, "--yes", "--timeout", "0")
    assert result.code == 4
    assert result.err.splitlines()[-1] == (
        "ops: error: stopped waiting for writer of c after 0s (--timeout 0), last state: status failing-over, "
        "writer c-1; the failover of c to c-2 continues in AWS; check it with "
        "`python -m ops status --cluster c --region eu-west-1`, resume with "
        "`python -m ops wait --cluster c --writer c-2 --region eu-west-1`"
    )


def test_the_stacks_region_wins_over_the_environments(stacks, run_ops, monkeypatch):
    stack = stacks.build()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")  # no cluster there: it is in the stack's eu-west-1
    result = run_ops("failover", "--outputs", str(stack.outputs), "--yes")
    assert result.code == 0, result.err
    assert result.out == "aurora-dev: writer aurora-dev-1 -> aurora-dev-2\n"
