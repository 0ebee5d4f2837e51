"""backtrack: rewind an Aurora MySQL cluster in place, inside its backtrack window.

moto does not implement backtrack_db_cluster nor describe_db_cluster_backtracks; the tests pin
the exact requests with botocore's Stubber.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from ops.cluster import describe_cluster
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.target import resolve_target
from ops.timeparse import as_utc, iso, iso_time

NAME = "backtrack"
HELP = "rewind an Aurora MySQL cluster in place to a time inside its backtrack window"
DISRUPTIVE = True
DEFAULT_TIMEOUT = 3600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to-time", type=iso_time, required=True, metavar="ISO8601", help="time to rewind to")
    parser.add_argument("--dry-run", action="store_true", help="check engine and window, change nothing")


def backtrack_window(cluster: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """(earliest, latest) time the cluster can be rewound to, or a clear refusal."""
    cluster_id = cluster["DBClusterIdentifier"]
    engine = cluster.get("Engine")
    if engine != "aurora-mysql":
        raise OpsError(
            f"backtrack is only for Aurora MySQL; {cluster_id} runs {engine}. "
            f"Use `python -m ops restore --to-time ... --new-cluster NAME` instead"
        )
    window = int(cluster.get("BacktrackWindow") or 0)
    if window <= 0:
        raise OpsError(
            f"backtrack is not enabled on {cluster_id} (BacktrackWindow 0); "
            f"use `python -m ops restore --to-time ... --new-cluster NAME` instead"
        )
    earliest = cluster.get("EarliestBacktrackTime")
    # AWS reports EarliestBacktrackTime; when it is absent (emulators), the window itself is
    # the best bound we have.
    earliest = as_utc(earliest) if earliest else now - timedelta(seconds=window)
    return earliest, now


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    cluster_id = target.require_cluster()
    rds = ctx.clients(target.region).rds
    cluster = describe_cluster(rds, cluster_id)
    earliest, latest = backtrack_window(cluster, ctx.now())
    when: datetime = args.to_time
    if not earliest <= when <= latest:
        raise OpsError(
            f"--to-time {iso(when)} is outside the backtrack window of {cluster_id}: "
            f"{iso(earliest)} .. {iso(latest)} (now)"
        )
    data: dict[str, Any] = {
        "cluster": cluster_id,
        "backtrackTo": iso(when),
        "window": {"earliest": iso(earliest), "latest": iso(latest)},
        "dryRun": args.dry_run,
    }
    if args.dry_run:
        ctx.result(args, data, f"dry run: {cluster_id} can be backtracked to {iso(when)}; nothing changed")
        return EXIT_OK

    confirm(
        f"Backtrack {cluster_id} in place to {iso(when)}: every change after it is lost.",
        assume_yes=args.yes,
        stdin=ctx.stdin,
        stderr=ctx.stderr,
    )
    started = rds.backtrack_db_cluster(DBClusterIdentifier=cluster_id, BacktrackTo=when)
    backtrack_id = started["BacktrackIdentifier"]
    ctx.inflight.started(
        f"backtrack {backtrack_id} of {cluster_id}",
        ctx.command("status", "--cluster", cluster_id, "--backtrack", backtrack_id),
        ctx.command("wait", "--cluster", cluster_id, "--backtrack", backtrack_id),
    )
    if args.no_wait:
        data.update(backtrackId=backtrack_id, status=started.get("Status"), waited=False)
        ctx.result(args, data, f"backtrack {backtrack_id} of {cluster_id} started; not waiting (--no-wait)")
        return EXIT_OK
    ctx.say(f"backtrack {backtrack_id} of {cluster_id} started")

    def probe() -> dict[str, Any]:
        found = rds.describe_db_cluster_backtracks(DBClusterIdentifier=cluster_id, BacktrackIdentifier=backtrack_id)
        return found["DBClusterBacktracks"][0]

    final = ctx.poller(args).until(
        f"backtrack {backtrack_id}",
        probe=probe,
        done=lambda b: str(b.get("Status", "")).lower() == "completed",
        describe=lambda b: str(b.get("Status")),
        failed=lambda b: "failed" if str(b.get("Status", "")).lower() == "failed" else None,
    )
    data.update(backtrackId=backtrack_id, status=final.get("Status"))
    ctx.result(args, data, f"{cluster_id} backtracked to {iso(when)} ({backtrack_id})")
    return EXIT_OK
