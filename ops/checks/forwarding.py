"""Write forwarding read back from the live cluster (the pack's aurora-write-forwarding-consistency).

Forwarding turned on in the console, or the consistency parameter changed in the group, drifts from what the stack
set: `describe_db_clusters` says whether readers forward (`LocalWriteForwardingStatus`, and
`GlobalWriteForwardingStatus` on a global secondary), the live group what consistency they read with. Aurora MySQL
forwards nothing while `aurora_replica_read_consistency` is empty; Aurora PostgreSQL forwards unless
`apg_write_forward.consistency_mode` is OFF (docs/database.md, Write forwarding)."""

from __future__ import annotations

from ops.checks.base import Facts, Outcome, failed, passed
from ops.checks.tls import parameter_value

# engine -> (parameter, whether unset forwards)
CONSISTENCY = {"aurora-mysql": ("aurora_replica_read_consistency", False),
               "aurora-postgresql": ("apg_write_forward.consistency_mode", True)}
FORWARDS = {"eventual", "session", "global"}
# Statuses that mean forwarding is on or being turned on (RDS API, DBCluster.LocalWriteForwardingStatus).
ON = {"enabled", "enabling", "requested"}


def write_forwarding(facts: Facts) -> Outcome:
    on = [name for name, key in (("local", "LocalWriteForwardingStatus"), ("global", "GlobalWriteForwardingStatus"))
          if str(facts.cluster.get(key) or "").lower() in ON]
    if not on:
        return passed("write forwarding is off")
    engine = facts.cluster.get("Engine", "")
    if engine not in CONSISTENCY:
        return failed(f"unknown engine {engine!r}: cannot tell whether {' and '.join(on)} write forwarding forwards")
    name, unset_forwards = CONSISTENCY[engine]
    group = facts.cluster.get("DBClusterParameterGroup")
    value = parameter_value(facts.aws.rds, group, name) if group else None
    shown = f"{name}={value}" if value else f"{name} not set"
    where = f"in {group}" if group else "(no cluster parameter group)"
    what = f"{' and '.join(on)} write forwarding is on"
    if value is None or not value.strip():
        if unset_forwards:
            return passed(f"{what}; {shown} {where} (SESSION by default)")
        return failed(f"{what} but {shown} {where}: Aurora MySQL forwards no writes while it is empty")
    if value.strip().lower() not in FORWARDS:
        return failed(f"{what} but {shown} {where}, which forwards no writes; expected EVENTUAL, SESSION or GLOBAL")
    return passed(f"{what}; {shown} {where}")
