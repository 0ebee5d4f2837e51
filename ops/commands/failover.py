"""failover: promote a reader to writer and wait until the writer has really changed."""

from __future__ import annotations

import argparse
from typing import Any

from ops.cluster import describe_cluster, readers_of, require_writer, writer_of
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.target import resolve_target

NAME = "failover"
HELP = "fail over to a reader (default: the reader with the best promotion tier)"
DISRUPTIVE = True
DEFAULT_TIMEOUT = 900


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", metavar="INSTANCE", help="reader instance to promote")


def choose_target(cluster: dict[str, Any], wanted: str | None) -> str:
    """The reader to promote: ``wanted`` if it is a reader, else the best promotion tier.

    Tier 0 is promoted first (AWS's own order); ties go to the lowest identifier so the choice
    is predictable. We always name the target: without one, moto (and the API contract) may pick
    any reader.
    """
    cluster_id = cluster["DBClusterIdentifier"]
    readers = readers_of(cluster)
    if not readers:
        raise OpsError(f"cluster {cluster_id} has no reader to fail over to")
    names = sorted(m["DBInstanceIdentifier"] for m in readers)
    if wanted is None:
        best = min(readers, key=lambda m: (m.get("PromotionTier", 15), m["DBInstanceIdentifier"]))
        return best["DBInstanceIdentifier"]
    if wanted == writer_of(cluster):
        raise OpsError(f"--to {wanted}: already the writer of {cluster_id}")
    if wanted not in names:
        raise OpsError(f"--to {wanted}: not a reader of {cluster_id} (readers: {', '.join(names)})")
    return wanted


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    cluster_id = target.require_cluster()
    rds = ctx.clients(target.region).rds
    cluster = describe_cluster(rds, cluster_id)
    old_writer = require_writer(cluster)
    new_target = choose_target(cluster, args.to)

    confirm(
        f"Fail over {cluster_id}: writer {old_writer} -> {new_target}; open connections drop.",
        assume_yes=args.yes,
        stdin=ctx.stdin,
        stderr=ctx.stderr,
    )
    rds.failover_db_cluster(DBClusterIdentifier=cluster_id, TargetDBInstanceIdentifier=new_target)
    ctx.say(f"failover of {cluster_id} started; waiting for the writer to change")

    final = ctx.poller(args).until(
        f"writer of {cluster_id}",
        probe=lambda: describe_cluster(rds, cluster_id),
        done=lambda c: writer_of(c) not in (None, old_writer) and c.get("Status") == "available",
        describe=lambda c: f"status {c.get('Status')}, writer {writer_of(c)}",
    )
    new_writer = writer_of(final)
    data = {"cluster": cluster_id, "oldWriter": old_writer, "newWriter": new_writer}
    ctx.result(args, data, f"{cluster_id}: writer {old_writer} -> {new_writer}")
    return EXIT_OK
