"""failover: promote a reader to writer and wait until the writer has really changed."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from ops.cluster import cluster_instances, describe_cluster, readers_of, require_writer, writer_of
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.target import resolve_target

NAME = "failover"
HELP = "fail over to a reader (default: the one Aurora would pick: promotion tier, then size)"
DISRUPTIVE = True
DEFAULT_TIMEOUT = 900

# Relative size of an instance class by its suffix (db.r6g.2xlarge -> 2xlarge). Within a family
# that orders memory and vCPUs; across families it is an approximation (see docs/ops.md).
_SIZES = {"nano": 0.0625, "micro": 0.125, "small": 0.25, "medium": 0.5, "large": 1.0, "xlarge": 2.0}
_N_XLARGE = re.compile(r"(\d+)xlarge")


def size_of(instance_class: str | None) -> float:
    """Bigger is larger; unknown classes (db.serverless) are 0, so they tie among themselves."""
    suffix = (instance_class or "").rsplit(".", 1)[-1]
    if suffix in _SIZES:
        return _SIZES[suffix]
    match = _N_XLARGE.fullmatch(suffix)
    if match:
        return 2.0 * int(match.group(1))
    if suffix == "metal":
        return 1000.0
    return 0.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", metavar="INSTANCE", help="reader instance to promote (must be available)")
    parser.add_argument("--dry-run", action="store_true", help="check and print the exact request, change nothing")


def choose_target(cluster: dict[str, Any], wanted: str | None, instances: list[dict[str, Any]] | None = None) -> str:
    """The reader to promote, as Aurora orders them: the lowest promotion tier, then the largest
    instance; among equals the lowest identifier (Aurora picks any, we stay predictable). Only an
    `available` reader qualifies. We always name the target: without one the service chooses.

    ``instances`` (describe-db-instances) gives status and class; without it every reader counts
    as available and equal in size.
    """
    cluster_id = cluster["DBClusterIdentifier"]
    readers = readers_of(cluster)
    if not readers:
        raise OpsError(f"cluster {cluster_id} has no reader to fail over to")
    details = {i["DBInstanceIdentifier"]: i for i in instances or []}

    def status(name: str) -> str:
        return str(details[name].get("DBInstanceStatus")) if name in details else "available"

    names = sorted(m["DBInstanceIdentifier"] for m in readers)
    if wanted is not None:
        if wanted == writer_of(cluster):
            raise OpsError(f"--to {wanted}: already the writer of {cluster_id}")
        if wanted not in names:
            raise OpsError(f"--to {wanted}: not a reader of {cluster_id} (readers: {', '.join(names)})")
        if status(wanted) != "available":
            raise OpsError(f"--to {wanted}: is {status(wanted)}, not available; AWS would refuse or stall the failover")
        return wanted
    ready = [m for m in readers if status(m["DBInstanceIdentifier"]) == "available"]
    if not ready:
        states = ", ".join(f"{n} {status(n)}" for n in names)
        raise OpsError(f"cluster {cluster_id} has no available reader to fail over to ({states})")
    best = min(
        ready,
        key=lambda m: (
            m.get("PromotionTier", 15),
            -size_of(details.get(m["DBInstanceIdentifier"], {}).get("DBInstanceClass")),
            m["DBInstanceIdentifier"],
        ),
    )
    return best["DBInstanceIdentifier"]


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    cluster_id = target.require_cluster()
    rds = ctx.clients(target.region).rds
    cluster = describe_cluster(rds, cluster_id)
    old_writer = require_writer(cluster)
    instances = cluster_instances(rds, cluster_id)
    new_target = choose_target(cluster, args.to, instances)
    member = next(m for m in readers_of(cluster) if m["DBInstanceIdentifier"] == new_target)
    klass = next((i.get("DBInstanceClass") for i in instances if i["DBInstanceIdentifier"] == new_target), None)
    request = {"DBClusterIdentifier": cluster_id, "TargetDBInstanceIdentifier": new_target}
    if args.dry_run:
        data = {"dryRun": True, "requests": [{"operation": "FailoverDBCluster", "request": request}]}
        text = "dry run, nothing changed; the request would be:\n" + json.dumps(data["requests"], indent=2)
        ctx.result(args, data, text)
        return EXIT_OK

    confirm(
        f"Fail over {cluster_id}: writer {old_writer} -> {new_target} "
        f"(tier {member.get('PromotionTier', 'unknown')}, {klass or 'class unknown'}); open connections drop.",
        assume_yes=args.yes,
        stdin=ctx.stdin,
        stderr=ctx.stderr,
    )
    resume = ctx.command("wait", "--cluster", cluster_id, "--writer", new_target)
    what = f"the failover of {cluster_id} to {new_target}"
    ctx.started(what, "--cluster", cluster_id, resume, pending=True)
    rds.failover_db_cluster(**request)
    ctx.started(what, "--cluster", cluster_id, resume)
    if args.no_wait:
        data = {"cluster": cluster_id, "oldWriter": old_writer, "newWriter": new_target, "waited": False}
        ctx.result(args, data, f"failover of {cluster_id} to {new_target} started; not waiting (--no-wait)")
        return EXIT_OK
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
