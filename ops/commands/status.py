"""status: what an operation started by any command (or by anyone) is doing now, by its identifier.

`wait` (ops/commands/wait.py) polls the same read until it is done: the way to pick a wait up
again after --no-wait, --timeout, Ctrl-C or expired credentials.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ops.cluster import cluster_instances, describe_cluster, writer_of
from ops.commands.export import BAD as EXPORT_BAD
from ops.commands.export import DONE as EXPORT_DONE
from ops.commands.restore import BAD_CLUSTER, BAD_INSTANCE
from ops.context import Context
from ops.errors import EXIT_OK, OpsError, Refused
from ops.target import resolve_target

NAME = "status"
HELP = "show the state of a cluster, instance, snapshot, export task or backtrack (read-only)"
DISRUPTIVE = False
DEFAULT_TIMEOUT = 0


def add_what(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--instance", metavar="ID", help="a DB instance")
    what.add_argument("--snapshot", metavar="ID", help="a cluster snapshot")
    what.add_argument("--export-task", metavar="ID", help="a snapshot export task")
    what.add_argument("--backtrack", metavar="ID", help="a backtrack of --cluster")
    parser.add_argument("--writer", metavar="INSTANCE", help="with a cluster: done only once this is its writer")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_what(parser)


def first(answer: dict[str, Any], key: str, what: str) -> Any:
    """The one item a describe-by-identifier returns; some (export tasks) answer an empty list for an unknown id."""
    items = answer.get(key) or []
    if not items:
        raise Refused(f"{what}: not found")
    return items[0]


@dataclass
class Watch:
    kind: str
    ident: str
    probe: Callable[[], Any]
    done: Callable[[Any], bool]
    describe: Callable[[Any], str]
    failed: Callable[[Any], str | None]

    @property
    def what(self) -> str:
        return f"{self.kind} {self.ident}"


def _cluster_state(rds: Any, cluster_id: str) -> dict[str, Any]:
    cluster = describe_cluster(rds, cluster_id)
    return {
        "status": cluster.get("Status"),
        "writer": writer_of(cluster),
        "instances": {i["DBInstanceIdentifier"]: i.get("DBInstanceStatus") for i in cluster_instances(rds, cluster_id)},
    }


def watch_for(args: argparse.Namespace, ctx: Context) -> Watch:
    target = resolve_target(args)
    rds = ctx.clients(target.region).rds
    if args.instance:
        name = args.instance
        return Watch(
            "instance",
            name,
            lambda: first(rds.describe_db_instances(DBInstanceIdentifier=name), "DBInstances", f"instance {name}"),
            lambda i: i.get("DBInstanceStatus") == "available",
            lambda i: str(i.get("DBInstanceStatus")),
            lambda i: f"status {i.get('DBInstanceStatus')}" if i.get("DBInstanceStatus") in BAD_INSTANCE else None,
        )
    if args.snapshot:
        snap_id = args.snapshot
        return Watch(
            "snapshot",
            snap_id,
            lambda: first(
                rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snap_id),
                "DBClusterSnapshots",
                f"snapshot {snap_id}",
            ),
            lambda s: s.get("Status") == "available",
            lambda s: f"{s.get('Status')} {s.get('PercentProgress', 0)}%",
            lambda s: f"status {s['Status']}" if s.get("Status") in ("failed", "error") else None,
        )
    if args.export_task:
        task_id = args.export_task

        def export_failed(t: dict[str, Any]) -> str | None:
            if str(t.get("Status", "")).upper() in EXPORT_BAD:
                return f"{t.get('Status')}: {t.get('FailureCause', 'no cause given')}"
            return None

        return Watch(
            "export",
            task_id,
            lambda: first(rds.describe_export_tasks(ExportTaskIdentifier=task_id), "ExportTasks", f"export {task_id}"),
            lambda t: str(t.get("Status", "")).upper() == EXPORT_DONE,
            lambda t: f"{t.get('Status')} {t.get('PercentProgress', 0)}%",
            export_failed,
        )
    cluster_id = target.require_cluster()
    if args.backtrack:
        backtrack_id = args.backtrack
        return Watch(
            "backtrack",
            backtrack_id,
            lambda: first(
                rds.describe_db_cluster_backtracks(DBClusterIdentifier=cluster_id, BacktrackIdentifier=backtrack_id),
                "DBClusterBacktracks",
                f"backtrack {backtrack_id} of {cluster_id}",
            ),
            lambda b: str(b.get("Status", "")).lower() == "completed",
            lambda b: str(b.get("Status")),
            lambda b: "failed" if str(b.get("Status", "")).lower() == "failed" else None,
        )
    writer = args.writer

    def cluster_done(state: dict[str, Any]) -> bool:
        ready = state["status"] == "available" and all(s == "available" for s in state["instances"].values())
        return ready and (writer is None or state["writer"] == writer)

    def cluster_text(state: dict[str, Any]) -> str:
        members = ", ".join(f"{n} {s}" for n, s in sorted(state["instances"].items())) or "none"
        return f"status {state['status']}, writer {state['writer']}, instances: {members}"

    def cluster_failed(state: dict[str, Any]) -> str | None:
        bad = [f"cluster is {state['status']}"] if state["status"] in BAD_CLUSTER else []
        bad += [f"{n} is {s}" for n, s in sorted(state["instances"].items()) if s in BAD_INSTANCE]
        return "; ".join(bad) or None

    return Watch(
        "cluster", cluster_id, lambda: _cluster_state(rds, cluster_id), cluster_done, cluster_text, cluster_failed
    )


def check_flags(args: argparse.Namespace) -> None:
    if args.writer and (args.instance or args.snapshot or args.export_task or args.backtrack):
        raise OpsError("--writer goes with a cluster only (--cluster or --outputs), not with another identifier")


def run(args: argparse.Namespace, ctx: Context) -> int:
    check_flags(args)
    watch = watch_for(args, ctx)
    state = watch.probe()
    reason = watch.failed(state)
    done = watch.done(state)
    data = {
        "kind": watch.kind,
        "id": watch.ident,
        "state": watch.describe(state),
        "done": done,
        "failed": reason,
        "detail": state,
    }
    label = "done" if done else ("FAILED: " + reason if reason else "in progress")
    ctx.result(args, data, f"{watch.what}: {watch.describe(state)} ({label})")
    return EXIT_OK
