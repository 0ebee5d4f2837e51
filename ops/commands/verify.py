"""verify: check a live stack against the policy pack's rules, from the describe APIs."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ops.checks import BACKUP_CHECKS, CHECKS, ERROR, FAIL, LIVE_FACT_CHECKS, PASS, SKIP, CheckResult, Facts, run_checks
from ops.cluster import cluster_instances, describe_cluster
from ops.context import Context
from ops.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from ops.levels import ADVISORY, DISABLED, Levels, load_levels, strict
from ops.target import resolve_target

WARN = "warn"
NAME = "verify"
HELP = "check a live stack against the policy pack's rules (read-only)"
DISRUPTIVE = False
DEFAULT_TIMEOUT = 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-parameter", metavar="NAME", help="SSM parameter holding the master password")
    parser.add_argument("--bastion-instance", metavar="ID", help="EC2 instance id of the bastion")
    parser.add_argument(
        "--min-retention",
        type=retention_days,
        default=None,
        metavar="DAYS",
        help="minimum backup retention in days, 1-35 (default: the policy config's, else 7)",
    )
    parser.add_argument(
        "--backup",
        action="store_true",
        help="also check AWS Backup (database.awsBackup): a plan selects the cluster and its newest recovery point "
        "is at most 48 hours old (backup:ListBackupPlans, ListBackupSelections, GetBackupSelection, "
        "ListRecoveryPointsByResource)",
    )
    parser.add_argument(
        "--live-facts",
        action="store_true",
        help="also check what only the region can answer: the engine version is offered and not deprecated, the "
        "instance class is offered in the instances' zones, their CA is current, the Serverless v2 maxCapacity is "
        "one the version takes (describe-db-engine-versions, describe-orderable-db-instance-options, "
        "describe-certificates)",
    )
    parser.add_argument(
        "--policy-config",
        type=policy_config_file,
        metavar="FILE",
        help="the stack's policy pack config (policies/config/<stack>.json): advisory rules are reported without "
        "failing the run, disabled ones are skipped (default: every check mandatory)",
    )


def policy_config_file(value: str) -> Path:
    """argparse ``type=``: an empty value is a mistake (an unset variable in a script), not "no config": that is
    leaving the flag out, and every check is then mandatory."""
    if not value.strip():
        raise argparse.ArgumentTypeError("empty; name the stack's policy pack config (policies/config/<stack>.json), "
                                         "or leave the flag out to make every check mandatory")
    return Path(value)


def retention_days(value: str) -> int:
    """argparse ``type=``: Aurora keeps 1 to 35 days, so a bar outside that is a typo, not a policy."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {value!r}") from None
    if not 1 <= days <= 35:
        raise argparse.ArgumentTypeError(f"{days} is outside Aurora's backup retention range 1-35")
    return days


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    checks = CHECKS + (BACKUP_CHECKS if args.backup else []) + (LIVE_FACT_CHECKS if args.live_facts else [])
    levels = load_levels(args.policy_config, [name for name, _ in checks]) if args.policy_config else strict()
    min_retention = args.min_retention or levels.min_retention or 7
    cluster_id = target.require_cluster()
    aws = ctx.clients(target.region)
    # A missing cluster is an error for the whole run (exit 2), not a finding.
    cluster = describe_cluster(aws.rds, cluster_id)
    facts = Facts(
        aws=aws,
        cluster=cluster,
        instances=cluster_instances(aws.rds, cluster_id),
        min_retention=min_retention,
        password_parameter=target.password_parameter,
        bastion_instance=target.bastion_instance,
        now=ctx.now(),
    )
    results = apply_levels(run_checks(facts, checks), levels)
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, SKIP, ERROR)}
    blocking = [r for r in results if r.status == FAIL and levels.level(r.name) != ADVISORY]
    # An advisory failure is a warning: counted apart, so "failed" is what fails the run.
    counts[WARN] = counts[FAIL] - len(blocking)
    counts[FAIL] = len(blocking)
    data = {
        "cluster": cluster_id,
        "engine": cluster.get("Engine"),
        "region": aws.region,
        "ok": not blocking and counts[ERROR] == 0,
        "summary": counts,
        "checks": [
            {"name": r.name, "status": r.status, "level": levels.level(r.name), "detail": r.detail} for r in results
        ],
    }
    header = f"cluster {cluster_id} ({cluster.get('Engine')}, {aws.region})"
    ctx.result(args, data, header + "\n" + render_table(results, counts, levels))
    if counts[ERROR]:
        return EXIT_ERROR
    return EXIT_FINDINGS if blocking else EXIT_OK


def apply_levels(results: list[CheckResult], levels: Levels) -> list[CheckResult]:
    """A rule the stack's config disables is not judged here either."""
    return [replace(r, status=SKIP, detail="disabled by the policy config")
            if levels.level(r.name) == DISABLED else r for r in results]


def render_table(results: list[CheckResult], counts: dict[str, int], levels: Levels) -> str:
    width = max(len(r.name) for r in results)

    def status(result: CheckResult) -> str:
        # An advisory failure reads as a warning: reported, but it does not fail the run.
        advisory = result.status == FAIL and levels.level(result.name) == ADVISORY
        return "WARN" if advisory else result.status.upper()

    lines = [f"{'CHECK':<{width}}  STATUS  DETAIL"]
    lines += [f"{r.name:<{width}}  {status(r):<6}  {r.detail}" for r in results]
    lines.append(
        f"{len(results)} checks: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[WARN]} warnings, "
        f"{counts[SKIP]} skipped, {counts[ERROR]} errors"
    )
    return "\n".join(lines)
