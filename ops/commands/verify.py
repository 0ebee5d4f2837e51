"""verify: check a live stack against the policy pack's rules, from the describe APIs."""

from __future__ import annotations

import argparse

from ops.checks import ERROR, FAIL, PASS, SKIP, CheckResult, Facts, run_checks
from ops.cluster import cluster_instances, describe_cluster
from ops.context import Context
from ops.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from ops.target import resolve_target

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
        default=7,
        metavar="DAYS",
        help="minimum backup retention in days, 1-35 (default 7)",
    )


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
    cluster_id = target.require_cluster()
    aws = ctx.clients(target.region)
    # A missing cluster is an error for the whole run (exit 2), not a finding.
    cluster = describe_cluster(aws.rds, cluster_id)
    facts = Facts(
        aws=aws,
        cluster=cluster,
        instances=cluster_instances(aws.rds, cluster_id),
        min_retention=args.min_retention,
        password_parameter=target.password_parameter,
        bastion_instance=target.bastion_instance,
    )
    results = run_checks(facts)
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, SKIP, ERROR)}
    data = {
        "cluster": cluster_id,
        "engine": cluster.get("Engine"),
        "region": aws.region,
        "ok": counts[FAIL] == 0 and counts[ERROR] == 0,
        "summary": counts,
        "checks": [{"name": r.name, "status": r.status, "detail": r.detail} for r in results],
    }
    header = f"cluster {cluster_id} ({cluster.get('Engine')}, {aws.region})"
    ctx.result(args, data, header + "\n" + render_table(results, counts))
    if counts[ERROR]:
        return EXIT_ERROR
    return EXIT_FINDINGS if counts[FAIL] else EXIT_OK


def render_table(results: list[CheckResult], counts: dict[str, int]) -> str:
    width = max(len(r.name) for r in results)
    lines = [f"{'CHECK':<{width}}  STATUS  DETAIL"]
    lines += [f"{r.name:<{width}}  {r.status.upper():<6}  {r.detail}" for r in results]
    lines.append(
        f"{len(results)} checks: {counts[PASS]} passed, {counts[FAIL]} failed, "
        f"{counts[SKIP]} skipped, {counts[ERROR]} errors"
    )
    return "\n".join(lines)
